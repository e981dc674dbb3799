/**
 * The numbers of an offline design that come from the data rather than from a rule of
 * thumb: fuzzy sets placed at an indicator's real percentiles (spec §8 #9: ~55 % of KTRDR's
 * agent strategies had ranges for another scale, so their features never fired), and a
 * zigzag threshold sized to the instrument's typical move. Callers pass training bars only.
 */
import type { ValueRange } from '../../engine/features/indicators/indicator';

export interface Membership {
  type: 'triangular' | 'trapezoidal';
  parameters: number[];
}

/** Percentile by the same rule as the validator's, so the two describe the data alike. */
function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);

/** Rounds to a step a hundredth of the central spread: readable in the YAML, far below what moves a membership. */
function rounded(points: number[], spread: number): number[] {
  const exponent = Math.floor(Math.log10(spread / 100));
  const step = 10 ** exponent;
  const decimals = Math.max(0, -exponent);
  const last = points.length - 1;
  const out = points.map((x, i) => {
    const snapped = i === 0 ? Math.floor(x / step) * step : i === last ? Math.ceil(x / step) * step : Math.round(x / step) * step;
    return Number(snapped.toFixed(decimals));
  });
  // the feet may touch the percentiles (a bounded indicator at its bound); the percentiles must stay apart
  const ordered = out[0] <= out[1] && increasing(out.slice(1, last)) && out[last - 1] <= out[last];
  return ordered ? out : points;
}

/**
 * Three sets, low / mid / high: shoulders below the 10th and above the 90th percentile, a
 * triangle peaking at the median. Every value has a set at 0.5 or more, and each set is the
 * strongest on a sizeable share of bars. The outer feet reach the indicator's bounds, or for
 * an unbounded one a full range beyond the training extremes, so later bars still land in a
 * shoulder. Undefined when the median shares its value with the 10th or 90th percentile
 * (an indicator stuck at one level for 40 % of the bars or more): three sets cannot split it.
 */
export function fuzzySetsAtPercentiles(values: Float64Array, bounds?: ValueRange): Record<'low' | 'mid' | 'high', Membership> | undefined {
  const sorted = values.filter(Number.isFinite).sort();
  if (sorted.length < 20) return undefined;
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const central = [0.1, 0.5, 0.9].map((q) => quantile(sorted, q));
  if (!increasing(central)) return undefined;
  const span = max - min;
  const [lo, hi] = bounds ? [Math.min(bounds[0], min), Math.max(bounds[1], max)] : [min - span, max + span];
  const [foot, a, b, c, head] = rounded([lo, ...central, hi], central[2] - central[0]);
  return {
    low: { type: 'trapezoidal', parameters: [foot, foot, a, b] },
    mid: { type: 'triangular', parameters: [a, b, c] },
    high: { type: 'trapezoidal', parameters: [b, c, head, head] },
  };
}

/**
 * One bar's typical move as a fraction of price: the standard deviation of log returns,
 * estimated from their median absolute value (robust to crashes; for a normal variable
 * σ = median|x| / 0.6745).
 */
function typicalBarMove(close: Float64Array): number {
  const moves = new Float64Array(close.length - 1);
  for (let i = 1; i < close.length; i++) moves[i - 1] = Math.abs(Math.log(close[i] / close[i - 1]));
  moves.sort();
  return quantile(moves, 0.5) / 0.6745;
}

/**
 * Zigzag labels for swings of about `swingBars` bars: a random walk moves σ·√n in n bars,
 * so that is the threshold; a leg of that size takes roughly `swingBars` bars or more, so the
 * lookahead is three times that. On the shipped series this labels about 40 % BUY, 40 % SELL
 * and 20 % HOLD (spec §8 #14: KTRDR's 50/1/49 labels made chance 50 %).
 */
export function zigzagForSwing(close: Float64Array, swingBars: number): { zigzag_threshold: number; label_lookahead: number } {
  const threshold = typicalBarMove(close) * Math.sqrt(swingBars);
  return {
    zigzag_threshold: Number(Math.min(0.5, threshold).toPrecision(2)),
    label_lookahead: 3 * swingBars,
  };
}
