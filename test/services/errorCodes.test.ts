import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SERVICE_STOPPED } from '../../src/services/operation';
import { isFinished, longTraining, ScratchFolders, startTestServices, TYPESCRIPT_LOADER, waitFor, type TestServices } from '../support/services';

/**
 * Each way an operation ends, with the error_code a client decides on (retry or not): the job's
 * own failure, a cancellation, a thread that died, a service stopped under it. A service killed
 * with SIGKILL is in command.test.ts, which runs the service as a process.
 */
const folders = new ScratchFolders();
let services: TestServices;

beforeAll(async () => {
  folders.strategy('rsi_adx_trend_filter');
  folders.strategy('rsi_adx_trend_filter', 'long_training', longTraining);
  services = await startTestServices(folders);
});
afterAll(async () => {
  await services?.close();
  folders.remove();
});

describe('error_code', () => {
  test('completed: none; the job’s own failure: job_failed', async () => {
    const { task_id: id } = await services.client.startTraining({ strategy_name: 'rsi_adx_trend_filter' });
    expect(await waitFor(services.client, id, isFinished)).toMatchObject({ status: 'completed', error_code: null, error_message: null });

    // A model trained on another text of the strategy: admitted, then refused by the engine.
    folders.strategy('rsi_adx_trend_filter', 'edited_since_training');
    fs.mkdirSync(path.join(folders.modelsDir, 'edited_since_training'));
    fs.copyFileSync(path.join(folders.modelsDir, 'rsi_adx_trend_filter', 'model.json'), path.join(folders.modelsDir, 'edited_since_training', 'model.json'));
    const { operation_id } = await services.client.startBacktest({ strategy_name: 'edited_since_training' });
    const refused = await waitFor(services.client, operation_id, isFinished);
    expect(refused).toMatchObject({ status: 'failed', error_code: 'job_failed' });
    expect(refused.error_message).toMatch(/changed since its model was trained/);
  });

  test('cancelled by a client: cancelled, running or not yet started', async () => {
    const { task_id: running } = await services.client.startTraining({ strategy_name: 'long_training' });
    await waitFor(services.client, running, (op) => op.status === 'running');
    await services.client.cancelOperation(running, 'cycle cancelled');
    const { task_id: fresh } = await services.client.startTraining({ strategy_name: 'long_training' });
    await services.client.cancelOperation(fresh);
    for (const id of [running, fresh]) expect(await services.client.getOperation(id)).toMatchObject({ status: 'cancelled', error_code: 'cancelled' });
  });

  test('its worker thread died: thread_crashed, with the exit code', async () => {
    const crashing = await startTestServices(folders, {
      stateDir: path.join(folders.root, 'crashing'),
      workerExecArgv: ['--require', TYPESCRIPT_LOADER, '--require', path.join(__dirname, '..', 'support', 'crashingThread.cjs')],
    });
    try {
      const { task_id: id } = await crashing.client.startTraining({ strategy_name: 'long_training' });
      const op = await waitFor(crashing.client, id, isFinished);
      expect(op).toMatchObject({ status: 'failed', error_code: 'thread_crashed', error_message: "the operation's worker stopped unexpectedly (exit code 70)" });
      expect((await crashing.client.health()).active_operations).toBe(0);
    } finally {
      await crashing.close();
    }
  });

  test('an operation that ends while its service stops keeps its end: a result computed is never thrown away', async () => {
    const stateDir = path.join(folders.root, 'finishing');
    const deaf = ['--require', TYPESCRIPT_LOADER, '--require', path.join(__dirname, '..', 'support', 'deafThread.cjs')];
    const first = await startTestServices(folders, { stateDir, workerExecArgv: deaf, cancelGraceMs: 60_000 });
    const { task_id: id } = await first.client.startTraining({ strategy_name: 'rsi_adx_trend_filter' });
    await waitFor(first.client, id, (op) => op.status === 'running');
    await first.close();
    const second = await startTestServices(folders, { stateDir });
    try {
      const op = await second.client.getOperation(id);
      expect(op).toMatchObject({ status: 'completed', error_code: null });
      expect(op.result_summary).not.toBeNull();
    } finally {
      await second.close();
    }
  });

  test('its service stopped: service_stopped, at the stop and again after the restart', async () => {
    const stateDir = path.join(folders.root, 'stopping');
    const first = await startTestServices(folders, { stateDir });
    const { task_id: id } = await first.client.startTraining({ strategy_name: 'long_training' });
    await waitFor(first.client, id, (op) => op.progress.context.epoch_index !== undefined);
    const polled = first.client.getOperation(id, { waitMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.close();
    // A long poll under way when the service stops gets the end rather than a dropped connection.
    expect(await polled).toMatchObject({ status: 'failed', error_code: 'service_stopped', error_message: SERVICE_STOPPED });
    const second = await startTestServices(folders, { stateDir });
    try {
      expect(await second.client.getOperation(id)).toMatchObject({ status: 'failed', error_code: 'service_stopped', error_message: SERVICE_STOPPED });
    } finally {
      await second.close();
    }
  });
});
