import { z } from 'zod';
import type { BacktestMetrics, TrainingMetrics } from './activities';

/** Thresholds of the quality gates (defaults from KTRDR, spec §1.13). Configuration, not constants. */
export const TrainingGateThresholdsSchema = z.strictObject({
  minAccuracy: z.number().min(0).max(1).default(0.45),
  maxLoss: z.number().positive().default(0.8),
  minLossDecrease: z.number().min(-10).max(1).default(0.2),
});
export type TrainingGateThresholds = z.infer<typeof TrainingGateThresholdsSchema>;

export const BacktestGateThresholdsSchema = z.strictObject({
  minWinRate: z.number().min(0).max(1).default(0.45),
  maxDrawdown: z.number().min(0).max(1).default(0.4),
  minSharpe: z.number().default(-0.5),
  minTrades: z.number().int().min(0).default(1),
});
export type BacktestGateThresholds = z.infer<typeof BacktestGateThresholdsSchema>;

export const GateThresholdsSchema = z.strictObject({
  training: TrainingGateThresholdsSchema.prefault({}),
  backtest: BacktestGateThresholdsSchema.prefault({}),
});
export type GateThresholds = z.infer<typeof GateThresholdsSchema>;

export const GateCheckSchema = z.strictObject({
  code: z.string(),
  metric: z.string(),
  value: z.number(),
  threshold: z.number(),
  comparison: z.enum(['>=', '<=']),
  passed: z.boolean(),
  /** value and threshold as a researcher reads them, e.g. "42.3% < 45%" */
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

interface CheckSpec {
  failCode: string;
  metric: string;
  value: number;
  threshold: number;
  comparison: '>=' | '<=';
  /** Formats with a given number of decimals. */
  format: (digits: number) => (x: number) => string;
  digits: number;
}

/** The pair as text, with decimals added while a failing value reads the same as its threshold ("44.96% < 45%", not "45% < 45%"). */
function shown(spec: CheckSpec, passed: boolean): [string, string] {
  const at = (digits: number): [string, string] => [spec.format(digits)(spec.value), spec.format(digits)(spec.threshold)];
  let digits = spec.digits;
  while (!passed && digits < spec.digits + 6 && at(digits)[0] === at(digits)[1]) digits++;
  return at(digits);
}

function check(spec: CheckSpec): GateCheck {
  const passed =
    spec.comparison === '>=' ? spec.value >= spec.threshold - EPSILON : spec.value <= spec.threshold + EPSILON;
  const relation = passed ? spec.comparison : spec.comparison === '>=' ? '<' : '>';
  return {
    code: passed ? 'ok' : spec.failCode,
    metric: spec.metric,
    value: spec.value,
    threshold: spec.threshold,
    comparison: spec.comparison,
    passed,
    text: shown(spec, passed).join(` ${relation} `),
  };
}

function verdict(gate: GateResult['gate'], checks: GateCheck[], bypass: boolean): GateResult {
  const failures = checks.filter((c) => !c.passed);
  const passed = failures.length === 0;
  const title = gate === 'training' ? 'Training' : 'Backtest';
  const failureText = failures.map((c) => `${c.code} (${c.metric} ${c.text})`).join('; ');
  let reason = 'passed';
  if (!passed) reason = bypass ? `bypassed: ${failureText}` : `${title} gate failed: ${failureText}`;
  return { gate, passed: passed || bypass, bypassed: bypass && !passed, reason, checks };
}

/**
 * Training gate on the validation split. Loss decrease compares the first and last
 * training-loss of the same (training) series, never train against validation (spec §8 #5).
 */
export function evaluateTrainingGate(m: TrainingMetrics, t: TrainingGateThresholds, bypass = false): GateResult {
  const decrease = (m.initialTrainLoss - m.finalTrainLoss) / m.initialTrainLoss;
  return verdict(
    'training',
    [
      check({ failCode: 'accuracy_below_threshold', metric: 'accuracy', value: m.accuracy, threshold: t.minAccuracy, comparison: '>=', format: pct, digits: 1 }),
      check({ failCode: 'loss_too_high', metric: 'loss', value: m.loss, threshold: t.maxLoss, comparison: '<=', format: num, digits: 3 }),
      check({ failCode: 'insufficient_loss_decrease', metric: 'loss decrease', value: decrease, threshold: t.minLossDecrease, comparison: '>=', format: pct, digits: 1 }),
    ],
    bypass,
  );
}

/** Backtest gate on the validation backtest; a backtest without trades says nothing and fails. */
export function evaluateBacktestGate(m: BacktestMetrics, t: BacktestGateThresholds, bypass = false): GateResult {
  return verdict(
    'backtest',
    [
      check({ failCode: 'too_few_trades', metric: 'trades', value: m.totalTrades, threshold: t.minTrades, comparison: '>=', format: num, digits: 0 }),
      check({ failCode: 'win_rate_too_low', metric: 'win rate', value: m.winRate, threshold: t.minWinRate, comparison: '>=', format: pct, digits: 1 }),
      check({ failCode: 'drawdown_too_high', metric: 'max drawdown', value: m.maxDrawdown, threshold: t.maxDrawdown, comparison: '<=', format: pct, digits: 1 }),
      check({ failCode: 'sharpe_too_low', metric: 'Sharpe', value: m.sharpeRatio, threshold: t.minSharpe, comparison: '>=', format: num, digits: 2 }),
    ],
    bypass,
  );
}
