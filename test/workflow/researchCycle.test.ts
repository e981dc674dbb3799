import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, defaultPayloadConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { OPERATION_RUNNING, type TrainResult } from '../../src/domain/activities';
import type { CycleRequest, CycleStatus, CycleSummary, ResearchPhase } from '../../src/domain/cycle';
import { OutcomeAttribute, PhaseAttribute, statusQuery, StrategyAttribute } from '../../src/temporal/definitions';
import { fakeActivities, goodBacktest, goodTraining, runUntilCancelled, usage, type Fakes } from '../support/fakeActivities';
import { startResearchCycle, timeSkippingEnv, waitFor, withWorker } from '../support/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

async function run(fakes: Fakes, request: CycleRequest = {}): Promise<CycleStatus> {
  return withWorker(env, fakes, async (taskQueue) => (await startResearchCycle(env, taskQueue, request)).result());
}

/** The failed cycle's status travels as the failure's details. */
async function runFailing(fakes: Fakes, request: CycleRequest = {}): Promise<{ failure: ApplicationFailure; status: CycleStatus }> {
  const err = await run(fakes, request).then(
    () => expect.fail('the cycle should have failed'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const failure = (err as WorkflowFailedError).cause;
  expect(failure).toBeInstanceOf(ApplicationFailure);
  const app = failure as ApplicationFailure;
  return { failure: app, status: app.details?.[0] as CycleStatus };
}

describe('a research cycle', () => {
  test('runs design → train → backtest → assess and records what it found', async () => {
    const fakes = fakeActivities();
    const status = await run(fakes, { brief: 'mean reversion on EURUSD', model: 'haiku', symbol: 'EURUSD', timeframe: '1h' });

    expect(status.outcome).toBe('completed');
    expect(status.phase).toBe('completed');
    expect(status.strategy).toBe('rsi_adx_trend_filter');
    expect(status.verdict).toBe('promising');
    expect(status.model).toBe('claude-haiku-5-5');
    expect(status.phases.map((p) => p.phase)).toEqual(['designing', 'training', 'backtesting', 'assessing']);
    for (const p of status.phases) expect(p.durationMs).toBeGreaterThanOrEqual(0);
    expect(status.gates.training).toMatchObject({ passed: true, bypassed: false, reason: 'passed' });
    expect(status.gates.backtest).toMatchObject({ passed: true, bypassed: false, reason: 'passed' });
    expect(status.training?.metrics).toEqual(goodTraining);
    expect(status.backtest?.validation).toEqual(goodBacktest);
    // tokens and cost of both Claude phases
    expect(status.usage).toMatchObject({ inputTokens: 3200, outputTokens: 800, cacheReadTokens: 1600 });
    expect(status.usage.costUsd).toBeCloseTo(0.00548 + 0.009, 10);

    expect(fakes.calls.design).toEqual([
      { cycleId: status.cycleId, model: 'claude-haiku-5-5', brief: 'mean reversion on EURUSD', symbol: 'EURUSD', timeframe: '1h', offline: false },
    ]);
    expect(fakes.calls.train[0]).toEqual({
      cycleId: status.cycleId,
      strategyName: 'rsi_adx_trend_filter',
      strategyPath: 'strategies/rsi_adx_trend_filter.yaml',
    });
    expect(fakes.calls.backtest[0].modelPath).toBe('models/rsi_adx_trend_filter/model.json');
    // the assessor sees the validation backtest, never the holdout
    expect(fakes.calls.assess[0].backtest).toEqual(goodBacktest);
    expect(fakes.calls.cleanup).toEqual([]);
  });

  test('publishes phase, strategy and outcome as search attributes and a memo', async () => {
    const fakes = fakeActivities();
    const description = await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue);
      await handle.result();
      return handle.describe();
    });
    expect(description.typedSearchAttributes.get(PhaseAttribute)).toBe('completed');
    expect(description.typedSearchAttributes.get(OutcomeAttribute)).toBe('completed');
    expect(description.typedSearchAttributes.get(StrategyAttribute)).toBe('rsi_adx_trend_filter');
    expect(description.memo?.summary).toMatchObject({ phase: 'completed', strategy: 'rsi_adx_trend_filter', verdict: 'promising' });
  });
});

describe('quality gates', () => {
  const training = (over: Partial<typeof goodTraining>) => ({ ...goodTraining, ...over });
  const backtest = (over: Partial<typeof goodBacktest>) => ({ ...goodBacktest, ...over });

  test.each([
    ['accuracy 3 pp above chance', training({ accuracy: 0.53 })],
    ['validation loss 2 % below chance', training({ loss: 1.05 * 0.98 })],
    ['training loss 2 % below its chance', training({ finalTrainLoss: 1.04 * 0.98 })],
  ])('training gate passes with %s', async (_name, metrics) => {
    const status = await run(fakeActivities({ training: metrics }));
    expect(status.outcome).toBe('completed');
    expect(status.gates.training?.passed).toBe(true);
  });

  test.each([
    [
      'accuracy just under chance + 3 pp',
      training({ accuracy: 0.5299 }),
      'Training gate failed: accuracy_not_above_chance (accuracy 52.99% < 53% (chance 50% + 3 pp))',
    ],
    [
      'validation loss just over 2 % below chance',
      training({ loss: 1.0291 }),
      'Training gate failed: loss_not_below_chance (loss 1.0291 > 1.029 (chance 1.05 − 2%))',
    ],
    [
      'training loss just over 2 % below its chance',
      training({ finalTrainLoss: 1.0193 }),
      'Training gate failed: not_learnt (training loss 1.0193 > 1.0192 (chance 1.04 − 2%))',
    ],
  ])('training gate fails with %s, and nothing is backtested', async (_name, metrics, reason) => {
    const fakes = fakeActivities({ training: metrics });
    const { failure, status } = await runFailing(fakes);
    expect(failure.type).toBe('GateFailed');
    expect(failure.message).toBe(reason);
    expect(status.failure).toEqual({ phase: 'training', kind: 'gate', reason });
    expect(status.gates.training?.passed).toBe(false);
    expect(fakes.calls.backtest).toEqual([]);
    expect(fakes.calls.cleanup).toEqual([{ cycleId: status.cycleId, outcome: 'failed' }]);
  });

  test("a validation loss of 0.88, which failed KTRDR's absolute 0.8, passes against a chance loss of 1.05", async () => {
    const status = await run(fakeActivities({ training: training({ loss: 0.88 }) }));
    expect(status.outcome).toBe('completed');
  });

  test.each([
    ['5 trades', backtest({ totalTrades: 5 })],
    ['a return of exactly 0 while buy-and-hold fell', backtest({ totalReturn: 0, buyAndHoldReturn: -0.05 })],
    ['drawdown at 40%', backtest({ maxDrawdown: 0.4 })],
    ['a return 2 standard errors behind buy-and-hold at the same stake', backtest({ totalReturn: 0.001, sameStakeTStat: -2 })],
    ['a 20% win rate, which KTRDR refused', backtest({ winRate: 0.2 })],
  ])('backtest gate passes with %s', async (_name, metrics) => {
    const status = await run(fakeActivities({ backtest: metrics }));
    expect(status.outcome).toBe('completed');
  });

  test.each([
    ['4 trades', backtest({ totalTrades: 4 }), 'Backtest gate failed: too_few_trades (trades 4 < 5)'],
    ['a small loss after costs', backtest({ totalReturn: -0.0001, buyAndHoldReturn: -0.05 }), 'Backtest gate failed: return_too_low (return -0.01% < 0%)'],
    ['drawdown just over 40%', backtest({ maxDrawdown: 0.4001 }), 'Backtest gate failed: drawdown_too_high (max drawdown 40.01% > 40%)'],
    [
      'a return more than 2 standard errors behind buy-and-hold at the same stake',
      backtest({ totalReturn: 0.001, sameStakeTStat: -2.01 }),
      'Backtest gate failed: behind_buy_and_hold (excess over buy-and-hold at the same stake, t -2.01 < -2 (return 0.1% vs 0.75% = buy-and-hold 3% × average exposure 25%))',
    ],
  ])('backtest gate fails with %s, and nothing is assessed', async (_name, metrics, reason) => {
    const fakes = fakeActivities({ backtest: metrics });
    const { failure, status } = await runFailing(fakes);
    expect(failure.type).toBe('GateFailed');
    expect(failure.message).toBe(reason);
    expect(status.failure).toEqual({ phase: 'backtesting', kind: 'gate', reason });
    expect(fakes.calls.assess).toEqual([]);
  });

  test("thresholds come from the input: KTRDR's absolute ones when set, other margins", async () => {
    const { failure } = await runFailing(fakeActivities(), { gates: { training: { minAccuracy: 0.6 } } });
    expect(failure.message).toBe('Training gate failed: accuracy_below_threshold (accuracy 58% < 60%)');
    const strict = await runFailing(fakeActivities(), { gates: { backtest: { minSharpe: 1.5 } } });
    expect(strict.failure.message).toBe('Backtest gate failed: sharpe_too_low (Sharpe 1.1 < 1.5)');
    const status = await run(fakeActivities({ backtest: backtest({ totalTrades: 2 }) }), { gates: { backtest: { minTrades: 2 } } });
    expect(status.outcome).toBe('completed');
  });

  test('a result without the chance baselines or the buy-and-hold figures fails as invalid, not as zeros', async () => {
    const { chanceLoss: _, ...noChanceLoss } = goodTraining;
    const trained = await runFailing(fakeActivities({ training: noChanceLoss }));
    expect(trained.failure.type).toBe('InvalidActivityResult');
    expect(trained.failure.message).toBe('Training returned an invalid result: metrics.chanceLoss: Invalid input: expected number, received undefined');
    const { averageExposure: __, ...noExposure } = goodBacktest;
    const tested = await runFailing(fakeActivities({ backtest: noExposure }));
    expect(tested.status.failure).toMatchObject({ phase: 'backtesting', kind: 'invalid_result' });
    expect(tested.failure.message).toContain('metrics.averageExposure');
  });

  test('bypassed gates let a failing strategy through and say what they let through', async () => {
    const fakes = fakeActivities({ training: training({ accuracy: 0.3 }), backtest: backtest({ totalTrades: 2 }) });
    const status = await run(fakes, { bypassGates: true });
    expect(status.outcome).toBe('completed');
    expect(status.bypassGates).toBe(true);
    expect(status.gates.training).toMatchObject({
      passed: true,
      bypassed: true,
      reason: 'bypassed: accuracy_not_above_chance (accuracy 30% < 53% (chance 50% + 3 pp))',
    });
    expect(status.gates.backtest).toMatchObject({ passed: true, bypassed: true, reason: 'bypassed: too_few_trades (trades 2 < 5)' });
    expect(fakes.calls.assess).toHaveLength(1);
  });
});

describe('activity failures', () => {
  test('a retryable failure is retried with backoff, then the cycle goes on', async () => {
    let attempts = 0;
    const fakes = fakeActivities({
      overrides: () => ({
        trainModel(input) {
          attempts++;
          if (attempts === 1) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:8000'));
          return Promise.resolve({ operationId: 'op_training_2', modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining });
        },
      }),
    });
    const status = await run(fakes);
    expect(status.outcome).toBe('completed');
    expect(attempts).toBe(2);
  });

  test('a non-retryable failure ends the cycle at once, naming the phase and the error', async () => {
    let attempts = 0;
    const fakes = fakeActivities({
      overrides: () => ({
        trainModel() {
          attempts++;
          return Promise.reject(ApplicationFailure.nonRetryable("fuzzy set 'rsi_14' has no membership functions", 'InvalidStrategy'));
        },
      }),
    });
    const { failure, status } = await runFailing(fakes);
    expect(attempts).toBe(1);
    expect(failure.type).toBe('PhaseFailed');
    expect(failure.message).toBe("Training failed: fuzzy set 'rsi_14' has no membership functions");
    expect(status).toMatchObject({ outcome: 'failed', phase: 'failed', strategy: 'rsi_adx_trend_filter' });
    expect(status.failure).toEqual({ phase: 'training', kind: 'activity', reason: failure.message });
    expect(fakes.calls.cleanup).toEqual([{ cycleId: status.cycleId, outcome: 'failed' }]);
  });

  test('a Claude phase that fails still charges the cycle what it spent', async () => {
    const spent = usage({ inputTokens: 9000, outputTokens: 4000, cacheReadTokens: 0, costUsd: 0.058 });
    const fakes = fakeActivities({
      overrides: () => ({
        designStrategy: () =>
          Promise.reject(ApplicationFailure.nonRetryable('claude-sonnet-5-5 did not save a valid strategy within the cap of 10 calls', 'DesignGaveUp', spent)),
      }),
    });
    const { failure, status } = await runFailing(fakes);
    expect(failure.message).toBe('Design failed: claude-sonnet-5-5 did not save a valid strategy within the cap of 10 calls');
    expect(status.usage).toEqual({ inputTokens: 9000, outputTokens: 4000, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.058 });
  });

  test('a result without the metrics a gate needs fails the cycle instead of reading zeros', async () => {
    const fakes = fakeActivities({
      overrides: () => ({
        trainModel: () => Promise.resolve({ operationId: 'op_training_3', modelPath: 'models/x/model.json' } as unknown as TrainResult),
      }),
    });
    const { failure, status } = await runFailing(fakes);
    expect(failure.type).toBe('InvalidActivityResult');
    expect(failure.message).toBe('Training returned an invalid result: metrics: Invalid input: expected object, received undefined');
    expect(status.failure?.kind).toBe('invalid_result');
    expect(fakes.calls.backtest).toEqual([]);
  });

  test('a training that runs for hours of workflow time finishes in seconds of test time', async () => {
    let attempts = 0;
    let startedAt = 0;
    const fakes = fakeActivities({
      overrides: () => ({
        async trainModel(input) {
          attempts++;
          const now = await env.currentTimeMs();
          startedAt ||= now;
          const ctx = Context.current();
          // a re-attaching attempt finds the operation id the first one heartbeated
          if (attempts > 1) expect(ctx.info.heartbeatDetails).toMatchObject({ operationId: 'op_training_long' });
          ctx.heartbeat({ percent: Math.min(99, ((now - startedAt) / (4 * 3600_000)) * 100), step: 'training', operationId: 'op_training_long' });
          if (now - startedAt < 4 * 3600_000) {
            throw ApplicationFailure.create({ message: 'still training', type: OPERATION_RUNNING, nextRetryDelay: '5 minutes' });
          }
          return { operationId: 'op_training_long', modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining };
        },
      }),
    });
    const status = await run(fakes);
    expect(status.outcome).toBe('completed');
    const trainingPhase = status.phases.find((p) => p.phase === 'training');
    expect(trainingPhase?.durationMs).toBeGreaterThanOrEqual(4 * 3600_000);
    expect(attempts).toBeGreaterThanOrEqual(48);
  });
});

describe('invalid input', () => {
  test('fails the cycle at once, listing every problem, and runs nothing', async () => {
    const fakes = fakeActivities();
    const { failure, status } = await runFailing(fakes, {
      model: 'gpt-4',
      timeframe: '2h',
      gates: { training: { minAccuracy: 2 } },
      colour: 'blue',
    } as unknown as CycleRequest);
    expect(failure.type).toBe('InvalidCycleInput');
    expect(failure.message).toContain("model: unknown model 'gpt-4'");
    expect(failure.message).toContain('timeframe: Invalid option');
    expect(failure.message).toContain('gates.training.minAccuracy: Too big');
    expect(failure.message).toContain('input: Unrecognized key: "colour"');
    expect(status.failure?.kind).toBe('invalid_input');
    expect(status.phases).toEqual([]);
    expect(fakes.calls.design).toEqual([]);
  });
});

describe('a cycle given a strategy', () => {
  test('skips the design, says so, and trains, backtests and assesses the strategy the check found', async () => {
    const fakes = fakeActivities({
      overrides: (calls) => ({
        checkStrategy(input) {
          calls.check.push(input);
          return Promise.resolve({ strategyName: input.strategyName, strategyPath: `/home/quant/strategies/${input.strategyName}.yaml` });
        },
      }),
    });
    const { status, history, description } = await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue, { strategy: 'my_breakout', model: 'haiku' });
      const status = await handle.result();
      return { status, history: await handle.fetchHistory(), description: await handle.describe() };
    });

    expect(status.outcome).toBe('completed');
    expect(fakes.calls.design).toEqual([]);
    expect(fakes.calls.check).toEqual([{ cycleId: status.cycleId, strategyName: 'my_breakout' }]);
    expect(fakes.calls.train).toEqual([{ cycleId: status.cycleId, strategyName: 'my_breakout', strategyPath: '/home/quant/strategies/my_breakout.yaml' }]);
    expect(fakes.calls.assess[0]).toMatchObject({ strategyName: 'my_breakout', model: 'claude-haiku-5-5' });
    expect(status.strategy).toBe('my_breakout');
    expect(status.design).toBeUndefined();
    expect(status.phases.map((p) => [p.phase, p.skipped])).toEqual([
      ['designing', 'strategy my_breakout given'],
      ['training', undefined],
      ['backtesting', undefined],
      ['assessing', undefined],
    ]);
    // no design says who ran: the assessment does, and it alone is charged
    expect(status.model).toBe('claude-haiku-5-5');
    expect(status.usage.costUsd).toBeCloseTo(0.009, 10);

    // the history shows the check in the design's place, summarised as such (settling and releasing are local activities)
    const scheduled = (history.events ?? []).map((e) => e.activityTaskScheduledEventAttributes).filter((a) => a);
    expect(scheduled.map((a) => a!.activityType?.name)).toEqual(['admitCycle', 'checkStrategy', 'trainModel', 'runBacktest', 'reserveSpend', 'assessStrategy']);
    const summary = (history.events ?? []).find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'checkStrategy')?.userMetadata?.summary;
    expect(defaultPayloadConverter.fromPayload(summary!)).toBe('design skipped: strategy my_breakout given');
    expect(description.typedSearchAttributes.get(StrategyAttribute)).toBe('my_breakout');
  });

  test('an unknown or invalid strategy fails the cycle at once as invalid input, with every problem, and nothing runs', async () => {
    const problems = [
      'strategies/mine.yaml:14: error: indicators.0.period: 0 is below the minimum 2',
      "strategies/mine.yaml:20: error: fuzzy_sets.rsi_14: no indicator has feature_id 'rsi_14'",
    ];
    const fakes = fakeActivities({
      overrides: (calls) => ({
        checkStrategy(input) {
          calls.check.push(input);
          return Promise.reject(ApplicationFailure.create({ message: problems.join('; '), type: 'InvalidStrategy', nonRetryable: true, details: [problems] }));
        },
      }),
    });
    const { failure, status } = await runFailing(fakes, { strategy: 'mine' });
    expect(failure.type).toBe('InvalidCycleInput');
    const reason = `Invalid cycle input: strategy: ${problems[0]}; strategy: ${problems[1]}`;
    expect(failure.message).toBe(reason);
    expect(status.failure).toEqual({ kind: 'invalid_input', reason });
    expect(status.phases).toMatchObject([{ phase: 'designing', skipped: 'strategy mine given' }]);
    expect(status.phases[0].durationMs).toBeGreaterThanOrEqual(0);
    expect(fakes.calls.check).toHaveLength(1);
    expect([fakes.calls.design, fakes.calls.train, fakes.calls.cleanup]).toEqual([[], [], []]);
  });

  test('a brief, symbol or timeframe beside a strategy is refused with every other problem', async () => {
    const fakes = fakeActivities();
    const { failure } = await runFailing(fakes, { strategy: 'mine', brief: 'momentum', timeframe: '1h', model: 'gpt-4' });
    expect(failure.message).toContain('brief: steers a design, and a cycle given a strategy has none: drop brief or strategy');
    expect(failure.message).toContain('timeframe: steers a design');
    expect(failure.message).toContain("model: unknown model 'gpt-4'");
    expect(fakes.calls.check).toEqual([]);
  });
});

const PHASE_ACTIVITY: Record<ResearchPhase, keyof Omit<Fakes, 'calls'>> = {
  designing: 'designStrategy',
  training: 'trainModel',
  backtesting: 'runBacktest',
  assessing: 'assessStrategy',
};

describe.each(Object.entries(PHASE_ACTIVITY) as [ResearchPhase, keyof Omit<Fakes, 'calls'>][])('while %s', (phase, activity) => {
  const blocking = () => fakeActivities({ overrides: (calls) => ({ [activity]: () => runUntilCancelled(phase, calls) }) });

  test('the status query tells the phase, timings and results so far', async () => {
    const fakes = blocking();
    await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue);
      const status = await waitFor(async () => {
        const s = await handle.query(statusQuery);
        // the phase has begun (before the design, the cycle admits itself)
        return s.phases.at(-1)?.phase === phase && fakes.calls.cancelled.length === 0 ? s : undefined;
      }, `phase ${phase}`);
      expect(status.phases.map((p) => p.phase)).toEqual(Object.keys(PHASE_ACTIVITY).slice(0, Object.keys(PHASE_ACTIVITY).indexOf(phase) + 1));
      expect(status.phases.at(-1)?.endedAt).toBeUndefined();
      expect(status.strategy).toBe(phase === 'designing' ? undefined : 'rsi_adx_trend_filter');
      expect(status.gates.training?.passed).toBe(phase === 'backtesting' || phase === 'assessing' ? true : undefined);
      expect(status.gates.backtest?.passed).toBe(phase === 'assessing' ? true : undefined);
      const description = await handle.describe();
      expect(description.typedSearchAttributes.get(PhaseAttribute)).toBe(phase);
      await handle.terminate('test done');
    });
  });

  test('cancellation reaches the activity and the cycle ends cancelled', async () => {
    const fakes = blocking();
    await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue);
      await waitFor(async () => ((await handle.query(statusQuery)).phases.at(-1)?.phase === phase ? true : undefined), `phase ${phase}`);
      await handle.cancel();
      const err = await handle.result().then(
        () => expect.fail('the cycle should have been cancelled'),
        (e: unknown) => e,
      );
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect(fakes.calls.cancelled).toEqual([phase]);
      const cycleId = handle.workflowId;
      expect(fakes.calls.cleanup).toEqual([{ cycleId, outcome: 'cancelled' }]);
      const description = await handle.describe();
      expect(description.status.name).toBe('CANCELLED');
      expect(description.typedSearchAttributes.get(OutcomeAttribute)).toBe('cancelled');
      expect(description.memo?.summary as CycleSummary).toMatchObject({ phase: 'cancelled', lastPhase: phase });
    });
  });
});
