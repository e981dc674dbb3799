import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundle } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUSY_BACKOFF_MS, type LoopRequest } from '../../src/domain/loop';
import { LOOP_WORKFLOW, loopStatusQuery, stopUpdate } from '../../src/temporal/definitions';
import type { researchLoop } from '../../src/workflows/researchLoop';
import { cycleNumber } from '../support/gate';
import { timeSkippingEnv, waitFor } from '../support/temporal';
import type { Script } from './stubs/refusingCycle';

/**
 * The loop's handling of refused cycles, against issue 14's contract: a cycle refused for the
 * day's budget ends with outcome 'refused', reason 'budget_exhausted' and `resetsAt`; one
 * refused because the slots are taken, 'active_cycle_exists'. The admission workflow that
 * refuses is not in this bundle: a stub cycle ends as each test scripts it.
 */
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
beforeAll(async () => {
  env = await timeSkippingEnv();
  bundle = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'stubs', 'refusingCycle.ts'), logger: new DefaultLogger('ERROR') });
});
afterAll(async () => {
  await env?.teardown();
});

/** Runs a loop whose cycles end as `plan` says; `hold` keeps a cycle running until the test releases it. */
async function withScriptedLoop<T>(
  request: LoopRequest,
  plan: (n: number) => Script,
  fn: (loop: {
    handle: Awaited<ReturnType<typeof env.client.workflow.start<typeof researchLoop>>>;
    scripted: number[];
    release: (n: number) => void;
  }) => Promise<T>,
  hold: ReadonlySet<number> = new Set(),
): Promise<T> {
  const scripted: number[] = [];
  const released = new Map<number, () => void>();
  const waits = new Map<number, Promise<void>>([...hold].map((n) => [n, new Promise<void>((resolve) => released.set(n, resolve))]));
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: {
      async script({ cycleId }: { cycleId: string }): Promise<Script> {
        const n = cycleNumber(cycleId);
        scripted.push(n);
        await waits.get(n);
        return plan(n);
      },
    },
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof researchLoop>(LOOP_WORKFLOW, {
      args: [request],
      taskQueue,
      workflowId: `loop-refusals-${randomUUID()}`,
    });
    return fn({ handle, scripted, release: (n) => released.get(n)!() });
  });
}

const completed: Script = { outcome: 'completed', costUsd: 0.05 };
const SIX_HOURS = 6 * 3600_000;

describe('a cycle refused for the budget', () => {
  test('makes the loop wait on a durable timer until the budget resets: the running cycles finish, none starts, then the loop goes on', async () => {
    await withScriptedLoop(
      { concurrency: 2, maxCycles: 3 },
      (n) => (n === 2 ? { outcome: 'refused', reason: 'budget_exhausted', resetsInMs: SIX_HOURS } : completed),
      async ({ handle, scripted, release }) => {
        const waiting = await waitFor(async () => {
          const s = await handle.query(loopStatusQuery);
          return s.state === 'waiting_for_budget' ? s : undefined;
        }, 'the loop waiting for the budget');
        expect(waiting).toMatchObject({
          running: [{ cycleId: `${handle.workflowId}-c1` }],
          lastRefusal: { cycleId: `${handle.workflowId}-c2`, reason: 'budget_exhausted' },
        });
        const resetsAt = waiting.waitingUntil!;

        // the running cycle finishes; none starts while the loop waits
        release(1);
        await waitFor(async () => ((await handle.query(loopStatusQuery)).cycles.done === 1 ? true : undefined), 'the running cycle ended');
        await new Promise((r) => setTimeout(r, 1500));
        expect([...scripted].sort()).toEqual([1, 2]);
        expect(await handle.query(loopStatusQuery)).toMatchObject({ state: 'waiting_for_budget', waitingUntil: resetsAt, running: [] });

        // awaiting the result lets the test server skip the six hours
        const result = await handle.result();
        expect(result).toMatchObject({ state: 'stopped', cycles: { started: 4, done: 3, byOutcome: { completed: 3, failed: 0, cancelled: 0, refused: 1 } } });
        expect(result.spendUsd).toBeCloseTo(0.15, 10);
        const c2 = await env.client.workflow.getHandle(`${handle.workflowId}-c2`).describe();
        const c3 = await env.client.workflow.getHandle(`${handle.workflowId}-c3`).describe();
        expect(c3.startTime.getTime()).toBeGreaterThanOrEqual(Date.parse(resetsAt));
        expect(Date.parse(resetsAt) - c2.closeTime!.getTime()).toBeGreaterThan(SIX_HOURS - 60_000);
      },
      new Set([1]),
    );
  });

  test('stop while the loop waits for the budget ends it then, not at the reset', async () => {
    await withScriptedLoop(
      {},
      () => ({ outcome: 'refused', reason: 'budget_exhausted', resetsInMs: SIX_HOURS }),
      async ({ handle, scripted }) => {
        const waiting = await waitFor(async () => {
          const s = await handle.query(loopStatusQuery);
          return s.state === 'waiting_for_budget' ? s : undefined;
        }, 'the loop waiting for the budget');
        await handle.executeUpdate(stopUpdate);
        const result = await handle.result();
        expect(result).toMatchObject({ state: 'stopped', stopReason: 'stop requested', cycles: { started: 1, done: 0 } });
        expect(result.waitingUntil).toBeUndefined();
        expect(scripted).toEqual([1]);
        expect((await handle.describe()).closeTime!.getTime()).toBeLessThan(Date.parse(waiting.waitingUntil!));
      },
    );
  });
});

describe('a cycle refused because every slot is taken', () => {
  test('makes the loop wait for one of its own cycles to end, then try again', async () => {
    await withScriptedLoop(
      { concurrency: 2, maxCycles: 2 },
      (n) => (n === 2 ? { outcome: 'refused', reason: 'active_cycle_exists', activeCycles: ['c1'] } : completed),
      async ({ handle, scripted, release }) => {
        await waitFor(async () => ((await handle.query(loopStatusQuery)).lastRefusal ? true : undefined), 'the refusal');
        await new Promise((r) => setTimeout(r, 1500));
        expect([...scripted].sort()).toEqual([1, 2]);
        // well within the backoff, which the test server does not skip here: the end of its own cycle woke the loop
        release(1);
        await waitFor(async () => ((await handle.query(loopStatusQuery)).state === 'stopped' ? true : undefined), 'the loop stopped');
        const result = await handle.result();
        expect([...scripted].sort()).toEqual([1, 2, 3]);
        expect(result).toMatchObject({
          lastRefusal: { reason: 'active_cycle_exists', message: 'a cycle is running: c1' },
          cycles: { started: 3, done: 2, byOutcome: { completed: 2, refused: 1 } },
        });
      },
      new Set([1]),
    );
  });

  test('with none of its own cycles running, the loop tries again after a short backoff', async () => {
    await withScriptedLoop(
      { maxCycles: 1 },
      (n) => (n === 1 ? { outcome: 'refused', reason: 'active_cycle_exists', activeCycles: ['research-someone-else'] } : completed),
      async ({ handle }) => {
        await waitFor(async () => ((await handle.query(loopStatusQuery)).lastRefusal ? true : undefined), 'the refusal');
        await env.sleep(BUSY_BACKOFF_MS);
        const result = await handle.result();
        expect(result.cycles).toMatchObject({ started: 2, done: 1, byOutcome: { completed: 1, refused: 1 } });
        const c1 = await env.client.workflow.getHandle(`${handle.workflowId}-c1`).describe();
        const c2 = await env.client.workflow.getHandle(`${handle.workflowId}-c2`).describe();
        expect(c2.startTime.getTime() - c1.closeTime!.getTime()).toBeGreaterThanOrEqual(BUSY_BACKOFF_MS);
      },
    );
  });
});
