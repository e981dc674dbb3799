/**
 * Whether this process exports traces, from OpenTelemetry's standard environment variables only:
 * off unless asked for (OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint given), and off whenever
 * OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
 */
import { UserError } from '../errors';

export interface TracingSettings {
  /** OTEL_SERVICE_NAME, else the process's default. */
  serviceName: string;
}

const truthy = (value: string | undefined) => value?.trim().toLowerCase() === 'true';
const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

/** Undefined: no tracing. A value this process cannot honour is a UserError that says what to set. */
export function tracingSettings(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingSettings | undefined {
  if (truthy(env.OTEL_SDK_DISABLED)) return undefined;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  const unknown = exporters.filter((e) => e !== 'otlp' && e !== 'none');
  if (unknown.length) {
    throw new UserError(`OTEL_TRACES_EXPORTER=${env.OTEL_TRACES_EXPORTER} is not supported: use otlp (OTLP over HTTP) or none.`);
  }
  if (exporters.includes('none')) return undefined;
  const endpointGiven = set(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) || set(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (!exporters.includes('otlp') && !endpointGiven) return undefined;
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'OTEL_EXPORTER_OTLP_PROTOCOL'] as const) {
    const protocol = env[name]?.trim().toLowerCase();
    if (set(protocol) && protocol !== 'http/json' && protocol !== 'http/protobuf') {
      throw new UserError(`${name}=${env[name]} is not supported: traces go out as OTLP over HTTP (port 4318), so set http/json or leave it unset.`);
    }
  }
  return { serviceName: set(env.OTEL_SERVICE_NAME) ? env.OTEL_SERVICE_NAME.trim() : defaultServiceName };
}
