/**
 * Wilson's score interval for a proportion (E. B. Wilson, "Probable inference, the law of
 * succession, and statistical inference", JASA 22, 1927): unlike the normal approximation it
 * stays inside [0, 1] and is honest at 0 of n and n of n, which is where a benchmark's few
 * markets often land.
 */
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';

export interface Proportion {
  successes: number;
  trials: number;
  /** successes / trials; 0 with no trials. */
  rate: number;
  low: number;
  high: number;
}

export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Proportion {
  if (!Number.isInteger(trials) || trials < 0) throw new RangeError(`trials must be a whole number ≥ 0, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials)
    throw new RangeError(`successes must be a whole number in [0, ${trials}], got ${successes}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  if (trials === 0) return { successes, trials, rate: 0, low: 0, high: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2, 0, 1);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  // At 0 and n successes the bound is exactly 0 or 1; rounding must not move it off.
  return { successes, trials, rate: p, low: successes === 0 ? 0 : centre - half, high: successes === trials ? 1 : centre + half };
}
