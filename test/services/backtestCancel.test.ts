import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { isFinished, ScratchFolders, startTestServices, waitFor, type TestServices } from '../support/services';

/**
 * A cancelled backtest stops on its AbortSignal, between two chunks of predicted bars, rather
 * than by the thread's termination after the grace period (1 s). The backtest is made long with
 * a big network (1024×1024: ≈ 2 s of prediction here) trained for one epoch on few rows.
 */
const folders = new ScratchFolders();
let services: TestServices;
const slow = (yaml: string) =>
  yaml
    .replace(/hidden_layers: \[[\d, ]+\]/, 'hidden_layers: [1024, 1024]')
    .replace(/epochs: \d+/, 'epochs: 1')
    .replace(/data_split: .*/, 'data_split: {train: 0.1, validation: 0.1, test: 0.8}');

beforeAll(async () => {
  folders.strategy('rsi_adx_trend_filter', 'slow_backtest', slow);
  services = await startTestServices(folders);
  const { task_id: id } = await services.client.startTraining({ strategy_name: 'slow_backtest' });
  expect((await waitFor(services.client, id, isFinished)).status).toBe('completed');
}, 60_000);
afterAll(async () => {
  await services?.close();
  folders.remove();
});

describe('cancel during a backtest', () => {
  test('its thread exits within a few hundred ms of the cancel, stopped by its signal; no report is written', async () => {
    const { operation_id: id } = await services.client.startBacktest({ strategy_name: 'slow_backtest' });
    await waitFor(services.client, id, (op) => op.status === 'running');
    // Well into the prediction, which takes seconds.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await services.client.getOperation(id)).status).toBe('running');

    const sent = performance.now();
    // DELETE answers once the thread has exited.
    await services.client.cancelOperation(id, 'cycle cancelled');
    const cancelToExitMs = performance.now() - sent;
    console.log(`backtest: cancel → thread exited in ${Math.round(cancelToExitMs)} ms`);
    expect(services.log.join('\n')).not.toContain(`${id}: its job did not stop`);
    expect(cancelToExitMs).toBeLessThan(500);
    expect((await services.client.health()).active_operations).toBe(0);
    expect(await services.client.getOperation(id)).toMatchObject({ status: 'cancelled', error_code: 'cancelled' });
    expect(fs.existsSync(path.join(folders.reportsDir, 'slow_backtest'))).toBe(false);
  });
});
