import { describe, expect, test } from 'vitest';
import {
  BacktestGateInputSchema,
  BacktestGateThresholdsSchema,
  evaluateBacktestGate,
  evaluateTrainingGate,
  GateThresholdsSchema,
  TrainingGateInputSchema,
  TrainingGateThresholdsSchema,
  type BacktestGateInput,
  type BacktestGateThresholds,
  type TrainingGateInput,
  type TrainingGateThresholds,
} from '../../src/domain/gates';
import { legacyBacktestGate, legacyTrainingGate } from '../../src/domain/legacyGates';

/** The defaults, written out so a change of default is a deliberate change of this test. */
const training: TrainingGateThresholds = { minAccuracyLift: 0.03, minLossImprovement: 0.02, minTrainLossImprovement: 0.02 };
const backtest: BacktestGateThresholds = { minTrades: 5, minReturn: 0, maxDrawdown: 0.4, minSameStakeT: -2 };

/**
 * A model that clears every training check with room to spare: chance accuracy 40 % (threshold
 * 43 %), chance loss 1.0 (threshold 0.98), training chance loss 1.05 (threshold 1.029).
 */
const goodTraining = (over: Partial<TrainingGateInput> = {}): TrainingGateInput => ({
  accuracy: 0.52,
  loss: 0.9,
  initialTrainLoss: 1.1,
  finalTrainLoss: 0.85,
  epochsTrained: 30,
  chanceAccuracy: 0.4,
  chanceLoss: 1.0,
  chanceTrainLoss: 1.05,
  ...over,
});

/** A backtest that clears every check with room to spare: buy-and-hold +10 % at an average exposure of 20 % is +2 %, led with t 1.3. */
const goodBacktest = (over: Partial<BacktestGateInput> = {}): BacktestGateInput => ({
  totalReturn: 0.05,
  sharpeRatio: 1.1,
  maxDrawdown: 0.12,
  winRate: 0.55,
  totalTrades: 40,
  buyAndHoldReturn: 0.1,
  averageExposure: 0.2,
  sameStakeTStat: 1.3,
  ...over,
});

const failures = (result: { checks: { passed: boolean; code: string }[] }) => result.checks.filter((c) => !c.passed).map((c) => c.code);

describe('training gate: judged against chance', () => {
  test('a model that beats chance and has learnt passes every check', () => {
    const result = evaluateTrainingGate(goodTraining(), training);
    expect(result).toMatchObject({ gate: 'training', passed: true, bypassed: false, reason: 'passed' });
    expect(result.checks.map((c) => [c.metric, c.code, c.passed])).toEqual([
      ['accuracy', 'ok', true],
      ['loss', 'ok', true],
      ['training loss', 'ok', true],
    ]);
  });

  test.each([
    ['accuracy exactly 3 pp above chance', { accuracy: 0.43 }],
    ['validation loss exactly 2 % below chance', { loss: 0.98 }],
    ['training loss exactly 2 % below its chance', { finalTrainLoss: 1.05 * 0.98 }],
  ])('boundary is inclusive: %s passes', (_, over) => {
    expect(evaluateTrainingGate(goodTraining(over), training).reason).toBe('passed');
  });

  test.each([
    {
      what: 'accuracy just under chance + 3 pp',
      over: { accuracy: 0.4299 },
      reason: 'Training gate failed: accuracy_not_above_chance (accuracy 42.99% < 43% (chance 40% + 3 pp))',
    },
    {
      what: 'accuracy at chance',
      over: { accuracy: 0.4 },
      reason: 'Training gate failed: accuracy_not_above_chance (accuracy 40% < 43% (chance 40% + 3 pp))',
    },
    {
      what: 'validation loss just above 2 % below chance',
      over: { loss: 0.9801 },
      reason: 'Training gate failed: loss_not_below_chance (loss 0.9801 > 0.98 (chance 1 − 2%))',
    },
    {
      what: 'validation loss worse than chance (overconfident)',
      over: { loss: 1.08 },
      reason: 'Training gate failed: loss_not_below_chance (loss 1.08 > 0.98 (chance 1 − 2%))',
    },
    {
      what: 'training loss just above 2 % below its chance',
      over: { finalTrainLoss: 1.0291 },
      reason: 'Training gate failed: not_learnt (training loss 1.0291 > 1.029 (chance 1.05 − 2%))',
    },
    {
      what: 'training loss at the class shares (nothing learnt from the features)',
      over: { finalTrainLoss: 1.05 },
      reason: 'Training gate failed: not_learnt (training loss 1.05 > 1.029 (chance 1.05 − 2%))',
    },
  ])('fails on $what', ({ over, reason }) => {
    const result = evaluateTrainingGate(goodTraining(over), training);
    expect(result.passed).toBe(false);
    expect(result.reason).toBe(reason);
    expect(failures(result)).toHaveLength(1);
  });

  test('the scale follows the class balance: the same loss passes against one chance and fails against another', () => {
    // 0.88 is "too high" for KTRDR's 0.8 whatever the labels; against chance it depends on them.
    expect(evaluateTrainingGate(goodTraining({ loss: 0.88, chanceLoss: 1.08 }), training).passed).toBe(true);
    expect(evaluateTrainingGate(goodTraining({ loss: 0.88, chanceLoss: 0.89 }), training).reason).toBe(
      'Training gate failed: loss_not_below_chance (loss 0.88 > 0.872 (chance 0.89 − 2%))',
    );
  });

  test('the learnt check compares training loss with the training chance, never with validation loss', () => {
    // validation loss far below its chance cannot make up for a training loss that learnt nothing
    const result = evaluateTrainingGate(goodTraining({ loss: 0.5, finalTrainLoss: 1.06 }), training);
    expect(failures(result)).toEqual(['not_learnt']);
  });

  test('reports every failure at once, joined by "; "', () => {
    const result = evaluateTrainingGate(goodTraining({ accuracy: 0.39, loss: 1.1, finalTrainLoss: 1.1 }), training);
    expect(failures(result)).toEqual(['accuracy_not_above_chance', 'loss_not_below_chance', 'not_learnt']);
    expect(result.reason.split('; ')).toHaveLength(3);
  });

  test('margins are configuration: a zero margin asks only to beat chance', () => {
    const loose = { minAccuracyLift: 0, minLossImprovement: 0, minTrainLossImprovement: 0 };
    expect(evaluateTrainingGate(goodTraining({ accuracy: 0.4, loss: 1.0, finalTrainLoss: 1.05 }), loose).passed).toBe(true);
    expect(evaluateTrainingGate(goodTraining({ accuracy: 0.399 }), loose).reason).toBe(
      'Training gate failed: accuracy_not_above_chance (accuracy 39.9% < 40% (chance 40% + 0 pp))',
    );
  });
});

describe("training gate: KTRDR's absolute thresholds, when set", () => {
  test.each([
    ['minAccuracy', { minAccuracy: 0.5 }, { accuracy: 0.5 }, { accuracy: 0.4999 }, 'accuracy_below_threshold (accuracy 49.99% < 50%)'],
    ['maxLoss', { maxLoss: 0.8 }, { loss: 0.8, chanceLoss: 1 }, { loss: 0.8001, chanceLoss: 1 }, 'loss_too_high (loss 0.8001 > 0.8)'],
    [
      'minLossDecrease',
      { minLossDecrease: 0.2 },
      { initialTrainLoss: 1, finalTrainLoss: 0.8 },
      { initialTrainLoss: 1, finalTrainLoss: 0.8001 },
      'insufficient_loss_decrease (loss decrease 19.99% < 20%)',
    ],
  ])('%s: passes at the threshold, fails just outside it, after the baseline checks', (_, setting, at, outside, failure) => {
    const t = { ...training, ...setting };
    expect(evaluateTrainingGate(goodTraining(at), t).reason).toBe('passed');
    const result = evaluateTrainingGate(goodTraining(outside), t);
    expect(result.reason).toBe(`Training gate failed: ${failure}`);
    expect(result.checks).toHaveLength(4);
  });

  test('none applies when not set', () => {
    // 42.3 % and 0.85 would fail KTRDR's 45 % and 0.8, but beat this chance
    const result = evaluateTrainingGate(goodTraining({ accuracy: 0.443, loss: 0.85, chanceAccuracy: 0.41, chanceLoss: 1.0 }), training);
    expect(result.reason).toBe('passed');
    expect(result.checks).toHaveLength(3);
  });
});

describe('backtest gate: after costs, against zero and buy-and-hold with the same stake', () => {
  test('a good backtest passes every check', () => {
    const result = evaluateBacktestGate(goodBacktest(), backtest);
    expect(result).toMatchObject({ gate: 'backtest', passed: true, bypassed: false, reason: 'passed' });
    expect(result.checks.map((c) => [c.metric, c.passed])).toEqual([
      ['trades', true],
      ['return', true],
      ['max drawdown', true],
      ['excess over buy-and-hold at the same stake, t', true],
    ]);
  });

  test.each([
    ['exactly the minimum of 5 trades', { totalTrades: 5 }],
    ['a return of exactly 0 in a falling market', { totalReturn: 0, buyAndHoldReturn: -0.1 }],
    ['drawdown exactly at 40 %', { maxDrawdown: 0.4 }],
    ['drawdown with float noise above 40 % (0.4 + 1e-12)', { maxDrawdown: 0.4 + 1e-12 }],
    ['trailing buy-and-hold at the same stake by exactly 2 standard errors (t −2)', { totalReturn: 0.01, sameStakeTStat: -2 }],
  ])('boundary is inclusive: %s passes', (_, over) => {
    expect(evaluateBacktestGate(goodBacktest(over), backtest).reason).toBe('passed');
  });

  test.each([
    { what: '4 trades', over: { totalTrades: 4 }, reason: 'too_few_trades (trades 4 < 5)' },
    { what: 'a small loss after costs', over: { totalReturn: -0.0001, buyAndHoldReturn: -0.1 }, reason: 'return_too_low (return -0.01% < 0%)' },
    { what: 'drawdown just over 40 %', over: { maxDrawdown: 0.4001 }, reason: 'drawdown_too_high (max drawdown 40.01% > 40%)' },
    {
      what: 'trailing buy-and-hold at the same stake by a hair over 2 standard errors',
      over: { totalReturn: 0.01, sameStakeTStat: -2.001 },
      reason: 'behind_buy_and_hold (excess over buy-and-hold at the same stake, t -2.001 < -2 (return 1% vs 2% = buy-and-hold 10% × average exposure 20%))',
    },
  ])('fails on $what', ({ over, reason }) => {
    const result = evaluateBacktestGate(goodBacktest(over), backtest);
    expect(result.passed).toBe(false);
    expect(result.reason).toBe(`Backtest gate failed: ${reason}`);
  });

  test('a strategy with a quarter of the exposure is not asked to match a fully invested buy-and-hold', () => {
    // +3 % against buy-and-hold's +10 %: behind the market, ahead of the market with the same stake
    const result = evaluateBacktestGate(goodBacktest({ totalReturn: 0.03, averageExposure: 0.25, sameStakeTStat: 0.2 }), backtest);
    expect(result.reason).toBe('passed');
    expect(result.checks[3]).toMatchObject({
      value: 0.2,
      threshold: -2,
      passed: true,
      text: '0.2 >= -2 (return 3% vs 2.5% = buy-and-hold 10% × average exposure 25%)',
    });
  });

  test("a shortfall within the period's noise is no verdict: the assessment weighs it", () => {
    // 1.5 % against 2 % at the same stake, 0.6 standard errors behind: what a strategy without an edge scores half the time
    expect(evaluateBacktestGate(goodBacktest({ totalReturn: 0.015, sameStakeTStat: -0.6 }), backtest).reason).toBe('passed');
  });

  test('a loss fails even when buy-and-hold lost more', () => {
    const result = evaluateBacktestGate(goodBacktest({ totalReturn: -0.01, buyAndHoldReturn: -0.2 }), backtest);
    expect(failures(result)).toEqual(['return_too_low']);
  });

  test('an empty backtest reports every failure at once, trades first', () => {
    const result = evaluateBacktestGate(goodBacktest({ totalTrades: 0, totalReturn: 0, averageExposure: 0, maxDrawdown: 0, sameStakeTStat: 0 }), backtest);
    expect(failures(result)).toEqual(['too_few_trades']);
    const losing = evaluateBacktestGate(goodBacktest({ totalTrades: 2, totalReturn: -0.02, maxDrawdown: 0.5, sameStakeTStat: -2.5 }), backtest);
    expect(failures(losing)).toEqual(['too_few_trades', 'return_too_low', 'drawdown_too_high', 'behind_buy_and_hold']);
  });

  test('minExcessReturn, when set, compares the returns as they are, with the excess it asks for shown', () => {
    expect(evaluateBacktestGate(goodBacktest({ totalReturn: 0.03 }), { ...backtest, minExcessReturn: 0.01 }).reason).toBe('passed');
    const result = evaluateBacktestGate(goodBacktest({ totalReturn: 0.025 }), { ...backtest, minExcessReturn: 0.01 });
    expect(result.reason).toBe(
      'Backtest gate failed: return_behind_buy_and_hold (return vs buy-and-hold at the same stake 2.5% < 3% (buy-and-hold 10% × average exposure 20% + 1 pp))',
    );
  });

  test('bypass passes a failing backtest and keeps the failures in the reason', () => {
    const result = evaluateBacktestGate(goodBacktest({ totalTrades: 0 }), backtest, true);
    expect(result).toMatchObject({ passed: true, bypassed: true, reason: 'bypassed: too_few_trades (trades 0 < 5)' });
  });
});

describe("backtest gate: KTRDR's absolute thresholds, when set", () => {
  test.each([
    ['minWinRate', { minWinRate: 0.45 }, { winRate: 0.45 }, { winRate: 0.4499 }, 'win_rate_too_low (win rate 44.99% < 45%)'],
    ['minSharpe', { minSharpe: -0.5 }, { sharpeRatio: -0.5 }, { sharpeRatio: -0.5001 }, 'sharpe_too_low (Sharpe -0.5001 < -0.5)'],
  ])('%s: passes at the threshold, fails just outside it', (_, setting, at, outside, failure) => {
    const t = { ...backtest, ...setting };
    expect(evaluateBacktestGate(goodBacktest(at), t).reason).toBe('passed');
    expect(evaluateBacktestGate(goodBacktest(outside), t).reason).toBe(`Backtest gate failed: ${failure}`);
  });

  test('none applies when not set: a 30 % win rate that makes money passes', () => {
    const result = evaluateBacktestGate(goodBacktest({ winRate: 0.3, sharpeRatio: 0.4 }), backtest);
    expect(result.reason).toBe('passed');
    expect(result.checks).toHaveLength(4);
  });
});

describe('what the gates need from a result', () => {
  test('training metrics without the chance figures cannot be judged', () => {
    const { chanceLoss: _, ...withoutChanceLoss } = goodTraining();
    expect(TrainingGateInputSchema.safeParse(withoutChanceLoss).error?.issues.map((i) => i.path.join('.'))).toEqual(['chanceLoss']);
  });

  test('a backtest without buy-and-hold, the average exposure or the bar-by-bar comparison cannot be compared fairly', () => {
    const { buyAndHoldReturn: _, averageExposure: __, sameStakeTStat: ___, ...bare } = goodBacktest();
    expect(BacktestGateInputSchema.safeParse(bare).error?.issues.map((i) => i.path.join('.'))).toEqual([
      'buyAndHoldReturn',
      'averageExposure',
      'sameStakeTStat',
    ]);
  });
});

describe('gate thresholds (configuration)', () => {
  test('an empty object gives the baseline-relative defaults, with no absolute threshold', () => {
    expect(GateThresholdsSchema.parse({})).toEqual({ training, backtest });
  });

  test('an absolute threshold or another margin keeps the other defaults', () => {
    const parsed = GateThresholdsSchema.parse({ training: { minAccuracy: 0.5 }, backtest: { minTrades: 20, minSharpe: 0 } });
    expect(parsed.training).toEqual({ ...training, minAccuracy: 0.5 });
    expect(parsed.backtest).toEqual({ ...backtest, minTrades: 20, minSharpe: 0 });
  });

  test('a negative loss-decrease minimum is allowed (accept a loss that rose a little)', () => {
    expect(TrainingGateThresholdsSchema.parse({ minLossDecrease: -0.1 }).minLossDecrease).toBe(-0.1);
  });

  test.each([
    ['a typo at the top level', { traning: {} }],
    ['a typo in training', { training: { minAcuracy: 0.5 } }],
    ['a typo in backtest', { backtest: { minSharp: 0 } }],
  ])('rejects unknown keys: %s', (_, raw) => {
    const result = GateThresholdsSchema.safeParse(raw);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  test.each([
    ['accuracy as a percentage', { minAccuracy: 45 }],
    ['a lift as percentage points', { minAccuracyLift: 3 }],
    ['zero maximum loss', { maxLoss: 0 }],
    ['loss decrease over 100%', { minLossDecrease: 1.5 }],
    ['accuracy as a string', { minAccuracy: '0.45' }],
  ])('rejects training thresholds out of range: %s', (_, raw) => {
    expect(TrainingGateThresholdsSchema.safeParse(raw).success).toBe(false);
  });

  test.each([
    ['win rate as a percentage', { minWinRate: 55 }],
    ['drawdown over 100%', { maxDrawdown: 1.2 }],
    ['a return below -100%', { minReturn: -2 }],
    ['fractional trades', { minTrades: 1.5 }],
    ['negative trades', { minTrades: -1 }],
  ])('rejects backtest thresholds out of range: %s', (_, raw) => {
    expect(BacktestGateThresholdsSchema.safeParse(raw).success).toBe(false);
  });
});

describe('legacy gates (replay of cycles started before the baseline-relative ones)', () => {
  const metrics = { accuracy: 0.58, loss: 0.62, initialTrainLoss: 1.1, finalTrainLoss: 0.6, epochsTrained: 30 };
  const result = { totalReturn: 0.08, sharpeRatio: 1.1, maxDrawdown: 0.12, winRate: 0.55, totalTrades: 40 };

  test("KTRDR's defaults decide as they did: 45 %, 0.8, 20 %; win rate 45 %, drawdown 40 %, Sharpe -0.5, one trade", () => {
    expect(legacyTrainingGate(metrics, undefined, false).passed).toBe(true);
    expect(legacyTrainingGate({ ...metrics, accuracy: 0.4499 }, {}, false).reason).toBe(
      'Training gate failed: accuracy_below_threshold (accuracy 44.99% < 45%)',
    );
    expect(legacyTrainingGate({ ...metrics, loss: 0.8001 }, {}, false).passed).toBe(false);
    expect(legacyBacktestGate({ ...result, totalTrades: 1 }, {}, false).passed).toBe(true);
    expect(legacyBacktestGate({ ...result, winRate: 0.4499 }, {}, false).reason).toBe('Backtest gate failed: win_rate_too_low (win rate 44.99% < 45%)');
  });

  test("a recorded request's own thresholds still apply, and a bypass still bypasses", () => {
    expect(legacyTrainingGate(metrics, { training: { minAccuracy: 0.6 } }, false).passed).toBe(false);
    expect(legacyBacktestGate({ ...result, totalTrades: 3 }, { backtest: { minTrades: 5 } }, false).passed).toBe(false);
    expect(legacyTrainingGate({ ...metrics, accuracy: 0.3 }, {}, true)).toMatchObject({ passed: true, bypassed: true });
  });
});
