/**
 * Research power, judged like a statistical test: on each market the loop tries strategies and
 * keeps the best by validation alone (as its `best` list does: completed cycles, by Sharpe ratio
 * then return); that one pick is judged once on its holdout with the Deflated Sharpe Ratio over
 * every trial the loop made on the market, gate failures included (the leaderboard's deflation,
 * over the market's trials). Across markets, the share of
 * planted edges found is the power, the share of random walks where an edge is claimed the false
 * discovery rate, each with its Wilson interval.
 */
import { deflatedAgainst, selectionAmong } from './leaderboard';
import type { Trial, ValidationResult } from './trials';
import { probabilisticSharpeRatio, returnMoments, type ReturnMoments } from '../research/sharpeStatistics';
import { wilsonInterval, type Proportion } from '../research/wilson';

/** A holdout edge is claimed when its Deflated Sharpe Ratio exceeds this. */
export const SIGNIFICANCE = 0.95;

type Completed = Trial & { validation: ValidationResult };

/**
 * A trial whose cycle completed, as the loop's `best` list holds them: backtested and through
 * both gates (a cycle whose assessment alone failed still completes, with its results).
 */
const completed = (t: Trial): t is Completed => t.validation !== undefined && !t.stopped;

/** The loop's choice: the completed trial with the best validation Sharpe ratio, then return. */
export function pickByValidation(trials: readonly Trial[]): Completed | undefined {
  let best: Completed | undefined;
  for (const t of trials) {
    if (!completed(t)) continue;
    const better =
      !best ||
      t.validation.sharpeRatio > best.validation.sharpeRatio ||
      (t.validation.sharpeRatio === best.validation.sharpeRatio && t.validation.totalReturn > best.validation.totalReturn);
    if (better) best = t;
  }
  return best;
}

/** The pick's holdout backtest: its per-bar returns and the bars per year measured on its timestamps. */
export interface HoldoutReturns {
  returns: ArrayLike<number>;
  barsPerYear: number;
}

export interface Judgement {
  /** Strategies designed: every one counts, whatever its gates said. */
  trials: number;
  /** Sample standard deviation of the annualised validation Sharpe ratios of the trials that were backtested; none below two. */
  sharpeSpread?: number;
  pick?: string;
  holdout?: ReturnMoments;
  /** The Sharpe ratio per bar the best of `trials` would show by luck (the paper's SR0). */
  benchmarkSharpe?: number;
  dsr?: number;
  /** The PSR of the holdout alone, as if the pick had been the only trial: what the deflation costs is the gap to `dsr`. */
  psr?: number;
  /** dsr > SIGNIFICANCE: the agent claims an edge on this market. No pick claims none. */
  significant: boolean;
}

/** Judges the pick's holdout once, deflated by every trial (the leaderboard's deflation, over these trials only). */
export function judgePick(trials: readonly Trial[], pick?: { name: string } & HoldoutReturns): Judgement {
  const selection = selectionAmong(trials);
  const counted = { trials: selection.trials, ...(selection.sharpeSpread && { sharpeSpread: selection.sharpeSpread.sd }) };
  if (!pick) return { ...counted, significant: false };
  const holdout = returnMoments(pick.returns);
  const deflated = deflatedAgainst(selection, holdout, pick.barsPerYear);
  const psr = probabilisticSharpeRatio(holdout);
  if (!deflated) return { ...counted, pick: pick.name, holdout, psr, significant: false };
  return { ...counted, pick: pick.name, holdout, ...deflated, psr, significant: deflated.dsr > SIGNIFICANCE };
}

/** One market's verdict after a given number of cycles. */
export interface MarketVerdict {
  /** 'random walk', or the planted edge: 'trend 3', 'streak 1', … */
  group: string;
  planted: boolean;
  cycles: number;
  significant: boolean;
  /** Whether the pick's holdout PSR alone exceeds SIGNIFICANCE: the claim had it been the only trial. */
  significantAlone: boolean;
}

export interface PowerRow {
  group: string;
  cycles: number;
  /** Power on planted markets, false discoveries on random walks. */
  measures: 'power' | 'false discoveries';
  claimed: Proportion;
  /** The same by the holdout PSR alone, undeflated: the gap to `claimed` is what counting the trials costs. */
  claimedAlone: Proportion;
}

/** Shares of markets where an edge was claimed, by group and cycle count, with Wilson intervals. */
export function powerTable(verdicts: readonly MarketVerdict[], confidence = 0.95): PowerRow[] {
  const groups = new Map<string, MarketVerdict[]>();
  for (const v of verdicts) {
    const key = `${v.group}\u0000${v.cycles}`;
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  return [...groups.values()]
    .map((vs) => ({
      group: vs[0].group,
      cycles: vs[0].cycles,
      measures: vs[0].planted ? ('power' as const) : ('false discoveries' as const),
      claimed: wilsonInterval(vs.filter((v) => v.significant).length, vs.length, confidence),
      claimedAlone: wilsonInterval(vs.filter((v) => v.significantAlone).length, vs.length, confidence),
    }))
    .sort((a, b) => Number(a.measures === 'power') - Number(b.measures === 'power') || a.group.localeCompare(b.group) || a.cycles - b.cycles);
}
