/**
 * The offline designer's choices: which market, which two indicators. A market or
 * indicator the researcher asked for is taken as asked; everything else is a seeded,
 * weighted draw, so each cycle explores something different and a cycle repeats itself
 * exactly when retried.
 */
import { INDICATORS, type IndicatorFamily, type IndicatorSpec } from '../../engine/features/indicators/catalog';
import type { AvailableData } from '../../engine/data/marketData';
import type { Random } from '../../engine/random';
import type { BriefWishes } from './briefSteering';
import { NoData } from '../errors';
import type { RecentStrategy } from '../memory';

const MOVING_AVERAGES = new Set(['sma', 'ema']);

/**
 * Indicators a design may use: bounded ones (tiers 1 and 2), and moving averages read as a
 * ratio to price. Other scale-dependent ones drift with the price level, so fuzzy sets fitted
 * on the training years miss the later ones (spec §3.1 tiers, §8 #9).
 */
export const usableIndicator = (spec: IndicatorSpec): boolean => spec.tier !== 3 || MOVING_AVERAGES.has(spec.name);

export const needsPriceRatio = (spec: IndicatorSpec): boolean => MOVING_AVERAGES.has(spec.name);

const POOL = INDICATORS.filter(usableIndicator);

/** Bounded indicators first: a fixed range is what makes a fuzzy set mean the same thing in every year. */
const TIER_WEIGHT = { 1: 3, 2: 2, 3: 1 } as const;

export interface Market {
  symbol: string;
  timeframe: string;
}

const listing = (available: readonly AvailableData[]) =>
  available.map((d) => `${d.symbol} ${d.timeframe}`).join(', ') || 'none (run scripts/fetch-market-data.sh)';

/** The trigger's symbol/timeframe when given (refused, non-retryably, when there is no data for it); else the brief's; else any. */
export function chooseMarket(
  requested: { symbol?: string; timeframe?: string },
  wishes: BriefWishes,
  available: readonly AvailableData[],
  rng: Random,
): Market {
  const symbol = requested.symbol?.toUpperCase();
  let options = available.filter((d) => (!symbol || d.symbol === symbol) && (!requested.timeframe || d.timeframe === requested.timeframe));
  if (options.length === 0) {
    const asked = [symbol, requested.timeframe].filter(Boolean).join(' ') || 'any symbol';
    throw new NoData(`No market data for ${asked}; available: ${listing(available)}`);
  }
  for (const wished of [(d: AvailableData) => wishes.symbols.includes(d.symbol), (d: AvailableData) => wishes.timeframes.includes(d.timeframe)]) {
    const kept = options.filter(wished);
    if (kept.length > 0) options = kept;
  }
  const chosen = options[rng.int(options.length)];
  return { symbol: chosen.symbol, timeframe: chosen.timeframe };
}

export const pairKey = (a: string, b: string): string => [a, b].sort().join('+');

/** What earlier cycles say about indicator choices on this market (spec §8 #15). */
export interface Lessons {
  /** Pairs assessed poor on this market: not tried again. */
  poorPairs: Set<string>;
  /** Pairs designed on this market lately, whatever their outcome: drawn less often, to explore. */
  recentPairs: Set<string>;
  /** Families of strategies assessed promising on any market: drawn more often. */
  promisingFamilies: Set<IndicatorFamily>;
  /** The pair of the best strategy on this market so far — by validation Sharpe ratio, among those that made money on it and were not assessed poor: the one worth refining. */
  bestPair?: { strategy: string; indicators: [string, string] };
}

export function lessonsFor(market: Market, memory: readonly RecentStrategy[]): Lessons {
  const lessons: Lessons = { poorPairs: new Set(), recentPairs: new Set(), promisingFamilies: new Set() };
  let bestSharpe = 0;
  for (const recent of memory) {
    if (recent.verdict === 'promising') for (const family of recent.families) lessons.promisingFamilies.add(family);
    if (recent.indicators.length !== 2 || !recent.symbols.includes(market.symbol) || recent.timeframe !== market.timeframe) continue;
    const [a, b] = recent.indicators;
    const key = pairKey(a, b);
    lessons.recentPairs.add(key);
    if (recent.verdict === 'poor') lessons.poorPairs.add(key);
    const sharpe = recent.validation?.sharpe_ratio ?? 0;
    if (recent.verdict && recent.verdict !== 'poor' && sharpe > bestSharpe) {
      bestSharpe = sharpe;
      lessons.bestPair = { strategy: recent.name, indicators: [a, b] };
    }
  }
  return lessons;
}

function draw(candidates: readonly IndicatorSpec[], weight: (spec: IndicatorSpec) => number, rng: Random): IndicatorSpec | undefined {
  const weights = candidates.map(weight);
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return undefined;
  let x = rng.next() * total;
  let last = -1;
  for (let i = 0; i < candidates.length; i++) {
    if (weights[i] <= 0) continue;
    x -= weights[i];
    last = i;
    if (x < 0) return candidates[i];
  }
  return candidates[last]; // rounding left x at 0
}

/**
 * Two indicators of different families (two complementary indicators beat one, a third adds
 * nothing: spec §8, v1.5 evidence). The first is the brief's named indicator, else one of the
 * brief's first family, else a draw; the second likewise from another family. `rejected`
 * holds pairs and indicators this design already found invalid on the data.
 */
/**
 * The best pair on this market again, when the brief leaves the indicators open: with `share`
 * probability a design refines what worked best so far (its indicators, with new periods, swing
 * and network) instead of exploring, so that a loop's later cycles spend themselves near its best.
 */
export function refinedPair(wishes: BriefWishes, lessons: Lessons, rng: Random, share: number): [IndicatorSpec, IndicatorSpec] | undefined {
  if (!lessons.bestPair || wishes.indicators.length > 0 || wishes.families.length > 0) return undefined;
  const [a, b] = lessons.bestPair.indicators.map((name) => POOL.find((s) => s.name === name));
  if (!a || !b || rng.next() >= share) return undefined;
  return [a, b];
}

export function choosePair(
  wishes: BriefWishes,
  lessons: Lessons,
  rejected: { pairs: Set<string>; indicators: Set<string> },
  rng: Random,
): [IndicatorSpec, IndicatorSpec] | undefined {
  const pool = POOL.filter((s) => !rejected.indicators.has(s.name));
  const base = (spec: IndicatorSpec) => TIER_WEIGHT[spec.tier] * (lessons.promisingFamilies.has(spec.family) ? 2 : 1);
  const named = wishes.indicators.map((name) => pool.find((s) => s.name === name)).filter((s) => s !== undefined);

  const firstCandidates = named.length > 0 ? [named[0]] : wishes.families.length > 0 ? pool.filter((s) => s.family === wishes.families[0]) : pool;
  // The brief's second family is honoured with any first pick that leaves a partner in it before
  // it is given up; in each pass, the first picks are tried in drawing order.
  for (const keepWishedFamily of [true, false]) {
    const remaining = [...firstCandidates];
    while (remaining.length > 0) {
      const first = draw(remaining, base, rng)!;
      remaining.splice(remaining.indexOf(first), 1);
      const allowed = (spec: IndicatorSpec) => {
        const key = pairKey(first.name, spec.name);
        return spec.family !== first.family && !lessons.poorPairs.has(key) && !rejected.pairs.has(key);
      };
      const weight = (spec: IndicatorSpec) => (allowed(spec) ? base(spec) * (lessons.recentPairs.has(pairKey(first.name, spec.name)) ? 0.25 : 1) : 0);
      const wishedFamily = keepWishedFamily ? wishes.families.find((f) => f !== first.family) : undefined;
      const second = named.slice(1).find(allowed) ?? draw(wishedFamily ? pool.filter((s) => s.family === wishedFamily) : pool, weight, rng);
      if (second) return [first, second];
    }
  }
  return undefined;
}
