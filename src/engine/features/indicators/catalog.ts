/**
 * The indicator catalog: the one list the strategy validator, the feature builder and the
 * agent's discovery prompt read. Names, parameter ranges and defaults follow KTRDR (spec §3.1);
 * the percent and z-score variants are bounded stand-ins for the scale-dependent tier-3
 * indicators (spec §8 #9).
 */
import { closestNames, foldName } from './closestNames';
import { defineIndicator, type IndicatorSpec, type ValueRange } from './indicator';
import { cci, macd, macdPercent, momentum, roc, rsi, stochastic, williamsR } from './momentum';
import { ema, nanBefore, sma, typicalPrice } from './rolling';
import { adx, aroon, distanceFromMa } from './trend';
import { atr, atrPercent, bollingerBands, bollingerPercentB, bollingerWidth } from './volatility';
import { cmf, mfi, obv, obvZscore, volumeRatio } from './volume';

export { resolveParams, type ParamSpec, type ParamValues } from './params';
export type { IndicatorFamily, IndicatorSpec } from './indicator';

const period = (defaultValue: number, min: number, max: number, description = 'Lookback period in bars') =>
  ({ type: 'int', default: defaultValue, min, max, description }) as const;

const source = {
  type: 'enum',
  default: 'close',
  options: ['open', 'high', 'low', 'close'],
  description: 'Price column the indicator reads',
} as const;

const macdParams = {
  fast_period: period(12, 1, 50, 'Period of the fast EMA'),
  slow_period: period(26, 2, 100, 'Period of the slow EMA; greater than fast_period'),
  signal_period: period(9, 1, 50, 'Period of the signal line, an EMA of the MACD line'),
  source,
} as const;

const fastBelowSlow = (p: { fast_period: number; slow_period: number }): string[] =>
  p.slow_period > p.fast_period ? [] : [`slow_period (${p.slow_period}) must be greater than fast_period (${p.fast_period})`];

const bollingerParams = {
  period: period(20, 2, 100, 'Period of the middle SMA and the standard deviation'),
  multiplier: { type: 'number', default: 2, min: 0.1, max: 5, description: 'Band distance in standard deviations' },
  source,
} as const;

/**
 * Where `typical` ranges come from: EURUSD 1h 2017-04 → 2018-02 (5,000 bars) and GOOG 1d
 * 2004-08 → 2013-03 from backtesting.py's test data, S&P 500 1d 1999 → 2018 from `arch`.
 * The spread between them is the point: tier-2 levels scale with the timeframe's volatility.
 */
const TYPICAL_DATA = ['EURUSD 1h', 'GOOG 1d', 'SP500 1d'] as const;
const typical = (...ranges: [ValueRange, ValueRange, ValueRange]) => Object.fromEntries(TYPICAL_DATA.map((name, i) => [name, ranges[i]]));

export const INDICATORS: readonly IndicatorSpec[] = [
  // Momentum
  defineIndicator({
    name: 'rsi',
    aliases: ['RSI', 'RelativeStrengthIndex'],
    family: 'momentum',
    description: 'Relative Strength Index (Wilder): share of recent average gains in average moves, 0–100; >70 overbought, <30 oversold.',
    params: { period: period(14, 2, 100), source },
    outputs: ['rsi'],
    tier: 1,
    range: [0, 100],
    typical: typical([23, 81], [26, 83], [28, 76]),
    compute: (bars, p) => [rsi(bars[p.source], p.period)],
  }),
  defineIndicator({
    name: 'macd',
    aliases: ['MACD', 'MovingAverageConvergenceDivergence'],
    family: 'momentum',
    description:
      'MACD: fast EMA − slow EMA in price units, its signal EMA and the histogram (line − signal). Scale depends on price; use macd_percent for fixed fuzzy ranges.',
    params: macdParams,
    outputs: ['macd', 'signal', 'histogram'],
    tier: 3,
    validateParams: fastBelowSlow,
    compute: (bars, p) => macd(bars[p.source], p.fast_period, p.slow_period, p.signal_period),
  }),
  defineIndicator({
    name: 'macd_percent',
    aliases: ['PPO', 'PercentagePriceOscillator'],
    family: 'momentum',
    description: 'MACD as percent of the slow EMA (Percentage Price Oscillator): line, signal, histogram in %, comparable across instruments; 0 = no trend.',
    params: macdParams,
    outputs: ['macd', 'signal', 'histogram'],
    tier: 2,
    range: [-7, 7],
    typical: typical([-0.21, 0.3], [-6.6, 6.8], [-4, 2]),
    validateParams: fastBelowSlow,
    compute: (bars, p) => macdPercent(bars[p.source], p.fast_period, p.slow_period, p.signal_period),
  }),
  defineIndicator({
    name: 'stochastic',
    aliases: ['Stochastic', 'stoch', 'StochasticOscillator'],
    family: 'momentum',
    description:
      'Slow stochastic: close within the high–low range of k_period bars, smoothed (%K) and averaged again (%D), 0–100; >80 overbought, <20 oversold.',
    params: {
      k_period: period(14, 1, 100, 'Bars of the high–low range'),
      d_period: period(3, 1, 20, 'SMA period of %D over %K'),
      smooth_k: period(3, 1, 20, 'SMA period smoothing raw %K'),
    },
    outputs: ['k', 'd'],
    tier: 1,
    range: [0, 100],
    typical: typical([5, 96], [5, 97], [5, 98]),
    compute: (bars, p) => stochastic(bars.high, bars.low, bars.close, p.k_period, p.smooth_k, p.d_period),
  }),
  defineIndicator({
    name: 'williams_r',
    aliases: ['WilliamsR', 'WillR', 'WilliamsPercentR'],
    family: 'momentum',
    description: 'Williams %R: close within the high–low range of the period, −100 at the low to 0 at the high; >−20 overbought, <−80 oversold.',
    params: { period: period(14, 1, 100) },
    outputs: ['williams_r'],
    tier: 1,
    range: [-100, 0],
    typical: typical([-98, -1], [-99, 0], [-100, 0]),
    compute: (bars, p) => [williamsR(bars.high, bars.low, bars.close, p.period)],
  }),
  defineIndicator({
    name: 'cci',
    aliases: ['CCI', 'CommodityChannelIndex'],
    family: 'momentum',
    description:
      'Commodity Channel Index: typical price minus its SMA over 0.015 × mean deviation; mostly within ±100, unbounded (±200 and beyond on strong moves).',
    params: { period: period(20, 2, 100) },
    outputs: ['cci'],
    // Divided by its own mean deviation, so scale-free: its percentiles are alike on every instrument and timeframe.
    tier: 2,
    range: [-300, 300],
    typical: typical([-271, 294], [-224, 248], [-233, 209]),
    compute: (bars, p) => [cci(typicalPrice(bars.high, bars.low, bars.close), p.period)],
  }),
  defineIndicator({
    name: 'roc',
    aliases: ['ROC', 'RateOfChange', 'momentum_percent'],
    family: 'momentum',
    description: 'Rate of change: percent price change over the period (the bounded form of Momentum); 0 = unchanged.',
    params: { period: period(10, 1, 100), source },
    outputs: ['roc'],
    tier: 2,
    range: [-15, 20],
    typical: typical([-0.67, 0.82], [-15, 20], [-9.6, 8]),
    compute: (bars, p) => [roc(bars[p.source], p.period)],
  }),
  defineIndicator({
    name: 'momentum',
    aliases: ['Momentum', 'MOM'],
    family: 'momentum',
    description: 'Momentum: price change over the period in price units. Scale depends on price; use roc (momentum_percent) for fixed fuzzy ranges.',
    params: { period: period(10, 1, 100), source },
    outputs: ['momentum'],
    tier: 3,
    compute: (bars, p) => [momentum(bars[p.source], p.period)],
  }),
  // Trend
  defineIndicator({
    name: 'sma',
    aliases: ['SMA', 'SimpleMovingAverage'],
    family: 'trend',
    description: 'Simple moving average in price units. Compare it to price (input_transform price_ratio) or use distance_from_ma for fixed fuzzy ranges.',
    params: { period: period(20, 1, 200), source },
    outputs: ['sma'],
    tier: 3,
    compute: (bars, p) => [sma(bars[p.source], p.period)],
  }),
  defineIndicator({
    name: 'ema',
    aliases: ['EMA', 'ExponentialMovingAverage'],
    family: 'trend',
    description:
      'Exponential moving average (α = 2/(period+1)) in price units, as pandas ewm(span=period): adjust=true weighs all bars so far by (1−α)^age, adjust=false recurses from the first bar; shown from bar period−1.',
    params: {
      period: period(20, 1, 200),
      source,
      adjust: { type: 'bool', default: true, description: 'Weighted-average form (true, KTRDR default) or recursion from the first bar (false)' },
    },
    outputs: ['ema'],
    tier: 3,
    compute: (bars, p) => [nanBefore(ema(bars[p.source], p.period, p.adjust), p.period - 1)],
  }),
  defineIndicator({
    name: 'adx',
    aliases: ['ADX', 'AverageDirectionalIndex', 'DMI'],
    family: 'trend',
    description: 'Average Directional Index (Wilder) with +DI and −DI, 0–100: ADX <20 weak or no trend, >25 trending; +DI > −DI up, −DI > +DI down.',
    params: { period: period(14, 2, 200) },
    outputs: ['adx', 'plus_di', 'minus_di'],
    tier: 1,
    range: [0, 100],
    typical: typical([10, 67], [12, 60], [10, 45]),
    compute: (bars, p) => adx(bars.high, bars.low, bars.close, p.period),
  }),
  defineIndicator({
    name: 'aroon',
    aliases: ['Aroon'],
    family: 'trend',
    description: 'Aroon: how recently the period high (up) and low (down) occurred, 0–100 (100 = this bar); oscillator = up − down in [−100, 100].',
    params: { period: period(14, 1, 200) },
    outputs: ['up', 'down', 'oscillator'],
    tier: 1,
    range: [0, 100],
    typical: typical([0, 100], [0, 100], [0, 100]),
    compute: (bars, p) => aroon(bars.high, bars.low, p.period),
  }),
  defineIndicator({
    name: 'distance_from_ma',
    aliases: ['DistanceFromMA', 'DisparityIndex'],
    family: 'trend',
    description: 'Percent distance of price from its moving average (SMA or adjusted EMA); positive above, negative below.',
    params: {
      period: period(20, 1, 200),
      ma_type: { type: 'enum', default: 'SMA', options: ['SMA', 'EMA'], description: 'Moving average to measure from' },
      source,
    },
    outputs: ['distance_from_ma'],
    tier: 2,
    range: [-13, 16],
    typical: typical([-0.49, 0.63], [-13, 16], [-7.9, 5.7]),
    compute: (bars, p) => [distanceFromMa(bars[p.source], p.period, p.ma_type)],
  }),
  // Volatility
  defineIndicator({
    name: 'atr',
    aliases: ['ATR', 'AverageTrueRange'],
    family: 'volatility',
    description: 'Average True Range (Wilder) in price units. Scale depends on price (EURUSD ≈ 0.001); use atr_percent for fixed fuzzy ranges.',
    params: { period: period(14, 1, 100) },
    outputs: ['atr'],
    tier: 3,
    compute: (bars, p) => [atr(bars.high, bars.low, bars.close, p.period)],
  }),
  defineIndicator({
    name: 'atr_percent',
    aliases: ['NATR', 'NormalizedATR'],
    family: 'volatility',
    description: 'ATR in percent of the close: volatility comparable across instruments and price levels.',
    params: { period: period(14, 1, 100) },
    outputs: ['atr_percent'],
    tier: 2,
    range: [0.07, 7.7],
    typical: typical([0.073, 0.23], [1.3, 7.7], [0.51, 4.7]),
    compute: (bars, p) => [atrPercent(bars.high, bars.low, bars.close, p.period)],
  }),
  defineIndicator({
    name: 'bbands',
    aliases: ['BollingerBands', 'bbands', 'BB'],
    family: 'volatility',
    description: 'Bollinger Bands in price units: SMA ± multiplier × sample standard deviation. Use bb_percent_b or bb_width for fixed fuzzy ranges.',
    params: bollingerParams,
    outputs: ['upper', 'middle', 'lower'],
    tier: 3,
    compute: (bars, p) => bollingerBands(bars[p.source], p.period, p.multiplier),
  }),
  defineIndicator({
    name: 'bb_percent_b',
    aliases: ['PercentB', 'BollingerPercentB'],
    family: 'volatility',
    description: 'Bollinger %B: price position between the bands, 0 on the lower, 1 on the upper band, outside [0, 1] beyond them.',
    params: bollingerParams,
    outputs: ['bb_percent_b'],
    tier: 2,
    range: [-0.19, 1.26],
    typical: typical([-0.19, 1.26], [-0.13, 1.18], [-0.16, 1.08]),
    compute: (bars, p) => [bollingerPercentB(bars[p.source], p.period, p.multiplier)],
  }),
  defineIndicator({
    name: 'bb_width',
    aliases: ['BollingerBandWidth', 'BollingerBandsWidth', 'BBW'],
    family: 'volatility',
    description: 'Bollinger band width (upper − lower) / middle: volatility as a fraction of price; low values mark a squeeze.',
    params: bollingerParams,
    outputs: ['bb_width'],
    tier: 2,
    range: [0.0017, 0.42],
    typical: typical([0.0017, 0.02], [0.041, 0.42], [0.016, 0.24]),
    compute: (bars, p) => [bollingerWidth(bars[p.source], p.period, p.multiplier)],
  }),
  // Volume
  defineIndicator({
    name: 'obv',
    aliases: ['OBV', 'OnBalanceVolume'],
    family: 'volume',
    description:
      'On-balance volume: cumulative volume signed by the close-to-close direction, from 0 at the first bar. Level meaningless; use obv_zscore for fixed fuzzy ranges.',
    params: {},
    outputs: ['obv'],
    tier: 3,
    compute: (bars) => [obv(bars.close, bars.volume)],
  }),
  defineIndicator({
    name: 'obv_zscore',
    aliases: ['OBVZScore', 'OnBalanceVolumeZScore'],
    family: 'volume',
    description: 'Rolling z-score of OBV over the period: how unusual the current volume flow is; about ±2, never beyond ±(period−1)/√period.',
    params: { period: period(20, 2, 200) },
    outputs: ['obv_zscore'],
    tier: 2,
    range: [-3, 3],
    typical: typical([-3, 3], [-2.6, 2.7], [-2.5, 2.4]),
    compute: (bars, p) => [obvZscore(bars.close, bars.volume, p.period)],
  }),
  defineIndicator({
    name: 'mfi',
    aliases: ['MFI', 'MoneyFlowIndex'],
    family: 'volume',
    description: 'Money Flow Index: volume-weighted RSI of the typical price, 0–100; >80 overbought, <20 oversold.',
    params: { period: period(14, 1, 100) },
    outputs: ['mfi'],
    tier: 1,
    range: [0, 100],
    typical: typical([12, 91], [18, 87], [21, 87]),
    compute: (bars, p) => [mfi(bars.high, bars.low, bars.close, bars.volume, p.period)],
  }),
  defineIndicator({
    name: 'cmf',
    aliases: ['CMF', 'ChaikinMoneyFlow'],
    family: 'volume',
    description: 'Chaikin Money Flow: volume-weighted close location within each bar range over the period, −1 to 1; >0 buying, <0 selling pressure.',
    params: { period: period(21, 2, 500) },
    outputs: ['cmf'],
    tier: 1,
    range: [-1, 1],
    typical: typical([-0.34, 0.38], [-0.3, 0.32], [-0.23, 0.49]),
    compute: (bars, p) => [cmf(bars.high, bars.low, bars.close, bars.volume, p.period)],
  }),
  defineIndicator({
    name: 'volume_ratio',
    aliases: ['VolumeRatio', 'RelativeVolume'],
    family: 'volume',
    description: 'Volume over its SMA (current bar included): 1 = average, 2 = double; unbounded above on volume spikes.',
    params: { period: period(20, 2, 100) },
    outputs: ['volume_ratio'],
    tier: 3,
    compute: (bars, p) => [volumeRatio(bars.volume, p.period)],
  }),
];

const byFoldedName = new Map<string, IndicatorSpec>();
for (const indicator of INDICATORS) {
  for (const spelling of [indicator.name, ...indicator.aliases]) byFoldedName.set(foldName(spelling), indicator);
}

/**
 * The indicator a strategy names, by canonical name or alias, case-insensitively and ignoring
 * `_`/`-`; KTRDR's class names (`RSIIndicator`) resolve too.
 */
export function findIndicator(nameOrAlias: string): IndicatorSpec | undefined {
  const folded = foldName(nameOrAlias);
  return byFoldedName.get(folded) ?? byFoldedName.get(folded.replace(/indicator$/, ''));
}

/** Up to three canonical names close to an unknown one, best first ("did you mean"). */
export function suggestIndicators(name: string): string[] {
  return closestNames(
    name,
    INDICATORS.flatMap((indicator) => [indicator.name, ...indicator.aliases].map((spelling) => [spelling, indicator.name] as const)),
  );
}
