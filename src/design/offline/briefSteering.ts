/**
 * What a researcher's brief asks of the offline designer, read with word lists: markets
 * ("EURUSD", "S&P", "hourly", "equities"), indicator families ("momentum", "volume flow")
 * and indicators by name. Only what the shipped data and the catalog can honour is kept;
 * anything else in the brief is left to chance.
 */
import type { AvailableData } from '../../engine/data/marketData';
import { findIndicator, type IndicatorFamily, type IndicatorSpec } from '../../engine/features/indicators/catalog';

export interface BriefWishes {
  /** Available symbols the brief names or implies, in order of mention. */
  symbols: string[];
  timeframes: string[];
  families: IndicatorFamily[];
  /** Canonical catalog names, in order of mention. */
  indicators: string[];
}

/** Everyday names of the shipped series; any other available symbol is matched by its own name. */
const SYMBOL_WORDS: Record<string, RegExp> = {
  EURUSD: /\beur\s*[/-]?\s*usd\b|\beuro\b/,
  SP500: /\bs\s*&\s*p\b|\bsp\s*-?\s*500\b|\bspx\b/,
  NASDAQ: /\bnasdaq\b|\bndx\b/,
  GOOG: /\bgoogl?e?\b|\balphabet\b/,
};

const CURRENCY_PAIR = /^(EUR|USD|GBP|JPY|CHF|AUD|CAD|NZD){2}$/;
const FOREX_WORDS = /\bforex\b|\bfx\b|\bcurrenc/;
// not "index": RSI, MFI and CCI are indices too
const EQUITY_WORDS = /\bequit|\bstocks?\b|\bshares?\b/;

const TIMEFRAME_WORDS: [RegExp, string][] = [
  [/\bhourly\b|\bintraday\b|\b1\s*h\b/, '1h'],
  [/\b4\s*h\b/, '4h'],
  [/\bdaily\b|\b1\s*d\b|\bend[\s-]of[\s-]day\b/, '1d'],
  [/\bweekly\b|\b1\s*w\b/, '1w'],
];

const FAMILY_WORDS: [RegExp, IndicatorFamily][] = [
  [/momentum|oscillat|overbought|oversold|mean[\s-]?revers|revert/, 'momentum'],
  [/trend|breakout|moving average|direction/, 'trend'],
  [/volatil|squeeze|calm|turbulen/, 'volatility'],
  [/volume|money[\s-]?flow|accumulation|participation/, 'volume'],
];

/**
 * Scale-dependent indicators a brief may name, and the bounded stand-in the designer uses
 * for each (spec §8 #9: fixed fuzzy ranges on price-unit values were KTRDR's main failure).
 */
const BOUNDED_STAND_IN: Record<string, string> = {
  macd: 'macd_percent',
  momentum: 'roc',
  atr: 'atr_percent',
  bbands: 'bb_percent_b',
  obv: 'obv_zscore',
};

const FAMILY_NAMES = new Set(FAMILY_WORDS.map(([, family]) => family));

/**
 * What people call an indicator when they do not use its name or a catalog alias: "bollinger"
 * alone, "money flow" for the Money Flow Index. The catalog's aliases are what a strategy file
 * may say; these words only steer a brief.
 */
const EVERYDAY_NAMES: Record<string, string> = {
  bollinger: 'bbands',
  'money flow': 'mfi',
  'commodity channel': 'cci',
  chaikin: 'cmf',
  stochastics: 'stochastic',
  williams: 'williams_r',
};

function firstMatch(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  return match ? match.index : -1;
}

/** Keys whose pattern occurs in the text, ordered by where they first occur. */
function mentioned<T>(text: string, entries: [RegExp, T][]): T[] {
  return entries
    .map(([pattern, value]) => ({ value, at: firstMatch(text, pattern) }))
    .filter((m) => m.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((m) => m.value);
}

/** Indicators named by one to three consecutive words (`RSI`, `money flow index`, `bollinger`), in order of mention; family words excepted. */
function namedIndicators(text: string, usable: (spec: IndicatorSpec) => boolean): string[] {
  const words = text.split(/[^a-z0-9%]+/).filter(Boolean);
  const found: string[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let size = 3; size >= 1; size--) {
      const phrase = words.slice(i, i + size).join(' ');
      if (size === 1 && FAMILY_NAMES.has(phrase as IndicatorFamily)) continue;
      const spec = findIndicator(EVERYDAY_NAMES[phrase] ?? phrase);
      if (!spec) continue;
      const chosen = findIndicator(BOUNDED_STAND_IN[spec.name] ?? spec.name)!;
      if (usable(chosen) && !found.includes(chosen.name)) found.push(chosen.name);
      break;
    }
  }
  return found;
}

export function readBrief(brief: string | undefined, available: readonly AvailableData[], usable: (spec: IndicatorSpec) => boolean): BriefWishes {
  const text = (brief ?? '').toLowerCase();
  const symbols = [...new Set(available.map((d) => d.symbol))];
  const symbolPatterns: [RegExp, string][] = symbols.map((s) => [SYMBOL_WORDS[s] ?? new RegExp(`\\b${s.toLowerCase().replace(/[.-]/g, '\\$&')}\\b`), s]);
  let wantedSymbols = mentioned(text, symbolPatterns);
  if (wantedSymbols.length === 0 && FOREX_WORDS.test(text)) wantedSymbols = symbols.filter((s) => CURRENCY_PAIR.test(s));
  if (wantedSymbols.length === 0 && EQUITY_WORDS.test(text)) wantedSymbols = symbols.filter((s) => !CURRENCY_PAIR.test(s));
  // A symbol's name is no wish for an indicator: SYN_TREND3_4 asks for no trend indicator, nor does a ticker named VOLM for volume.
  const rest = symbolPatterns.reduce((t, [pattern]) => t.replace(new RegExp(pattern.source, 'g'), ' '), text);
  return {
    symbols: wantedSymbols,
    timeframes: mentioned(rest, TIMEFRAME_WORDS),
    families: [...new Set(mentioned(rest, FAMILY_WORDS))],
    indicators: namedIndicators(rest, usable),
  };
}
