/**
 * The quality gates: their thresholds, what each gate reads of a result, and the checks that make
 * its verdict. Pure functions the workflow runs on the activities' results.
 */
import { z } from 'zod';
import { BacktestMetricsSchema, TrainingMetricsSchema, type BacktestMetrics, type TrainingMetrics } from './activities';

/**
 * Thresholds of the quality gates: configuration, not constants. The defaults judge a model
 * against what it could have scored without learning anything (spec §8 #14), and a backtest
 * against zero and against buy-and-hold with the same stake, after the market's costs. KTRDR's
 * absolute thresholds (spec §1.13) stay available: each applies only when set. The README's
 * "Quality gates" says why each default is where it is.
 */
export const TrainingGateThresholdsSchema = z.strictObject({
  /** Validation accuracy must beat always guessing the most common class by this much (0.03: 3 percentage points). */
  minAccuracyLift: z.number().min(-1).max(1).default(0.03),
  /** Validation loss must be this fraction below the chance loss (predicting the training split's class shares). */
  minLossImprovement: z.number().min(-1).max(1).default(0.02),
  /** Training loss must end this fraction below the training split's own chance loss: the model learnt from its features. */
  minTrainLossImprovement: z.number().min(-1).max(1).default(0.02),
  minAccuracy: z.number().min(0).max(1).optional(),
  maxLoss: z.number().positive().optional(),
  minLossDecrease: z.number().min(-10).max(1).optional(),
});
export type TrainingGateThresholds = z.infer<typeof TrainingGateThresholdsSchema>;

export const BacktestGateThresholdsSchema = z.strictObject({
  minTrades: z.number().int().min(0).default(5),
  /** Total return after costs (0: no loss). */
  minReturn: z.number().min(-1).default(0),
  maxDrawdown: z.number().min(0).max(1).default(0.4),
  /**
   * t-statistic of the mean bar excess over buy-and-hold with the same stake (−2: not trailing
   * it by more than the period's noise). A validation period of weeks cannot show a real edge
   * to significance, only a significant shortfall: the README's "Quality gates" says why.
   */
  minSameStakeT: z.number().default(-2),
  /** Return after costs minus buy-and-hold's return times the strategy's average exposure, when set (0: at least as good as holding the market with the same stake). */
  minExcessReturn: z.number().min(-1).optional(),
  minWinRate: z.number().min(0).max(1).optional(),
  minSharpe: z.number().optional(),
});
export type BacktestGateThresholds = z.infer<typeof BacktestGateThresholdsSchema>;

export const GateThresholdsSchema = z.strictObject({
  training: TrainingGateThresholdsSchema.prefault({}),
  backtest: BacktestGateThresholdsSchema.prefault({}),
});

/** What the training gate reads: a result without the chance baselines cannot be judged, and is invalid. */
const training = TrainingMetricsSchema.shape;
export const TrainingGateInputSchema = TrainingMetricsSchema.extend({
  chanceAccuracy: training.chanceAccuracy.unwrap(),
  chanceLoss: training.chanceLoss.unwrap(),
  chanceTrainLoss: training.chanceTrainLoss.unwrap(),
});
export type TrainingGateInput = z.infer<typeof TrainingGateInputSchema>;

/** What the backtest gate reads from the validation backtest: without buy-and-hold, the exposure and the bar-by-bar comparison, no fair one. */
const backtest = BacktestMetricsSchema.shape;
export const BacktestGateInputSchema = BacktestMetricsSchema.extend({
  buyAndHoldReturn: backtest.buyAndHoldReturn.unwrap(),
  averageExposure: backtest.averageExposure.unwrap(),
  sameStakeTStat: backtest.sameStakeTStat.unwrap(),
});
export type BacktestGateInput = z.infer<typeof BacktestGateInputSchema>;

const GateCheckSchema = z.strictObject({
  code: z.string(),
  metric: z.string(),
  value: z.number(),
  threshold: z.number(),
  comparison: z.enum(['>=', '<=']),
  passed: z.boolean(),
  /** value and threshold as a researcher reads them, e.g. "42.3% < 45%" or "0.96 > 0.95 (chance 0.97 − 2%)" */
  text: z.string(),
});
export type GateCheck = z.infer<typeof GateCheckSchema>;

export const GateResultSchema = z.strictObject({
  gate: z.enum(['training', 'backtest']),
  passed: z.boolean(),
  bypassed: z.boolean(),
  reason: z.string(),
  checks: z.array(GateCheckSchema),
});
export type GateResult = z.infer<typeof GateResultSchema>;

/** Absorbs float noise such as (1 - 0.8) / 1 = 0.19999999999999996 at an exact boundary. */
const EPSILON = 1e-9;

const pct = (digits: number) => (x: number) => `${+(x * 100).toFixed(digits)}%`;
const num = (digits: number) => (x: number) => `${+x.toFixed(digits)}`;
/** A margin in percentage points: 0.03 → "3 pp". */
const pp = (x: number) => `${+(x * 100).toFixed(2)} pp`;

interface CheckSpec {
  failCode: string;
  metric: string;
  value: number;
  threshold: number;
  comparison: '>=' | '<=';
  /** Formats with a given number of decimals. */
  format: (digits: number) => (x: number) => string;
  digits: number;
  /** Where a threshold derived from a baseline comes from, e.g. "chance 50.4% + 3 pp". */
  basis?: string;
}

/** The pair as text, with decimals added while a failing value reads the same as its threshold ("44.96% < 45%", not "45% < 45%"). */
function shown(spec: CheckSpec, passed: boolean): [string, string] {
  const at = (digits: number): [string, string] => [spec.format(digits)(spec.value), spec.format(digits)(spec.threshold)];
  let digits = spec.digits;
  while (!passed && digits < spec.digits + 6 && at(digits)[0] === at(digits)[1]) digits++;
  return at(digits);
}

export function check(spec: CheckSpec): GateCheck {
  const passed = spec.comparison === '>=' ? spec.value >= spec.threshold - EPSILON : spec.value <= spec.threshold + EPSILON;
  const relation = passed ? spec.comparison : spec.comparison === '>=' ? '<' : '>';
  return {
    code: passed ? 'ok' : spec.failCode,
    metric: spec.metric,
    value: spec.value,
    threshold: spec.threshold,
    comparison: spec.comparison,
    passed,
    text: shown(spec, passed).join(` ${relation} `) + (spec.basis ? ` (${spec.basis})` : ''),
  };
}

export function verdict(gate: GateResult['gate'], checks: GateCheck[], bypass: boolean): GateResult {
  const failures = checks.filter((c) => !c.passed);
  const passed = failures.length === 0;
  const title = gate === 'training' ? 'Training' : 'Backtest';
  const failureText = failures.map((c) => `${c.code} (${c.metric} ${c.text})`).join('; ');
  let reason = 'passed';
  if (!passed) reason = bypass ? `bypassed: ${failureText}` : `${title} gate failed: ${failureText}`;
  return { gate, passed: passed || bypass, bypassed: bypass && !passed, reason, checks };
}

/**
 * KTRDR's absolute checks (spec §1.13), by the threshold each reads: options of the gates below,
 * and the whole of the gates that cycles recorded before them replay with (legacyGates.ts).
 */
export const KTRDR_TRAINING_CHECKS = {
  minAccuracy: (m: TrainingMetrics, threshold: number): CheckSpec => ({
    failCode: 'accuracy_below_threshold',
    metric: 'accuracy',
    value: m.accuracy,
    threshold,
    comparison: '>=',
    format: pct,
    digits: 1,
  }),
  maxLoss: (m: TrainingMetrics, threshold: number): CheckSpec => ({
    failCode: 'loss_too_high',
    metric: 'loss',
    value: m.loss,
    threshold,
    comparison: '<=',
    format: num,
    digits: 3,
  }),
  minLossDecrease: (m: TrainingMetrics, threshold: number): CheckSpec => ({
    failCode: 'insufficient_loss_decrease',
    metric: 'loss decrease',
    value: (m.initialTrainLoss - m.finalTrainLoss) / m.initialTrainLoss,
    threshold,
    comparison: '>=',
    format: pct,
    digits: 1,
  }),
};

export const KTRDR_BACKTEST_CHECKS = {
  minTrades: (m: BacktestMetrics, threshold: number): CheckSpec => ({
    failCode: 'too_few_trades',
    metric: 'trades',
    value: m.totalTrades,
    threshold,
    comparison: '>=',
    format: num,
    digits: 0,
  }),
  minWinRate: (m: BacktestMetrics, threshold: number): CheckSpec => ({
    failCode: 'win_rate_too_low',
    metric: 'win rate',
    value: m.winRate,
    threshold,
    comparison: '>=',
    format: pct,
    digits: 1,
  }),
  maxDrawdown: (m: BacktestMetrics, threshold: number): CheckSpec => ({
    failCode: 'drawdown_too_high',
    metric: 'max drawdown',
    value: m.maxDrawdown,
    threshold,
    comparison: '<=',
    format: pct,
    digits: 1,
  }),
  minSharpe: (m: BacktestMetrics, threshold: number): CheckSpec => ({
    failCode: 'sharpe_too_low',
    metric: 'Sharpe',
    value: m.sharpeRatio,
    threshold,
    comparison: '>=',
    format: num,
    digits: 2,
  }),
};

/** A loss this fraction below a chance loss: "chance 1.052 − 2%". */
const belowChance = (metric: string, failCode: string, value: number, chance: number, improvement: number): CheckSpec => ({
  failCode,
  metric,
  value,
  threshold: chance * (1 - improvement),
  comparison: '<=',
  format: num,
  digits: 3,
  basis: `chance ${num(3)(chance)} − ${pct(2)(improvement)}`,
});

/**
 * Training gate on the validation split, judged against chance: always guessing the most common
 * class (accuracy) and always predicting the class shares (loss), figures whose scale follows the
 * class balance. "Learnt" compares the final training loss with the same chance figure on the
 * training split; never train loss against validation loss (spec §8 #5).
 */
export function evaluateTrainingGate(m: TrainingGateInput, t: TrainingGateThresholds, bypass = false): GateResult {
  const checks: CheckSpec[] = [
    {
      failCode: 'accuracy_not_above_chance',
      metric: 'accuracy',
      value: m.accuracy,
      threshold: m.chanceAccuracy + t.minAccuracyLift,
      comparison: '>=',
      format: pct,
      digits: 1,
      basis: `chance ${pct(1)(m.chanceAccuracy)} + ${pp(t.minAccuracyLift)}`,
    },
    belowChance('loss', 'loss_not_below_chance', m.loss, m.chanceLoss, t.minLossImprovement),
    belowChance('training loss', 'not_learnt', m.finalTrainLoss, m.chanceTrainLoss, t.minTrainLossImprovement),
  ];
  for (const name of ['minAccuracy', 'maxLoss', 'minLossDecrease'] as const) {
    const threshold = t[name];
    if (threshold !== undefined) checks.push(KTRDR_TRAINING_CHECKS[name](m, threshold));
  }
  return verdict('training', checks.map(check), bypass);
}

/**
 * Backtest gate on the validation backtest, after the costs the backtest charged. A long-only
 * strategy that stakes 25 % of equity part of the time cannot out-return a fully invested
 * buy-and-hold in a rising market, so it is held against buy-and-hold with the same average
 * stake: what holding the market at random times would earn, and what timing must beat. The
 * comparison is judged against the period's noise (its t-statistic); `minExcessReturn`
 * compares the two returns as they are.
 */
export function evaluateBacktestGate(m: BacktestGateInput, t: BacktestGateThresholds, bypass = false): GateResult {
  const sameStake = m.buyAndHoldReturn * m.averageExposure;
  const yardstick = `buy-and-hold ${pct(2)(m.buyAndHoldReturn)} × average exposure ${pct(1)(m.averageExposure)}`;
  const checks: CheckSpec[] = [
    KTRDR_BACKTEST_CHECKS.minTrades(m, t.minTrades),
    { failCode: 'return_too_low', metric: 'return', value: m.totalReturn, threshold: t.minReturn, comparison: '>=', format: pct, digits: 2 },
    KTRDR_BACKTEST_CHECKS.maxDrawdown(m, t.maxDrawdown),
    {
      failCode: 'behind_buy_and_hold',
      metric: 'excess over buy-and-hold at the same stake, t',
      value: m.sameStakeTStat,
      threshold: t.minSameStakeT,
      comparison: '>=',
      format: num,
      digits: 2,
      basis: `return ${pct(2)(m.totalReturn)} vs ${pct(2)(sameStake)} = ${yardstick}`,
    },
  ];
  if (t.minExcessReturn !== undefined) {
    checks.push({
      failCode: 'return_behind_buy_and_hold',
      metric: 'return vs buy-and-hold at the same stake',
      value: m.totalReturn,
      threshold: sameStake + t.minExcessReturn,
      comparison: '>=',
      format: pct,
      digits: 2,
      basis: `${yardstick}${t.minExcessReturn ? ` + ${pp(t.minExcessReturn)}` : ''}`,
    });
  }
  for (const name of ['minWinRate', 'minSharpe'] as const) {
    const threshold = t[name];
    if (threshold !== undefined) checks.push(KTRDR_BACKTEST_CHECKS[name](m, threshold));
  }
  return verdict('backtest', checks.map(check), bypass);
}
