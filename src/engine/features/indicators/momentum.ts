/**
 * The momentum indicators: RSI, MACD (also in percent), stochastic, Williams %R, CCI, rate of
 * change and momentum.
 */
import { ema, nanArray, nanBefore, rollingMaxIndex, rollingMinIndex, sma } from './rolling';

/**
 * RSI with Wilder's smoothing: average gain and loss seeded with the simple mean of the first
 * `period` changes, so the first value is at bar `period` (the first change needs bar 0).
 * No movement at all reads 50, gains without losses 100.
 */
export function rsi(values: Float64Array, period: number): Float64Array {
  const n = values.length;
  const out = nanArray(n, Math.max(period, 1));
  let gain = 0;
  let loss = 0;
  for (let i = 1; i < n; i++) {
    const change = values[i] - values[i - 1];
    const up = change > 0 ? change : 0;
    const down = change < 0 ? -change : 0;
    if (i < period) {
      gain += up;
      loss += down;
      continue;
    }
    if (i === period) {
      gain = (gain + up) / period;
      loss = (loss + down) / period;
    } else {
      gain += (up - gain) / period;
      loss += (down - loss) / period;
    }
    const total = gain + loss;
    out[i] = total === 0 ? 50 : (100 * gain) / total;
  }
  return out;
}

/**
 * Lines of a MACD-style oscillator from its fast−slow difference, the way KTRDR builds them
 * (pandas `ewm(adjust=False)`, recursion started at bar 0). The line is shown from bar
 * slow − 1 and the signal and histogram from slow + signal − 2, when each has seen a full
 * period; the recursion itself is not re-seeded there.
 */
function oscillatorLines(line: Float64Array, slowPeriod: number, signalPeriod: number): Float64Array[] {
  const signal = ema(line, signalPeriod, false);
  const histogram = new Float64Array(line.length);
  for (let i = 0; i < line.length; i++) histogram[i] = line[i] - signal[i];
  const lineWarmup = slowPeriod - 1;
  const signalWarmup = lineWarmup + signalPeriod - 1;
  return [nanBefore(line, lineWarmup), nanBefore(signal, signalWarmup), nanBefore(histogram, signalWarmup)];
}

/** MACD line (fast EMA − slow EMA), signal (EMA of the line) and histogram (line − signal). */
export function macd(values: Float64Array, fastPeriod: number, slowPeriod: number, signalPeriod: number): Float64Array[] {
  // The three recursions of `ema(…, false)` and oscillatorLines in one pass, with the same
  // arithmetic in the same order (so the same bits), writing only the three outputs.
  const n = values.length;
  const line = new Float64Array(n);
  const signal = new Float64Array(n);
  const histogram = new Float64Array(n);
  if (n > 0) {
    const fastAlpha = 2 / (fastPeriod + 1);
    const fastDecay = 1 - fastAlpha;
    const slowAlpha = 2 / (slowPeriod + 1);
    const slowDecay = 1 - slowAlpha;
    const signalAlpha = 2 / (signalPeriod + 1);
    const signalDecay = 1 - signalAlpha;
    let fast = values[0];
    let slow = values[0];
    let difference = fast - slow;
    let smoothed = difference;
    line[0] = difference;
    signal[0] = smoothed;
    histogram[0] = difference - smoothed;
    for (let i = 1; i < n; i++) {
      const x = values[i];
      fast = fastAlpha * x + fastDecay * fast;
      slow = slowAlpha * x + slowDecay * slow;
      difference = fast - slow;
      smoothed = signalAlpha * difference + signalDecay * smoothed;
      line[i] = difference;
      signal[i] = smoothed;
      histogram[i] = difference - smoothed;
    }
  }
  const lineWarmup = slowPeriod - 1;
  const signalWarmup = lineWarmup + signalPeriod - 1;
  return [nanBefore(line, lineWarmup), nanBefore(signal, signalWarmup), nanBefore(histogram, signalWarmup)];
}

/**
 * MACD in percent of the slow EMA (the Percentage Price Oscillator): the same shape as MACD
 * but comparable across instruments and price levels, so fixed fuzzy ranges stay valid.
 */
export function macdPercent(values: Float64Array, fastPeriod: number, slowPeriod: number, signalPeriod: number): Float64Array[] {
  const fast = ema(values, fastPeriod, false);
  const slow = ema(values, slowPeriod, false);
  const line = new Float64Array(values.length);
  for (let i = 0; i < line.length; i++) line[i] = (100 * (fast[i] - slow[i])) / slow[i];
  return oscillatorLines(line, slowPeriod, signalPeriod);
}

/**
 * Where the close sits in the high–low range of the last `period` bars, 0 at the low and 1 at
 * the high; a range of zero width (a flat market) reads 0.5, neither end.
 */
function rangePosition(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
  const n = close.length;
  const out = nanArray(n, period - 1);
  const highest = rollingMaxIndex(high, period);
  const lowest = rollingMinIndex(low, period);
  for (let i = period - 1; i < n; i++) {
    const top = high[highest[i]];
    const bottom = low[lowest[i]];
    out[i] = top === bottom ? 0.5 : (close[i] - bottom) / (top - bottom);
  }
  return out;
}

/**
 * Slow stochastic: raw %K over `kPeriod` bars smoothed by an SMA of `smoothK` (%K), and %D an
 * SMA of %K over `dPeriod`.
 */
export function stochastic(high: Float64Array, low: Float64Array, close: Float64Array, kPeriod: number, smoothK: number, dPeriod: number): Float64Array[] {
  const raw = rangePosition(high, low, close, kPeriod);
  for (let i = 0; i < raw.length; i++) raw[i] *= 100;
  const k = sma(raw, smoothK, kPeriod - 1);
  const d = sma(k, dPeriod, kPeriod + smoothK - 2);
  return [k, d];
}

/** Williams %R in [−100, 0]: −100 at the period's low, 0 at its high. */
export function williamsR(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
  const out = rangePosition(high, low, close, period);
  for (let i = 0; i < out.length; i++) out[i] = 100 * out[i] - 100;
  return out;
}

/**
 * Commodity Channel Index: (TP − SMA(TP)) / (0.015 · mean absolute deviation). The mean
 * deviation about a moving mean has no running form, so each window is scanned once:
 * O(n · period), with period ≤ 100 by the catalog's range. A window of identical typical
 * prices reads 0 rather than 0/0.
 */
export function cci(typical: Float64Array, period: number): Float64Array {
  const n = typical.length;
  const out = nanArray(n, period - 1);
  let sum = 0;
  let run = 0;
  for (let i = 0; i < n; i++) {
    sum += typical[i];
    if (i >= period) sum -= typical[i - period];
    run = i > 0 && typical[i] === typical[i - 1] ? run + 1 : 1;
    if (i < period - 1) continue;
    if (run >= period) {
      out[i] = 0;
      continue;
    }
    const mean = sum / period;
    let deviation = 0;
    for (let j = i - period + 1; j <= i; j++) deviation += Math.abs(typical[j] - mean);
    out[i] = (typical[i] - mean) / ((0.015 * deviation) / period);
  }
  return out;
}

/** Rate of change in percent over `period` bars: 100 · (x − x[t−period]) / x[t−period]. */
export function roc(values: Float64Array, period: number): Float64Array {
  const out = nanArray(values.length, period);
  for (let i = period; i < values.length; i++) out[i] = (100 * (values[i] - values[i - period])) / values[i - period];
  return out;
}

/** Price change over `period` bars, in price units. */
export function momentum(values: Float64Array, period: number): Float64Array {
  const out = nanArray(values.length, period);
  for (let i = period; i < values.length; i++) out[i] = values[i] - values[i - period];
  return out;
}
