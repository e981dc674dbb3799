/**
 * KTRDR's absolute gates as every cycle ran them before the baseline-relative ones (spec §1.13),
 * kept only so that those cycles' histories replay (the workflow's `patched` guard picks this for
 * them): a different verdict would schedule different activities. Nothing new runs them;
 * `gates.training.minAccuracy` and the like remain available to new cycles as options of
 * gates.ts. Remove with the guard once no history from before it is kept.
 */
import { z } from 'zod';
import type { BacktestMetrics, TrainingMetrics } from './activities';
import { check, KTRDR_BACKTEST_CHECKS, KTRDR_TRAINING_CHECKS, verdict, type GateResult } from './gates';

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
  const { minAccuracy, maxLoss, minLossDecrease } = KTRDR_TRAINING_CHECKS;
  return verdict('training', [minAccuracy(m, t.minAccuracy), maxLoss(m, t.maxLoss), minLossDecrease(m, t.minLossDecrease)].map(check), bypass);
}

export function legacyBacktestGate(m: BacktestMetrics, gates: unknown, bypass: boolean): GateResult {
  const t = thresholds(gates).backtest;
  const { minTrades, minWinRate, maxDrawdown, minSharpe } = KTRDR_BACKTEST_CHECKS;
  return verdict(
    'backtest',
    [minTrades(m, t.minTrades), minWinRate(m, t.minWinRate), maxDrawdown(m, t.maxDrawdown), minSharpe(m, t.minSharpe)].map(check),
    bypass,
  );
}
