/**
 * A worker process's /metrics: the cycles its workflows count (AgentMetrics, fed by the cycle's
 * sink), the budget left, read from the admission workflow at each scrape, and Node's own
 * process metrics.
 */
import { Client, type ConnectionLike } from '@temporalio/client';
import { collectDefaultMetrics } from 'prom-client';
import { AgentMetrics } from '../telemetry/agentMetrics';
import { serveMetrics, type MetricsServer } from '../telemetry/metricsServer';
import type { MetricsSettings } from '../telemetry/metricsSettings';
import { UserError } from '../errors';
import { readBudget } from './admissionClient';

/** A scrape waits this long for the budget; Prometheus's own timeout is 10 s by default. */
const BUDGET_READ_MS = 3000;

export interface WorkerMetrics {
  metrics: AgentMetrics;
  /** The /metrics address, when KTRDR_METRICS_PORT asked for one. */
  url?: string;
  close(): Promise<void>;
}

export async function startWorkerMetrics({
  connection,
  namespace,
  taskQueue,
  settings,
}: {
  connection: ConnectionLike;
  namespace: string;
  taskQueue: string;
  settings: MetricsSettings;
}): Promise<WorkerMetrics> {
  const client = new Client({ connection, namespace });
  const budgetRemaining = async () => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), BUDGET_READ_MS)));
    try {
      const view = await Promise.race([readBudget(client, taskQueue), late]);
      return view?.snapshot.remainingUsd;
    } finally {
      clearTimeout(timer);
    }
  };
  const metrics = new AgentMetrics({ budgetRemaining });
  if (settings.port === undefined) return { metrics, close: () => Promise.resolve() };
  collectDefaultMetrics({ register: metrics.registry });
  let server: MetricsServer;
  try {
    server = await serveMetrics(metrics.registry, { host: settings.host, port: settings.port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserError(`port ${settings.port} is in use (the worker's metrics): stop what uses it, or set KTRDR_METRICS_PORT to another port`);
    }
    throw err;
  }
  return { metrics, url: server.url, close: () => server.close() };
}
