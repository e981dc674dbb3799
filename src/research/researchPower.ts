/**
 * Research power, judged like a statistical test: on each market the loop tries strategies and
 * keeps the best by validation alone (as its `best` list does: completed cycles, by Sharpe ratio
 * then return); that one pick is judged once on its holdout with the Deflated Sharpe Ratio over
 * every trial the loop made on the market, gate failures included. Across markets, the share of
 * planted edges found is the power, the share of random walks where an edge is claimed the false
 * discovery rate, each with its Wilson interval.
 */
import { deflatedSharpeRatio, returnMoments, type ReturnMoments } from './sharpeStatistics';
import { wilsonInterval, type Proportion } from './wilson';

/** A holdout edge is claimed when its Deflated Sharpe Ratio exceeds this. */
export const SIGNIFICANCE = 0.95;

/** One cycle on a market, as the loop saw it: its holdout is not here, so nothing can choose by it. */
export interface Trial {
  cycleId: string;
  /** The strategy the cycle designed; a cycle that designed none is no trial. */
  strategy?: string;
  outcome: 'completed' | 'failed' | 'cancelled' | 'refused';
  /** The validation backtest, when the cycle got that far: Sharpe ratio per bar (not annualised) and total return. */
  validation?: { sharpe: number; totalReturn: number };
}

/** The loop's choice: the completed trial with the best validation Sharpe ratio, then return. */
export function pickByValidation(trials: readonly Trial[]): (Trial & { strategy: string; validation: NonNullable<Trial['validation']> }) | undefined {
  let best: ReturnType<typeof pickByValidation>;
  for (const t of trials) {
    if (t.outcome !== 'completed' || !t.strategy || !t.validation) continue;
    const better =
      !best ||
      t.validation.sharpe > best.validation.sharpe ||
      (t.validation.sharpe === best.validation.sharpe && t.validation.totalReturn > best.validation.totalReturn);
    if (better) best = { ...t, strategy: t.strategy, validation: t.validation };
  }
  return best;
}

export interface Judgement {
  /** Strategies designed: every one counts, whatever its gates said. */
  trials: number;
  /** Sample variance of the per-bar validation Sharpe ratios of the trials that were backtested (0 for fewer than 2). */
  trialSharpeVariance: number;
  pick?: string;
  holdout?: ReturnMoments;
  /** The Sharpe ratio per bar the best of `trials` would show by luck (the paper's SR0). */
  benchmarkSharpe?: number;
  dsr?: number;
  /** dsr > SIGNIFICANCE: the agent claims an edge on this market. No pick claims none. */
  significant: boolean;
}

function trialCount(trials: readonly Trial[]): number {
  return trials.filter((t) => t.strategy).length;
}

export function trialSharpeVariance(trials: readonly Trial[]): number {
  const sharpes = trials.flatMap((t) => (t.strategy && t.validation ? [t.validation.sharpe] : []));
  if (sharpes.length < 2) return 0;
  const mean = sharpes.reduce((a, b) => a + b, 0) / sharpes.length;
  return sharpes.reduce((a, b) => a + (b - mean) ** 2, 0) / (sharpes.length - 1);
}

/** Judges the pick's holdout returns (per bar) once, deflated by every trial. */
export function judgePick(trials: readonly Trial[], pick: string | undefined, holdoutReturns: ArrayLike<number> | undefined): Judgement {
  const counted = { trials: trialCount(trials), trialSharpeVariance: trialSharpeVariance(trials) };
  if (!pick || !holdoutReturns) return { ...counted, significant: false };
  const holdout = returnMoments(holdoutReturns);
  const { dsr, benchmarkSharpe } = deflatedSharpeRatio({ ...holdout, trials: counted.trials, trialSharpeVariance: counted.trialSharpeVariance });
  return { ...counted, pick, holdout, benchmarkSharpe, dsr, significant: dsr > SIGNIFICANCE };
}

/** Per-bar returns of an equity curve. */
export function barReturns(equity: ArrayLike<number>): Float64Array {
  const returns = new Float64Array(Math.max(0, equity.length - 1));
  for (let i = 1; i < equity.length; i++) returns[i - 1] = equity[i] / equity[i - 1] - 1;
  return returns;
}

/** One market's verdict after a given number of cycles. */
export interface MarketVerdict {
  /** 'random walk', or the planted edge: 'trend 3', 'streak 1', … */
  group: string;
  planted: boolean;
  cycles: number;
  significant: boolean;
}

export interface PowerRow {
  group: string;
  cycles: number;
  /** Power on planted markets, false discoveries on random walks. */
  measures: 'power' | 'false discoveries';
  claimed: Proportion;
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
    }))
    .sort((a, b) => Number(a.measures === 'power') - Number(b.measures === 'power') || a.group.localeCompare(b.group) || a.cycles - b.cycles);
}
