import { describe, expect, test } from 'vitest';
import { expectSurvived, stackForTest } from '../support/faultChecks';

/**
 * A graceful worker stop — what every deploy does: SIGTERM to the worker while its activity
 * waits on a training or a backtest, then a new worker. The remote operation must keep
 * running and the new worker's attempt re-attach to it; the cycle completes with one
 * operation of each kind.
 */
describe('a worker stopped with SIGTERM, then a new worker', () => {
  test('mid-training: the training goes on and the cycle completes with one training', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 20 });
    const id = await stack.trigger();
    const training = await stack.midTraining(id);
    const stopped = stack.worker;
    await stack.stop(stopped, 'SIGTERM');
    expect.soft(await stopped.exited, 'the worker did not exit by itself').toBe(0);
    expect.soft((await stack.operations(id)).find((op) => op.operation_id === training.operation_id)?.status).toBe('running');
    await stack.startWorker();
    await expectSurvived(stack, id);
  });

  test('mid-backtest: the backtest goes on and the cycle completes with one backtest', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 3 });
    const id = await stack.trigger();
    const backtest = await stack.midBacktest(id);
    const stopped = stack.worker;
    await stack.stop(stopped, 'SIGTERM');
    expect.soft(await stopped.exited, 'the worker did not exit by itself').toBe(0);
    const after = (await stack.operations(id)).find((op) => op.operation_id === backtest.operation_id);
    expect.soft(after?.status === 'running' || after?.status === 'completed', `the backtest is ${after?.status}`).toBe(true);
    await stack.startWorker();
    await expectSurvived(stack, id);
  });
});
