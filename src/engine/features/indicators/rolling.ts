/**
 * Streaming building blocks shared by the indicators: each is one forward pass, O(n), and the
 * value at bar t depends only on bars up to t. Outputs are NaN where the window has not filled.
 */

/**
 * A column whose first `prefix` values (all of them by default) are NaN: the starting point of
 * every output, so warm-up is never invented. A caller that passes its warm-up length as
 * `prefix` must write every index from there on (the rest starts at 0, not NaN); filling only
 * the prefix saves a full pass over an output that is overwritten right after.
 */
export const nanArray = (n: number, prefix = n): Float64Array => new Float64Array(n).fill(NaN, 0, Math.max(0, Math.min(prefix, n)));

/** Hides the first `count` values (bars computed from too little history). */
export function nanBefore(values: Float64Array, count: number): Float64Array {
  return values.fill(NaN, 0, Math.min(count, values.length));
}

/**
 * Sum of the last `period` values, for bars t ≥ from + period − 1 (values before `from` are
 * not data, e.g. another indicator's warm-up). A window of zeros sums to exactly 0 rather than
 * to the residue of earlier additions and subtractions, because callers divide by it.
 */
export function rollingSum(values: Float64Array, period: number, from = 0): Float64Array {
  const n = values.length;
  const out = nanArray(n, from + Math.max(period, 1) - 1);
  let sum = 0;
  let nonZero = 0;
  for (let i = from; i < n; i++) {
    const x = values[i];
    sum += x;
    if (x !== 0) nonZero++;
    if (i - from >= period) {
      const old = values[i - period];
      sum -= old;
      if (old !== 0) nonZero--;
    }
    if (i - from >= period - 1) out[i] = nonZero === 0 ? 0 : sum;
  }
  return out;
}

export function sma(values: Float64Array, period: number, from = 0): Float64Array {
  const out = rollingSum(values, period, from);
  for (let i = 0; i < out.length; i++) out[i] /= period;
  return out;
}

/**
 * Rolling mean and sample standard deviation (ddof = 1, as pandas' `rolling().std()`, which
 * KTRDR uses). Welford's add/remove update avoids the cancellation of sum-of-squares on prices
 * far from zero; a window of identical values reports exactly that value and 0, so ratios
 * built on the deviation can recognise a flat market instead of dividing rounding noise.
 */
export function rollingMeanStd(values: Float64Array, period: number): { mean: Float64Array; std: Float64Array } {
  const n = values.length;
  const mean = nanArray(n, period - 1);
  const std = nanArray(n, period - 1);
  let m = 0;
  let m2 = 0;
  let run = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    run = i > 0 && x === values[i - 1] ? run + 1 : 1;
    if (i < period) {
      const d = x - m;
      m += d / (i + 1);
      m2 += d * (x - m);
    } else {
      const old = values[i - period];
      const previousMean = m;
      m += (x - old) / period;
      m2 += (x - old) * (x - m + old - previousMean);
    }
    if (i < period - 1) continue;
    if (run >= period) {
      mean[i] = x;
      std[i] = 0;
    } else {
      mean[i] = m;
      std[i] = Math.sqrt(Math.max(m2, 0) / (period - 1));
    }
  }
  return { mean, std };
}

/**
 * Exponential moving average with α = 2 / (period + 1), defined from bar 0 exactly as pandas'
 * `ewm(span=period, adjust).mean()`: with `adjust` the value at t is the weighted mean of all
 * bars so far with weights (1 − α)^age; without it the recursion starts at the first value.
 * Callers hide the warm-up they consider too short.
 */
export function ema(values: Float64Array, period: number, adjust: boolean): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const alpha = 2 / (period + 1);
  const decay = 1 - alpha;
  if (adjust) {
    let weighted = 0;
    let weights = 0;
    for (let i = 0; i < n; i++) {
      weighted = values[i] + decay * weighted;
      weights = 1 + decay * weights;
      out[i] = weighted / weights;
    }
  } else {
    let y = values[0];
    out[0] = y;
    for (let i = 1; i < n; i++) {
      y = alpha * values[i] + decay * y;
      out[i] = y;
    }
  }
  return out;
}

/**
 * Index of the largest (sign 1) or smallest (sign −1) value in the `window` bars ending at t,
 * the most recent one on ties; −1 until the window fills. A monotonic deque makes it O(n)
 * whatever the window; it never holds more than window + 1 indices, so it lives in a small
 * ring (a power of two, addressed by mask) instead of an array as long as the series.
 */
function rollingExtremeIndex(values: Float64Array, window: number, sign: 1 | -1): Int32Array {
  const n = values.length;
  const out = new Int32Array(n).fill(-1);
  const mask = (1 << Math.ceil(Math.log2(window + 1))) - 1;
  const ring = new Int32Array(mask + 1);
  let head = 0;
  let tail = 0;
  for (let i = 0; i < n; i++) {
    const x = sign * values[i];
    while (tail > head && sign * values[ring[(tail - 1) & mask]] <= x) tail--;
    ring[tail++ & mask] = i;
    if (ring[head & mask] <= i - window) head++;
    if (i >= window - 1) out[i] = ring[head & mask];
  }
  return out;
}

export const rollingMaxIndex = (values: Float64Array, window: number): Int32Array => rollingExtremeIndex(values, window, 1);
export const rollingMinIndex = (values: Float64Array, window: number): Int32Array => rollingExtremeIndex(values, window, -1);

/** Typical price (high + low + close) / 3, the input of CCI and MFI. */
export function typicalPrice(high: Float64Array, low: Float64Array, close: Float64Array): Float64Array {
  const n = high.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (high[i] + low[i] + close[i]) / 3;
  return out;
}
