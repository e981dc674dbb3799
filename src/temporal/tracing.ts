/**
 * Temporal's OpenTelemetry interceptors (@temporalio/interceptors-opentelemetry), installed only
 * when this process traces (telemetry/tracing.ts): a client's starts and signals open spans whose
 * context goes with the workflow, the workflow's spans (workflows/tracing.ts)
 * reach the exporter through a sink, and each activity runs in a span that is the child of the
 * workflow's. Untraced, none of this is loaded.
 */
import path from 'node:path';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { currentTracing, type Tracing } from '../telemetry/tracing';

/** The workflow interceptor module a traced worker's bundle is made with: Temporal's interceptors and the cycle's own spans. */
export function tracedWorkflowModules(): string[] {
  return [path.join(__dirname, '..', 'workflows', 'tracing')];
}

/** What a traced worker adds to its options: the activity interceptors and the workflow spans' sink. */
export async function tracedWorkerOptions(tracing: Tracing): Promise<Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>>> {
  const otel = await import('@temporalio/interceptors-opentelemetry');
  return {
    interceptors: {
      activity: [
        (ctx) => ({ inbound: new otel.OpenTelemetryActivityInboundInterceptor(ctx), outbound: new otel.OpenTelemetryActivityOutboundInterceptor(ctx) }),
      ],
    },
    sinks: { exporter: otel.makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}

/** A client's interceptors: with tracing, a start's span parents the workflow it starts; none otherwise. */
export async function clientInterceptors(): Promise<ClientInterceptors | undefined> {
  if (!currentTracing()) return undefined;
  const { OpenTelemetryWorkflowClientInterceptor } = await import('@temporalio/interceptors-opentelemetry');
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}
