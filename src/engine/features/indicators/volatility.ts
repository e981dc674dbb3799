/**
 * The volatility indicators: ATR (also in percent of the close), Bollinger bands, %B and band
 * width.
 */
import { nanArray, rollingMeanStd } from './rolling';

/**
 * Average true range with Wilder's smoothing, seeded with the mean of the first `period` true
 * ranges (the first being high − low), so the first value is at bar period − 1.
 */
export function atr(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
  // wilderAverage(trueRange(high, low, close), period) fused into one pass, with the same
  // arithmetic (so the same bits) and no intermediate true-range column.
  const n = high.length;
  const out = nanArray(n, Math.max(period, 1) - 1);
  const seedEnd = period - 1;
  let avg = 0;
  for (let i = 0; i < n; i++) {
    const range = high[i] - low[i];
    let value = range;
    if (i > 0) {
      const previous = close[i - 1];
      value = Math.max(range, Math.abs(high[i] - previous), Math.abs(low[i] - previous));
    }
    if (i < seedEnd) {
      avg += value;
    } else if (i === seedEnd) {
      avg = (avg + value) / period;
      out[i] = avg;
    } else {
      avg += (value - avg) / period;
      out[i] = avg;
    }
  }
  return out;
}

/** ATR in percent of the close: volatility comparable across instruments and price levels. */
export function atrPercent(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array {
  const out = atr(high, low, close, period);
  for (let i = 0; i < out.length; i++) out[i] = (100 * out[i]) / close[i];
  return out;
}

/**
 * Bollinger Bands [upper, middle, lower]: SMA ± multiplier · sample standard deviation
 * (ddof = 1, as KTRDR's pandas code; population-σ tools such as TA-Lib give bands narrower by
 * √((period − 1) / period)).
 */
export function bollingerBands(values: Float64Array, period: number, multiplier: number): Float64Array[] {
  const { mean, std } = rollingMeanStd(values, period);
  // The upper band takes the place of the deviation column, which nothing else holds.
  const upper = std;
  const lower = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const deviation = std[i];
    lower[i] = mean[i] - multiplier * deviation;
    upper[i] = mean[i] + multiplier * deviation;
  }
  return [upper, mean, lower];
}

/**
 * %B: where the price sits between the bands, 0 on the lower and 1 on the upper band, beyond
 * them outside [0, 1]. Bands of zero width (a flat window) read 0.5, the middle.
 */
export function bollingerPercentB(values: Float64Array, period: number, multiplier: number): Float64Array {
  const [upper, , lower] = bollingerBands(values, period, multiplier);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const width = upper[i] - lower[i];
    out[i] = width === 0 ? 0.5 : (values[i] - lower[i]) / width;
  }
  return out;
}

/** Band width relative to the middle band, (upper − lower) / middle: volatility as a fraction of price. */
export function bollingerWidth(values: Float64Array, period: number, multiplier: number): Float64Array {
  const [upper, middle, lower] = bollingerBands(values, period, multiplier);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (upper[i] - lower[i]) / middle[i];
  return out;
}
