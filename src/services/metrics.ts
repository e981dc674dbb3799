/**
 * The services' own metrics, at their /metrics: operations ended by type and outcome, how long
 * they ran, and the slots and queue as they are at the scrape. One registry per instance, so
 * that instances in one process (tests, `dev`) keep their counts apart.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OperationStatusSchema, OperationTypeSchema, type OperationInfo } from './operation';

const OUTCOMES = OperationStatusSchema.options.filter((s) => s !== 'pending' && s !== 'running');

/** What the gauges read at each scrape. */
export interface SlotsView {
  readonly activeCount: number;
  readonly queuedCount: number;
  readonly maxOperations: number;
}

export class ServiceMetrics {
  readonly registry = new Registry();

  private readonly ended = new Counter({
    name: 'service_operations_total',
    help: 'Operations ended, by type and outcome',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly durations = new Histogram({
    name: 'service_operation_duration_seconds',
    help: 'Time an operation ran, from its thread starting to its end (queued time apart)',
    labelNames: ['type', 'outcome'] as const,
    buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });

  constructor(slots: () => SlotsView | undefined) {
    for (const type of OperationTypeSchema.options) {
      for (const outcome of OUTCOMES) {
        this.ended.labels(type, outcome).inc(0);
        this.durations.zero({ type, outcome });
      }
    }
    const gauge = (name: string, help: string, read: (view: SlotsView) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const view = slots();
          if (view) this.set(read(view));
        },
      });
    gauge('service_operations_running', 'Operations holding a slot (their thread alive)', (v) => v.activeCount);
    gauge('service_operations_queued', 'Starts waiting for a slot', (v) => v.queuedCount);
    gauge('service_operation_slots', 'Operations that may run at once (--max-operations)', (v) => v.maxOperations);
  }

  /** An operation that has just ended (not one found ended in the records at start-up). */
  operationEnded(op: OperationInfo): void {
    if (op.status === 'pending' || op.status === 'running') return;
    this.ended.labels(op.operation_type, op.status).inc();
    if (op.started_at && op.completed_at)
      this.durations.labels(op.operation_type, op.status).observe((Date.parse(op.completed_at) - Date.parse(op.started_at)) / 1000);
  }
}
