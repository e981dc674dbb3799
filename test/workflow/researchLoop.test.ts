import { WorkflowFailedError, WorkflowUpdateFailedError, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AssessResult, BacktestMetrics, Verdict } from '../../src/domain/activities';
import type { LoopRequest, LoopStatus } from '../../src/domain/loop';
import { LOOP_WORKFLOW, loopStatusQuery, pauseUpdate, resumeUpdate, setBriefUpdate, setConcurrencyUpdate, stopUpdate } from '../../src/temporal/definitions';
import type { researchLoop } from '../../src/workflows/researchLoop';
import { fakeActivities, goodBacktest, goodTraining, numberedDesigns, runUntilCancelled, usage } from '../support/fakeActivities';
import { cycleNumber, Gate } from '../support/gate';
import { timeSkippingEnv, waitFor, withWorker } from '../support/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

let loops = 0;
function startLoop(taskQueue: string, request: LoopRequest): Promise<WorkflowHandleWithFirstExecutionRunId<typeof researchLoop>> {
  return env.client.workflow.start<typeof researchLoop>(LOOP_WORKFLOW, { args: [request], taskQueue, workflowId: `loop-test-${++loops}-${Date.now()}` });
}

const assessed = (input: { strategyName: string; model: string }, verdict: Verdict, hypotheses?: string[]): AssessResult => ({
  verdict,
  assessmentPath: `strategies/${input.strategyName}/assessment.json`,
  offline: false,
  usage: usage({ model: input.model, costUsd: 0.009 }),
  ...(hypotheses && { hypotheses }),
});

describe('a research loop', () => {
  test('runs its cycles as child workflows <loop id>-c<N> until maxCycles have run, counting outcomes and spend, and ranks strategies by validation only', async () => {
    // validation Sharpe rises with the cycle number, the holdout's falls: a ranking by holdout would be reversed
    const validation = (n: number): BacktestMetrics => ({ ...goodBacktest, sharpeRatio: 0.5 + n / 10 });
    const fakes = fakeActivities({
      overrides: (calls) => ({
        ...numberedDesigns(calls),
        runBacktest(input) {
          calls.backtest.push(input);
          const n = cycleNumber(input.cycleId);
          return Promise.resolve({ operationId: `op_b${n}`, validation: validation(n), holdout: { ...goodBacktest, sharpeRatio: 9 - n } });
        },
      }),
    });
    const { handle, result, children } = await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startLoop(taskQueue, { brief: 'momentum on EURUSD', maxCycles: 3, model: 'haiku' });
      const result = await handle.result();
      const children = await Promise.all([1, 2, 3].map((n) => env.client.workflow.getHandle(`${handle.workflowId}-c${n}`).describe()));
      return { handle, result, children };
    });

    expect(result).toMatchObject({
      loopId: handle.workflowId,
      state: 'stopped',
      stopReason: '3 cycles run',
      concurrency: 1,
      maxCycles: 3,
      model: 'claude-haiku-5-5',
    });
    expect(result.cycles).toEqual({ started: 3, done: 3, byOutcome: { completed: 3, failed: 0, cancelled: 0, refused: 0 } });
    expect(result.spendUsd).toBeCloseTo(3 * (0.00548 + 0.009), 10);
    expect(result.ranWith).toEqual(['claude-haiku-5-5']);
    expect(result.running).toEqual([]);
    for (const child of children) {
      expect(child.type).toBe('researchCycle');
      expect(child.status.name).toBe('COMPLETED');
      expect(child.parentExecution?.workflowId).toBe(handle.workflowId);
    }
    expect(fakes.calls.design.map((d) => [d.cycleId, d.brief, d.model])).toEqual(
      [1, 2, 3].map((n) => [`${handle.workflowId}-c${n}`, 'momentum on EURUSD', 'claude-haiku-5-5']),
    );
    expect(result.best.map((b) => [b.strategy, b.validation.sharpeRatio])).toEqual([
      ['strategy_c3', 0.8],
      ['strategy_c2', 0.7],
      ['strategy_c1', 0.6],
    ]);
    expect(JSON.stringify(result)).not.toMatch(/holdout/);
  });

  test('runs up to `concurrency` cycles at once, and setConcurrency changes that for the cycles that start next', async () => {
    let inside = 0;
    const most: number[] = [];
    const gate = new Gate();
    const fakes = fakeActivities({
      overrides: (calls) => ({
        async trainModel(input) {
          calls.train.push(input);
          inside += 1;
          most.push(inside);
          await gate.pass(cycleNumber(input.cycleId));
          inside -= 1;
          return { operationId: 'op_t', modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining };
        },
      }),
    });
    await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startLoop(taskQueue, { concurrency: 2, maxCycles: 7 });
      await waitFor(() => Promise.resolve(inside === 2 ? true : undefined), 'two cycles training at once');
      expect((await handle.query(loopStatusQuery)).running.map((r) => cycleNumber(r.cycleId))).toEqual([1, 2]);
      const raised = await handle.executeUpdate(setConcurrencyUpdate, { args: [{ concurrency: 3 }] });
      expect(raised.concurrency).toBe(3);
      await waitFor(() => Promise.resolve(inside === 3 ? true : undefined), 'a third cycle started once allowed');
      for (let n = 1; n <= 7; n++) gate.open(n);
      const result = await handle.result();
      expect(result.cycles.done).toBe(7);
    });
    expect(Math.max(...most)).toBe(3);
    // before the raise, never a third
    expect(most.slice(0, 2)).toEqual([1, 2]);
  });

  test('pause holds new cycles back while the running one finishes; resume starts them again; setBrief steers the next; stop ends the loop after its running cycles', async () => {
    const gate = new Gate();
    const fakes = fakeActivities({
      overrides: (calls) => ({
        async trainModel(input) {
          calls.train.push(input);
          await gate.pass(cycleNumber(input.cycleId));
          return { operationId: 'op_t', modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining };
        },
      }),
    });
    await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startLoop(taskQueue, { brief: 'trend following' });
      await waitFor(() => Promise.resolve(fakes.calls.train.length === 1 ? true : undefined), 'the first cycle training');

      const paused = await handle.executeUpdate(pauseUpdate);
      expect(paused).toMatchObject({ state: 'paused', running: [{ cycleId: `${handle.workflowId}-c1` }] });
      gate.open(1);
      await waitFor(async () => ((await handle.query(loopStatusQuery)).cycles.done === 1 ? true : undefined), 'the first cycle ended');
      // nothing new starts while paused
      await new Promise((r) => setTimeout(r, 1500));
      const held = await handle.query(loopStatusQuery);
      expect(held).toMatchObject({ state: 'paused', running: [], cycles: { started: 1, done: 1 } });

      await handle.executeUpdate(setBriefUpdate, { args: [{ brief: 'volatility breakouts' }] });
      const resumed = await handle.executeUpdate(resumeUpdate);
      expect(resumed.state).toBe('running');
      await waitFor(() => Promise.resolve(fakes.calls.train.length === 2 ? true : undefined), 'the second cycle training');
      expect(fakes.calls.design.map((d) => d.brief)).toEqual(['trend following', 'volatility breakouts']);

      const stopping = await handle.executeUpdate(stopUpdate);
      expect(stopping).toMatchObject({ state: 'stopping', stopReason: 'stop requested', running: [{ cycleId: `${handle.workflowId}-c2` }] });
      await expect(handle.executeUpdate(resumeUpdate)).rejects.toThrow(WorkflowUpdateFailedError);
      gate.open(2);
      const result = await handle.result();
      expect(result).toMatchObject({ state: 'stopped', stopReason: 'stop requested', cycles: { started: 2, done: 2 }, brief: 'volatility breakouts' });
    });
  });

  test('updates with bad arguments are rejected, every problem told, and change nothing', async () => {
    const gate = new Gate();
    const fakes = fakeActivities({
      overrides: (calls) => ({
        async trainModel(input) {
          calls.train.push(input);
          await gate.pass(cycleNumber(input.cycleId));
          return { operationId: 'op_t', modelPath: 'models/x/model.json', metrics: goodTraining };
        },
      }),
    });
    await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startLoop(taskQueue, { maxCycles: 1 });
      const rejected = (update: Promise<unknown>) =>
        update.then(
          () => expect.fail('the update should have been rejected'),
          (err: unknown) => (err as WorkflowUpdateFailedError).cause?.message,
        );
      expect(await rejected(handle.executeUpdate(setConcurrencyUpdate, { args: [{ concurrency: 0 }] }))).toMatch(/^concurrency: .*>=1/);
      expect(await rejected(handle.executeUpdate(setBriefUpdate, { args: [{ brief: '   ' }] }))).toMatch(/^brief: /);
      expect(await handle.query(loopStatusQuery)).toMatchObject({ concurrency: 1 });
      gate.open(1);
      await handle.result();
    });
  });

  test('an invalid input fails the loop at once, listing every problem', async () => {
    const fakes = fakeActivities();
    const err = await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startLoop(taskQueue, { concurrency: 0, model: 'gpt', colour: 'red' } as LoopRequest);
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const message = (err as WorkflowFailedError).cause?.message ?? '';
    expect(message).toMatch(/^Invalid loop input: /);
    expect(message).toContain('concurrency:');
    expect(message).toContain("model: unknown model 'gpt'");
    expect(message).toContain('colour');
    expect(fakes.calls.design).toEqual([]);
  });
});

describe('the hypotheses ledger', () => {
  test('assessments propose hypotheses; each next cycle tests the oldest untested one in its brief, and its gates and verdict decide it', async () => {
    let loop: WorkflowHandleWithFirstExecutionRunId<typeof researchLoop> | undefined;
    let whileTesting: LoopStatus | undefined;
    const fakes = fakeActivities({
      overrides: (calls) => ({
        ...numberedDesigns(calls),
        async trainModel(input) {
          calls.train.push(input);
          const n = cycleNumber(input.cycleId);
          if (n === 2) whileTesting = await loop!.query(loopStatusQuery);
          // cycle 3 learns nothing: its training gate fails
          const metrics = n === 3 ? { ...goodTraining, accuracy: 0.5 } : goodTraining;
          return { operationId: `op_t${n}`, modelPath: `models/${input.strategyName}/model.json`, metrics };
        },
        assessStrategy(input) {
          calls.assess.push(input);
          const n = cycleNumber(input.cycleId);
          const proposed: Record<number, AssessResult> = {
            1: assessed(input, 'mediocre', ['RSI with a volume indicator beats chance on EURUSD hourly', 'ADX alone says nothing', 'Bollinger %B adds to RSI']),
            // cycle 2 proposes one the ledger already holds, spelt differently
            2: assessed(input, 'promising', ['rsi with a volume indicator beats chance on EURUSD hourly.']),
          };
          return Promise.resolve(proposed[n] ?? assessed(input, 'mediocre'));
        },
      }),
    });
    const result = await withWorker(env, fakes, async (taskQueue) => {
      loop = await startLoop(taskQueue, { brief: 'EURUSD hourly', maxCycles: 4 });
      return loop.result();
    });
    const id = loop!.workflowId;
    const c = (n: number) => `${id}-c${n}`;

    expect(fakes.calls.design.map((d) => d.brief)).toEqual([
      'EURUSD hourly',
      "Design a strategy that tests hypothesis h1, proposed by an earlier assessment: RSI with a volume indicator beats chance on EURUSD hourly\n\nWithin the loop's brief: EURUSD hourly",
      "Design a strategy that tests hypothesis h2, proposed by an earlier assessment: ADX alone says nothing\n\nWithin the loop's brief: EURUSD hourly",
      "Design a strategy that tests hypothesis h3, proposed by an earlier assessment: Bollinger %B adds to RSI\n\nWithin the loop's brief: EURUSD hourly",
    ]);
    expect(whileTesting?.running.map((r) => [r.cycleId, r.hypothesis])).toEqual([[c(2), 'h1']]);
    expect(whileTesting?.hypotheses.map((h) => [h.id, h.status])).toEqual([
      ['h1', 'testing'],
      ['h2', 'untested'],
      ['h3', 'untested'],
    ]);
    expect(result.hypotheses.map((h) => [h.id, h.text, h.status, h.proposedBy, h.testedBy])).toEqual([
      ['h1', 'RSI with a volume indicator beats chance on EURUSD hourly', 'supported', c(1), [c(2)]],
      ['h2', 'ADX alone says nothing', 'refuted', c(1), [c(3)]],
      ['h3', 'Bollinger %B adds to RSI', 'inconclusive', c(1), [c(4)]],
    ]);
    expect(result.hypotheses.map((h) => h.evidence)).toEqual([
      `${c(2)}: verdict promising (validation Sharpe 1.10, return +8.0%, 40 trades)`,
      expect.stringMatching(new RegExp(`^${c(3)}: Training gate failed: accuracy_not_above_chance`)),
      `${c(4)}: verdict mediocre (validation Sharpe 1.10, return +8.0%, 40 trades)`,
    ]);
    expect(result.cycles.byOutcome).toEqual({ completed: 3, failed: 1, cancelled: 0, refused: 0 });
    // the failed cycle paid for its design, and it counts
    expect(result.spendUsd).toBeCloseTo(4 * 0.00548 + 3 * 0.009, 10);
  });
});

describe('continue-as-new', () => {
  test('every continueAsNewEvery cycles the loop continues as new, and its counters, best strategies, ledger, brief and concurrency survive', async () => {
    const gate = new Gate();
    const fakes = fakeActivities({
      overrides: (calls) => ({
        ...numberedDesigns(calls),
        async trainModel(input) {
          calls.train.push(input);
          if (cycleNumber(input.cycleId) === 2) await gate.pass(2);
          return { operationId: 'op_t', modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining };
        },
        assessStrategy(input) {
          calls.assess.push(input);
          const n = cycleNumber(input.cycleId);
          return Promise.resolve(assessed(input, n === 1 ? 'promising' : 'mediocre', n === 1 ? ['SP500 daily trends persist'] : undefined));
        },
      }),
    });
    const { loop, result, firstRun } = await withWorker(env, fakes, async (taskQueue) => {
      const loop = await startLoop(taskQueue, { brief: 'before', maxCycles: 5, continueAsNewEvery: 2 });
      // while cycle 2, the last of the first run, trains, the brief and the concurrency change
      await waitFor(() => Promise.resolve(fakes.calls.train.length === 2 ? true : undefined), 'the second cycle training');
      await loop.executeUpdate(setBriefUpdate, { args: [{ brief: 'after the hand-over' }] });
      await loop.executeUpdate(setConcurrencyUpdate, { args: [{ concurrency: 2 }] });
      gate.open(2);
      const result = await loop.result();
      return { loop, result, firstRun: await env.client.workflow.getHandle(loop.workflowId, loop.firstExecutionRunId).describe() };
    });
    expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
    // c1, c2 | c3, c4 | c5
    expect(result.run).toBe(3);
    expect(result).toMatchObject({
      state: 'stopped',
      brief: 'after the hand-over',
      concurrency: 2,
      cycles: { started: 5, done: 5, byOutcome: { completed: 5, failed: 0, cancelled: 0, refused: 0 } },
    });
    expect(result.spendUsd).toBeCloseTo(5 * (0.00548 + 0.009), 10);
    expect(result.best).toHaveLength(5);
    expect(result.hypotheses).toEqual([
      expect.objectContaining({ id: 'h1', text: 'SP500 daily trends persist', status: 'inconclusive', testedBy: [`${loop.workflowId}-c2`] }),
    ]);
    // c3 and c4 ran at once, in either order
    expect(fakes.calls.design.map((d) => d.cycleId).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `${loop.workflowId}-c${n}`));
    expect(fakes.calls.design.find((d) => d.cycleId.endsWith('-c5'))?.brief).toBe('after the hand-over');
  });

  test('a pause survives continue-as-new', async () => {
    const gate = new Gate();
    const fakes = fakeActivities({
      overrides: (calls) => ({
        async trainModel(input) {
          calls.train.push(input);
          await gate.pass(cycleNumber(input.cycleId));
          return { operationId: 'op_t', modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining };
        },
      }),
    });
    await withWorker(env, fakes, async (taskQueue) => {
      const loop = await startLoop(taskQueue, { continueAsNewEvery: 1 });
      await waitFor(() => Promise.resolve(fakes.calls.train.length === 1 ? true : undefined), 'the first cycle training');
      await loop.executeUpdate(pauseUpdate);
      gate.open(1);
      const latest = env.client.workflow.getHandle(loop.workflowId);
      // the test server can leave a query sent as the run hands over unanswered: each probe has a deadline
      const secondRun = await waitFor(async () => {
        const s = await env.client.connection.withDeadline(Date.now() + 2000, () => latest.query(loopStatusQuery));
        return s.run === 2 ? s : undefined;
      }, 'the second run');
      expect(secondRun).toMatchObject({ state: 'paused', cycles: { started: 1, done: 1 }, running: [] });
      await latest.executeUpdate(stopUpdate);
      await latest.result();
    });
    expect(fakes.calls.design).toHaveLength(1);
  });
});

describe('cancelling the loop', () => {
  test('cancels its running cycles, whose activities stop, and the loop ends cancelled after them', async () => {
    const fakes = fakeActivities({
      overrides: (calls) => ({
        async trainModel(input) {
          calls.train.push(input);
          return runUntilCancelled('training', calls);
        },
      }),
    });
    const { err, children } = await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startLoop(taskQueue, { concurrency: 2 });
      await waitFor(() => Promise.resolve(fakes.calls.train.length === 2 ? true : undefined), 'two cycles training');
      await handle.cancel();
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      const children = await Promise.all([1, 2].map((n) => env.client.workflow.getHandle(`${handle.workflowId}-c${n}`).describe()));
      return { err, children };
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(children.map((c) => c.status.name)).toEqual(['CANCELLED', 'CANCELLED']);
    expect(fakes.calls.cancelled).toEqual(['training', 'training']);
    expect(fakes.calls.cleanup.map((c) => c.outcome)).toEqual(['cancelled', 'cancelled']);
  });
});
