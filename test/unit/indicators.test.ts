import { describe, expect, test } from 'vitest';
import { sliceBars, type Bars } from '../../src/engine/data/bars';
import { findIndicator, INDICATORS, resolveParams, suggestIndicators, type IndicatorSpec } from '../../src/engine/features/indicators/catalog';
import { Random } from '../../src/engine/random';

/** A seeded random walk with realistic OHLCV: opens gap from the last close, wicks beyond the body, integer volume. */
function randomWalkBars(n: number, seed: number): Bars {
  const random = new Random(seed);
  const columns = {
    time: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let price = 100;
  for (let i = 0; i < n; i++) {
    const open = price * (1 + 0.001 * random.normal());
    price = open * Math.exp(0.01 * random.normal());
    columns.time[i] = Date.UTC(2024, 0, 1) + i * 3_600_000;
    columns.open[i] = open;
    columns.close[i] = price;
    columns.high[i] = Math.max(open, price) * (1 + 0.004 * Math.abs(random.normal()));
    columns.low[i] = Math.min(open, price) * (1 - 0.004 * Math.abs(random.normal()));
    columns.volume[i] = Math.round(100_000 * Math.exp(0.5 * random.normal()));
  }
  return { symbol: 'TEST', timeframe: '1h', ...columns };
}

/** Bars from explicit columns; open = close unless given, volume 1000 unless given. */
function barsOf(c: { close: number[]; high?: number[]; low?: number[]; open?: number[]; volume?: number[] }): Bars {
  const n = c.close.length;
  return {
    symbol: 'HAND',
    timeframe: '1d',
    time: Float64Array.from({ length: n }, (_, i) => i * 86_400_000),
    open: Float64Array.from(c.open ?? c.close),
    high: Float64Array.from(c.high ?? c.close),
    low: Float64Array.from(c.low ?? c.close),
    close: Float64Array.from(c.close),
    volume: Float64Array.from(c.volume ?? c.close.map(() => 1000)),
  };
}

function indicator(name: string): IndicatorSpec {
  const spec = findIndicator(name);
  if (!spec) throw new Error(`no indicator ${name}`);
  return spec;
}

/** What the feature builder does: resolve the strategy's parameters, then compute. */
function compute(bars: Bars, name: string, given: Record<string, unknown> = {}): Float64Array[] {
  const spec = indicator(name);
  const resolved = resolveParams(spec, given);
  if (!resolved.ok) throw new Error(resolved.problems.map((p) => p.message).join('; '));
  return spec.compute(bars, resolved.params);
}

const firstValue = (values: Float64Array): number => values.findIndex((x) => !Number.isNaN(x));

const bars = randomWalkBars(400, 7);
const n = bars.close.length;

describe('hand-computed and published values', () => {
  test('a 5-bar SMA is the mean of the last five closes, from the fifth bar', () => {
    const [sma] = compute(barsOf({ close: [1, 2, 3, 4, 5, 6, 10] }), 'sma', { period: 5 });
    expect(Array.from(sma)).toEqual([NaN, NaN, NaN, NaN, 3, 4, 5.6]);
  });

  // The classic 14-period example (StockCharts' RSI article, after Wilder).
  const wilderCloses = [
    44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0, 46.03, 46.41, 46.22, 45.64, 46.21, 46.25,
    45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13,
  ];

  test("Wilder RSI on the classic example: first value from the first 14 changes, then Wilder's smoothing", () => {
    const [rsi] = compute(barsOf({ close: wilderCloses }), 'rsi');
    // Gains of the first 14 changes sum to 3.34 and losses to 1.40; the 15th change is a 0.28 loss.
    expect(firstValue(rsi)).toBe(14);
    expect(rsi[14]).toBeCloseTo((100 * 3.34) / (3.34 + 1.4), 10);
    const gain = ((3.34 / 14) * 13) / 14;
    const loss = ((1.4 / 14) * 13 + 0.28) / 14;
    expect(rsi[15]).toBeCloseTo((100 * gain) / (gain + loss), 10);
  });

  test('Wilder RSI agrees with the published table within its two-decimal rounding of the averages', () => {
    const published = [70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87, 45.46, 37.3, 33.08, 37.77];
    const [rsi] = compute(barsOf({ close: wilderCloses }), 'rsi');
    published.forEach((value, k) => expect(Math.abs(rsi[14 + k] - value)).toBeLessThan(0.1));
  });

  test('EMA follows pandas ewm(span=3): adjusted by default, recursive with adjust=false, shown from bar period-1', () => {
    // pandas 3.1.1: Series([1, 2, 3, 4, 5]).ewm(span=3, adjust=True/False).mean()
    const hand = barsOf({ close: [1, 2, 3, 4, 5] });
    expect(Array.from(compute(hand, 'ema', { period: 3 })[0])).toEqual([NaN, NaN, 2.4285714285714284, 3.2666666666666666, 4.161290322580645]);
    expect(Array.from(compute(hand, 'ema', { period: 3, adjust: false })[0])).toEqual([NaN, NaN, 2.25, 3.125, 4.0625]);
  });

  test('Bollinger Bands use the sample standard deviation, as pandas rolling().std()', () => {
    const [upper, middle, lower] = compute(barsOf({ close: [1, 2, 3, 4, 5] }), 'bbands', { period: 5, multiplier: 2 });
    // pandas: Series([1, 2, 3, 4, 5]).rolling(5).std() = 1.5811388300841898 = √2.5
    expect(middle[4]).toBe(3);
    expect(upper[4]).toBeCloseTo(3 + 2 * Math.sqrt(2.5), 12);
    expect(lower[4]).toBeCloseTo(3 - 2 * Math.sqrt(2.5), 12);
  });

  test("ATR starts from the mean true range, the first bar's being high - low, then smooths like Wilder", () => {
    // True ranges: 1 (10 - 9), 1.5 (11 - 9.5 previous close), 2 (12 - 10)
    const [atr] = compute(barsOf({ high: [10, 11, 12], low: [9, 10, 10], close: [9.5, 10.5, 11] }), 'atr', { period: 2 });
    expect(Array.from(atr)).toEqual([NaN, 1.25, 1.25 + (2 - 1.25) / 2]);
  });

  test('Aroon reads 100 on a new high and counts down as the high ages', () => {
    const highs = [1, 2, 3, 4, 3, 2, 1];
    const [up, down] = compute(barsOf({ close: highs, high: highs, low: highs }), 'aroon', { period: 3 });
    expect(Array.from(up)).toEqual([NaN, NaN, NaN, 100, 200 / 3, 100 / 3, 0]);
    expect(Array.from(down)).toEqual([NaN, NaN, NaN, 0, 0, 100, 100]);
  });

  test('a flat market reads neutral values, not NaN or the noise of 0/0', () => {
    const flat = barsOf({ close: new Array<number>(60).fill(1.1), volume: new Array<number>(60).fill(0) });
    const last = (name: string, given: Record<string, unknown> = {}) => compute(flat, name, given).map((values) => values[59]);
    expect(last('rsi')).toEqual([50]);
    expect(last('stochastic')).toEqual([50, 50]);
    expect(last('williams_r')).toEqual([-50]);
    expect(last('cci')).toEqual([0]);
    expect(last('adx')).toEqual([0, 0, 0]);
    expect(last('aroon')).toEqual([100, 100, 0]);
    expect(last('bb_percent_b')).toEqual([0.5]);
    expect(last('bb_width')).toEqual([0]);
    expect(last('atr_percent')).toEqual([0]);
    expect(last('mfi')).toEqual([50]);
    expect(last('cmf')).toEqual([0]);
    expect(last('obv_zscore')).toEqual([0]);
    expect(last('volume_ratio')).toEqual([1]);
    expect(last('macd_percent')).toEqual([0, 0, 0]);
    expect(last('distance_from_ma')).toEqual([0]);
    // The adjusted EMA divides two running sums, so a constant comes back within rounding, not bit-exact.
    expect(last('distance_from_ma', { ma_type: 'EMA' })[0]).toBeCloseTo(0, 10);
  });

  test('after a volatile stretch, a flat window reads exactly flat (no residue from the rolling sums)', () => {
    const walk = randomWalkBars(200, 3);
    const close = [...Array.from(walk.close), ...new Array<number>(30).fill(walk.close[199])];
    const calm = barsOf({ close, volume: [...Array.from(walk.volume), ...new Array<number>(30).fill(0)] });
    expect(compute(calm, 'bb_width')[0][229]).toBe(0);
    expect(compute(calm, 'bb_percent_b')[0][229]).toBe(0.5);
    expect(compute(calm, 'cci')[0][229]).toBe(0);
    expect(compute(calm, 'obv_zscore')[0][229]).toBe(0);
    expect(compute(calm, 'cmf')[0][229]).toBe(0);
    expect(compute(calm, 'volume_ratio')[0][229]).toBe(1);
  });
});

/** First bar with a value, per output, with default parameters. */
const WARMUP: Record<string, number[]> = {
  rsi: [14],
  macd: [25, 33, 33],
  macd_percent: [25, 33, 33],
  stochastic: [15, 17],
  williams_r: [13],
  cci: [19],
  roc: [10],
  momentum: [10],
  sma: [19],
  ema: [19],
  adx: [27, 14, 14],
  aroon: [14, 14, 14],
  distance_from_ma: [19],
  atr: [13],
  atr_percent: [13],
  bbands: [19, 19, 19],
  bb_percent_b: [19],
  bb_width: [19],
  obv: [0],
  obv_zscore: [19],
  mfi: [14],
  cmf: [20],
  volume_ratio: [19],
};

describe('every catalog indicator', () => {
  test('has a warm-up expectation here (a new indicator needs one)', () => {
    expect(INDICATORS.map((spec) => spec.name).sort()).toEqual(Object.keys(WARMUP).sort());
  });

  test.each(INDICATORS.map((spec) => [spec.name, spec] as const))('%s: NaN exactly during warm-up, a finite value on every bar after', (name, spec) => {
    const outputs = compute(bars, name);
    expect(outputs).toHaveLength(spec.outputs.length);
    outputs.forEach((values, k) => {
      expect(values).toHaveLength(n);
      expect(firstValue(values), `${name}.${spec.outputs[k]}`).toBe(WARMUP[name][k]);
      expect(values.subarray(WARMUP[name][k]).every(Number.isFinite), `${name}.${spec.outputs[k]}`).toBe(true);
    });
  });

  test.each(INDICATORS.map((spec) => [spec.name] as const))(
    '%s: no look-ahead, the value at t computed on bars up to t equals the one computed on all bars',
    (name) => {
      const full = compute(bars, name);
      for (let t = 0; t < n; t++) {
        const prefix = compute(sliceBars(bars, 0, t + 1), name);
        prefix.forEach((values, k) => {
          if (!Object.is(values[t], full[k][t])) expect.fail(`${name} output ${k} at bar ${t}: ${values[t]} on bars 0..${t}, ${full[k][t]} on all bars`);
        });
      }
    },
  );

  test.each(INDICATORS.flatMap((spec) => (spec.tier === 1 ? [[spec.name, spec.range] as const] : [])))('%s (tier 1) stays within %j', (name, [low, high]) => {
    const values = compute(bars, name)[0].filter((x) => !Number.isNaN(x));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(low);
    expect(Math.max(...values)).toBeLessThanOrEqual(high);
  });

  test('OBV z-score never exceeds (period - 1) / sqrt(period), the bound of a z-score within its own window', () => {
    const [z] = compute(bars, 'obv_zscore', { period: 5 });
    const bound = 4 / Math.sqrt(5);
    expect(z.filter((x) => Math.abs(x) > bound + 1e-12)).toHaveLength(0);
    expect(Math.max(...z.filter((x) => !Number.isNaN(x)).map(Math.abs))).toBeGreaterThan(0.9 * bound);
  });

  test('typical ranges lie inside the stated range: the bounds for tier 1, the envelope for tier 2', () => {
    for (const spec of INDICATORS) {
      if (spec.tier === 3) continue;
      for (const [data, [low, high]] of Object.entries(spec.typical)) {
        expect(low, `${spec.name} on ${data}`).toBeGreaterThanOrEqual(spec.range[0]);
        expect(high, `${spec.name} on ${data}`).toBeLessThanOrEqual(spec.range[1]);
      }
    }
  });

  test('defaults lie within their own ranges and options', () => {
    for (const spec of INDICATORS) {
      expect(spec.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect(resolveParams(spec, {}), spec.name).toMatchObject({ ok: true });
    }
  });
});

describe('names and aliases', () => {
  test.each([
    ['RSI', 'rsi'],
    ['rsi', 'rsi'],
    ['Rsi', 'rsi'],
    ['RSIIndicator', 'rsi'],
    ['MACD', 'macd'],
    ['BollingerBands', 'bbands'],
    ['bbands', 'bbands'],
    ['bollinger_bands', 'bbands'],
    ['BollingerBandWidth', 'bb_width'],
    ['Stochastic', 'stochastic'],
    ['stoch', 'stochastic'],
    ['WilliamsR', 'williams_r'],
    ['williams-r', 'williams_r'],
    ['AverageDirectionalIndex', 'adx'],
    ['ChaikinMoneyFlow', 'cmf'],
    ['CMF', 'cmf'],
    ['DistanceFromMA', 'distance_from_ma'],
    ['VolumeRatio', 'volume_ratio'],
    ['momentum_percent', 'roc'],
    ['PPO', 'macd_percent'],
  ])('%s resolves to %s', (spelling, name) => {
    expect(findIndicator(spelling)?.name).toBe(name);
  });

  test('an indicator we do not have resolves to nothing', () => {
    expect(findIndicator('Ichimoku')).toBeUndefined();
  });

  test('no spelling names two indicators', () => {
    const owner = new Map<string, string>();
    for (const spec of INDICATORS) {
      for (const spelling of [spec.name, ...spec.aliases]) {
        const folded = spelling.toLowerCase().replace(/[_-]/g, '');
        expect(owner.get(folded) ?? spec.name, spelling).toBe(spec.name);
        owner.set(folded, spec.name);
      }
    }
  });

  test.each([
    ['rsl', 'rsi'],
    ['bolinger', 'bbands'],
    ['stochastik', 'stochastic'],
    ['williams', 'williams_r'],
    ['macd_signal', 'macd'],
  ])('a misspelt %s suggests %s first', (misspelt, name) => {
    expect(suggestIndicators(misspelt)[0]).toBe(name);
  });

  test('nothing is suggested for a name far from every indicator', () => {
    expect(suggestIndicators('zzzz')).toEqual([]);
  });
});

describe('resolveParams', () => {
  test('applies defaults and keeps given values', () => {
    expect(resolveParams(indicator('rsi'), {})).toEqual({ ok: true, params: { period: 14, source: 'close' } });
    expect(resolveParams(indicator('macd'), { fast_period: 5 })).toEqual({
      ok: true,
      params: { fast_period: 5, slow_period: 26, signal_period: 9, source: 'close' },
    });
  });

  test('matches enum options case-insensitively and returns the catalog spelling', () => {
    expect(resolveParams(indicator('distance_from_ma'), { ma_type: 'ema', source: 'High' })).toMatchObject({
      ok: true,
      params: { ma_type: 'EMA', source: 'high' },
    });
  });

  test('reports an unknown parameter with a suggestion', () => {
    expect(resolveParams(indicator('rsi'), { perod: 10 })).toEqual({
      ok: false,
      problems: [{ param: 'perod', message: "unknown parameter 'perod' (did you mean 'period'?); rsi takes period, source" }],
    });
  });

  test('rejects source on ATR, which reads high, low and close (spec §8 #10)', () => {
    expect(resolveParams(indicator('atr'), { period: 14, source: 'close' })).toEqual({
      ok: false,
      problems: [{ param: 'source', message: "unknown parameter 'source'; atr takes period" }],
    });
    expect(resolveParams(indicator('obv'), { period: 10 })).toMatchObject({
      ok: false,
      problems: [{ message: "unknown parameter 'period'; obv takes no parameters" }],
    });
  });

  test('reports out-of-range, wrong-type and bad-enum values, all at once', () => {
    expect(resolveParams(indicator('bbands'), { period: 150, multiplier: '2', source: 'adj_close', perid: 3 })).toEqual({
      ok: false,
      problems: [
        { param: 'perid', message: "unknown parameter 'perid' (did you mean 'period'?); bbands takes period, multiplier, source" },
        { param: 'period', message: 'period must be between 2 and 100, got 150' },
        { param: 'multiplier', message: 'multiplier must be a number, got "2"' },
        { param: 'source', message: 'source must be one of open, high, low, close, got "adj_close"' },
      ],
    });
    expect(resolveParams(indicator('rsi'), { period: 14.5 })).toMatchObject({ ok: false, problems: [{ message: 'period must be an integer, got 14.5' }] });
    expect(resolveParams(indicator('ema'), { adjust: 'yes' })).toMatchObject({ ok: false, problems: [{ message: 'adjust must be true or false, got "yes"' }] });
  });

  test.each([
    ['macd', 26, 12],
    ['macd', 12, 12],
    ['macd_percent', 30, 20],
  ])('%s: slow_period must exceed fast_period (fast %i, slow %i)', (name, fast, slow) => {
    expect(resolveParams(indicator(name), { fast_period: fast, slow_period: slow })).toEqual({
      ok: false,
      problems: [{ message: `slow_period (${slow}) must be greater than fast_period (${fast})` }],
    });
  });
});
