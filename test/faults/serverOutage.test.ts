import { describe, expect, test } from 'vitest';
import { expectSurvived, stackForTest } from '../support/faultChecks';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The Temporal server goes away mid-training — stopped (SIGTERM) or killed (SIGKILL) — and
 * comes back on the same ports and SQLite file. Meanwhile the worker cannot heartbeat and the
 * training goes on; outages longer than the heartbeat timeout time the attempt out on the
 * server's side. The operation must not be cancelled for it: the cycle completes with one
 * training. The training is long enough to still run when the server is back.
 */
describe.each([
  ['SIGTERM', 45_000, 75],
  ['SIGKILL', 45_000, 75],
  ['SIGKILL', 20_000, 40],
] as const)('the Temporal server stopped with %s for %i ms mid-training, then restarted', (signal, downMs, epochs) => {
  test('the training goes on, and the cycle completes with one training', { timeout: 400_000 }, async () => {
    const stack = await stackForTest({ epochs });
    try {
      const id = await stack.trigger();
      const training = await stack.midTraining(id);
      await stack.stopServer(signal);
      await sleep(downMs);
      await stack.startServer();
      const back = (await stack.operations(id)).find((op) => op.operation_id === training.operation_id);
      expect.soft(back?.status, 'the training ended during the outage: the test did not catch the hard case').toBe('running');
      await expectSurvived(stack, id);
    } finally {
      await stack.close();
    }
  });
});
