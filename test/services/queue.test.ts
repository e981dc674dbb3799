import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServiceUnavailable } from '../../src/services/client';
import type { OperationInfo } from '../../src/services/operation';
import { isFinished, longTraining, ScratchFolders, startTestServices, untilIdle, waitFor, type TestServices } from '../support/services';

/**
 * Fair waiting: beyond --max-operations a start is queued and started first in, first out as
 * slots free; only beyond --max-queued is it refused (429 with Retry-After).
 */
const folders = new ScratchFolders();
let services: TestServices;

const quick = (yaml: string) => yaml.replace(/epochs: \d+/, 'epochs: 3');

beforeAll(async () => {
  for (const name of ['quick_a', 'quick_b', 'quick_c']) folders.strategy('rsi_adx_trend_filter', name, quick);
  folders.strategy('rsi_adx_trend_filter', 'long_training', longTraining);
  services = await startTestServices(folders, { maxOperations: 1, maxQueued: 2 });
});
afterAll(async () => {
  await services?.close();
  folders.remove();
});

const ahead = (op: OperationInfo) => [op.status, op.progress.current_step, op.progress.context.queued_ahead];

describe('a one-slot service with room for two in its queue', () => {
  test('three starts run one after the other, in the order they came', async () => {
    const ids: string[] = [];
    for (const name of ['quick_a', 'quick_b', 'quick_c']) ids.push((await services.client.startTraining({ strategy_name: name })).task_id);
    const [, second, third] = await Promise.all(ids.map((id) => services.client.getOperation(id)));
    expect(ahead(second)).toEqual(['pending', 'queued: 0 ahead', 0]);
    expect(ahead(third)).toEqual(['pending', 'queued: 1 ahead', 1]);

    const ended = [];
    for (const id of ids) ended.push(await waitFor(services.client, id, isFinished));
    expect(ended.map((op) => op.status)).toEqual(['completed', 'completed', 'completed']);
    for (let i = 1; i < ended.length; i++) expect(ended[i].started_at! >= ended[i - 1].completed_at!, `${ids[i]} started after ${ids[i - 1]} ended`).toBe(true);
  });

  test('beyond the queue a start gets 429 with Retry-After; a start with a known task_id still answers', async () => {
    // An ended operation holds its slot until its thread has exited, a few ms after its end.
    await untilIdle(services.client);
    const running = await services.client.startTraining({ strategy_name: 'long_training', task_id: 'slot' });
    const queued = [
      await services.client.startTraining({ strategy_name: 'quick_a' }),
      await services.client.startTraining({ strategy_name: 'quick_b', task_id: 'queued-b' }),
    ];
    expect(queued.map((q) => q.status)).toEqual(['pending', 'pending']);
    expect(queued[1].message).toContain('queued: 1 ahead');

    const response = await fetch(`${services.url}/api/v1/trainings/start`, { method: 'POST', body: JSON.stringify({ strategy_name: 'quick_c' }) });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({ success: false, error: 'too_many_operations' });
    const busy = await services.client.startBacktest({ strategy_name: 'quick_a' }).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(ServiceUnavailable);
    expect(busy).toMatchObject({ status: 429, retryAfterSeconds: 5 });
    expect((await services.client.startTraining({ strategy_name: 'quick_b', task_id: 'queued-b' })).task_id).toBe(queued[1].task_id);
    expect(await services.client.health()).toEqual({ status: 'ok', active_operations: 1, max_operations: 1, queued_operations: 2, max_queued: 2 });

    // Cancelling a queued start takes it out of the queue: the one behind moves up, and the freed place takes a new start.
    await services.client.cancelOperation(queued[0].task_id);
    expect(await services.client.getOperation(queued[0].task_id)).toMatchObject({ status: 'cancelled', error_code: 'cancelled', started_at: null });
    expect(ahead(await services.client.getOperation(queued[1].task_id))).toEqual(['pending', 'queued: 0 ahead', 0]);
    const last = await services.client.startTraining({ strategy_name: 'quick_c' });
    expect(ahead(await services.client.getOperation(last.task_id))).toEqual(['pending', 'queued: 1 ahead', 1]);

    await services.client.cancelOperation(running.task_id);
    const [b, c] = [await waitFor(services.client, queued[1].task_id, isFinished), await waitFor(services.client, last.task_id, isFinished)];
    expect([b.status, c.status]).toEqual(['completed', 'completed']);
    expect(b.started_at! < c.started_at!).toBe(true);
    expect((await services.client.getOperation(queued[0].task_id)).started_at).toBeNull();
  });

  test('a stop fails what waits in the queue too (service_stopped), and starts nothing more', async () => {
    const stateDir = `${folders.root}/stopping`;
    const stopping = await startTestServices(folders, { stateDir, maxOperations: 1 });
    const running = await stopping.client.startTraining({ strategy_name: 'long_training' });
    const waiting = await stopping.client.startTraining({ strategy_name: 'quick_a' });
    await stopping.close();
    const again = await startTestServices(folders, { stateDir });
    try {
      for (const id of [running.task_id, waiting.task_id])
        expect(await again.client.getOperation(id)).toMatchObject({ status: 'failed', error_code: 'service_stopped' });
      expect((await again.client.getOperation(waiting.task_id)).started_at).toBeNull();
    } finally {
      await again.close();
    }
  });
});
