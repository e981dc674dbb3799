import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toBacktestMetrics } from '../../src/services/backtestSummary';
import { readHoldoutLooks } from '../../src/research/holdoutLooks';
import type { TrainingReport } from '../../src/research/trainingReport';
import { ServiceRejected } from '../../src/services/client';
import type { OperationInfo } from '../../src/services/operation';
import { longTraining, isFinished, ScratchFolders, startTestServices, waitFor, type TestServices } from '../support/services';

/** The operations API in this process, on shipped data: train, backtest, cancel, idempotent starts (the limit and the queue: queue.test.ts). */
const folders = new ScratchFolders();
let services: TestServices;

beforeAll(async () => {
  folders.strategy('rsi_adx_trend_filter');
  folders.strategy('rsi_adx_trend_filter', 'long_training', longTraining);
  services = await startTestServices(folders, { maxOperations: 2 });
});
afterAll(async () => {
  await services?.close();
  folders.remove();
});

function expectCompleted<T extends OperationInfo['operation_type']>(op: OperationInfo, type: T) {
  expect({ status: op.status, error: op.error_message }).toEqual({ status: 'completed', error: null });
  if (op.status !== 'completed' || op.operation_type !== type) throw new Error(`expected a completed ${type}`);
  return op as Extract<OperationInfo, { status: 'completed'; operation_type: T }>;
}

describe('training', () => {
  let report: TrainingReport;
  let trainingId: string;

  test('start → progress by epoch → completed with the training report', async () => {
    const request = { strategy_name: 'rsi_adx_trend_filter', task_id: 'cycle-1-training', cycle_id: 'cycle-1' };
    // Three starts at once with one task_id: one operation.
    const starts = await Promise.all([1, 2, 3].map(() => services.client.startTraining(request)));
    trainingId = starts[0].task_id;
    expect(trainingId).toMatch(/^op_training_\d{8}_\d{6}_[0-9a-f]{8}$/);
    expect(starts.map((s) => s.task_id)).toEqual([trainingId, trainingId, trainingId]);

    const seen: OperationInfo[] = [];
    const op = expectCompleted(await waitFor(services.client, trainingId, isFinished, seen), 'training');

    const epochs = seen.filter((s) => s.status === 'running' && s.progress.context.epoch_index !== undefined);
    expect(epochs.length).toBeGreaterThan(0);
    expect(epochs[0].progress.current_step).toMatch(/^Epoch \d+\/60 · Batch \d+\/\d+$/);
    expect(epochs[0].progress.context.total_epochs).toBe(60);
    const percentages = seen.map((s) => s.progress.percentage);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));

    report = op.result_summary;
    expect(op.progress).toMatchObject({ percentage: 100, current_step: 'Complete', context: { epoch_index: report.metrics.epochsTrained, total_epochs: 60 } });
    expect(report.modelPath).toBe(path.join(folders.modelsDir, 'rsi_adx_trend_filter', 'model.json'));
    expect(JSON.parse(fs.readFileSync(path.join(folders.modelsDir, 'rsi_adx_trend_filter', 'training.json'), 'utf8'))).toEqual(report);
    expect(op.metadata).toEqual({ strategy_name: 'rsi_adx_trend_filter', task_id: 'cycle-1-training', cycle_id: 'cycle-1' });
    expect(op.created_at <= op.started_at! && op.started_at! <= op.completed_at).toBe(true);
  });

  test('a later start with the same task_id returns the finished operation; nothing new starts', async () => {
    const again = await services.client.startTraining({ strategy_name: 'rsi_adx_trend_filter', task_id: 'cycle-1-training' });
    expect(again).toMatchObject({ task_id: trainingId, status: 'completed' });
    expect(again.message).toContain('no new operation was started');
    expect((await services.client.listOperations({ operation_type: 'training', cycle_id: 'cycle-1' })).total_count).toBe(1);
  });

  test('the same task_id for other work is a conflict (409), not the wrong operation', async () => {
    const refused = await services.client.startBacktest({ strategy_name: 'rsi_adx_trend_filter', task_id: 'cycle-1-training' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ServiceRejected);
    expect(refused).toMatchObject({ status: 409, code: 'task_id_conflict' });
  });

  test('backtest of the trained model: summaries and gate metrics per period, reports on disk', async () => {
    const started = await services.client.startBacktest({
      strategy_name: 'rsi_adx_trend_filter',
      model_path: report.modelPath,
      task_id: 'cycle-1-backtest',
      cycle_id: 'cycle-1',
    });
    expect(started.operation_id).toMatch(/^op_backtesting_\d{8}_\d{6}_[0-9a-f]{8}$/);
    const op = expectCompleted(await waitFor(services.client, started.operation_id, isFinished), 'backtesting');
    const summary = op.result_summary;

    expect(summary).toMatchObject({ strategy: 'rsi_adx_trend_filter', symbol: 'EURUSD', timeframe: '1h', model_path: report.modelPath });
    expect(summary.report_dir).toBe(path.join(folders.reportsDir, 'rsi_adx_trend_filter'));
    expect(op.metadata.model_path).toBe(report.modelPath);
    for (const period of ['validation', 'holdout'] as const) {
      expect(summary.metrics[period]).toEqual(toBacktestMetrics(summary[period].metrics, summary[period].buyAndHold, summary[period].sameStake));
      expect(summary.metrics[period].sameStakeTStat).toEqual(expect.any(Number));
      expect(summary[period]).not.toHaveProperty('trades');
      expect(summary[period]).not.toHaveProperty('equity');
      const onDisk: unknown = JSON.parse(fs.readFileSync(path.join(summary.report_dir, period, 'metrics.json'), 'utf8'));
      expect(summary[period]).toEqual(onDisk);
    }
    expect(summary.validation.period.endTime).toBeLessThanOrEqual(summary.holdout.period.startTime);
  });

  test('model_path may be relative to the models folder, or left out for the strategy’s own model', async () => {
    for (const model_path of ['rsi_adx_trend_filter/model.json', undefined]) {
      const started = await services.client.startBacktest({ strategy_name: 'rsi_adx_trend_filter', ...(model_path && { model_path }) });
      const op = expectCompleted(await waitFor(services.client, started.operation_id, isFinished), 'backtesting');
      expect(op.metadata.model_path).toBe(report.modelPath);
    }
  });

  test('each backtest is a look at the holdout, recorded with its cycle (or the services when it has none)', () => {
    const looks = readHoldoutLooks('rsi_adx_trend_filter', folders.reportsDir);
    expect(looks.map(({ why, by }) => `${why} by ${by}`)).toEqual(['backtest by cycle cycle-1', 'backtest by services', 'backtest by services']);
  });

  test("a backtest the engine refuses ends failed with the engine's reason", async () => {
    // A model trained on another text of the strategy: found, admitted, refused by the engine.
    folders.strategy('rsi_adx_trend_filter', 'edited_since_training');
    fs.mkdirSync(path.join(folders.modelsDir, 'edited_since_training'));
    fs.copyFileSync(report.modelPath, path.join(folders.modelsDir, 'edited_since_training', 'model.json'));
    const started = await services.client.startBacktest({ strategy_name: 'edited_since_training' });
    const op = await waitFor(services.client, started.operation_id, isFinished);
    expect(op.status).toBe('failed');
    expect(op.error_message).toMatch(/edited_since_training\.yaml changed since its model was trained: retrain it/);
    expect(op.result_summary).toBeNull();
  });
});

describe('cancel', () => {
  test('mid-training: the job stops by its signal, the operation ends cancelled, no progress after', async () => {
    const { task_id: id } = await services.client.startTraining({ strategy_name: 'long_training', cycle_id: 'cycle-2' });
    const running = await waitFor(services.client, id, (op) => (op.progress.context.epoch_index ?? 0) >= 2);
    expect(running.status).toBe('running');

    const cancel = await services.client.cancelOperation(id, 'cycle cancelled');
    expect(cancel).toMatchObject({ operation_id: id, status: 'cancelled', cancellation_reason: 'cycle cancelled' });
    // DELETE answers once the thread has exited: nothing runs any more, so nothing can progress.
    expect((await services.client.health()).active_operations).toBe(0);
    const after = await services.client.getOperation(id);
    expect(after).toMatchObject({ status: 'cancelled', error_message: 'cycle cancelled', completed_at: cancel.cancelled_at, result_summary: null });
    expect(after.progress.percentage).toBeLessThan(100);
    expect(after.progress.context.epoch_index).toBeGreaterThanOrEqual(2);
    const record: unknown = JSON.parse(fs.readFileSync(path.join(folders.stateDir, 'operations', `${id}.json`), 'utf8'));
    expect(record).toEqual(after);
    expect(fs.existsSync(path.join(folders.modelsDir, 'long_training'))).toBe(false);
    expect(services.log.join('\n')).not.toMatch(`${id}: its job did not stop`);
  });

  test('right after the start, before its thread has loaded: cancelled all the same', async () => {
    const { task_id: id, status } = await services.client.startTraining({ strategy_name: 'long_training', cycle_id: 'cycle-2' });
    expect(status).toBe('pending');
    await services.client.cancelOperation(id);
    expect((await services.client.health()).active_operations).toBe(0);
    expect(await services.client.getOperation(id)).toMatchObject({ status: 'cancelled', error_message: 'cancelled by request' });
  });

  test('an operation that has ended cannot be cancelled (400); an unknown one is 404', async () => {
    const { data } = await services.client.listOperations({ status: 'cancelled' });
    const twice = await services.client.cancelOperation(data[0].operation_id).catch((e: unknown) => e);
    expect(twice).toMatchObject({ status: 400, code: 'operation_finished' });
    const unknown = await services.client.cancelOperation('op_training_20250101_000000_deadbeef').catch((e: unknown) => e);
    expect(unknown).toMatchObject({ status: 404, code: 'operation_not_found' });
  });
});

describe('listing', () => {
  test('filters by status, type, cycle and activity; newest first; counts before the limit', async () => {
    const all = await services.client.listOperations();
    expect(all.data.map((op) => op.created_at)).toEqual(
      all.data
        .map((op) => op.created_at)
        .sort()
        .reverse(),
    );
    expect(all.active_count).toBe(0);

    const cycle1 = await services.client.listOperations({ cycle_id: 'cycle-1' });
    expect(cycle1.data.map((op) => [op.operation_type, op.metadata.task_id])).toEqual([
      ['backtesting', 'cycle-1-backtest'],
      ['training', 'cycle-1-training'],
    ]);
    const cancelled = await services.client.listOperations({ status: 'cancelled', operation_type: 'training' });
    expect(cancelled.total_count).toBe(2);
    expect(cancelled.data.every((op) => op.status === 'cancelled')).toBe(true);
    const one = await services.client.listOperations({ limit: 1 });
    expect(one.data).toHaveLength(1);
    expect(one.total_count).toBe(all.total_count);
    expect((await services.client.listOperations({ active_only: true })).total_count).toBe(0);
  });
});

describe('stopping a job that does not stop by itself', () => {
  test('past the grace period its thread is terminated; the operation still ends cancelled', async () => {
    const impatient = await startTestServices(folders, { stateDir: path.join(folders.root, 'impatient'), cancelGraceMs: 0 });
    try {
      const { task_id: id } = await impatient.client.startTraining({ strategy_name: 'long_training' });
      await waitFor(impatient.client, id, (op) => op.progress.context.epoch_index !== undefined);
      await impatient.client.cancelOperation(id);
      expect((await impatient.client.health()).active_operations).toBe(0);
      expect((await impatient.client.getOperation(id)).status).toBe('cancelled');
      expect(impatient.log).toContain(`${id}: its job did not stop within 0 ms: thread terminated`);
    } finally {
      await impatient.close();
    }
  });
});
