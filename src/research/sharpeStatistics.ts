/**
 * How much a Sharpe ratio can be trusted: its standard error under non-normal returns, the
 * Probabilistic Sharpe Ratio and the Deflated Sharpe Ratio of Bailey & López de Prado, "The
 * Deflated Sharpe Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality",
 * Journal of Portfolio Management 40(5), 2014, pp. 94–107
 * (https://www.davidhbailey.com/dhbpapers/deflated-sharpe.pdf).
 *
 * Every Sharpe ratio here is per period (per bar) and not annualised, as in the paper's formulas;
 * annualise only for display, by the bars per year the backtest measured.
 */
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

const EULER_MASCHERONI = 0.5772156649015329;

/** A return series' moments: kurtosis is not excess (3 for normal returns). */
export interface ReturnMoments {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1). */
  sd: number;
  /** mean / sd; 0 when the returns never vary (a strategy that never traded). */
  sharpe: number;
  skewness: number;
  kurtosis: number;
}

export function returnMoments(returns: ArrayLike<number>): ReturnMoments {
  const n = returns.length;
  if (n < 2) throw new Error(`A Sharpe ratio needs at least 2 returns, got ${n}`);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += returns[i];
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = returns[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const sd = Math.sqrt(m2 / (n - 1));
  if (m2 === 0) return { n, mean, sd: 0, sharpe: 0, skewness: 0, kurtosis: 3 };
  // Skewness and kurtosis from the population moments, as the paper's γ3 and γ4.
  const variance = m2 / n;
  return {
    n,
    mean,
    sd,
    sharpe: mean / sd,
    skewness: m3 / n / variance ** 1.5,
    kurtosis: m4 / n / (variance * variance),
  };
}

type SharpeEstimate = Pick<ReturnMoments, 'sharpe' | 'n' | 'skewness' | 'kurtosis'>;

/** The Sharpe ratio's standard error given the returns' skewness and kurtosis (paper, eq. 2's denominator). */
export function sharpeStandardError({ sharpe, n, skewness, kurtosis }: SharpeEstimate): number {
  return Math.sqrt((1 - skewness * sharpe + ((kurtosis - 1) / 4) * sharpe * sharpe) / (n - 1));
}

/** The probability that the true Sharpe ratio exceeds `benchmark`, given this estimate (PSR). */
export function probabilisticSharpeRatio(estimate: SharpeEstimate & { benchmark?: number }): number {
  return normalCdf((estimate.sharpe - (estimate.benchmark ?? 0)) / sharpeStandardError(estimate), 0, 1);
}

/**
 * The Sharpe ratio the best of `trials` independent strategies with no skill would show by luck,
 * when their Sharpe ratios vary with `variance` (the paper's SR0).
 */
export function expectedMaxSharpe({ trials, variance }: { trials: number; variance: number }): number {
  if (trials <= 1) return 0;
  return (
    Math.sqrt(variance) * ((1 - EULER_MASCHERONI) * normalQuantile(1 - 1 / trials, 0, 1) + EULER_MASCHERONI * normalQuantile(1 - 1 / (trials * Math.E), 0, 1))
  );
}

/**
 * The PSR against the luck of the best of `trials`: the probability that the chosen strategy's
 * true Sharpe ratio is above zero once the selection among all trials is accounted for.
 */
export function deflatedSharpeRatio(estimate: SharpeEstimate & { trials: number; trialSharpeVariance: number }): { dsr: number; benchmarkSharpe: number } {
  const benchmarkSharpe = expectedMaxSharpe({ trials: estimate.trials, variance: estimate.trialSharpeVariance });
  return { dsr: probabilisticSharpeRatio({ ...estimate, benchmark: benchmarkSharpe }), benchmarkSharpe };
}
