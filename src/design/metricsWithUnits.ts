/**
 * The metrics an assessment reads, converted once from the typed results into the units a
 * researcher reads (spec §8 #6: KTRDR's prompt showed 0 % accuracy and a dollar return as
 * a percentage). Each key names its unit, so a rule, a sentence or a prompt built from
 * these numbers cannot mistake a fraction for a percentage. The holdout has no place here.
 */
import { z } from 'zod';
import type { BacktestMetrics, TrainingMetrics } from '../domain/activities';

const TrainingMetricsWithUnitsSchema = z.strictObject({
  validation_accuracy_pct: z.number(),
  /** Share of the most common class: what always guessing it scores. */
  chance_accuracy_pct: z.number().optional(),
  /** Validation accuracy minus chance, in percentage points. */
  lift_pp: z.number().optional(),
  validation_loss: z.number(),
  /** What always predicting the training split's class shares scores on the validation split. */
  chance_loss: z.number().optional(),
  initial_train_loss: z.number(),
  final_train_loss: z.number(),
  train_loss_decrease_pct: z.number(),
  epochs_trained: z.number().int(),
});
type TrainingMetricsWithUnits = z.infer<typeof TrainingMetricsWithUnitsSchema>;

const BacktestMetricsWithUnitsSchema = z.strictObject({
  total_return_pct: z.number(),
  buy_and_hold_return_pct: z.number().optional(),
  /** Total return minus buy-and-hold, in percentage points. */
  excess_return_pp: z.number().optional(),
  /** Mean share of equity in the position. */
  average_exposure_pct: z.number().optional(),
  /** Buy-and-hold's return at the strategy's average exposure: the fair yardstick for a strategy that is partly in cash. */
  same_stake_buy_and_hold_pct: z.number().optional(),
  /** Total return minus same_stake_buy_and_hold_pct, in percentage points. */
  excess_over_same_stake_pp: z.number().optional(),
  /** t-statistic of the mean bar excess over that yardstick: beyond ±2 it is more than the period's noise. */
  same_stake_excess_t: z.number().optional(),
  /** Annualised by the bars per year of the timeframe. */
  sharpe_ratio: z.number(),
  buy_and_hold_sharpe: z.number().optional(),
  max_drawdown_pct: z.number(),
  win_rate_pct: z.number(),
  total_trades: z.number().int(),
  profit_factor: z.number().optional(),
});
type BacktestMetricsWithUnits = z.infer<typeof BacktestMetricsWithUnitsSchema>;

export const MetricsWithUnitsSchema = z.strictObject({
  training: TrainingMetricsWithUnitsSchema,
  validation_backtest: BacktestMetricsWithUnitsSchema,
});
export type MetricsWithUnits = z.infer<typeof MetricsWithUnitsSchema>;

/** Rounded so that the number a sentence quotes is the number a rule compared. */
const round = (x: number, digits: number) => Number(x.toFixed(digits));
const pct = (fraction: number) => round(fraction * 100, 2);

function trainingWithUnits(m: TrainingMetrics): TrainingMetricsWithUnits {
  return {
    validation_accuracy_pct: pct(m.accuracy),
    ...(m.chanceAccuracy !== undefined && { chance_accuracy_pct: pct(m.chanceAccuracy), lift_pp: pct(m.accuracy - m.chanceAccuracy) }),
    validation_loss: round(m.loss, 4),
    ...(m.chanceLoss !== undefined && { chance_loss: round(m.chanceLoss, 4) }),
    initial_train_loss: round(m.initialTrainLoss, 4),
    final_train_loss: round(m.finalTrainLoss, 4),
    train_loss_decrease_pct: pct((m.initialTrainLoss - m.finalTrainLoss) / m.initialTrainLoss),
    epochs_trained: m.epochsTrained,
  };
}

function backtestWithUnits(m: BacktestMetrics): BacktestMetricsWithUnits {
  return {
    total_return_pct: pct(m.totalReturn),
    ...(m.buyAndHoldReturn !== undefined && {
      buy_and_hold_return_pct: pct(m.buyAndHoldReturn),
      excess_return_pp: pct(m.totalReturn - m.buyAndHoldReturn),
    }),
    ...(m.buyAndHoldReturn !== undefined &&
      m.averageExposure !== undefined && {
        average_exposure_pct: pct(m.averageExposure),
        same_stake_buy_and_hold_pct: pct(m.buyAndHoldReturn * m.averageExposure),
        excess_over_same_stake_pp: pct(m.totalReturn - m.buyAndHoldReturn * m.averageExposure),
      }),
    ...(m.sameStakeTStat !== undefined && { same_stake_excess_t: round(m.sameStakeTStat, 2) }),
    sharpe_ratio: round(m.sharpeRatio, 2),
    ...(m.buyAndHoldSharpe !== undefined && { buy_and_hold_sharpe: round(m.buyAndHoldSharpe, 2) }),
    max_drawdown_pct: pct(m.maxDrawdown),
    win_rate_pct: pct(m.winRate),
    total_trades: m.totalTrades,
    ...(m.profitFactor !== undefined && { profit_factor: round(m.profitFactor, 2) }),
  };
}

export function metricsWithUnits(training: TrainingMetrics, backtest: BacktestMetrics): MetricsWithUnits {
  return { training: trainingWithUnits(training), validation_backtest: backtestWithUnits(backtest) };
}
