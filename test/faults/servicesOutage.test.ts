import { describe, expect, test } from 'vitest';
import { FaultStack } from '../support/faultStack';
import { expectSurvived, stackForTest } from '../support/faultChecks';
import { onTestFailed } from 'vitest';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The training/backtest services go away: killed or restarted mid-training (on the same port
 * and state folder), or not there when the cycle starts. A training that died with its
 * service is retried as a new operation, which resumes from the dead one's checkpoint; a
 * cycle that finds no services waits for them.
 */
describe.each(['SIGKILL', 'SIGTERM'] as const)('the services stopped with %s mid-training, then restarted', (signal) => {
  test('the training is redone as one new operation that resumes it, and the cycle completes', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 20 });
    try {
      const id = await stack.trigger();
      await stack.midTraining(id);
      await stack.stopServices(signal);
      await stack.startServices();
      const end = await stack.end(id);
      expect(end.execution, `the cycle ended ${end.execution}: ${end.failure}`).toBe('COMPLETED');
    } finally {
      await stack.close();
    }
  });
});

describe('the services down when the cycle starts, up a minute later', () => {
  test('the cycle waits for them and completes with one training', { timeout: 300_000 }, async () => {
    const stack = await FaultStack.create({ epochs: 5 });
    onTestFailed(() => console.error(stack.logs()));
    try {
      await stack.startServer();
      await stack.startWorker();
      const id = await stack.trigger();
      await sleep(60_000);
      await stack.startServices();
      await expectSurvived(stack, id);
    } finally {
      await stack.close();
    }
  });
});
