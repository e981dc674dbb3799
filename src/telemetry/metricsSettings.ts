/**
 * Where a worker process serves its metrics, from the environment: KTRDR_METRICS_PORT (the
 * agent's metrics at /metrics) and KTRDR_SDK_METRICS_PORT (the Temporal SDK's runtime metrics,
 * served by its native core), both on KTRDR_METRICS_HOST (default 127.0.0.1; 0.0.0.0 in a
 * container). Unset ports serve nothing: several workers on one machine would otherwise fight
 * over one port.
 */
import { UserError } from '../errors';

export interface MetricsSettings {
  host: string;
  port?: number;
  sdkPort?: number;
}

function portFrom(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535)
    throw new UserError(`${name}=${value} is not a port: use a whole number from 1 to 65535, or unset it.`);
  return port;
}

export function metricsSettings(env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  const port = portFrom(env, 'KTRDR_METRICS_PORT');
  const sdkPort = portFrom(env, 'KTRDR_SDK_METRICS_PORT');
  if (port !== undefined && port === sdkPort) throw new UserError(`KTRDR_METRICS_PORT and KTRDR_SDK_METRICS_PORT are both ${port}: give each its own port.`);
  const host = env.KTRDR_METRICS_HOST?.trim();
  // an empty KTRDR_METRICS_HOST is as good as unset
  return { host: host === undefined || host === '' ? '127.0.0.1' : host, port, sdkPort };
}

/** The bind address of the SDK's Prometheus exporter, when asked for. */
export function sdkMetricsAddress({ host, sdkPort }: MetricsSettings): string | undefined {
  if (sdkPort === undefined) return undefined;
  return `${host.includes(':') ? `[${host}]` : host}:${sdkPort}`;
}
