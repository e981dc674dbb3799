import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CycleRequest } from '../../src/domain/cycle';
import {
  ADMISSION_WORKFLOW,
  admissionWorkflowId,
  admitUpdate,
  configureUpdate,
  OutcomeAttribute,
  RESEARCH_WORKFLOW,
  servicesTaskQueue,
  settleSignal,
} from '../../src/temporal/definitions';
import type { researchCycle } from '../../src/workflows/researchCycle';
import { AdmissionQueues, scripted } from '../support/admission';
import { fakeActivities, goodTraining, usage } from '../support/fakeActivities';
import { devServerEnv, startResearchCycle, waitFor, workflowBundle } from '../support/temporal';

/**
 * The admission workflow with real research cycles on the dev server: cycles admit
 * themselves, reserve and settle their Claude phases, release their slot however they end, and
 * a cycle that dies holding one gives it back. Each test has its task queue, so its own
 * admission workflow. What takes hours or minutes of workflow time is in admissionClock.test.ts,
 * on the time-skipping server: there, the timers of many admission workflows make time leap
 * while an activity runs, timing out its heartbeats.
 */
let env: TestWorkflowEnvironment;
let queues: AdmissionQueues;
beforeAll(async () => {
  env = await devServerEnv();
  queues = new AdmissionQueues(env);
});
afterAll(async () => {
  await queues?.close();
  await env?.teardown();
});

const queueWith: AdmissionQueues['queueWith'] = (...args) => queues.queueWith(...args);
const budget = (queue: string) => queues.budget(queue);
const run = (queue: string, request: CycleRequest = {}) => queues.run(queue, request);

const ROOM = { dailyBudgetUsd: 5, maxConcurrentCycles: 1 };

describe('admission', () => {
  test('two cycles started at the same instant: one runs, the other ends at once refused, naming it', async () => {
    const { queue, fakes } = await queueWith(ROOM, scripted);
    const [a, b] = await Promise.all([startResearchCycle(env, queue, { brief: 'hold' }), startResearchCycle(env, queue, { brief: 'hold' })]);
    const refused = await Promise.race([a.result(), b.result()]);
    const running = refused.cycleId === a.workflowId ? b : a;
    expect(refused).toMatchObject({
      outcome: 'refused',
      phase: 'refused',
      phases: [],
      refusal: { reason: 'active_cycle_exists', activeCycles: [running.workflowId] },
    });
    expect(refused.refusal?.message).toContain(`ktrdr-agent cancel ${running.workflowId}`);
    expect((await budget(queue)).activeCycles.map((c) => c.cycleId)).toEqual([running.workflowId]);
    // it designed nothing; the one admitted did
    await waitFor(() => Promise.resolve(fakes.calls.train.length ? true : undefined), 'the admitted cycle to train');
    expect(fakes.calls.design.map((d) => d.cycleId)).toEqual([running.workflowId]);

    await running.cancel();
    await expect(running.result()).rejects.toThrow();
    expect(await run(queue, { brief: 'next' })).toMatchObject({ outcome: 'completed' });
  });

  test('a refused cycle says so in its search attribute, memo and details', async () => {
    const { queue } = await queueWith(ROOM, scripted);
    const holder = await startResearchCycle(env, queue, { brief: 'hold' });
    await waitFor(async () => ((await budget(queue)).activeCycles.length ? true : undefined), 'the first cycle admitted');
    const handle = await startResearchCycle(env, queue);
    await handle.result();
    const description = await handle.describe();
    expect(description.memo?.summary).toMatchObject({ phase: 'refused', refusal: { reason: 'active_cycle_exists' } });
    expect(description.typedSearchAttributes.get(OutcomeAttribute)).toBe('refused');
    await holder.cancel();
  });

  test.each([
    ['completed', {}, 'completed'],
    ['failed at the training gate', { gates: { training: { minAccuracy: 0.99 } } }, 'failed'],
    ['cancelled while training', { brief: 'hold' }, 'cancelled'],
    ['cancelled while Claude designs', { brief: 'design hangs' }, 'cancelled'],
  ] as const)('a cycle %s gives back its slot and its reservations, and the next cycle runs', async (_name, request, outcome) => {
    const { queue, fakes } = await queueWith(ROOM, scripted);
    const handle = await startResearchCycle(env, queue, request);
    if (outcome === 'cancelled') {
      await waitFor(() => Promise.resolve(fakes.calls.train.length || fakes.calls.design.length ? true : undefined), 'the cycle to be working');
      await handle.cancel();
    }
    await handle.result().catch(() => undefined);
    expect(fakes.calls.release).toEqual([{ cycleId: handle.workflowId, outcome }]);
    const after = await budget(queue);
    expect(after).toMatchObject({ activeCycles: [], reservedUsd: 0 });
    expect(await run(queue, { brief: 'next' })).toMatchObject({ outcome: 'completed' });
  });

  test('more cycles admitting at once than their worker has workflow task slots are each admitted or refused', async () => {
    // a cycle waits for its admission outside its workflow task, which the admission workflow's task may need
    const queue = `admission-${randomUUID()}`;
    const activities = fakeActivities({ admission: { settings: ROOM, claude: true } });
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: queue,
      activities,
      workflowBundle: await workflowBundle(),
      maxConcurrentWorkflowTaskExecutions: 2,
    });
    const services = await Worker.create({ connection: env.nativeConnection, taskQueue: servicesTaskQueue(queue), activities });
    const outcomes = await worker.runUntil(
      services.runUntil(async () => {
        const cycles = await Promise.all([1, 2, 3, 4].map(() => startResearchCycle(env, queue)));
        return Promise.all(cycles.map(async (c) => (await c.result()).outcome));
      }),
    );
    expect(outcomes).toContain('completed');
    expect(outcomes.filter((o) => o !== 'completed' && o !== 'refused')).toEqual([]);
  });

  test('a cycle whose Claude design fails is charged what the failed phase spent, and releases its slot', async () => {
    const { queue } = await queueWith(ROOM, (calls) => ({
      designStrategy(input) {
        calls.design.push(input);
        return Promise.reject(
          ApplicationFailure.create({ message: 'cap reached', type: 'DesignGaveUp', nonRetryable: true, details: [usage({ costUsd: 0.04 })] }),
        );
      },
    }));
    await expect(run(queue)).rejects.toThrow();
    const after = await budget(queue);
    expect(after).toMatchObject({ activeCycles: [], reservedUsd: 0, spentUsd: 0.04 });
    expect(after.events).toMatchObject([{ phase: 'designing', costUsd: 0.04, model: 'claude-sonnet-5-5' }]);
  });
});

describe('the budget', () => {
  test('records each Claude phase at its real cost in place of its reservation, and the cycle cost makes the average', async () => {
    const { queue } = await queueWith(ROOM, scripted);
    const status = await run(queue, { brief: 'costs 0.07', model: 'haiku' });
    const after = await budget(queue);
    expect(after.events.map((e) => [e.cycleId, e.phase, e.model, e.costUsd])).toEqual([
      [status.cycleId, 'designing', 'claude-haiku-5-5', 0.07],
      [status.cycleId, 'assessing', 'claude-haiku-5-5', 0.009],
    ]);
    expect(after.spentUsd).toBeCloseTo(0.079, 10);
    expect(after.reservedUsd).toBe(0);
    expect(after.averageCycleCostUsd).toBeCloseTo(status.usage.costUsd, 10);
    expect(after.cyclesAffordable).toBe(Math.floor((5 - 0.079) / status.usage.costUsd));
  });

  test('two cycles at once cannot overshoot it together: the second that would is refused before it designs', async () => {
    const { queue, fakes } = await queueWith({ dailyBudgetUsd: 0.15, maxConcurrentCycles: 2 }, scripted);
    const [a, b] = await Promise.all([run(queue, { brief: 'costs 0.1' }), run(queue, { brief: 'costs 0.1' })]);
    const outcomes = [a, b].map((s) => s.outcome).sort();
    expect(outcomes).toEqual(['completed', 'refused']);
    expect([a, b].find((s) => s.outcome === 'refused')?.refusal?.reason).toBe('budget_exhausted');
    expect(fakes.calls.design).toHaveLength(1);
    expect((await budget(queue)).spentUsd).toBeLessThanOrEqual(0.15);
  });

  test('a cycle admitted ahead (as trigger admits its id) whose design the budget no longer holds ends refused, having designed nothing, its slot given back', async () => {
    const { queue, fakes } = await queueWith(ROOM, scripted);
    const cycleId = `ahead-${randomUUID()}`;
    const admission = new WithStartWorkflowOperation(ADMISSION_WORKFLOW, {
      workflowId: admissionWorkflowId(queue),
      taskQueue: queue,
      args: [{ settings: ROOM }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    expect(await env.client.workflow.executeUpdateWithStart(admitUpdate, { args: [{ cycleId, offline: false }], startWorkflowOperation: admission })).toEqual({
      admitted: true,
    });
    await env.client.workflow.getHandle(admissionWorkflowId(queue)).executeUpdate(configureUpdate, { args: [{ dailyBudgetUsd: 0.01 }] });

    const status = await (
      await env.client.workflow.start<typeof researchCycle>(RESEARCH_WORKFLOW, { workflowId: cycleId, taskQueue: queue, args: [{}] })
    ).result();
    expect(status).toMatchObject({ outcome: 'refused', refusal: { reason: 'budget_exhausted' } });
    expect(status.refusal?.message).toContain('the design needs about $0.0900');
    expect(fakes.calls.design).toEqual([]);
    expect(await budget(queue)).toMatchObject({ activeCycles: [], reservedUsd: 0 });
  });

  test('an assessment the rest of the budget cannot hold is not run: the cycle completes with its results, unassessed', async () => {
    const { queue, fakes } = await queueWith({ dailyBudgetUsd: 0.2, maxConcurrentCycles: 1 }, scripted);
    const status = await run(queue, { brief: 'costs 0.18' });
    expect(status.outcome).toBe('completed');
    expect(status.training?.metrics).toEqual(goodTraining);
    expect(status.assessmentFailure).toMatch(/^not assessed: daily budget exhausted: .* the assessment needs about \$0\.0320/);
    expect(fakes.calls.assess).toEqual([]);
  });
});

describe('cycles that die holding a slot', () => {
  test('a terminated cycle gives its slot and reservation back when the next cycle asks', async () => {
    const { queue } = await queueWith(ROOM, scripted);
    const dead = await startResearchCycle(env, queue, { brief: 'design retries' });
    await waitFor(
      async () => ((await dead.describe()).raw.pendingActivities?.[0]?.lastFailure ? true : undefined),
      'the reserved design to wait for its retry',
    );
    expect((await budget(queue)).reservedUsd).toBeCloseTo(0.122, 10);
    await dead.terminate('gone for good');
    expect((await budget(queue)).activeCycles.map((c) => c.cycleId)).toEqual([dead.workflowId]);
    expect(await run(queue, { brief: 'next' })).toMatchObject({ outcome: 'completed' });
    expect(await budget(queue)).toMatchObject({ activeCycles: [], reservedUsd: 0 });
  });
});

describe('the admission workflow', () => {
  test('configure changes the limit and the slots; a bad value is refused before it reaches history', async () => {
    const { queue } = await queueWith(ROOM, scripted);
    const start = () =>
      new WithStartWorkflowOperation(ADMISSION_WORKFLOW, {
        workflowId: admissionWorkflowId(queue),
        taskQueue: queue,
        args: [{ settings: ROOM }],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    expect(await env.client.workflow.executeUpdateWithStart(configureUpdate, { args: [{ dailyBudgetUsd: 12.5 }], startWorkflowOperation: start() })).toEqual({
      dailyBudgetUsd: 12.5,
      maxConcurrentCycles: 1,
    });
    const handle = env.client.workflow.getHandle(admissionWorkflowId(queue));
    await expect(handle.executeUpdate(configureUpdate, { args: [{ maxConcurrentCycles: 0 }] })).rejects.toThrow(WorkflowUpdateFailedError);
    await expect(handle.executeUpdate(admitUpdate, { args: [{ cycleId: '', offline: false }] })).rejects.toThrow(WorkflowUpdateFailedError);
    expect(await budget(queue)).toMatchObject({ limitUsd: 12.5, maxConcurrentCycles: 1 });
  });

  test('continues as new when its history grows, with its state whole', async () => {
    const { queue } = await queueWith(ROOM, scripted);
    const workflowId = admissionWorkflowId(queue);
    const first = await env.client.workflow.start(ADMISSION_WORKFLOW, { workflowId, taskQueue: queue, args: [{ settings: ROOM, maxHistoryEvents: 100 }] });
    await run(queue, { brief: 'quiet', offline: true });
    const handle = env.client.workflow.getHandle(workflowId);
    // in batches, as spend comes: a signal that arrives while the workflow continues as new makes it try again
    let signals = 0;
    const newRun = async () => ((await handle.describe()).runId !== first.firstExecutionRunId ? true : undefined);
    while (!(await newRun())) {
      if (signals >= 200) throw new Error(`no continue-as-new after ${signals} signals`);
      for (let i = 0; i < 10; i++, signals++) {
        await handle.signal(settleSignal, {
          cycleId: `c${signals}`,
          reservationId: `c${signals}/designing`,
          costUsd: 0.01,
          model: 'claude-haiku-5-5',
          phase: 'designing',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const after = await budget(queue);
    expect(after.events).toHaveLength(signals);
    expect(after.spentUsd).toBeCloseTo(signals * 0.01, 10);
    expect(await run(queue, { brief: 'after' })).toMatchObject({ outcome: 'completed' });
  });
});
