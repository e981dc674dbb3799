import { describe, expect, test } from 'vitest';
import type { BacktestMetrics, TrainingMetrics } from '../../src/domain/activities';
import {
  BacktestGateThresholdsSchema,
  evaluateBacktestGate,
  evaluateTrainingGate,
  GateThresholdsSchema,
  TrainingGateThresholdsSchema,
  type BacktestGateThresholds,
  type TrainingGateThresholds,
} from '../../src/domain/gates';

/** KTRDR's defaults, written out so a change of default is a deliberate change of this test. */
const training: TrainingGateThresholds = { minAccuracy: 0.45, maxLoss: 0.8, minLossDecrease: 0.2 };
const backtest: BacktestGateThresholds = { minWinRate: 0.45, maxDrawdown: 0.4, minSharpe: -0.5, minTrades: 1 };

/** A model that clears every training check with room to spare. */
const goodTraining = (over: Partial<TrainingMetrics> = {}): TrainingMetrics => ({
  accuracy: 0.58,
  loss: 0.62,
  initialTrainLoss: 1.1,
  finalTrainLoss: 0.6,
  epochsTrained: 30,
  ...over,
});

/** A backtest that clears every check with room to spare. */
const goodBacktest = (over: Partial<BacktestMetrics> = {}): BacktestMetrics => ({
  totalReturn: 0.08,
  sharpeRatio: 1.1,
  maxDrawdown: 0.12,
  winRate: 0.55,
  totalTrades: 40,
  ...over,
});

describe('training gate', () => {
  test('a good model passes every check', () => {
    const result = evaluateTrainingGate(goodTraining(), training);
    expect(result).toMatchObject({ gate: 'training', passed: true, bypassed: false, reason: 'passed' });
    expect(result.checks.map((c) => [c.metric, c.code, c.passed])).toEqual([
      ['accuracy', 'ok', true],
      ['loss', 'ok', true],
      ['loss decrease', 'ok', true],
    ]);
  });

  test.each([
    ['accuracy exactly at the minimum', { accuracy: 0.45 }],
    ['loss exactly at the maximum', { loss: 0.8 }],
    ['loss decrease exactly 20% (1 → 0.8, float noise 0.19999999999999996)', { initialTrainLoss: 1, finalTrainLoss: 0.8 }],
    ['loss decrease exactly 20% (2.5 → 2.0)', { initialTrainLoss: 2.5, finalTrainLoss: 2.0 }],
  ])('boundary is inclusive: %s passes', (_, over) => {
    const result = evaluateTrainingGate(goodTraining(over), training);
    expect(result.reason).toBe('passed');
    expect(result.passed).toBe(true);
  });

  test('the float-noise boundary reads as "20% >= 20%"', () => {
    const result = evaluateTrainingGate(goodTraining({ initialTrainLoss: 1, finalTrainLoss: 0.8 }), training);
    const decrease = result.checks.find((c) => c.metric === 'loss decrease');
    expect(decrease?.value).toBeLessThan(0.2); // the noise is real...
    expect(decrease).toMatchObject({ passed: true, code: 'ok', text: '20% >= 20%' }); // ...and absorbed
  });

  test.each([
    {
      what: 'accuracy below the minimum',
      over: { accuracy: 0.423 },
      reason: 'Training gate failed: accuracy_below_threshold (accuracy 42.3% < 45%)',
    },
    {
      what: 'validation loss above the maximum',
      over: { loss: 0.85 },
      reason: 'Training gate failed: loss_too_high (loss 0.85 > 0.8)',
    },
    {
      what: 'training loss barely decreasing',
      over: { initialTrainLoss: 1, finalTrainLoss: 0.9 },
      reason: 'Training gate failed: insufficient_loss_decrease (loss decrease 10% < 20%)',
    },
    {
      what: 'training loss rising',
      over: { initialTrainLoss: 1, finalTrainLoss: 1.25 },
      reason: 'Training gate failed: insufficient_loss_decrease (loss decrease -25% < 20%)',
    },
  ])('fails on $what', ({ over, reason }) => {
    const result = evaluateTrainingGate(goodTraining(over), training);
    expect(result.passed).toBe(false);
    expect(result.bypassed).toBe(false);
    expect(result.reason).toBe(reason);
    expect(result.checks.filter((c) => !c.passed)).toHaveLength(1);
  });

  test('the float tolerance does not swallow a real miss', () => {
    expect(evaluateTrainingGate(goodTraining({ accuracy: 0.449 }), training).reason).toBe(
      'Training gate failed: accuracy_below_threshold (accuracy 44.9% < 45%)',
    );
    expect(evaluateTrainingGate(goodTraining({ loss: 0.801 }), training).reason).toBe(
      'Training gate failed: loss_too_high (loss 0.801 > 0.8)',
    );
  });

  test('the failing check records value, threshold and comparison', () => {
    const result = evaluateTrainingGate(goodTraining({ accuracy: 0.423 }), training);
    expect(result.checks[0]).toEqual({
      code: 'accuracy_below_threshold',
      metric: 'accuracy',
      value: 0.423,
      threshold: 0.45,
      comparison: '>=',
      passed: false,
      text: '42.3% < 45%',
    });
  });

  test('reports every failure at once, joined by "; "', () => {
    const result = evaluateTrainingGate(
      goodTraining({ accuracy: 0.3, loss: 1.234, initialTrainLoss: 1, finalTrainLoss: 0.95 }),
      training,
    );
    expect(result.reason).toBe(
      'Training gate failed: accuracy_below_threshold (accuracy 30% < 45%); ' +
        'loss_too_high (loss 1.234 > 0.8); ' +
        'insufficient_loss_decrease (loss decrease 5% < 20%)',
    );
  });

  test('loss decrease compares first and last training loss, never validation loss', () => {
    // Training loss halved (1.0 → 0.5); validation loss 0.79 would give (1.0 - 0.79) / 1.0 = 21 %.
    const decrease = evaluateTrainingGate(goodTraining({ initialTrainLoss: 1.0, finalTrainLoss: 0.5, loss: 0.79 }), training)
      .checks.find((c) => c.metric === 'loss decrease');
    expect(decrease?.value).toBeCloseTo(0.5, 12);
  });

  test('an overfit model (training loss halved, validation loss high) fails only the loss check', () => {
    // Train against validation would be (1.0 - 0.95) / 1.0 = 5 % and fail the decrease too.
    const result = evaluateTrainingGate(goodTraining({ initialTrainLoss: 1.0, finalTrainLoss: 0.5, loss: 0.95 }), training);
    expect(result.checks.filter((c) => !c.passed).map((c) => c.code)).toEqual(['loss_too_high']);
  });

  test('a training loss that barely fell fails even when validation loss is low', () => {
    // Train against validation would be (1.0 - 0.3) / 1.0 = 70 % and pass.
    const result = evaluateTrainingGate(goodTraining({ initialTrainLoss: 1.0, finalTrainLoss: 0.9, loss: 0.3 }), training);
    expect(result.checks.filter((c) => !c.passed).map((c) => c.code)).toEqual(['insufficient_loss_decrease']);
  });

  test('uses the thresholds it is given, not the defaults', () => {
    const strict = { minAccuracy: 0.6, maxLoss: 0.5, minLossDecrease: 0.5 };
    const result = evaluateTrainingGate(goodTraining(), strict);
    expect(result.checks.map((c) => c.code)).toEqual(['accuracy_below_threshold', 'loss_too_high', 'insufficient_loss_decrease']);
    expect(result.reason).toContain('(accuracy 58% < 60%)');
  });

  test('bypass lets a failing model through but says what it let through', () => {
    const result = evaluateTrainingGate(goodTraining({ accuracy: 0.423 }), training, true);
    expect(result.passed).toBe(true);
    expect(result.bypassed).toBe(true);
    expect(result.reason).toBe('bypassed: accuracy_below_threshold (accuracy 42.3% < 45%)');
    // The checks still tell the truth.
    expect(result.checks[0]).toMatchObject({ passed: false, code: 'accuracy_below_threshold' });
  });

  test('bypass with nothing failing is an ordinary pass', () => {
    const result = evaluateTrainingGate(goodTraining(), training, true);
    expect(result).toMatchObject({ passed: true, bypassed: false, reason: 'passed' });
  });
});

describe('backtest gate', () => {
  test('a good backtest passes every check', () => {
    const result = evaluateBacktestGate(goodBacktest(), backtest);
    expect(result).toMatchObject({ gate: 'backtest', passed: true, bypassed: false, reason: 'passed' });
    expect(result.checks.map((c) => [c.metric, c.passed])).toEqual([
      ['trades', true],
      ['win rate', true],
      ['max drawdown', true],
      ['Sharpe', true],
    ]);
  });

  test.each([
    ['exactly the minimum number of trades', { totalTrades: 1 }],
    ['win rate exactly at the minimum', { winRate: 0.45 }],
    ['drawdown exactly at the maximum', { maxDrawdown: 0.4 }],
    ['Sharpe exactly at the minimum', { sharpeRatio: -0.5 }],
    ['win rate with float noise below the minimum (1 - 0.55 = 0.44999999999999996)', { winRate: 1 - 0.55 }],
    ['drawdown with float noise above the maximum (0.4 + 1e-12)', { maxDrawdown: 0.4 + 1e-12 }],
  ])('boundary is inclusive: %s passes', (_, over) => {
    expect(evaluateBacktestGate(goodBacktest(over), backtest).reason).toBe('passed');
  });

  test.each([
    { what: 'no trades at all', over: { totalTrades: 0 }, reason: 'Backtest gate failed: too_few_trades (trades 0 < 1)' },
    { what: 'win rate below the minimum', over: { winRate: 0.4 }, reason: 'Backtest gate failed: win_rate_too_low (win rate 40% < 45%)' },
    {
      what: 'drawdown above the maximum',
      over: { maxDrawdown: 0.523 },
      reason: 'Backtest gate failed: drawdown_too_high (max drawdown 52.3% > 40%)',
    },
    { what: 'Sharpe below the minimum', over: { sharpeRatio: -1.234 }, reason: 'Backtest gate failed: sharpe_too_low (Sharpe -1.23 < -0.5)' },
  ])('fails on $what', ({ over, reason }) => {
    const result = evaluateBacktestGate(goodBacktest(over), backtest);
    expect(result.passed).toBe(false);
    expect(result.reason).toBe(reason);
  });

  test('too_few_trades when trades are fewer than the configured minimum', () => {
    const t = { ...backtest, minTrades: 30 };
    expect(evaluateBacktestGate(goodBacktest({ totalTrades: 29 }), t).reason).toBe(
      'Backtest gate failed: too_few_trades (trades 29 < 30)',
    );
    expect(evaluateBacktestGate(goodBacktest({ totalTrades: 30 }), t).passed).toBe(true);
  });

  test('an empty backtest reports every failure at once, trades first', () => {
    const result = evaluateBacktestGate(goodBacktest({ totalTrades: 0, winRate: 0, sharpeRatio: -2, maxDrawdown: 0.5 }), backtest);
    expect(result.reason).toBe(
      'Backtest gate failed: too_few_trades (trades 0 < 1); win_rate_too_low (win rate 0% < 45%); ' +
        'drawdown_too_high (max drawdown 50% > 40%); sharpe_too_low (Sharpe -2 < -0.5)',
    );
  });

  test('bypass passes a failing backtest and keeps the failures in the reason', () => {
    const result = evaluateBacktestGate(goodBacktest({ totalTrades: 0, winRate: 0.3 }), backtest, true);
    expect(result).toMatchObject({
      passed: true,
      bypassed: true,
      reason: 'bypassed: too_few_trades (trades 0 < 1); win_rate_too_low (win rate 30% < 45%)',
    });
  });

  test('bypass with nothing failing is an ordinary pass', () => {
    expect(evaluateBacktestGate(goodBacktest(), backtest, true)).toMatchObject({ passed: true, bypassed: false, reason: 'passed' });
  });
});

describe('gate thresholds (configuration)', () => {
  test('an empty object gives the KTRDR defaults', () => {
    expect(GateThresholdsSchema.parse({})).toEqual({ training, backtest });
  });

  test('one overridden threshold keeps the other defaults', () => {
    const parsed = GateThresholdsSchema.parse({ training: { minAccuracy: 0.55 }, backtest: { minTrades: 20 } });
    expect(parsed.training).toEqual({ ...training, minAccuracy: 0.55 });
    expect(parsed.backtest).toEqual({ ...backtest, minTrades: 20 });
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
    ['negative accuracy', { minAccuracy: -0.1 }],
    ['zero maximum loss', { maxLoss: 0 }],
    ['loss decrease over 100%', { minLossDecrease: 1.5 }],
    ['accuracy as a string', { minAccuracy: '0.45' }],
  ])('rejects training thresholds out of range: %s', (_, raw) => {
    expect(TrainingGateThresholdsSchema.safeParse(raw).success).toBe(false);
  });

  test.each([
    ['win rate as a percentage', { minWinRate: 55 }],
    ['drawdown over 100%', { maxDrawdown: 1.2 }],
    ['negative drawdown', { maxDrawdown: -0.1 }],
    ['fractional trades', { minTrades: 1.5 }],
    ['negative trades', { minTrades: -1 }],
  ])('rejects backtest thresholds out of range: %s', (_, raw) => {
    expect(BacktestGateThresholdsSchema.safeParse(raw).success).toBe(false);
  });
});
