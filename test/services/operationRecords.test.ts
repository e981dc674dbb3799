import { describe, expect, test } from 'vitest';
import { OperationInfoSchema, SERVICE_STOPPED, type OperationInfo } from '../../src/services/operation';
import { newOperationId } from '../../src/services/operationId';
import { trainingProgress } from '../../src/services/progress';
import { cancelled, completed, failed, pending, progressed, running } from '../../src/services/transitions';

/** The operation record: ids, progress, and the states a record can and cannot be in. */
const training = () => pending('op_training_20250101_000000_00000000', 'training', { strategy_name: 'rsi_adx_trend_filter', task_id: 'cycle-1-training' });

describe('operation ids', () => {
  test("are KTRDR's op_{type}_{YYYYMMDD_HHMMSS}_{8 hex}, stamped in UTC", () => {
    const id = newOperationId('backtesting', new Date('2025-12-21T23:04:05.678+02:00'));
    expect(id).toMatch(/^op_backtesting_20251221_210405_[0-9a-f]{8}$/);
    expect(newOperationId('training')).not.toBe(newOperationId('training'));
  });
});

describe('progress', () => {
  test('percentage over all epochs, with the epoch context KTRDR reports', () => {
    expect(trainingProgress({ epoch: 3, totalEpochs: 10, batch: 50, totalBatches: 100, loss: 0.9 })).toEqual({
      percentage: 25,
      current_step: 'Epoch 3/10 · Batch 50/100',
      context: { epoch_index: 3, total_epochs: 10, batch_index: 50, total_batches: 100, train_loss: 0.9 },
    });
    expect(trainingProgress({ epoch: 10, totalEpochs: 10, batch: 100, totalBatches: 100, loss: 0.5 }).percentage).toBe(100);
  });
});

describe('a record cannot say completed without its result (spec §8 #4)', () => {
  const base = running(training());

  test('completing checks the result against the type of the operation', () => {
    expect(() => completed(base, undefined)).toThrow();
    expect(() => completed(base, { metrics: { accuracy: 0.5 } })).toThrow();
    const backtest = running(pending('op_backtesting_20250101_000000_00000000', 'backtesting', { strategy_name: 'x' }));
    expect(() => completed(backtest, { strategy: 'x' })).toThrow();
  });

  test('the schema refuses a completed record without result, a failed one without reason, a running one with a result', () => {
    const cases: unknown[] = [
      { ...base, status: 'completed', completed_at: new Date().toISOString() },
      { ...base, status: 'completed', completed_at: new Date().toISOString(), result_summary: null },
      { ...base, status: 'failed', completed_at: new Date().toISOString() },
      { ...base, status: 'failed', completed_at: new Date().toISOString(), error_message: '' },
      { ...base, result_summary: { anything: 1 } },
      { ...base, status: 'done' },
    ];
    for (const record of cases) expect(OperationInfoSchema.safeParse(record).success, JSON.stringify(record)).toBe(false);
  });

  test('the steps of a life: pending, running with progress, then an end with its time and reason', () => {
    const op = training();
    expect(op).toMatchObject({ status: 'pending', started_at: null, completed_at: null, result_summary: null });
    const run = progressed(running(op), trainingProgress({ epoch: 1, totalEpochs: 4, batch: 2, totalBatches: 4, loss: 1 }));
    expect(run).toMatchObject({ status: 'running', progress: { percentage: 12.5 } });
    expect(run.started_at).not.toBeNull();
    const ends: OperationInfo[] = [failed(run, 'job_failed', 'training diverged'), cancelled(run, 'cycle cancelled')];
    for (const end of ends) {
      expect(OperationInfoSchema.parse(end)).toEqual(end);
      expect(end.completed_at).not.toBeNull();
      expect(end.progress).toEqual(run.progress);
    }
    expect(ends.map((e) => [e.status, e.error_message, e.error_code])).toEqual([
      ['failed', 'training diverged', 'job_failed'],
      ['cancelled', 'cycle cancelled', 'cancelled'],
    ]);
  });
});

describe('why an operation ended: error_code', () => {
  const run = running(training());

  test('a failure carries the code of its cause, a cancellation `cancelled`; nothing else carries one', () => {
    const cases: unknown[] = [
      { ...failed(run, 'job_failed', 'x'), error_code: 'cancelled' },
      { ...failed(run, 'job_failed', 'x'), error_code: null },
      { ...cancelled(run, 'x'), error_code: 'service_stopped' },
      { ...run, error_code: 'job_failed' },
      { ...failed(run, 'job_failed', 'x'), error_code: 'worker_gone' },
    ];
    for (const record of cases) expect(OperationInfoSchema.safeParse(record).success, JSON.stringify(record)).toBe(false);
  });

  test('records written before the field existed still read, with the code their status and message imply', () => {
    const legacy = (op: OperationInfo) => {
      const { error_code: _, ...rest } = op;
      return rest;
    };
    const read = (op: OperationInfo) => OperationInfoSchema.parse(legacy(op)).error_code;
    expect(read(failed(run, 'service_stopped', SERVICE_STOPPED))).toBe('service_stopped');
    expect(read(failed(run, 'thread_crashed', "the operation's worker stopped unexpectedly (exit code 1)"))).toBe('job_failed');
    expect(read(failed(run, 'job_failed', 'training diverged'))).toBe('job_failed');
    expect(read(cancelled(run, 'cycle cancelled'))).toBe('cancelled');
    expect(read(run)).toBeNull();
  });
});
