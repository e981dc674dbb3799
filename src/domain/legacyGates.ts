import { z } from 'zod';
import type { BacktestMetrics, TrainingMetrics } from './activities';
import { check, num, pct, verdict, type GateResult } from './gates';

/**
 * KTRDR's absolute gates as every cycle ran them before the baseline-relative ones (spec §1.13),
 * kept only so that those cycles' histories replay (the workflow's `patched` guard picks this for
 * them): a different verdict would schedule different activities. Nothing new runs them;
 * `gates.training.minAccuracy` and the like remain available to new cycles as options of
 * gates.ts. Remove with the guard once no history from before it is kept.
 */
const LegacyThresholdsSchema = z.object({
  training: z
    .object({
      minAccuracy: z.number().default(0.45),
      maxLoss: z.number().default(0.8),
      minLossDecrease: z.number().default(0.2),
    })
    .prefault({}),
  backtest: z
    .object({
      minWinRate: z.number().default(0.45),
      maxDrawdown: z.number().default(0.4),
      minSharpe: z.number().default(-0.5),
      minTrades: z.number().default(1),
    })
    .prefault({}),
});

/** The thresholds from the cycle's request as it was sent (its defaults changed since). */
const thresholds = (gates: unknown) => LegacyThresholdsSchema.parse(gates ?? {});

export function legacyTrainingGate(m: TrainingMetrics, gates: unknown, bypass: boolean): GateResult {
  const t = thresholds(gates).training;
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

export function legacyBacktestGate(m: BacktestMetrics, gates: unknown, bypass: boolean): GateResult {
  const t = thresholds(gates).backtest;
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
