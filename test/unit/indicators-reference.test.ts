/**
 * Every indicator against independent implementations: trading-signals (streaming, TypeScript)
 * and @ixjb94/indicators (a port of Tulip Indicators), on a fixed 400-bar series.
 *
 * Tolerances, as the largest error relative to the largest reference value in the compared bars:
 * - SAME (1e-9) where both use the same definition and seeding; the only differences are float
 *   summation orders (running sums against window sums), observed below 1e-12.
 * - CONVERGED (1e-7) where the reference seeds its recursion differently (EMA from the first
 *   value vs pandas' adjusted form, Wilder averages seeded over different bars, the MACD signal
 *   started at bar 0 vs at the slow period): compared from bar 300, after which the seed's
 *   weight, (1 − α)^age, is below 1e-8 for every period used here.
 */
import { IndicatorsSync } from '@ixjb94/indicators';
import * as ts from 'trading-signals';
import { describe, expect, test } from 'vitest';
import type { Bars } from '../../src/engine/data/bars';
import { findIndicator, resolveParams } from '../../src/engine/features/indicators/catalog';
import { Random } from '../../src/engine/random';

const SAME = 1e-9;
const CONVERGED = 1e-7;
const TAIL = 300;

/** Cycles of two lengths plus seeded noise: trends, reversals and ranges in 400 bars, a different shape from indicators.test.ts's random walk. */
function cyclicBars(n: number): Bars {
  const random = new Random(42);
  const close = Float64Array.from({ length: n }, (_, i) => 100 + 8 * Math.sin(i / 23) + 3 * Math.sin(i / 6.1) + 0.02 * i + 0.6 * random.normal());
  const open = Float64Array.from(close, (c, i) => (i === 0 ? c : close[i - 1] + 0.2 * random.normal()));
  return {
    symbol: 'CYCLES',
    timeframe: '1h',
    time: Float64Array.from({ length: n }, (_, i) => i * 3_600_000),
    open,
    high: Float64Array.from(close, (c, i) => Math.max(c, open[i]) + Math.abs(0.5 * random.normal())),
    low: Float64Array.from(close, (c, i) => Math.min(c, open[i]) - Math.abs(0.5 * random.normal())),
    close,
    volume: Float64Array.from({ length: n }, () => Math.round(50_000 * (1 + random.next()))),
  };
}

const bars = cyclicBars(400);
const n = bars.close.length;
const closes = Array.from(bars.close);
const highs = Array.from(bars.high);
const lows = Array.from(bars.low);
const volumes = Array.from(bars.volume);
const candles = closes.map((close, i) => ({ open: bars.open[i], high: highs[i], low: lows[i], close, volume: volumes[i] }));
const tulip = new IndicatorsSync();

function ours(name: string, given: Record<string, unknown> = {}): Float64Array[] {
  const spec = findIndicator(name);
  const resolved = spec && resolveParams(spec, given);
  if (!resolved?.ok) throw new Error(`cannot compute ${name}`);
  return spec!.compute(bars, resolved.params);
}

/** Feeds a trading-signals indicator bar by bar; NaN where it has no result yet. */
function streamed<I, R>(indicator: { add(input: I): R | null }, inputs: readonly I[], pick: (result: R) => number): Float64Array {
  return Float64Array.from(inputs, (input) => {
    const result = indicator.add(input);
    return result === null ? NaN : pick(result);
  });
}
const value = (x: number) => x;

/** A Tulip result on the bars' index: its arrays end at the last bar and start after their own warm-up. */
function tulipSeries(values: number[], scale = 1): Float64Array {
  const out = new Float64Array(n).fill(NaN);
  values.forEach((x, i) => (out[n - values.length + i] = x * scale));
  return out;
}

function relativeError(actual: Float64Array, expected: Float64Array, from: number): number {
  let worst = 0;
  let scale = 0;
  for (let i = from; i < n; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= worst)) worst = error; // NaN on either side sticks
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return worst / scale;
}

interface Case {
  /** indicator[.output] vs reference */
  label: string;
  actual: () => Float64Array;
  expected: () => Float64Array;
  from: number;
  tolerance: number;
}

/** Population σ (both references) → sample σ (ours, as pandas): the same bands need a multiplier larger by √(p / (p − 1)). */
const sampleMultiplier = (multiplier: number, period: number) => multiplier * Math.sqrt(period / (period - 1));

const cases: Case[] = [
  { label: 'sma vs trading-signals SMA', actual: () => ours('sma')[0], expected: () => streamed(new ts.SMA(20), closes, value), from: 19, tolerance: SAME },
  { label: 'sma vs tulip sma', actual: () => ours('sma')[0], expected: () => tulipSeries(tulip.sma(closes, 20)), from: 19, tolerance: SAME },
  {
    label: 'ema adjust=false vs trading-signals EMA',
    actual: () => ours('ema', { adjust: false })[0],
    expected: () => streamed(new ts.EMA(20), closes, value),
    from: 19,
    tolerance: SAME,
  },
  {
    label: 'ema adjust=false vs tulip ema',
    actual: () => ours('ema', { adjust: false })[0],
    expected: () => tulipSeries(tulip.ema(closes, 20)),
    from: 19,
    tolerance: SAME,
  },
  {
    label: 'ema adjusted (pandas default) vs trading-signals EMA',
    actual: () => ours('ema')[0],
    expected: () => streamed(new ts.EMA(20), closes, value),
    from: TAIL,
    tolerance: CONVERGED,
  },
  { label: 'rsi vs trading-signals RSI', actual: () => ours('rsi')[0], expected: () => streamed(new ts.RSI(14), closes, value), from: 14, tolerance: SAME },
  { label: 'rsi vs tulip rsi', actual: () => ours('rsi')[0], expected: () => tulipSeries(tulip.rsi(closes, 14)), from: 14, tolerance: SAME },
  {
    label: 'macd.macd vs trading-signals MACD',
    actual: () => ours('macd')[0],
    expected: () => streamed(new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)), closes, (r) => r.macd),
    from: 25,
    tolerance: SAME,
  },
  { label: 'macd.macd vs tulip macd', actual: () => ours('macd')[0], expected: () => tulipSeries(tulip.macd(closes, 12, 26, 9)[0]), from: 25, tolerance: SAME },
  {
    label: 'macd.signal vs trading-signals MACD',
    actual: () => ours('macd')[1],
    expected: () => streamed(new ts.MACD(new ts.EMA(12), new ts.EMA(26), new ts.EMA(9)), closes, (r) => r.signal),
    from: TAIL,
    tolerance: CONVERGED,
  },
  {
    label: 'macd.signal vs tulip macd',
    actual: () => ours('macd')[1],
    expected: () => tulipSeries(tulip.macd(closes, 12, 26, 9)[1]),
    from: TAIL,
    tolerance: CONVERGED,
  },
  {
    label: 'macd.histogram vs tulip macd',
    actual: () => ours('macd')[2],
    expected: () => tulipSeries(tulip.macd(closes, 12, 26, 9)[2]),
    from: TAIL,
    tolerance: CONVERGED,
  },
  {
    label: 'macd_percent.macd vs trading-signals PPO',
    actual: () => ours('macd_percent')[0],
    expected: () => streamed(new ts.PPO({ fastPeriod: 12, slowPeriod: 26 }), closes, value),
    from: 25,
    tolerance: SAME,
  },
  {
    label: 'macd_percent.macd vs tulip ppo',
    actual: () => ours('macd_percent')[0],
    expected: () => tulipSeries(tulip.ppo(closes, 12, 26)),
    from: 25,
    tolerance: SAME,
  },
  {
    label: 'macd_percent.signal vs trading-signals EMA(9) of PPO',
    actual: () => ours('macd_percent')[1],
    expected: () => {
      const ppo = streamed(new ts.PPO({ fastPeriod: 12, slowPeriod: 26 }), closes, value);
      const signal = new ts.EMA(9);
      return ppo.map((x) => (Number.isNaN(x) ? NaN : (signal.add(x) ?? NaN)));
    },
    from: TAIL,
    tolerance: CONVERGED,
  },
  {
    label: 'stochastic.k vs trading-signals StochasticOscillator',
    actual: () => ours('stochastic')[0],
    expected: () => streamed(new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 }), candles, (r) => r.stochK),
    from: 17,
    tolerance: SAME,
  },
  {
    label: 'stochastic.d vs trading-signals StochasticOscillator',
    actual: () => ours('stochastic')[1],
    expected: () => streamed(new ts.StochasticOscillator({ kPeriod: 14, kSlowingPeriod: 3, dPeriod: 3 }), candles, (r) => r.stochD),
    from: 17,
    tolerance: SAME,
  },
  {
    label: 'stochastic.k vs tulip stoch',
    actual: () => ours('stochastic')[0],
    expected: () => tulipSeries(tulip.stoch(highs, lows, closes, 14, 3, 3)[0]),
    from: 17,
    tolerance: SAME,
  },
  {
    label: 'stochastic.d vs tulip stoch',
    actual: () => ours('stochastic')[1],
    expected: () => tulipSeries(tulip.stoch(highs, lows, closes, 14, 3, 3)[1]),
    from: 17,
    tolerance: SAME,
  },
  {
    label: 'williams_r vs trading-signals WilliamsR',
    actual: () => ours('williams_r')[0],
    expected: () => streamed(new ts.WilliamsR(14), candles, value),
    from: 13,
    tolerance: SAME,
  },
  {
    label: 'williams_r vs tulip willr',
    actual: () => ours('williams_r')[0],
    expected: () => tulipSeries(tulip.willr(highs, lows, closes, 14)),
    from: 13,
    tolerance: SAME,
  },
  { label: 'cci vs trading-signals CCI', actual: () => ours('cci')[0], expected: () => streamed(new ts.CCI(20), candles, value), from: 19, tolerance: SAME },
  { label: 'cci vs tulip cci', actual: () => ours('cci')[0], expected: () => tulipSeries(tulip.cci(highs, lows, closes, 20)), from: 38, tolerance: SAME },
  {
    label: 'roc vs trading-signals ROC (a fraction there)',
    actual: () => ours('roc')[0],
    expected: () => streamed(new ts.ROC(10), closes, (r) => 100 * r),
    from: 10,
    tolerance: SAME,
  },
  {
    label: 'roc vs tulip roc (a fraction there)',
    actual: () => ours('roc')[0],
    expected: () => tulipSeries(tulip.roc(closes, 10), 100),
    from: 10,
    tolerance: SAME,
  },
  {
    label: 'momentum vs trading-signals MOM',
    actual: () => ours('momentum')[0],
    expected: () => streamed(new ts.MOM(10), closes, value),
    from: 10,
    tolerance: SAME,
  },
  { label: 'momentum vs tulip mom', actual: () => ours('momentum')[0], expected: () => tulipSeries(tulip.mom(closes, 10)), from: 10, tolerance: SAME },
  {
    label: 'adx.adx vs trading-signals ADX',
    actual: () => ours('adx')[0],
    expected: () => streamed(new ts.ADX(14), candles, value),
    from: TAIL,
    tolerance: CONVERGED,
  },
  { label: 'adx.adx vs tulip adx', actual: () => ours('adx')[0], expected: () => tulipSeries(tulip.adx(highs, lows, 14)), from: TAIL, tolerance: CONVERGED },
  {
    label: 'adx.plus_di vs trading-signals ADX.pdi (a fraction there)',
    actual: () => ours('adx')[1],
    expected: () => {
      const adx = new ts.ADX(14);
      return Float64Array.from(candles, (candle) => (adx.add(candle), 100 * (adx.pdi ?? NaN)));
    },
    from: TAIL,
    tolerance: CONVERGED,
  },
  {
    label: 'adx.plus_di vs tulip di',
    actual: () => ours('adx')[1],
    expected: () => tulipSeries(tulip.di(highs, lows, closes, 14)[0]),
    from: TAIL,
    tolerance: CONVERGED,
  },
  {
    label: 'adx.minus_di vs tulip di',
    actual: () => ours('adx')[2],
    expected: () => tulipSeries(tulip.di(highs, lows, closes, 14)[1]),
    from: TAIL,
    tolerance: CONVERGED,
  },
  {
    label: 'aroon.up vs trading-signals Aroon',
    actual: () => ours('aroon')[0],
    expected: () => streamed(new ts.Aroon(14), candles, (r) => r.aroonUp),
    from: 14,
    tolerance: SAME,
  },
  {
    label: 'aroon.down vs trading-signals Aroon',
    actual: () => ours('aroon')[1],
    expected: () => streamed(new ts.Aroon(14), candles, (r) => r.aroonDown),
    from: 14,
    tolerance: SAME,
  },
  { label: 'aroon.up vs tulip aroon', actual: () => ours('aroon')[0], expected: () => tulipSeries(tulip.aroon(highs, lows, 14)[1]), from: 14, tolerance: SAME },
  {
    label: 'aroon.down vs tulip aroon',
    actual: () => ours('aroon')[1],
    expected: () => tulipSeries(tulip.aroon(highs, lows, 14)[0]),
    from: 14,
    tolerance: SAME,
  },
  {
    label: 'aroon.oscillator vs tulip aroonosc',
    actual: () => ours('aroon')[2],
    expected: () => tulipSeries(tulip.aroonosc(highs, lows, 14)),
    from: 14,
    tolerance: SAME,
  },
  {
    label: 'distance_from_ma (SMA) vs trading-signals DisparityIndex',
    actual: () => ours('distance_from_ma')[0],
    expected: () => streamed(new ts.DisparityIndex(20, ts.SMA), closes, value),
    from: 19,
    tolerance: SAME,
  },
  {
    label: 'distance_from_ma (adjusted EMA) vs trading-signals DisparityIndex (EMA)',
    actual: () => ours('distance_from_ma', { ma_type: 'EMA' })[0],
    expected: () => streamed(new ts.DisparityIndex(20, ts.EMA), closes, value),
    from: TAIL,
    tolerance: CONVERGED,
  },
  { label: 'atr vs trading-signals ATR', actual: () => ours('atr')[0], expected: () => streamed(new ts.ATR(14), candles, value), from: 13, tolerance: SAME },
  { label: 'atr vs tulip atr', actual: () => ours('atr')[0], expected: () => tulipSeries(tulip.atr(highs, lows, closes, 14)), from: 13, tolerance: SAME },
  {
    label: 'atr_percent vs trading-signals NATR',
    actual: () => ours('atr_percent')[0],
    expected: () => streamed(new ts.NATR(14), candles, value),
    from: 13,
    tolerance: SAME,
  },
  {
    label: 'atr_percent vs tulip natr',
    actual: () => ours('atr_percent')[0],
    expected: () => tulipSeries(tulip.natr(highs, lows, closes, 14)),
    from: 13,
    tolerance: SAME,
  },
  ...(['upper', 'middle', 'lower'] as const).flatMap((band, k): Case[] => [
    {
      label: `bbands.${band} vs trading-signals BollingerBands`,
      actual: () => ours('bbands')[k],
      expected: () => streamed(new ts.BollingerBands(20, sampleMultiplier(2, 20)), closes, (r) => r[band]),
      from: 19,
      tolerance: SAME,
    },
    {
      label: `bbands.${band} vs tulip bbands`,
      actual: () => ours('bbands')[k],
      expected: () => tulipSeries(tulip.bbands(closes, 20, sampleMultiplier(2, 20))[2 - k]),
      from: 19,
      tolerance: SAME,
    },
  ]),
  {
    label: 'bb_percent_b vs trading-signals PercentB',
    actual: () => ours('bb_percent_b')[0],
    expected: () => streamed(new ts.PercentB({ interval: 20, deviationMultiplier: sampleMultiplier(2, 20) }), closes, value),
    from: 19,
    tolerance: SAME,
  },
  {
    label: 'bb_width vs trading-signals BollingerBandsWidth',
    actual: () => ours('bb_width')[0],
    expected: () => streamed(new ts.BollingerBandsWidth(new ts.BollingerBands(20, sampleMultiplier(2, 20))), closes, value),
    from: 19,
    tolerance: SAME,
  },
  { label: 'obv vs trading-signals OBV', actual: () => ours('obv')[0], expected: () => streamed(new ts.OBV(2), candles, value), from: 1, tolerance: SAME },
  { label: 'obv vs tulip obv', actual: () => ours('obv')[0], expected: () => tulipSeries(tulip.obv(closes, volumes)), from: 0, tolerance: SAME },
  {
    label: 'obv_zscore vs trading-signals getZScore over tulip obv (population σ there)',
    actual: () => ours('obv_zscore')[0],
    expected: () => {
      const flow = tulip.obv(closes, volumes);
      return Float64Array.from(flow, (_, i) => (i < 19 ? NaN : ts.getZScore(flow.slice(i - 19, i + 1)) * Math.sqrt(19 / 20)));
    },
    from: 19,
    tolerance: SAME,
  },
  { label: 'mfi vs trading-signals MFI', actual: () => ours('mfi')[0], expected: () => streamed(new ts.MFI(14), candles, value), from: 14, tolerance: SAME },
  {
    label: 'mfi vs tulip mfi',
    actual: () => ours('mfi')[0],
    expected: () => tulipSeries(tulip.mfi(highs, lows, closes, volumes, 14)),
    from: 14,
    tolerance: SAME,
  },
  { label: 'cmf vs trading-signals CMF', actual: () => ours('cmf')[0], expected: () => streamed(new ts.CMF(21), candles, value), from: 20, tolerance: SAME },
  {
    label: 'cmf vs tulip cmf',
    actual: () => ours('cmf')[0],
    expected: () => tulipSeries(tulip.cmf(highs, lows, closes, volumes, 21)),
    from: 20,
    tolerance: SAME,
  },
  {
    label: 'volume_ratio vs volume / trading-signals SMA(volume)',
    actual: () => ours('volume_ratio')[0],
    expected: () => streamed(new ts.SMA(20), volumes, value).map((average, i) => volumes[i] / average),
    from: 19,
    tolerance: SAME,
  },
];

describe('indicators match independent references', () => {
  test.each(cases)('$label', ({ actual, expected, from, tolerance }) => {
    expect(relativeError(actual(), expected(), from)).toBeLessThan(tolerance);
  });
});
