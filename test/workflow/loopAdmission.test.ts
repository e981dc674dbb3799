import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, onTestFinished, test } from 'vitest';
import { DEFAULT_CYCLE_ESTIMATE_USD } from '../../src/domain/admission';
import type { CycleStatus } from '../../src/domain/cycle';
import { stateLine, type LoopRequest, type LoopStatus } from '../../src/domain/loop';
import { LOOP_WORKFLOW, loopStatusQuery, setConcurrencyUpdate, statusQuery, stopUpdate } from '../../src/temporal/definitions';
import type { researchLoop } from '../../src/workflows/researchLoop';
import { AdmissionQueues, scripted, sixInTheMorningUtc } from '../support/admission';
import { goodTraining } from '../support/fakeActivities';
import { cycleNumber, Gate } from '../support/gate';
import { timeSkippingEnv, waitFor } from '../support/temporal';

/**
 * The research loop with the real admission workflow and real research cycles (fake research
 * activities; the real admission activities), on the time-skipping server: what the loop does
 * when the admission refuses its cycles — for the day's budget, and because every slot is
 * taken. Time is skipped only by `env.sleep` while no activity runs; the test waits on queries
 * otherwise (the test server mishandles time skipped while an activity runs, sdk-java#3088).
 */
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

function startLoop(queue: string, request: LoopRequest) {
  return env.client.workflow.start<typeof researchLoop>(LOOP_WORKFLOW, { args: [request], taskQueue: queue, workflowId: `loop-admission-${randomUUID()}` });
}

type LoopHandle = Awaited<ReturnType<typeof startLoop>>;

const statusWhen = (handle: LoopHandle, holds: (s: LoopStatus) => boolean, what: string) =>
  waitFor(async () => {
    const s = await handle.query(loopStatusQuery);
    return holds(s) ? s : undefined;
  }, what);

/** The status of the loop's cycle N: by query, since awaiting a result lets the test server skip time. */
const cycleStatus = (handle: LoopHandle, n: number): Promise<CycleStatus> => env.client.workflow.getHandle(`${handle.workflowId}-c${n}`).query(statusQuery);

/** What a scripted Claude cycle spends: a design at $0.05 and an assessment at $0.009. */
const DESIGN_COST = 0.05;
const CYCLE_COST = DESIGN_COST + 0.009;

test('a budget exhausted mid-loop: the running cycle finishes, no new one starts, and after the reset at 00:00 UTC the loop goes on with the spend reset', async () => {
  const midnight = await sixInTheMorningUtc(env);
  // An admitted Claude cycle holds its estimate until it is released (what it spent, and the rest of
  // the estimate). Two ended cycles and two running still fit; three ended and two running do not:
  // the fifth cycle is refused while the fourth, designed, trains.
  const limit = 2 * CYCLE_COST + 2 * DEFAULT_CYCLE_ESTIMATE_USD + CYCLE_COST / 2;
  const gate = new Gate();
  onTestFinished(() => gate.openAll());
  const { queue, fakes } = await queues.queueWith({ dailyBudgetUsd: limit, maxConcurrentCycles: 2 }, (calls) => ({
    ...scripted(calls),
    async trainModel(input) {
      calls.train.push(input);
      await gate.pass(cycleNumber(input.cycleId));
      return { operationId: `op_training_${input.cycleId}`, modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining };
    },
  }));
  const handle = await startLoop(queue, { brief: 'momentum on EURUSD hourly', concurrency: 2, maxCycles: 6 });
  const id = (n: number) => `${handle.workflowId}-c${n}`;
  const trained = (n: number) => waitFor(() => Promise.resolve(fakes.calls.train.some((t) => t.cycleId === id(n)) || undefined), `cycle ${n} training`);

  await Promise.all([trained(1), trained(2)]);
  gate.open(1);
  await trained(3);
  gate.open(2);
  await trained(4);
  gate.open(3);

  const waiting = await statusWhen(handle, (s) => s.state === 'waiting_for_budget', 'the loop waiting for the budget');
  expect(stateLine(waiting)).toBe(`waiting for the budget until ${midnight}`);
  expect(waiting).toMatchObject({
    running: [{ cycleId: id(4) }],
    lastRefusal: { cycleId: id(5), reason: 'budget_exhausted' },
    cycles: { started: 5, done: 3, byOutcome: { completed: 3, refused: 1 } },
  });
  expect(await cycleStatus(handle, 5)).toMatchObject({ outcome: 'refused', phases: [], refusal: { reason: 'budget_exhausted', resetsAt: midnight } });
  const refusedAt = await queues.budget(queue);
  expect(refusedAt).toMatchObject({ limitUsd: limit, resetsAt: midnight, activeCycles: [{ cycleId: id(4) }] });
  expect(refusedAt.spentUsd).toBeCloseTo(3 * CYCLE_COST + DESIGN_COST, 10);
  expect(refusedAt.reservedUsd).toBeCloseTo(DEFAULT_CYCLE_ESTIMATE_USD - DESIGN_COST, 10);
  expect(refusedAt.remainingUsd).toBeLessThan(DEFAULT_CYCLE_ESTIMATE_USD);
  // each Claude phase once, as it was settled (two cycles at once interleave)
  expect(refusedAt.events.map((e) => `c${cycleNumber(e.cycleId)} ${e.phase}`).sort()).toEqual([
    'c1 assessing',
    'c1 designing',
    'c2 assessing',
    'c2 designing',
    'c3 assessing',
    'c3 designing',
    'c4 designing',
  ]);

  // the running cycle finishes; while the loop waits, no cycle starts
  gate.open(4);
  await statusWhen(handle, (s) => s.cycles.done === 4, 'the running cycle to end');
  expect(await cycleStatus(handle, 4)).toMatchObject({ outcome: 'completed', verdict: 'promising' });
  await new Promise((r) => setTimeout(r, 1500));
  expect(await handle.query(loopStatusQuery)).toMatchObject({ state: 'waiting_for_budget', waitingUntil: midnight, running: [], cycles: { started: 5 } });
  await expect(env.client.workflow.getHandle(id(6)).describe()).rejects.toThrow(WorkflowNotFoundError);
  expect(fakes.calls.design.map((d) => cycleNumber(d.cycleId)).sort()).toEqual([1, 2, 3, 4]);
  const dayOne = await queues.budget(queue);
  expect(dayOne).toMatchObject({ activeCycles: [], reservedUsd: 0 });
  expect(dayOne.spentUsd).toBeCloseTo(4 * CYCLE_COST, 10);
  expect(dayOne.spentUsd).toBeLessThanOrEqual(limit);

  // the skip to the reset: the loop wakes at 00:00 UTC and runs its last two cycles on the new day's budget
  gate.open(6, 7);
  await env.sleep(Date.parse(midnight) - (await env.currentTimeMs()) + 1000);
  const ended = await statusWhen(handle, (s) => s.state === 'stopped', 'the loop to end');
  expect(ended).toMatchObject({
    stopReason: '6 cycles run',
    cycles: { started: 7, done: 6, byOutcome: { completed: 6, failed: 0, cancelled: 0, refused: 1 } },
  });
  expect(ended.spendUsd).toBeCloseTo(6 * CYCLE_COST, 10);
  for (const n of [6, 7]) {
    const cycle = await env.client.workflow.getHandle(id(n)).describe();
    expect(cycle.startTime.getTime()).toBeGreaterThanOrEqual(Date.parse(midnight));
    expect(await cycleStatus(handle, n)).toMatchObject({ outcome: 'completed' });
  }
  const dayTwo = await queues.budget(queue);
  expect(dayTwo).toMatchObject({ date: midnight.slice(0, 10), activeCycles: [], reservedUsd: 0 });
  expect(dayTwo.spentUsd).toBeCloseTo(2 * CYCLE_COST, 10);
  expect(dayTwo.events.map((e) => `c${cycleNumber(e.cycleId)} ${e.phase}`).sort()).toEqual(['c6 assessing', 'c6 designing', 'c7 assessing', 'c7 designing']);
});

test('a loop that may run more cycles at once than the admission has slots makes fewer refused cycles than it completes, by half', async () => {
  const { queue } = await queues.queueWith({ dailyBudgetUsd: 5, maxConcurrentCycles: 1 }, scripted);
  const handle = await startLoop(queue, { brief: 'momentum on EURUSD hourly', concurrency: 2, maxCycles: 5, offline: true });
  const ended = await statusWhen(handle, (s) => s.state === 'stopped', 'the loop to end');
  expect(ended.cycles.byOutcome).toMatchObject({ completed: 5, failed: 0, cancelled: 0 });
  const refused = ended.cycles.byOutcome.refused;
  expect(refused).toBeLessThan(5 / 2);
  // each refused cycle names what held the slot: a cycle of this loop
  for (let n = 1; n <= ended.cycles.started; n++) {
    const status = await cycleStatus(handle, n);
    if (status.outcome === 'refused') expect(status.refusal).toMatchObject({ reason: 'active_cycle_exists', activeCycles: [expect.stringMatching(/-c\d+$/)] });
    else expect(status.outcome).toBe('completed');
  }
});

test('the loop status says how many cycles it starts at once for now; after a person sets the concurrency, it tries more at once', async () => {
  const gate = new Gate();
  onTestFinished(() => gate.openAll());
  const { queue } = await queues.queueWith({ dailyBudgetUsd: 5, maxConcurrentCycles: 1 }, (calls) => ({
    ...scripted(calls),
    async trainModel(input) {
      calls.train.push(input);
      await gate.pass(cycleNumber(input.cycleId));
      return { operationId: `op_training_${input.cycleId}`, modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining };
    },
  }));
  const handle = await startLoop(queue, { concurrency: 2, offline: true });
  // of its first two cycles, started at once, the admission lets one run
  const capped = await statusWhen(handle, (s) => s.cycles.byOutcome.refused === 1, 'a refused cycle');
  expect(capped).toMatchObject({ concurrency: 2, cappedAt: 1 });
  expect(capped.running).toHaveLength(1);
  const holder = cycleNumber(capped.running[0].cycleId);
  expect([1, 2]).toContain(holder);

  const set = await handle.executeUpdate(setConcurrencyUpdate, { args: [{ concurrency: 2 }] });
  expect(set.cappedAt).toBeUndefined();
  // its cycle ends: it starts two at once again (capped, it would start one), and the admission refuses one
  gate.open(holder);
  const tried = await statusWhen(handle, (s) => s.cycles.byOutcome.refused === 2, 'a second refused cycle');
  expect(tried).toMatchObject({ cappedAt: 1, cycles: { started: 4, done: 1 } });

  gate.openAll();
  await handle.executeUpdate(stopUpdate);
  await statusWhen(handle, (s) => s.state === 'stopped', 'the loop to end');
});
