/**
 * The strategy against buy-and-hold with the same stake, bar by bar. Holding the market with
 * the strategy's average exposure e earns e × buy-and-hold's return each bar, so the strategy's
 * excess on bar t is d_t = r_t − e·b_t (r, b: the two curves' bar returns). Its t-statistic,
 * mean(d) / (sd(d) / √n), says whether the strategy trails (or leads) that yardstick by more
 * than the period's noise: on a validation period of weeks, a difference of a percent or two
 * in return is well within it. Computed from the report's equity curves, apart from
 * backtest()'s own pass, whose speed is benchmarked (≈ 5 ms a million bars).
 */
import type { SameStake } from './result';

/** Spread of bar excesses that is rounding, not trading: a strategy that tracks its yardstick exactly still differs in the last bits. */
const NOISE_FLOOR = 1e-12;

export function sameStakeComparison(strategy: Float64Array, buyAndHold: Float64Array, averageExposure: number): SameStake {
  const n = strategy.length;
  if (buyAndHold.length !== n) throw new Error(`equity curves of ${n} and ${buyAndHold.length} bars cannot be compared bar by bar`);
  if (n < 2) return { excessReturn: 0, tStat: 0 };
  let mean = 0;
  let m2 = 0;
  for (let t = 1; t < n; t++) {
    const excess = strategy[t] / strategy[t - 1] - 1 - averageExposure * (buyAndHold[t] / buyAndHold[t - 1] - 1);
    // Welford: bar excesses are tiny beside 1, and a sum of squares would cancel
    const delta = excess - mean;
    mean += delta / t;
    m2 += delta * (excess - mean);
  }
  const count = n - 1;
  const sd = count > 1 ? Math.sqrt(m2 / (count - 1)) : 0;
  const excessReturn = strategy[n - 1] / strategy[0] - 1 - averageExposure * (buyAndHold[n - 1] / buyAndHold[0] - 1);
  return { excessReturn, tStat: sd > NOISE_FLOOR ? mean / (sd / Math.sqrt(count)) : 0 };
}
