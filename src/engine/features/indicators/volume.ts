/**
 * The volume indicators: on-balance volume (also as a z-score), money flow index, Chaikin money
 * flow and volume ratio.
 */
import { nanArray, rollingMeanStd, rollingSum, sma, typicalPrice } from './rolling';

/**
 * On-balance volume, starting at 0 on the first bar as KTRDR does. Cumulative: its level
 * depends on where the data starts, so only its changes carry information.
 */
export function obv(close: Float64Array, volume: Float64Array): Float64Array {
  const n = close.length;
  const out = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const change = close[i] - close[i - 1];
    out[i] = out[i - 1] + (change > 0 ? volume[i] : change < 0 ? -volume[i] : 0);
  }
  return out;
}

/**
 * Rolling z-score of OBV over `period` bars (sample σ): how unusual the latest volume flow is
 * against the window, independent of the starting point and of the instrument's volume scale.
 * Bounded by ±(period − 1)/√period; a window in which OBV did not move reads 0.
 */
export function obvZscore(close: Float64Array, volume: Float64Array, period: number): Float64Array {
  const flow = obv(close, volume);
  const { mean, std } = rollingMeanStd(flow, period);
  const out = nanArray(flow.length, period - 1);
  for (let i = period - 1; i < flow.length; i++) out[i] = std[i] === 0 ? 0 : (flow[i] - mean[i]) / std[i];
  return out;
}

/**
 * Money flow index: the share of the last `period` bars' money flow (typical price × volume)
 * that came on bars whose typical price rose, in percent. Flows need the previous bar, so the
 * first value is at bar `period`; no flow either way reads 50.
 */
export function mfi(high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, period: number): Float64Array {
  const n = close.length;
  const typical = typicalPrice(high, low, close);
  const rising = new Float64Array(n);
  const falling = new Float64Array(n);
  for (let i = 1; i < n; i++) {
    const flow = typical[i] * volume[i];
    if (typical[i] > typical[i - 1]) rising[i] = flow;
    else if (typical[i] < typical[i - 1]) falling[i] = flow;
  }
  const up = rollingSum(rising, period, 1);
  const down = rollingSum(falling, period, 1);
  const out = nanArray(n, period);
  for (let i = period; i < n; i++) {
    const total = up[i] + down[i];
    out[i] = total === 0 ? 50 : (100 * up[i]) / total;
  }
  return out;
}

/**
 * Chaikin money flow in [−1, 1]: volume-weighted close location within each bar's range over
 * `period` bars. A bar without range contributes no direction; a window without volume reads 0.
 */
export function cmf(high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, period: number): Float64Array {
  const n = close.length;
  const flowVolume = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const range = high[i] - low[i];
    flowVolume[i] = range === 0 ? 0 : ((close[i] - low[i] - (high[i] - close[i])) / range) * volume[i];
  }
  const flow = rollingSum(flowVolume, period);
  const total = rollingSum(volume, period);
  for (let i = period - 1; i < n; i++) flow[i] = total[i] === 0 ? 0 : flow[i] / total[i];
  return flow;
}

/**
 * Volume over its SMA (the current bar included, as KTRDR); 1 when the window had no volume,
 * since the bar is then exactly as (in)active as its average.
 */
export function volumeRatio(volume: Float64Array, period: number): Float64Array {
  const average = sma(volume, period);
  const out = nanArray(volume.length, period - 1);
  for (let i = period - 1; i < volume.length; i++) out[i] = average[i] === 0 ? 1 : volume[i] / average[i];
  return out;
}
