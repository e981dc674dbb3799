/**
 * OHLCV bars as columns of typed arrays: the unit of work for indicators, features and
 * backtests (one allocation per column, no per-bar objects).
 */
export interface Bars {
  symbol: string;
  timeframe: string;
  /** Bar open time, epoch milliseconds UTC, strictly increasing. */
  time: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/** Bars [from, to) as views on the same memory (no copy). */
export function sliceBars(bars: Bars, from: number, to: number): Bars {
  return {
    symbol: bars.symbol,
    timeframe: bars.timeframe,
    time: bars.time.subarray(from, to),
    open: bars.open.subarray(from, to),
    high: bars.high.subarray(from, to),
    low: bars.low.subarray(from, to),
    close: bars.close.subarray(from, to),
    volume: bars.volume.subarray(from, to),
  };
}

/** Bars whose open time falls in [start, end] (dates as YYYY-MM-DD, both inclusive), as views. */
export function barsBetween(bars: Bars, start?: string, end?: string): Bars {
  const from = start ? Date.parse(`${start}T00:00:00Z`) : -Infinity;
  const to = end ? Date.parse(`${end}T00:00:00Z`) + 86_400_000 : Infinity;
  let i = 0;
  while (i < bars.time.length && bars.time[i] < from) i++;
  let j = i;
  while (j < bars.time.length && bars.time[j] < to) j++;
  return sliceBars(bars, i, j);
}

/** Length of one bar of each timeframe the project knows, in milliseconds. */
export const TIMEFRAME_MS: Record<string, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
  '4h': 14_400_000,
  '1d': 86_400_000,
  '1w': 604_800_000,
};
