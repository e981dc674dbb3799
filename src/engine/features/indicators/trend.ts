/**
 * The trend indicators: Aroon, ADX with its directional indicators, and the distance from a moving
 * average.
 */
import { ema, nanArray, nanBefore, rollingMaxIndex, rollingMinIndex, sma } from './rolling';

/**
 * Aroon up/down/oscillator in Chande's definition: over the last period + 1 bars,
 * up = 100 · (period − bars since the highest high) / period, so 100 on a new high and 0 when
 * the high is `period` bars old; the first value is at bar `period`. (KTRDR looks at `period`
 * bars, which never reaches 0; the standard form is the one references and literature use.)
 */
export function aroon(high: Float64Array, low: Float64Array, period: number): Float64Array[] {
  const n = high.length;
  const up = nanArray(n, period);
  const down = nanArray(n, period);
  const oscillator = nanArray(n, period);
  const highest = rollingMaxIndex(high, period + 1);
  const lowest = rollingMinIndex(low, period + 1);
  for (let i = period; i < n; i++) {
    up[i] = (100 * (period - (i - highest[i]))) / period;
    down[i] = (100 * (period - (i - lowest[i]))) / period;
    oscillator[i] = up[i] - down[i];
  }
  return [up, down, oscillator];
}

/**
 * ADX with +DI and −DI, Wilder's method in one pass: directional movement and true range
 * need the previous bar, so they start at bar 1; their Wilder averages, seeded with the mean
 * of the first `period`, give DI from bar `period`, and ADX, the Wilder average of DX seeded
 * the same way, from bar 2·period − 1. A market that never moved has DI 0 and DX 0.
 */
export function adx(high: Float64Array, low: Float64Array, close: Float64Array, period: number): Float64Array[] {
  const n = high.length;
  // Every index from each output's first value on is written below; only the warm-up is NaN.
  const trend = nanArray(n, Math.max(2 * period - 1, 1));
  const plusDi = nanArray(n, Math.max(period, 1));
  const minusDi = nanArray(n, Math.max(period, 1));
  let range = 0;
  let plus = 0;
  let minus = 0;
  let average = 0;
  // The previous bar is carried in registers; the phases (seeding the Wilder averages, seeding
  // ADX, steady state) are told apart by index alone, with the very same arithmetic in each.
  let previousHigh = n > 0 ? high[0] : 0;
  let previousLow = n > 0 ? low[0] : 0;
  let previous = n > 0 ? close[0] : 0;
  const adxStart = 2 * period - 1;
  for (let i = 1; i < n; i++) {
    const h = high[i];
    const l = low[i];
    const trueRange = Math.max(h - l, Math.abs(h - previous), Math.abs(l - previous));
    const up = h - previousHigh;
    const down = previousLow - l;
    previousHigh = h;
    previousLow = l;
    previous = close[i];
    const plusMove = up > down && up > 0 ? up : 0;
    const minusMove = down > up && down > 0 ? down : 0;
    if (i > period) {
      range += (trueRange - range) / period;
      plus += (plusMove - plus) / period;
      minus += (minusMove - minus) / period;
    } else if (i < period) {
      range += trueRange;
      plus += plusMove;
      minus += minusMove;
      continue;
    } else {
      range = (range + trueRange) / period;
      plus = (plus + plusMove) / period;
      minus = (minus + minusMove) / period;
    }
    const pdi = range === 0 ? 0 : (100 * plus) / range;
    const mdi = range === 0 ? 0 : (100 * minus) / range;
    plusDi[i] = pdi;
    minusDi[i] = mdi;
    const dx = pdi + mdi === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / (pdi + mdi);
    if (i > adxStart) {
      average += (dx - average) / period;
      trend[i] = average;
    } else if (i < adxStart) {
      average += dx;
    } else {
      average = (average + dx) / period;
      trend[i] = average;
    }
  }
  return [trend, plusDi, minusDi];
}

export type MovingAverageType = 'SMA' | 'EMA';

/**
 * The moving average KTRDR's DistanceFromMA uses: an SMA, or its default EMA (adjusted, as
 * pandas' `ewm(adjust=True)`), both shown from bar period − 1.
 */
function movingAverage(values: Float64Array, period: number, type: MovingAverageType): Float64Array {
  return type === 'SMA' ? sma(values, period) : nanBefore(ema(values, period, true), period - 1);
}

/** Distance of the price from its moving average, in percent of the average. */
export function distanceFromMa(values: Float64Array, period: number, type: MovingAverageType): Float64Array {
  const out = movingAverage(values, period, type);
  for (let i = 0; i < values.length; i++) out[i] = (100 * (values[i] - out[i])) / out[i];
  return out;
}
