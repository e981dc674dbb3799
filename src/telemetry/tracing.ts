/**
 * OpenTelemetry tracing of this process, when the OTEL_* environment asks for it: a tracer
 * provider registered globally (W3C trace context, AsyncLocalStorage), its spans batched to an
 * OTLP/HTTP exporter that reads its own OTEL_EXPORTER_OTLP_* settings. When tracing is off none
 * of the SDK is loaded: only @opentelemetry/api, whose spans are then no-ops.
 */
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { tracingSettings, type TracingSettings } from './tracingSettings';

/** What the Temporal interceptors need besides the global provider: the workflow spans reach the exporter through a sink. */
export interface Tracing {
  resource: Resource;
  spanProcessor: SpanProcessor;
  /** Exports what is still batched, then stops the provider. */
  shutdown(): Promise<void>;
}

let active: Tracing | undefined;

/** This process's tracing, once started. */
export function currentTracing(): Tracing | undefined {
  return active;
}

async function startTracing({ serviceName }: TracingSettings): Promise<Tracing> {
  if (active) return active;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { Resource, detectResourcesSync, envDetectorSync }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (the env detector) win over the process's defaults
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': serviceName }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  const tracing: Tracing = {
    resource,
    spanProcessor,
    async shutdown() {
      active = undefined;
      await provider.shutdown();
    },
  };
  active = tracing;
  return tracing;
}

/** Starts tracing when the environment asks for it (see tracingSettings); undefined otherwise. */
export async function startTracingFromEnv(env: NodeJS.ProcessEnv = process.env, defaultServiceName = 'ktrdr-agent'): Promise<Tracing | undefined> {
  const settings = tracingSettings(env, defaultServiceName);
  return settings ? startTracing(settings) : undefined;
}
