import { ema, nanArray, nanBefore, rollingMaxIndex, rollingMinIndex, sma } from './rolling';

/**
 * Aroon up/down/oscillator in Chande's definition: over the last period + 1 bars,
 * up = 100 · (period − bars since the highest high) / period, so 100 on a new high and 0 when
 * the high is `period` bars old; the first value is at bar `period`. (KTRDR looks at `period`
 * bars, which never reaches 0; the standard form is the one references and literature use.)
 */
export function aroon(high: Float64Array, low: Float64Array, period: number): Float64Array[] {
  const n = high.length;
  const up = nanArray(n);
  const down = nanArray(n);
  const oscillator = nanArray(n);
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
  const trend = nanArray(n);
  const plusDi = nanArray(n);
  const minusDi = nanArray(n);
  let range = 0;
  let plus = 0;
  let minus = 0;
  let average = 0;
  for (let i = 1; i < n; i++) {
    const previous = close[i - 1];
    const trueRange = Math.max(high[i] - low[i], Math.abs(high[i] - previous), Math.abs(low[i] - previous));
    const up = high[i] - high[i - 1];
    const down = low[i - 1] - low[i];
    const plusMove = up > down && up > 0 ? up : 0;
    const minusMove = down > up && down > 0 ? down : 0;
    if (i < period) {
      range += trueRange;
      plus += plusMove;
      minus += minusMove;
      continue;
    }
    if (i === period) {
      range = (range + trueRange) / period;
      plus = (plus + plusMove) / period;
      minus = (minus + minusMove) / period;
    } else {
      range += (trueRange - range) / period;
      plus += (plusMove - plus) / period;
      minus += (minusMove - minus) / period;
    }
    const pdi = range === 0 ? 0 : (100 * plus) / range;
    const mdi = range === 0 ? 0 : (100 * minus) / range;
    plusDi[i] = pdi;
    minusDi[i] = mdi;
    const dx = pdi + mdi === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / (pdi + mdi);
    const seen = i - period + 1;
    if (seen < period) {
      average += dx;
    } else {
      average = seen === period ? (average + dx) / period : average + (dx - average) / period;
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
export function movingAverage(values: Float64Array, period: number, type: MovingAverageType): Float64Array {
  return type === 'SMA' ? sma(values, period) : nanBefore(ema(values, period, true), period - 1);
}

/** Distance of the price from its moving average, in percent of the average. */
export function distanceFromMa(values: Float64Array, period: number, type: MovingAverageType): Float64Array {
  const out = movingAverage(values, period, type);
  for (let i = 0; i < values.length; i++) out[i] = (100 * (values[i] - out[i])) / out[i];
  return out;
}
