/**
 * The figures of a backtest period that the workflow's gate and the assessment read
 * (src/domain/activities.ts): what the backtest service hands a cycle, and what the trials
 * judge a saved report by.
 */
import { BacktestMetricsSchema, type BacktestMetrics } from '../domain/activities';
import type { CurveMetrics, SameStake, StrategyMetrics } from '../engine/backtest/result';

/**
 * Here rather than in the engine, which then loads no workflow contract on its cold path.
 * profitFactor is left out when it has no value (no losing trade).
 */
export function toBacktestMetrics(metrics: StrategyMetrics, buyAndHold: CurveMetrics, sameStake?: SameStake): BacktestMetrics {
  return BacktestMetricsSchema.parse({
    totalReturn: metrics.totalReturn,
    sharpeRatio: metrics.sharpeRatio,
    maxDrawdown: metrics.maxDrawdown,
    winRate: metrics.winRate,
    totalTrades: metrics.totalTrades,
    buyAndHoldReturn: buyAndHold.totalReturn,
    buyAndHoldSharpe: buyAndHold.sharpeRatio,
    averageExposure: metrics.averageExposure,
    ...(sameStake && { sameStakeTStat: sameStake.tStat }),
    ...(metrics.profitFactor !== null && { profitFactor: metrics.profitFactor }),
  });
}
