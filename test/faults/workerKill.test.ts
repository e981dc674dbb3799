import { describe, expect, test } from 'vitest';
import { kill } from '../support/processes';
import { expectSurvived, stackForTest } from '../support/faultChecks';
import { sleep } from '../support/faultStack';

/**
 * A worker that dies without a word (SIGKILL: a crash, an OOM kill, a lost machine) or
 * freezes: the remote operation keeps running, Temporal notices the silent attempt by its
 * heartbeat timeout, and the next attempt re-attaches to the operation.
 */
describe('a worker killed with SIGKILL, then a new worker', () => {
  test('mid-training: the new worker re-attaches to the training, one training in all', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 20 });
    const id = await stack.trigger();
    await stack.midTraining(id);
    await stack.stop(stack.worker, 'SIGKILL');
    await stack.startWorker();
    await expectSurvived(stack, id);
  });

  test('mid-backtest: the new worker re-attaches to the backtest, one backtest in all', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 3 });
    const id = await stack.trigger();
    await stack.midBacktest(id);
    await stack.stop(stack.worker, 'SIGKILL');
    await stack.startWorker();
    await expectSurvived(stack, id);
  });
});

describe('a worker frozen (SIGSTOP) for 40 s mid-training, then let go', () => {
  test('the training goes on meanwhile and the cycle completes with one training', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 45 });
    const id = await stack.trigger();
    const training = await stack.midTraining(id);
    kill(stack.worker.child.pid!, 'SIGSTOP');
    await sleep(40_000);
    const meanwhile = (await stack.operations(id)).find((op) => op.operation_id === training.operation_id);
    expect.soft(meanwhile?.status, 'the training stopped while the worker was frozen').toMatch(/running|completed/);
    kill(stack.worker.child.pid!, 'SIGCONT');
    await expectSurvived(stack, id);
  });
});
