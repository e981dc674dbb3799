import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { BacktestMetrics } from '../../src/domain/activities';
import type { LoopStatus } from '../../src/domain/loop';
import { LOOP_WORKFLOW } from '../../src/temporal/definitions';
import type { researchLoop } from '../../src/workflows/researchLoop';
import { fakeActivities, goodBacktest, numberedDesigns, usage } from '../support/fakeActivities';
import { cycleNumber } from '../support/gate';
import { timeSkippingEnv, withWorker } from '../support/temporal';

/**
 * The holdout never reaches the loop's choices: two loops whose cycles have the same validation
 * results and wildly different holdouts give every design and assessment the same input, and
 * end with the same state (best strategies, hypotheses, briefs). The planted holdout figures
 * appear in no input and nowhere in the loop's state.
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** Figures no validation result has: if one of them turns up in an input or the loop's state, the holdout leaked. */
const planted = (n: number, scale: number): BacktestMetrics => ({
  ...goodBacktest,
  totalReturn: 0.7071 * scale + n / 1e4,
  sharpeRatio: 31.4159 * scale - n,
  maxDrawdown: 0.0123 * scale,
  winRate: 0.8765,
  totalTrades: 4242 * scale + n,
});

let loops = 0;
async function loopWithHoldouts(scale: number) {
  const fakes = fakeActivities({
    overrides: (calls) => ({
      ...numberedDesigns(calls),
      runBacktest(input) {
        calls.backtest.push(input);
        const n = cycleNumber(input.cycleId);
        // validation Sharpe rises with the cycle, the holdout's falls: a choice by holdout would be reversed
        return Promise.resolve({ operationId: `op_b${n}`, validation: { ...goodBacktest, sharpeRatio: 0.5 + n / 10 }, holdout: planted(n, scale) });
      },
      assessStrategy(input) {
        calls.assess.push(input);
        const n = cycleNumber(input.cycleId);
        return Promise.resolve({
          verdict: n === 2 ? 'promising' : 'mediocre',
          assessmentPath: `strategies/${input.strategyName}/assessment.json`,
          offline: false,
          usage: usage(),
          hypotheses: [`pair rsi with atr_percent on EURUSD 1h (from cycle ${n})`],
        });
      },
    }),
  });
  const loopId = `sealed-loop-${++loops}`;
  const result = await withWorker(env, fakes, (taskQueue) =>
    env.client.workflow.execute<typeof researchLoop>(LOOP_WORKFLOW, {
      args: [{ brief: 'momentum on EURUSD', maxCycles: 4, model: 'haiku' }],
      taskQueue,
      workflowId: loopId,
    }),
  );
  // one loop's ids in the other's terms, so that the two can be compared
  const same = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll(loopId, '<loop>')) as unknown;
  return { calls: fakes.calls, result, same };
}

test("the loop's designs, assessments and choices are the same whatever the holdout says, and hold none of its figures", async () => {
  const one = await loopWithHoldouts(1);
  const two = await loopWithHoldouts(3);

  expect(one.result.cycles.done).toBe(4);
  expect(one.calls.design.map((d) => d.brief)).toContainEqual(expect.stringContaining('pair rsi with atr_percent'));
  expect(two.same(two.calls.design)).toEqual(one.same(one.calls.design));
  expect(two.same(two.calls.assess)).toEqual(one.same(one.calls.assess));
  const { startedAt: _a, ...firstState } = one.same(one.result) as LoopStatus;
  const { startedAt: _b, ...secondState } = two.same(two.result) as LoopStatus;
  expect(secondState).toEqual(firstState);
  expect(one.result.best.map((b) => b.strategy)).toEqual(['strategy_c4', 'strategy_c3', 'strategy_c2', 'strategy_c1'].slice(0, one.result.best.length));

  for (const { calls, result } of [one, two]) {
    const seen = JSON.stringify({ design: calls.design, assess: calls.assess, result });
    for (const figure of ['31.4', '94.2', '4242', '12727', '0.707', '2.121', '0.8765']) expect(seen).not.toContain(figure);
    expect(seen.toLowerCase()).not.toContain('holdout');
  }
});
