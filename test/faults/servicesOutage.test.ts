import { describe, expect, test } from 'vitest';
import { CHECKPOINT_EVERY } from '../../src/research/training';
import { sleep } from '../support/faultStack';
import { expectSurvived, stackForTest } from '../support/faultChecks';
import { match } from '../support/matchers';

/**
 * The training/backtest services go away: killed or restarted mid-training (on the same port
 * and state folder), or not there when the cycle starts. A training that died with its
 * service is retried as a new operation, which resumes from the dead one's checkpoint; a
 * cycle that finds no services waits for them.
 */
describe.each(['SIGKILL', 'SIGTERM'] as const)('the services stopped with %s mid-training, then restarted', (signal) => {
  test('the training is replaced by one new operation that resumes it, and the cycle completes', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 12 });
    const id = await stack.trigger();
    // past the first checkpoint, which a killed service (unlike a stopped one) needs to resume from
    await stack.operation(id, 'training', (op) => op.status === 'running' && (op.progress.context.epoch_index ?? 0) > CHECKPOINT_EVERY.epochs + 1);
    await stack.stopServices(signal);
    await stack.startServices();
    const { end, ops } = await expectSurvived(stack, id, [
      ['training', 'failed', `${id}-training`, 'service_stopped'],
      ['training', 'completed', `${id}-training-r1`, null],
      ['backtesting', 'completed', `${id}-backtest`, null],
    ]);
    const [dead, replacement] = ops;
    expect(replacement.metadata.resume_from).toBe(dead.operation_id);
    // the cycle's status says what was replaced, and that the new training went on from the checkpoint
    expect(end.status?.training?.replacedOperations).toEqual([{ operationId: dead.operation_id, errorCode: 'service_stopped' }]);
    expect(end.status?.training?.resumedFrom).toEqual({ operationId: dead.operation_id, epoch: match.any(Number) });
    expect(end.status!.training!.resumedFrom!.epoch).toBeGreaterThanOrEqual(CHECKPOINT_EVERY.epochs);
  });
});

describe('the services down when the cycle starts, up a minute later', () => {
  test('the cycle waits for them and completes with one training', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 2, withoutServices: true });
    const id = await stack.trigger();
    await sleep(60_000);
    await stack.startServices();
    await expectSurvived(stack, id);
  });
});
