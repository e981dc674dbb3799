import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { admitThrough } from '../../src/temporal/admission';
import { HOLDER_CHECK_INTERVAL_MS } from '../../src/workflows/admission';
import { AdmissionQueues, scripted, sixInTheMorningUtc } from '../support/admission';
import { startResearchCycle, timeSkippingEnv, waitFor } from '../support/temporal';

/**
 * What admission does as workflow time passes, on the time-skipping server: the budget resets
 * at 00:00 UTC, a dead cycle's slot comes back at the next look at the holders, and an id the
 * CLI admitted keeps its slot only for the grace. No test leaves an activity running: the
 * test server mishandles time skipped while one does, or after one was terminated (sdk-java#3088).
 */
const ROOM = { dailyBudgetUsd: 5, maxConcurrentCycles: 1 };

let env: TestWorkflowEnvironment;
let queues: AdmissionQueues;
beforeAll(async () => {
  env = await timeSkippingEnv();
  queues = new AdmissionQueues(env);
});
afterAll(async () => {
  await queues?.close();
  await env?.teardown();
});

test('once spent, refuses Claude cycles with the spend, the limit and the reset, admits offline ones, and resets at midnight UTC', async () => {
  const midnight = await sixInTheMorningUtc(env);
  const { queue } = await queues.queueWith({ dailyBudgetUsd: 0.2, maxConcurrentCycles: 1 }, scripted);
  await queues.run(queue, { brief: 'costs 0.15' });
  const refused = await queues.run(queue, { brief: 'one more' });
  expect(refused).toMatchObject({ outcome: 'refused', refusal: { reason: 'budget_exhausted', limitUsd: 0.2, resetsAt: midnight }, phases: [] });
  expect(refused.refusal?.reason === 'budget_exhausted' && refused.refusal.spentUsd).toBeCloseTo(0.159, 10);
  expect(await queues.run(queue, { brief: 'offline', offline: true })).toMatchObject({ outcome: 'completed', model: 'offline' });

  await env.sleep(Math.max(0, Date.parse(midnight) - (await env.currentTimeMs())) + 1000);
  const after = await queues.budget(queue);
  expect(after).toMatchObject({ date: midnight.slice(0, 10), spentUsd: 0, events: [], remainingUsd: 0.2 });
  expect(await queues.run(queue, { brief: 'a new day' })).toMatchObject({ outcome: 'completed' });
});

test('a terminated cycle gives its slot back by itself, within the holder check interval', async () => {
  const { queue } = await queues.queueWith(ROOM, scripted);
  const dead = await startResearchCycle(env, queue, { brief: 'design retries' });
  await waitFor(async () => ((await dead.describe()).raw.pendingActivities?.[0]?.lastFailure ? true : undefined), 'the reserved design to wait for its retry');
  await dead.terminate('gone for good');
  await env.sleep(HOLDER_CHECK_INTERVAL_MS + 1000);
  expect(await queues.budget(queue)).toMatchObject({ activeCycles: [], reservedUsd: 0 });
});

test('an id the CLI admitted keeps its slot while its workflow may still start, then gives it back', async () => {
  const { queue } = await queues.queueWith(ROOM, scripted);
  const target = { taskQueue: queue, settings: ROOM };
  expect(await admitThrough(env.client, target, { cycleId: 'research-never-started', offline: true })).toEqual({ admitted: true });
  expect(await admitThrough(env.client, target, { cycleId: 'research-other', offline: true })).toMatchObject({
    admitted: false,
    activeCycles: ['research-never-started'],
  });
  await env.sleep('61 seconds');
  expect(await admitThrough(env.client, target, { cycleId: 'research-other', offline: true })).toEqual({ admitted: true });
});
