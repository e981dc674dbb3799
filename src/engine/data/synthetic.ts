/**
 * Seeded synthetic OHLCV for tests and the benchmark: realistic bars with regime switching
 * (`syntheticBars`), a pure random walk with nothing to predict (`randomWalkBars`), and random
 * walks with one planted, documented edge: a pattern after streaks (`plantedPatternBars`) or
 * trends that persist (`plantedTrendBars`). Same options and seed, same
 * bars, on every machine. Bar times follow the market calendar (no weekend bars by default), so
 * findGaps reports none.
 */
import type { Bars } from './bars';
import { parseIsoTime } from './isoTime';
import { calendarFor, isMarketClosed, timeframeMs, type MarketCalendar } from './marketCalendar';
import { Random } from '../random';

export interface Regime {
  name: string;
  /** Expected log return per year. */
  drift: number;
  /** Standard deviation of log returns per year, before volatility clustering. */
  volatility: number;
  /** Share of the distance to the price at regime entry closed each bar (0 = none). */
  meanReversion: number;
  /** Mean number of bars before switching; the next regime is drawn uniformly from the others. */
  meanDuration: number;
  /** Multiplier on typical volume. */
  volume: number;
}

export const DEFAULT_REGIMES: readonly Regime[] = [
  { name: 'trending-up', drift: 0.4, volatility: 0.1, meanReversion: 0, meanDuration: 300, volume: 1 },
  { name: 'trending-down', drift: -0.45, volatility: 0.14, meanReversion: 0, meanDuration: 200, volume: 1.25 },
  { name: 'ranging', drift: 0, volatility: 0.07, meanReversion: 0.02, meanDuration: 300, volume: 0.8 },
  { name: 'volatile', drift: 0, volatility: 0.3, meanReversion: 0, meanDuration: 100, volume: 1.8 },
];

export interface SeriesOptions {
  symbol: string;
  timeframe: string;
  bars: number;
  seed: number;
  /** First bar's open time: ISO-8601 or epoch ms; moved forward to the first open bar. Default 2020-01-01T00:00:00Z. */
  start?: string | number;
  /** Default 'weekdays' (closed from Friday 21:00 to Sunday 22:00 UTC). */
  calendar?: MarketCalendar;
  /** Default 100. */
  startPrice?: number;
  /** Mean volume of a bar at typical activity. Default 10^6 per day, scaled to the bar length. */
  baseVolume?: number;
}

export interface SyntheticOptions extends SeriesOptions {
  regimes?: readonly Regime[];
}

export interface SyntheticBars extends Bars {
  /** Index into `regimes` of the regime each bar was drawn from. */
  regime: Uint8Array;
  regimes: readonly Regime[];
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** GARCH(1,1) on the variance multiplier (long-run mean 1): persistent volatility clusters. */
const GARCH_ALPHA = 0.06;
const GARCH_BETA = 0.92;
/** Overnight-style jump between one close and the next open, in units of the bar's volatility. */
const OPEN_GAP = 0.2;
/** How far high and low reach beyond the body, in units of the bar's volatility. */
const WICK = 0.5;
/** log(volume) per unit of |return| / volatility above its mean: busy bars move more. */
const VOLUME_RESPONSE = 0.6;
const MEAN_ABS_NORMAL = Math.sqrt(2 / Math.PI);
/** Prices keep 6 significant digits, like quotes (1.07219, 2485.74): tick size follows the price level. */
const SIGNIFICANT_DIGITS = 6;

/** Regimes with different drift, volatility and volume, switching as a Markov chain, with GARCH-like volatility clustering. */
export function syntheticBars(options: SyntheticOptions): SyntheticBars {
  const regimes = options.regimes ?? DEFAULT_REGIMES;
  if (regimes.length === 0 || regimes.length > 255) throw new RangeError(`syntheticBars: give 1 to 255 regimes, got ${regimes.length}.`);
  const series = new Series(options);
  const { n, random, perYear } = series;
  const regime = new Uint8Array(n);
  const mu = regimes.map((r) => r.drift / perYear);
  const sigma = regimes.map((r) => r.volatility / Math.sqrt(perYear));
  const leave = regimes.map((r) => 1 / Math.max(1, r.meanDuration));
  const logVolumeFactor = regimes.map((r) => Math.log(r.volume));

  let state = random.int(regimes.length);
  let anchor = Math.log(series.startPrice);
  let logClose = anchor;
  let variance = 1;
  let shock = 0;
  let volumeNoise = 0;
  for (let i = 0; i < n; i++) {
    if (regimes.length > 1 && random.next() < leave[state]) {
      state = (state + 1 + random.int(regimes.length - 1)) % regimes.length;
      anchor = logClose;
    }
    regime[i] = state;
    variance = 1 - GARCH_ALPHA - GARCH_BETA + GARCH_ALPHA * shock * shock + GARCH_BETA * variance;
    const barSigma = sigma[state] * Math.sqrt(variance) * series.activitySqrt(i);
    shock = random.normal() * Math.sqrt(variance);
    const ret = mu[state] - regimes[state].meanReversion * (logClose - anchor) + sigma[state] * series.activitySqrt(i) * shock;
    const open = series.roundPrice(Math.exp(logClose + OPEN_GAP * barSigma * random.normal()));
    logClose += ret;
    volumeNoise = 0.7 * volumeNoise + 0.3 * random.normal();
    const surprise = Math.abs(ret) / barSigma - MEAN_ABS_NORMAL;
    // Volume rises with the regime's activity, with clustered volatility, and with the bar's own move.
    const logVolume = logVolumeFactor[state] + 0.5 * Math.log(variance) + VOLUME_RESPONSE * surprise + volumeNoise;
    series.setBar(i, open, series.roundPrice(Math.exp(logClose), open), barSigma, logVolume);
  }
  return { ...series.bars(), regime, regimes };
}

/**
 * Log returns independent and identically normal, volume independent of everything: no feature
 * of past bars says anything about the next return. The look-ahead canary trains on this and
 * must stay at chance.
 */
export function randomWalkBars(options: SeriesOptions & { volatility?: number }): Bars {
  const series = new Series(options);
  const { n, random } = series;
  const sigma = (options.volatility ?? 0.1) / Math.sqrt(series.perYear);
  let close = series.startPrice;
  for (let i = 0; i < n; i++) {
    const open = close;
    close = series.roundPrice(open * Math.exp(sigma * random.normal()), open);
    series.setBar(i, open, close, sigma, 0.3 * random.normal());
  }
  return series.bars();
}

export interface PlantedPatternOptions extends SeriesOptions {
  /** Annual volatility of the random walk. Default 0.1. */
  volatility?: number;
  /** Down closes in a row that make a signal. Default 3. */
  streak?: number;
  /** Probability that a bar after a signal closes up. Default 0.8. */
  upProbability?: number;
  /** How many bars after a signal carry that bias. Default 1. */
  horizon?: number;
  /** Also plant the mirror image (up-streaks followed by falls), so the series has no drift. Default false. */
  mirror?: boolean;
}

/**
 * A random walk (as randomWalkBars) with one planted pattern:
 *
 *   signal at bar i:  close[i] < close[i-1] for `streak` bars in a row (i, i-1, …, i-streak+1;
 *                     a signal needs i ≥ streak) — after such a streak any RSI is oversold.
 *   then at bars i+1 … i+horizon (horizon default 1): each closes above the one before with
 *                     probability `upProbability` (default 0.8), otherwise below it; the move's
 *                     size is |N(0, σ)| as any bar's.
 *
 * Every other bar is an unbiased random-walk step. Open equals the previous close, so "closes up"
 * is also close > open. The comparison is on the written (rounded) prices, so counting signals
 * in the CSV finds the rate. With the defaults, 8.2 % of bars are signals (the stationary share:
 * the planted up-moves end most streaks), and the bar after one rises 80 % of the time against
 * 50 % elsewhere.
 */
export function plantedPatternBars(options: PlantedPatternOptions): Bars {
  const streak = options.streak ?? 3;
  const upProbability = options.upProbability ?? 0.8;
  const horizon = options.horizon ?? 1;
  if (!Number.isInteger(streak) || streak < 1) throw new RangeError(`plantedPatternBars: streak must be a whole number ≥ 1, got ${streak}.`);
  if (!(upProbability >= 0 && upProbability <= 1)) throw new RangeError(`plantedPatternBars: upProbability must be in [0, 1], got ${upProbability}.`);
  const series = new Series(options);
  const { n, random } = series;
  const sigma = (options.volatility ?? 0.1) / Math.sqrt(series.perYear);
  let close = series.startPrice;
  let downs = 0;
  let ups = 0;
  let bias = 0; // bars left of planted bias: > 0 upward, < 0 downward
  for (let i = 0; i < n; i++) {
    const open = close;
    const size = Math.abs(sigma * random.normal());
    if (downs >= streak) bias = horizon;
    else if (options.mirror && ups >= streak) bias = -horizon;
    const up = bias > 0 ? random.next() < upProbability : bias < 0 ? random.next() >= upProbability : random.next() < 0.5;
    bias -= Math.sign(bias);
    close = series.roundPrice(open * Math.exp(up ? size : -size), open, up ? 1 : -1);
    downs = i > 0 && close < open ? downs + 1 : 0;
    ups = i > 0 && close > open ? ups + 1 : 0;
    series.setBar(i, open, close, sigma, 0.3 * random.normal());
  }
  return series.bars();
}

export interface PlantedTrendOptions extends SeriesOptions {
  /** Annual volatility of the noise. Default 0.1. */
  volatility?: number;
  /** The trend's drift per bar, in units of the bar's volatility (0 = a random walk). */
  drift: number;
  /** Mean number of bars a trend lasts before it turns (geometric). Default 50. */
  meanDuration?: number;
}

/**
 * A random walk whose drift turns between +drift·σ and −drift·σ a bar, each trend lasting
 * `meanDuration` bars on average (the direction is a Markov chain, each way as likely, so the
 * series has no drift overall):
 *
 *   log return at bar i = direction[i] · drift · σ + σ · N(0, 1),  direction[0] = ±1 at random,
 *   direction[i] = −direction[i−1] with probability 1 / meanDuration, else direction[i−1].
 *
 * What a moving average, a rate of change or a zigzag leg sees: the last bars' direction says
 * the next bar's, until the trend turns.
 */
export function plantedTrendBars(options: PlantedTrendOptions): Bars {
  const meanDuration = options.meanDuration ?? 50;
  if (!(options.drift >= 0)) throw new RangeError(`plantedTrendBars: drift must be ≥ 0, got ${options.drift}.`);
  if (!(meanDuration >= 1)) throw new RangeError(`plantedTrendBars: meanDuration must be ≥ 1, got ${meanDuration}.`);
  const series = new Series(options);
  const { n, random } = series;
  const sigma = (options.volatility ?? 0.1) / Math.sqrt(series.perYear);
  let direction = random.next() < 0.5 ? 1 : -1;
  let close = series.startPrice;
  for (let i = 0; i < n; i++) {
    if (i > 0 && random.next() < 1 / meanDuration) direction = -direction;
    const open = close;
    close = series.roundPrice(open * Math.exp(sigma * (direction * options.drift + random.normal())), open);
    series.setBar(i, open, close, sigma, 0.3 * random.normal());
  }
  return series.bars();
}

/**
 * The parts all the generators share: options, bar times on the calendar, intraday activity,
 * price rounding, wicks and volume. Columns are filled in place, one bar at a time.
 */
class Series {
  readonly n: number;
  readonly random: Random;
  readonly perYear: number;
  readonly startPrice: number;
  private readonly baseVolume: number;
  private readonly time: Float64Array;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly close: Float64Array;
  private readonly volume: Float64Array;
  /** Per bar: relative trading activity of its hour of day (mean 1 over a day; all 1 for daily bars). */
  private readonly activityOf: Float64Array;
  private readonly activitySqrtOf: Float64Array;
  private decadeLow = Infinity;
  private decadeHigh = 0;
  private decimals = 0;

  constructor(private readonly options: SeriesOptions) {
    const { bars, seed } = options;
    if (!Number.isInteger(bars) || bars < 1) throw new RangeError(`${options.symbol}: bars must be a whole number ≥ 1, got ${bars}.`);
    if (!Number.isInteger(seed)) throw new RangeError(`${options.symbol}: seed must be an integer, got ${seed}.`);
    const startPrice = options.startPrice ?? 100;
    if (!(startPrice > 0)) throw new RangeError(`${options.symbol}: startPrice must be positive, got ${startPrice}.`);
    const step = timeframeMs(options.timeframe);
    const calendar = calendarFor(step, options.calendar ?? 'weekdays');
    this.n = bars;
    this.random = new Random(seed);
    this.startPrice = startPrice;
    // 52 weeks of 5 trading days, or 365.25 days around the clock.
    this.perYear = ((calendar === 'weekdays' ? 260 : 365.25) * DAY_MS) / step;
    this.baseVolume = options.baseVolume ?? (1e6 * Math.min(step, DAY_MS)) / DAY_MS;
    [this.time, this.open, this.high, this.low, this.close, this.volume, this.activityOf, this.activitySqrtOf] = Array.from(
      { length: 8 },
      () => new Float64Array(bars),
    );
    const hourly = step < DAY_MS ? intradayActivity() : undefined;
    let t = startTime(options.start);
    for (let i = 0; i < bars; i++) {
      while (isMarketClosed(t, calendar)) t += step;
      this.time[i] = t;
      const activity = hourly ? hourly[Math.floor((((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS)] : 1;
      this.activityOf[i] = activity;
      this.activitySqrtOf[i] = Math.sqrt(activity);
      t += step;
    }
  }

  activitySqrt(i: number): number {
    return this.activitySqrtOf[i];
  }

  /**
   * Stores bar i from its (already rounded) open and close: wicks beyond the body scale with
   * `sigma`, volume is log-normal around base volume × the hour's activity.
   */
  setBar(i: number, open: number, close: number, sigma: number, logVolumeShift: number): void {
    const top = this.roundPrice(Math.max(open, close) * Math.exp(WICK * sigma * Math.abs(this.random.normal())), open);
    const bottom = this.roundPrice(Math.min(open, close) * Math.exp(-WICK * sigma * Math.abs(this.random.normal())), open);
    this.open[i] = open;
    this.close[i] = close;
    // open and close may sit on a finer tick than the wicks when the price crosses a power of ten.
    this.high[i] = Math.max(top, open, close);
    this.low[i] = Math.min(bottom, open, close);
    this.volume[i] = Math.round(this.baseVolume * this.activityOf[i] * Math.exp(logVolumeShift));
  }

  /**
   * Price rounded to 6 significant digits of `reference` (its tick), dividing by an exact power
   * of ten so the result prints short (1.07219, not 1.0721900000000002). With `direction`, a move
   * that rounding would erase is kept one tick in that direction, so a planted up or down close
   * stays one.
   */
  roundPrice(price: number, reference = price, direction = 0): number {
    // The power of ten changes rarely: one log10 per decade crossed, not one per price.
    if (!(reference >= this.decadeLow && reference < this.decadeHigh)) {
      const exponent = Math.floor(Math.log10(reference));
      this.decadeLow = 10 ** exponent;
      this.decadeHigh = 10 ** (exponent + 1);
      this.decimals = SIGNIFICANT_DIGITS - 1 - exponent;
    }
    const decimals = this.decimals;
    if (decimals >= 0) {
      const scale = POW10[Math.min(decimals, 22)];
      const ticks = Math.round(price * scale);
      const from = Math.round(reference * scale);
      return (direction !== 0 && ticks === from ? from + direction : ticks) / scale;
    }
    const tick = POW10[Math.min(-decimals, 22)];
    const ticks = Math.round(price / tick);
    const from = Math.round(reference / tick);
    return (direction !== 0 && ticks === from ? from + direction : ticks) * tick;
  }

  bars(): Bars {
    const { symbol, timeframe } = this.options;
    return { symbol, timeframe, time: this.time, open: this.open, high: this.high, low: this.low, close: this.close, volume: this.volume };
  }
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

function startTime(start: string | number | undefined): number {
  if (start === undefined) return Date.UTC(2020, 0, 1);
  if (typeof start === 'number') return start;
  const ms = parseIsoTime(Buffer.from(start), 0, Buffer.byteLength(start));
  if (Number.isNaN(ms)) throw new RangeError(`start '${start}' is not an ISO-8601 date or date-time (e.g. 2020-01-01 or 2020-01-01T00:00:00Z).`);
  return ms;
}

/**
 * Relative activity per UTC hour, mean 1: quiet Asian night, a London-open bump around 08:00 and
 * the London/New York overlap peak around 14:00 (the shape of FX volume through a day).
 */
function intradayActivity(): Float64Array {
  const raw = Array.from({ length: 24 }, (_, h) => 0.45 + 0.5 * Math.exp(-(((h - 8) / 2.5) ** 2)) + 0.9 * Math.exp(-(((h - 14) / 2.5) ** 2)));
  const mean = raw.reduce((a, b) => a + b, 0) / 24;
  return Float64Array.from(raw, (x) => x / mean);
}
