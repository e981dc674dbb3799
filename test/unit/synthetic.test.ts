import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Bars } from '../../src/engine/data/bars';
import { writeBarsCsv } from '../../src/engine/data/barsCsv';
import { findGaps } from '../../src/engine/data/marketCalendar';
import { loadBars } from '../../src/engine/data/marketData';
import { DEFAULT_REGIMES, plantedPatternBars, plantedTrendBars, randomWalkBars, syntheticBars } from '../../src/engine/data/synthetic';

const COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;

/** Close-to-close log returns; element i is the move into bar i + 1. */
function logReturns(bars: Bars): Float64Array {
  const r = new Float64Array(bars.close.length - 1);
  for (let i = 0; i < r.length; i++) r[i] = Math.log(bars.close[i + 1] / bars.close[i]);
  return r;
}

function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

function std(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}

function correlation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

const lag1 = (x: Float64Array) => correlation(x.subarray(0, x.length - 1), x.subarray(1));

/** |ρ| below this is what an uncorrelated series of n values shows 99.99 % of the time. */
const noCorrelation = (n: number) => 4 / Math.sqrt(n);

const generators = {
  syntheticBars: (seed: number, timeframe = '1h', bars = 5000) => syntheticBars({ symbol: 'SYN', timeframe, bars, seed }),
  randomWalkBars: (seed: number, timeframe = '1h', bars = 5000) => randomWalkBars({ symbol: 'RW', timeframe, bars, seed }),
  plantedPatternBars: (seed: number, timeframe = '1h', bars = 5000) => plantedPatternBars({ symbol: 'PP', timeframe, bars, seed }),
  plantedTrendBars: (seed: number, timeframe = '1h', bars = 5000) => plantedTrendBars({ symbol: 'PT', timeframe, bars, seed, drift: 0.5 }),
};

describe.each(Object.entries(generators))('%s', (_, generate) => {
  test('the same seed gives the same bars; another seed other bars', () => {
    const a = generate(42);
    const b = generate(42);
    const c = generate(43);
    for (const column of COLUMNS) expect(a[column]).toEqual(b[column]);
    expect(a.close).not.toEqual(c.close);
    expect(a.volume).not.toEqual(c.volume);
  });

  test.each(['1m', '1h', '4h', '1d', '1w'])('%s bars are consistent OHLCV, on the calendar, and pass the strict loader', (timeframe) => {
    const bars = generate(7, timeframe, 5000);
    const { time, open, high, low, close, volume } = bars;
    for (let i = 0; i < time.length; i++) {
      if (!(low[i] <= Math.min(open[i], close[i]) && Math.max(open[i], close[i]) <= high[i] && low[i] > 0)) {
        throw new Error(`bar ${i} is inconsistent: o=${open[i]} h=${high[i]} l=${low[i]} c=${close[i]}`);
      }
      if (!(Number.isInteger(volume[i]) && volume[i] >= 0)) throw new Error(`bar ${i} has volume ${volume[i]}`);
      if (i > 0 && !(time[i] > time[i - 1])) throw new Error(`bar ${i} is not after bar ${i - 1}`);
    }
    const saturdays = Array.from(time).filter((t) => new Date(t).getUTCDay() === 6);
    expect(saturdays).toEqual([]);
    expect(findGaps(bars)).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-synthetic-'));
    try {
      writeBarsCsv(bars, path.join(dir, `${bars.symbol}_${timeframe}.csv`));
      const back = loadBars(bars.symbol, timeframe, { dir });
      for (const column of COLUMNS) expect(back[column]).toEqual(bars[column]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('starts at the requested time, moved to the first open bar; prices print as short quotes', () => {
    const bars = generate(1, '1h', 10);
    expect(new Date(bars.time[0]).toISOString()).toBe('2020-01-01T00:00:00.000Z');
    const moved = randomWalkBars({ symbol: 'RW', timeframe: '1h', bars: 1, seed: 1, start: '2024-01-06T12:00:00Z' });
    expect(new Date(moved.time[0]).toISOString()).toBe('2024-01-07T22:00:00.000Z');
    for (const price of [...bars.open, ...bars.high, ...bars.low, ...bars.close])
      expect(String(price).replace('.', '').replace(/^0+/, '').length).toBeLessThanOrEqual(7);
  });
});

describe('syntheticBars', () => {
  const bars = syntheticBars({ symbol: 'SYN', timeframe: '1h', bars: 200_000, seed: 11 });
  const returns = logReturns(bars);

  test('every regime occurs, for about its mean duration', () => {
    const runs = DEFAULT_REGIMES.map(() => [] as number[]);
    let start = 0;
    for (let i = 1; i <= bars.regime.length; i++) {
      if (i === bars.regime.length || bars.regime[i] !== bars.regime[start]) {
        runs[bars.regime[start]].push(i - start);
        start = i;
      }
    }
    DEFAULT_REGIMES.forEach((regime, k) => {
      expect(runs[k].length, regime.name).toBeGreaterThan(50);
      expect(mean(runs[k]) / regime.meanDuration, regime.name).toBeGreaterThan(0.75);
      expect(mean(runs[k]) / regime.meanDuration, regime.name).toBeLessThan(1.25);
    });
  });

  test('regimes differ in drift and volatility as specified', () => {
    const byRegime = DEFAULT_REGIMES.map(() => [] as number[]);
    for (let i = 0; i < returns.length; i++) byRegime[bars.regime[i + 1]].push(returns[i]);
    const stats = DEFAULT_REGIMES.map((regime, k) => {
      const r = byRegime[k];
      return { name: regime.name, mean: mean(r), std: std(r), t: mean(r) / (std(r) / Math.sqrt(r.length)) };
    });
    const [up, down, ranging, volatile] = stats;
    expect(up.t).toBeGreaterThan(4);
    expect(down.t).toBeLessThan(-4);
    expect(Math.abs(ranging.t)).toBeLessThan(4);
    expect(volatile.std).toBeGreaterThan(3 * ranging.std);
    expect(down.std).toBeGreaterThan(up.std);
    expect(up.std).toBeGreaterThan(ranging.std);
  });

  test('volatility clusters: large moves follow large moves', () => {
    const absolute = returns.map(Math.abs);
    expect(lag1(absolute)).toBeGreaterThan(0.1);
    expect(Math.abs(lag1(returns))).toBeLessThan(0.05);
  });

  test('volume rises with the size of the move', () => {
    const logVolume = Float64Array.from(bars.volume.subarray(1), Math.log);
    expect(correlation(logVolume, returns.map(Math.abs))).toBeGreaterThan(0.3);
  });

  test('intraday volume follows the trading day: busiest in the London/New York overlap, quietest at night', () => {
    const byHour = Array.from({ length: 24 }, () => [] as number[]);
    bars.time.forEach((t, i) => byHour[new Date(t).getUTCHours()].push(bars.volume[i]));
    const hourly = byHour.map(mean);
    expect(hourly.indexOf(Math.max(...hourly))).toBeGreaterThanOrEqual(12);
    expect(hourly.indexOf(Math.max(...hourly))).toBeLessThanOrEqual(16);
    expect(hourly[14]).toBeGreaterThan(2 * hourly[2]);
    const daily = syntheticBars({ symbol: 'SYN', timeframe: '1d', bars: 2000, seed: 11 });
    expect(new Set(Array.from(daily.time, (t) => new Date(t).getUTCHours()))).toEqual(new Set([0]));
  });

  test('custom regimes are used as given', () => {
    const calm = syntheticBars({
      symbol: 'SYN',
      timeframe: '1d',
      bars: 5000,
      seed: 3,
      regimes: [{ name: 'calm', drift: 0, volatility: 0.05, meanReversion: 0, meanDuration: 1e9, volume: 1 }],
    });
    expect(new Set(calm.regime)).toEqual(new Set([0]));
    // 5 % a year over 260 trading days, inflated a little by volatility clustering.
    const daily = std(logReturns(calm));
    expect(daily).toBeGreaterThan((0.05 / Math.sqrt(260)) * 0.8);
    expect(daily).toBeLessThan((0.05 / Math.sqrt(260)) * 1.25);
  });

  test('bad options are refused with what was wrong', () => {
    expect(() => syntheticBars({ symbol: 'SYN', timeframe: '1h', bars: 0, seed: 1 })).toThrow('SYN: bars must be a whole number ≥ 1, got 0.');
    expect(() => syntheticBars({ symbol: 'SYN', timeframe: '2h', bars: 10, seed: 1 })).toThrow(
      "'2h' is not a timeframe: use one of 1m, 5m, 15m, 30m, 1h, 4h, 1d, 1w.",
    );
    expect(() => syntheticBars({ symbol: 'SYN', timeframe: '1h', bars: 10, seed: 1, start: 'soon' })).toThrow("start 'soon' is not an ISO-8601 date");
    expect(() => plantedPatternBars({ symbol: 'PP', timeframe: '1h', bars: 10, seed: 1, upProbability: 1.5 })).toThrow(
      'plantedPatternBars: upProbability must be in [0, 1], got 1.5.',
    );
  });
});

describe('randomWalkBars', () => {
  const bars = randomWalkBars({ symbol: 'RW', timeframe: '1h', bars: 200_000, seed: 5 });
  const returns = logReturns(bars);

  test('has nothing to predict: no autocorrelation of returns or of their size, volume unrelated to moves', () => {
    const limit = noCorrelation(returns.length);
    expect(Math.abs(lag1(returns))).toBeLessThan(limit);
    expect(Math.abs(lag1(returns.map(Math.abs)))).toBeLessThan(limit);
    expect(Math.abs(correlation(Float64Array.from(bars.volume.subarray(1), Math.log), returns.map(Math.abs)))).toBeLessThan(limit);
    expect(Math.abs(mean(returns) / (std(returns) / Math.sqrt(returns.length)))).toBeLessThan(4);
  });

  test('opens at the previous close, with the requested volatility', () => {
    for (let i = 1; i < 1000; i++) expect(bars.open[i]).toBe(bars.close[i - 1]);
    const perBar = 0.25 / Math.sqrt(260);
    const daily = randomWalkBars({ symbol: 'RW', timeframe: '1d', bars: 20_000, seed: 5, volatility: 0.25 });
    expect(std(logReturns(daily)) / perBar).toBeCloseTo(1, 1);
  });
});

describe('plantedPatternBars', () => {
  /** Up-close rates after a streak of `streak` down closes and elsewhere, counted from the closes alone. */
  function measure(bars: Bars, streak: number) {
    const { close } = bars;
    let signals = 0;
    let signalUps = 0;
    let others = 0;
    let otherUps = 0;
    let downs = 0;
    for (let i = 1; i < close.length - 1; i++) {
      downs = close[i] < close[i - 1] ? downs + 1 : 0;
      const up = close[i + 1] > close[i] ? 1 : 0;
      if (downs >= streak) {
        signals++;
        signalUps += up;
      } else {
        others++;
        otherUps += up;
      }
    }
    return { share: signals / (close.length - 2), upAfterSignal: signalUps / signals, upElsewhere: otherUps / others, signals, others };
  }

  /** Four binomial standard errors around p for n trials. */
  const within = (rate: number, p: number, n: number) => expect(Math.abs(rate - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));

  test('after three down closes the next bar closes up 80 % of the time, elsewhere 50 %', () => {
    const stats = measure(plantedPatternBars({ symbol: 'PP', timeframe: '1h', bars: 200_000, seed: 9 }), 3);
    within(stats.upAfterSignal, 0.8, stats.signals);
    within(stats.upElsewhere, 0.5, stats.others);
    // Stationary share of a down-streak ≥ 3 when the plant ends 80 % of them: 0.082.
    expect(stats.share).toBeGreaterThan(0.075);
    expect(stats.share).toBeLessThan(0.09);
  });

  test('streak and probability are configurable', () => {
    const stats = measure(plantedPatternBars({ symbol: 'PP', timeframe: '1d', bars: 100_000, seed: 4, streak: 2, upProbability: 0.65 }), 2);
    within(stats.upAfterSignal, 0.65, stats.signals);
    within(stats.upElsewhere, 0.5, stats.others);
  });

  test('without the plant the same measurement finds nothing', () => {
    const stats = measure(randomWalkBars({ symbol: 'RW', timeframe: '1h', bars: 200_000, seed: 9 }), 3);
    within(stats.upAfterSignal, 0.5, stats.signals);
  });
});

describe('plantedTrendBars', () => {
  const drift = 0.5;
  const bars = plantedTrendBars({ symbol: 'PT', timeframe: '1h', bars: 200_000, seed: 3, drift, meanDuration: 20 });
  const returns = logReturns(bars);

  test('each bar drifts with the trend by drift × its volatility, the trend turning every 20 bars on average; no drift overall', () => {
    const sigma = 0.1 / Math.sqrt(260 * 24);
    // A return is d·drift·σ + σ·N(0, 1) with d = ±1: variance σ²(1 + drift²), and the lag-1
    // correlation drift²·E[d_i d_i+1] / (1 + drift²), where E[d_i d_i+1] = 1 − 2/20 (a turn 1 bar in 20).
    expect(std(returns) / sigma).toBeCloseTo(Math.sqrt(1 + drift * drift), 1);
    expect(lag1(returns)).toBeCloseTo((drift * drift * (1 - 2 / 20)) / (1 + drift * drift), 1);
    expect(Math.abs(mean(returns) / (std(returns) / Math.sqrt(returns.length)))).toBeLessThan(4);
  });

  test('drift 0 is a random walk: nothing to predict', () => {
    const flat = logReturns(plantedTrendBars({ symbol: 'PT', timeframe: '1h', bars: 200_000, seed: 3, drift: 0 }));
    expect(Math.abs(lag1(flat))).toBeLessThan(noCorrelation(flat.length));
  });

  test('bad options are refused with what was wrong', () => {
    expect(() => plantedTrendBars({ symbol: 'PT', timeframe: '1h', bars: 10, seed: 1, drift: -1 })).toThrow('plantedTrendBars: drift must be ≥ 0, got -1.');
    expect(() => plantedTrendBars({ symbol: 'PT', timeframe: '1h', bars: 10, seed: 1, drift: 1, meanDuration: 0 })).toThrow(
      'plantedTrendBars: meanDuration must be ≥ 1, got 0.',
    );
  });
});
