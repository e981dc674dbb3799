/**
 * Named, seeded synthetic markets, usable wherever a symbol is: the name says what the series
 * is, so the same name gives the same bars on every machine, and a market-data folder gets the
 * CSV the first time anything asks for it.
 *
 *   SYN_RW_<seed>               a pure random walk: nothing to find, nothing to remember
 *   SYN_TREND<1|2|3>_<seed>     a random walk with planted trends, strength 1 (weak) to 3 (strong)
 *   SYN_STREAK<1|2|3>_<seed>    a random walk with the look-ahead canary's pattern planted, likewise
 *   SYN_REGIME_<seed>           regime-switching bars (trends, ranges, volatile spells)
 *   SYN_BLIND_<code>            any of them under a name that does not say which (blindSymbol):
 *                               the same bars, for designers that must not know what was planted
 *
 * Every series has SYNTHETIC_BARS bars of the timeframe asked for (the length of the shipped
 * EURUSD 1h, SP500 1d and NASDAQ 1d series), starting 2030-01-01: after every model's training
 * cutoff, so no designer can have seen a period of them, and no date suggests it could.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TIMEFRAME_MS, type Bars } from './bars';
import { MarketDataError, writeBarsCsv } from './barsCsv';
import { plantedPatternBars, plantedTrendBars, randomWalkBars, syntheticBars, type PlantedPatternOptions, type PlantedTrendOptions } from './synthetic';
import { blindCode, unblindCode } from './blindCode';
import { isSyntheticSymbol, SYNTHETIC_PREFIX } from './syntheticSymbol';

export const SYNTHETIC_BARS = 5000;
/** The timeframe of a synthetic market a cycle names without one. */
export const SYNTHETIC_TIMEFRAME = '1h';
const START = '2030-01-01T00:00:00Z';
/** An FX major's annual volatility (EURUSD's is 7–10 %), the asset class whose costs the markets carry (costs.ts). */
const VOLATILITY = 0.1;

/**
 * Trends that last 20 bars on average (the length of the swings the designers' zigzag labels
 * target), with a drift per bar of 0.25, 0.5 or 1 times the bar's volatility: what a
 * moving-average ratio, a rate of change or a zigzag leg of a few bars sees.
 */
const TREND_STRENGTHS = {
  1: { drift: 0.25, meanDuration: 20 },
  2: { drift: 0.5, meanDuration: 20 },
  3: { drift: 1, meanDuration: 20 },
} as const satisfies Record<number, Pick<PlantedTrendOptions, 'drift' | 'meanDuration'>>;

/**
 * The look-ahead canary's pattern (after 3 falling closes each of the next `horizon` bars rises
 * with probability `upProbability`, and mirrored, so the series has no drift); strength 3 is the
 * canary's own. An RSI or ROC of a few bars sees the streaks.
 */
const STREAK_STRENGTHS = {
  1: { streak: 3, upProbability: 0.65, horizon: 4, mirror: true },
  2: { streak: 3, upProbability: 0.75, horizon: 5, mirror: true },
  3: { streak: 3, upProbability: 0.85, horizon: 6, mirror: true },
} as const satisfies Record<number, Pick<PlantedPatternOptions, 'streak' | 'upProbability' | 'horizon' | 'mirror'>>;

type EdgeStrength = 1 | 2 | 3;

export type SyntheticMarket =
  | { kind: 'random_walk'; seed: number }
  | { kind: 'regimes'; seed: number }
  | { kind: 'trend' | 'streak'; strength: EdgeStrength; seed: number };

const NAME = /^SYN_(RW|REGIME|TREND[1-3]|STREAK[1-3])_([0-9]{1,9})$/;
const BLIND_NAME = /^SYN_BLIND_([0-9A-Z]{7})$/;
const NAMING =
  'synthetic markets are named SYN_RW_<seed>, SYN_TREND<1|2|3>_<seed>, SYN_STREAK<1|2|3>_<seed> or SYN_REGIME_<seed> (seed: up to 9 digits), or SYN_BLIND_<code>, one of them under a blind name (7 base-36 digits)';
/** The kinds in the order a blind code numbers them; the code hides kind × SEEDS + seed. */
const KINDS = ['RW', 'REGIME', 'TREND1', 'TREND2', 'TREND3', 'STREAK1', 'STREAK2', 'STREAK3'] as const;
const SEEDS = 1_000_000_000;

/** The kind and seed a SYN_ name gives, spelled out or hidden in a blind code. */
function kindAndSeed(upper: string): [kind: string, seed: number] | undefined {
  const blind = BLIND_NAME.exec(upper);
  if (blind) {
    const hidden = unblindCode(blind[1]);
    return hidden !== undefined && hidden < KINDS.length * SEEDS ? [KINDS[Math.floor(hidden / SEEDS)], hidden % SEEDS] : undefined;
  }
  const match = NAME.exec(upper);
  return match ? [match[1], Number(match[2])] : undefined;
}

/** What a synthetic symbol names; undefined for any other symbol, an error for a SYN_ name of no market. */
export function parseSyntheticSymbol(symbol: string): SyntheticMarket | undefined {
  if (!isSyntheticSymbol(symbol)) return undefined;
  const named = kindAndSeed(symbol.toUpperCase());
  if (!named) throw new MarketDataError(`'${symbol}' is not a synthetic market: ${NAMING}.`);
  const [kind, seed] = named;
  if (kind === 'RW') return { kind: 'random_walk', seed };
  if (kind === 'REGIME') return { kind: 'regimes', seed };
  const strength = Number(kind.at(-1)) as EdgeStrength;
  return { kind: kind.startsWith('TREND') ? 'trend' : 'streak', strength, seed };
}

export function syntheticSymbol(market: SyntheticMarket): string {
  const kind = market.kind === 'random_walk' ? 'RW' : market.kind === 'regimes' ? 'REGIME' : `${market.kind.toUpperCase()}${market.strength}`;
  return `${SYNTHETIC_PREFIX}${kind}_${market.seed}`;
}

/** The market under a name that does not say what it is: SYN_BLIND_<7 base-36 digits>, which parseSyntheticSymbol reads back. */
export function blindSymbol(market: SyntheticMarket): string {
  const kind = syntheticSymbol(market).slice(SYNTHETIC_PREFIX.length).replace(/_\d+$/, '') as (typeof KINDS)[number];
  return `${SYNTHETIC_PREFIX}BLIND_${blindCode(KINDS.indexOf(kind) * SEEDS + market.seed)}`;
}

export function syntheticMarketBars(symbol: string, timeframe: string): Bars {
  const market = parseSyntheticSymbol(symbol);
  if (!market) throw new MarketDataError(`'${symbol}' is not a synthetic market: ${NAMING}.`);
  const options = { symbol: symbol.toUpperCase(), timeframe, bars: SYNTHETIC_BARS, seed: market.seed, start: START };
  switch (market.kind) {
    case 'random_walk':
      return randomWalkBars({ ...options, volatility: VOLATILITY });
    case 'regimes':
      return syntheticBars(options);
    case 'trend':
      return plantedTrendBars({ ...options, volatility: VOLATILITY, ...TREND_STRENGTHS[market.strength] });
    case 'streak':
      return plantedPatternBars({ ...options, volatility: VOLATILITY, ...STREAK_STRENGTHS[market.strength] });
  }
}

/**
 * Writes `<dir>/<SYMBOL>_<timeframe>.csv` for a synthetic symbol that has no file yet (atomically:
 * a reader never sees half of it). Returns whether it wrote one; other symbols are left alone.
 */
export function materializeSyntheticMarket(symbol: string, timeframe: string, dir: string): boolean {
  if (!isSyntheticSymbol(symbol)) return false;
  parseSyntheticSymbol(symbol);
  if (!Object.hasOwn(TIMEFRAME_MS, timeframe)) throw new MarketDataError(`'${timeframe}' is not a timeframe: use one of ${Object.keys(TIMEFRAME_MS).join(', ')}.`);
  const file = path.join(dir, `${symbol.toUpperCase()}_${timeframe}.csv`);
  if (fs.existsSync(file)) return false;
  const bars = syntheticMarketBars(symbol, timeframe);
  fs.mkdirSync(dir, { recursive: true });
  writeBarsCsv(bars, file);
  return true;
}
