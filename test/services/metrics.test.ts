import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { declaredMetrics, metricValue, scrape } from '../support/metrics';
import { isFinished, longTraining, ScratchFolders, startTestServices, untilIdle, waitFor, type TestServices } from '../support/services';

/** The services' own metrics at their /metrics: operations by type and outcome, how long they ran, slots and queue. */
const folders = new ScratchFolders();
let services: TestServices;
const metrics = () => scrape(`${services.url}/metrics`);

beforeAll(async () => {
  folders.strategy('rsi_adx_trend_filter');
  folders.strategy('rsi_adx_trend_filter', 'long_training', longTraining);
  services = await startTestServices(folders, { maxOperations: 1 });
});
afterAll(async () => {
  await services?.close();
  folders.remove();
});

describe("the services' /metrics", () => {
  test('before any operation: every metric, at zero for each type and outcome', async () => {
    const text = await metrics();
    expect(declaredMetrics(text)).toEqual(
      expect.arrayContaining([
        'service_operations_total',
        'service_operation_duration_seconds',
        'service_operations_running',
        'service_operations_queued',
        'service_operation_slots',
      ]),
    );
    for (const type of ['training', 'backtesting']) {
      for (const outcome of ['completed', 'failed', 'cancelled']) {
        expect(metricValue(text, 'service_operations_total', { type, outcome }), `${type} ${outcome}`).toBe(0);
        expect(metricValue(text, 'service_operation_duration_seconds_count', { type, outcome }), `${type} ${outcome}`).toBe(0);
      }
    }
    expect(metricValue(text, 'service_operation_slots')).toBe(1);
    expect(metricValue(text, 'service_operations_running')).toBe(0);
  });

  test('a running training holds the slot, a second start waits in the queue; each counts by its outcome once ended', async () => {
    const long = await services.client.startTraining({ strategy_name: 'long_training' });
    const queued = await services.client.startTraining({ strategy_name: 'rsi_adx_trend_filter' });
    await waitFor(services.client, long.task_id, (op) => op.status === 'running');
    const busy = await metrics();
    expect(metricValue(busy, 'service_operations_running')).toBe(1);
    expect(metricValue(busy, 'service_operations_queued')).toBe(1);

    await services.client.cancelOperation(long.task_id, 'test');
    expect((await waitFor(services.client, queued.task_id, isFinished)).status).toBe('completed');
    await untilIdle(services.client);

    const text = await metrics();
    expect(metricValue(text, 'service_operations_total', { type: 'training', outcome: 'cancelled' })).toBe(1);
    expect(metricValue(text, 'service_operations_total', { type: 'training', outcome: 'completed' })).toBe(1);
    expect(metricValue(text, 'service_operation_duration_seconds_count', { type: 'training', outcome: 'completed' })).toBe(1);
    expect(metricValue(text, 'service_operation_duration_seconds_sum', { type: 'training', outcome: 'completed' })).toBeGreaterThan(0);
    expect(metricValue(text, 'service_operations_running')).toBe(0);
    expect(metricValue(text, 'service_operations_queued')).toBe(0);
  });
});
