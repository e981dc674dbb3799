/**
 * The trials ranked by their validation backtest, each with the Probabilistic and the Deflated
 * Sharpe Ratio (Bailey & López de Prado). The deflation counts every trial, those that never
 * reached a backtest included, and reads the spread of the Sharpe ratios of those that traded.
 *
 * Trials on different timeframes have per-bar Sharpe ratios of different scales, so their spread
 * is taken on the annualised ratios and brought back to each trial's own bars: the variance over
 * its bars per year. For trials all on one timeframe this is the plain per-bar variance.
 */
import { deflatedSharpeRatio, expectedMaxSharpe, probabilisticSharpeRatio, type ReturnMoments } from '../research/sharpeStatistics';
import type { Trial, ValidationResult } from './trials';

type Backtested = Trial & { validation: ValidationResult };

export interface LeaderboardRow extends Backtested {
  rank: number;
  /** Probability that the true Sharpe ratio is above zero, from this backtest alone. */
  psr: number;
  /** The PSR against the Sharpe ratio the best of all trials would reach by luck; none while the spread is unknown. */
  dsr?: number;
}

interface Spread {
  /** How many Sharpe ratios it is over. */
  count: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  sd: number;
  min: number;
  max: number;
}

export interface Leaderboard {
  /** Every strategy the agent designed: the N of the deflation. */
  trials: number;
  /** Spread of the annualised validation Sharpe ratios of the backtested trials that traded; none below two. */
  sharpeSpread?: Spread;
  /** The annualised Sharpe ratio the best of `trials` would reach by luck (the DSR's benchmark); none while the spread is unknown. */
  luckSharpe?: number;
  /** The backtested trials, best validation Sharpe first. */
  ranked: LeaderboardRow[];
  /** The trials that never reached a backtest, oldest first, each with why. */
  stopped: Trial[];
}

/**
 * What choosing among these trials costs: N counts every trial, and the variance is that of the
 * annualised validation Sharpe ratios of those that traded on validation — 0 for a single trial
 * (one trial is no selection), none while fewer than two traded. A strategy that never traded
 * has no Sharpe ratio (its returns never varied: 0 / 0); the 0 the backtest prints for it is no
 * estimate of anything, and counted as one it would pull the spread towards whatever the
 * traders' mean is from 0 — wider on a market with an edge, narrower on one without.
 */
export interface Selection {
  trials: number;
  sharpeSpread?: Spread;
  variance?: number;
}

export function selectionAmong(trials: readonly Trial[]): Selection {
  const sharpeSpread = spread(trials.flatMap((t) => (t.validation && t.validation.totalTrades > 0 ? [t.validation.sharpeRatio] : [])));
  const variance = trials.length <= 1 ? 0 : sharpeSpread && sharpeSpread.sd ** 2;
  return { trials: trials.length, ...(sharpeSpread && { sharpeSpread }), ...(variance !== undefined && { variance }) };
}

/** The DSR of per-bar returns on bars of `barsPerYear` against the luck of a selection; none while its spread is unknown. */
export function deflatedAgainst(selection: Selection, returns: ReturnMoments, barsPerYear: number): { dsr: number; benchmarkSharpe: number } | undefined {
  if (selection.variance === undefined) return undefined;
  return deflatedSharpeRatio({ ...returns, trials: selection.trials, trialSharpeVariance: selection.variance / barsPerYear });
}

export function leaderboard(trials: Trial[]): Leaderboard {
  const backtested = trials.filter((t): t is Backtested => t.validation !== undefined);
  const selection = selectionAmong(trials);
  const ranked = [...backtested]
    .sort((a, b) => b.validation.sharpeRatio - a.validation.sharpeRatio || b.validation.totalReturn - a.validation.totalReturn || a.name.localeCompare(b.name))
    .map((trial, i): LeaderboardRow => {
      const { returns, barsPerYear } = trial.validation;
      const row: LeaderboardRow = { ...trial, rank: i + 1, psr: probabilisticSharpeRatio(returns) };
      const deflated = deflatedAgainst(selection, returns, barsPerYear);
      if (deflated) row.dsr = deflated.dsr;
      return row;
    });
  const board: Leaderboard = { trials: trials.length, ranked, stopped: trials.filter((t) => t.validation === undefined) };
  if (selection.sharpeSpread) board.sharpeSpread = selection.sharpeSpread;
  if (selection.variance !== undefined) board.luckSharpe = expectedMaxSharpe({ trials: trials.length, variance: selection.variance });
  return board;
}

function spread(values: readonly number[]): Spread | undefined {
  if (values.length < 2) return undefined;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1));
  return { count: values.length, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}
