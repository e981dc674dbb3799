/**
 * One period of a strategy's backtest with the strategy's decisions and costs, beside
 * buy-and-hold at the same stake: the backtest command's periods and each walk-forward fold's
 * test window are scored by this one function, so they cannot differ in how they trade.
 */
import { sameStakeComparison } from '../engine/backtest/sameStake';
import type { BacktestReport } from '../engine/backtest/result';
import { backtest } from '../engine/backtest/run';
import { sliceBars, type Bars } from '../engine/data/bars';
import type { Strategy } from './schema';

/** Bars [from, to) of `bars`, traded on the model's probabilities for those bars (n×3 for all of `bars`). */
export function backtestPeriod(strategy: Strategy, bars: Bars, probabilities: Float32Array, from: number, to: number): BacktestReport {
  const report = backtest(sliceBars(bars, from, to), probabilities.subarray(from * 3, to * 3), {
    decisions: strategy.decisions,
    execution: {
      initialCapital: strategy.backtest?.initial_capital,
      commission: strategy.backtest?.commission,
      slippage: strategy.backtest?.slippage,
      positionSize: strategy.backtest?.position_size,
    },
  });
  return { ...report, sameStake: sameStakeComparison(report.equity.strategy, report.equity.buyAndHold, report.metrics.averageExposure) };
}
