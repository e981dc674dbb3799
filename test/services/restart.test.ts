import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SERVICE_STOPPED } from '../../src/services/operation';
import { OperationStore } from '../../src/services/operationStore';
import { failed, progressed, running, pending } from '../../src/services/transitions';
import { isFinished, longTraining, ScratchFolders, startTestServices, waitFor } from '../support/services';

/** Operation records outlive the service; what was running when it stopped ends failed, with that reason. */
const folders = new ScratchFolders();

beforeAll(() => {
  folders.strategy('rsi_adx_trend_filter');
  folders.strategy('rsi_adx_trend_filter', 'long_training', longTraining);
});
afterAll(() => folders.remove());

describe('a service stopped with an operation running', () => {
  test('the next one reports it failed with the reason; finished operations and their task_ids are kept', async () => {
    const first = await startTestServices(folders);
    const trained = await first.client.startTraining({ strategy_name: 'rsi_adx_trend_filter', task_id: 'cycle-9-training' });
    const done = await waitFor(first.client, trained.task_id, isFinished);
    expect(done.status).toBe('completed');
    const { task_id: id } = await first.client.startTraining({ strategy_name: 'long_training', task_id: 'cycle-9-long' });
    await waitFor(first.client, id, (op) => op.progress.context.epoch_index !== undefined);
    await first.close();

    const second = await startTestServices(folders);
    try {
      const stopped = await second.client.getOperation(id);
      expect(stopped).toMatchObject({ status: 'failed', error_code: 'service_stopped', error_message: SERVICE_STOPPED, result_summary: null });
      expect(stopped.progress.context.epoch_index).toBeGreaterThanOrEqual(1);
      expect(await second.client.getOperation(trained.task_id)).toEqual(done);

      // A retried activity re-attaches to what it started, whatever became of it.
      expect(await second.client.startTraining({ strategy_name: 'rsi_adx_trend_filter', task_id: 'cycle-9-training' })).toMatchObject({
        task_id: trained.task_id,
        status: 'completed',
      });
      expect(await second.client.startTraining({ strategy_name: 'long_training', task_id: 'cycle-9-long' })).toMatchObject({ task_id: id, status: 'failed' });
      expect((await second.client.health()).active_operations).toBe(0);
    } finally {
      await second.close();
    }
  });
});

describe('records left by a process that died', () => {
  test('pending and running records are marked failed at start-up; unreadable files are skipped and logged', async () => {
    const stateDir = path.join(folders.root, 'crashed');
    const store = new OperationStore(path.join(stateDir, 'operations'));
    const waiting = pending('op_training_20250101_000000_0000000a', 'training', { strategy_name: 'rsi_adx_trend_filter' });
    const busy = progressed(running(pending('op_backtesting_20250101_000001_0000000b', 'backtesting', { strategy_name: 'rsi_adx_trend_filter' })), {
      percentage: 0,
      current_step: 'Backtesting',
      context: {},
    });
    store.save(waiting);
    store.save(busy);
    fs.writeFileSync(path.join(stateDir, 'operations', 'op_garbage.json'), '{"operation_id": 1');
    // Written by a version without error_code: read with the code their message implies.
    const { error_code: _, ...legacy } = failed(busy, 'job_failed', 'training diverged');
    const oldFailure = { ...legacy, operation_id: 'op_training_20241231_000000_0000000c' };
    fs.writeFileSync(path.join(stateDir, 'operations', `${oldFailure.operation_id}.json`), JSON.stringify(oldFailure));

    const services = await startTestServices(folders, { stateDir });
    const { data } = await services.client.listOperations().finally(() => services.close());
    expect(data.map((op) => [op.operation_id, op.status, op.error_code, op.error_message]).sort()).toEqual([
      [busy.operation_id, 'failed', 'service_stopped', SERVICE_STOPPED],
      [oldFailure.operation_id, 'failed', 'job_failed', 'training diverged'],
      [waiting.operation_id, 'failed', 'service_stopped', SERVICE_STOPPED],
    ]);
    expect(services.log).toContain(`${busy.operation_id}: marked failed, ${SERVICE_STOPPED}`);
    expect(services.log.some((line) => line.startsWith(`skipped ${path.join(stateDir, 'operations', 'op_garbage.json')}`))).toBe(true);

    // Written back: the next start finds them failed already and has nothing to mark.
    const again = await startTestServices(folders, { stateDir });
    await again.close();
    expect(again.log.filter((line) => line.includes('marked failed'))).toEqual([]);
  });
});

describe('one service per state folder', () => {
  test('refused while the process holding the folder lives; taken over once it is gone', async () => {
    const stateDir = path.join(folders.root, 'locked');
    fs.mkdirSync(stateDir);
    const lock = path.join(stateDir, 'services.pid');
    fs.writeFileSync(lock, String(process.ppid));
    await expect(startTestServices(folders, { stateDir })).rejects.toThrow(
      `another services process (pid ${process.ppid}) keeps its operation records in ${stateDir}`,
    );

    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    fs.writeFileSync(lock, String(gone));
    const services = await startTestServices(folders, { stateDir });
    expect(fs.readFileSync(lock, 'utf8').split('\n')[0]).toBe(String(process.pid));
    await services.close();
    expect(fs.existsSync(lock)).toBe(false);
  });
});
