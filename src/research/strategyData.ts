/**
 * What validating a strategy loads and computes, handed on to the run that follows (training,
 * backtest, holdout), which then reads no file twice and computes no indicator twice. One entry
 * per symbol, in the strategy's order.
 */
import { barsBetween, type Bars } from '../engine/data/bars';
import { loadBars, normalizeSymbol } from '../engine/data/marketData';
import { strategyMarkets, trainingDateRange, type Strategy } from './schema';

export interface StrategyData {
  /** Each symbol's whole series at the strategy's timeframe. */
  bars: Bars[];
  /** The same within the training dates (views on `bars`): what the strategy trains on. */
  series: Bars[];
  /** Each series' indicator values by feature_id (computeIndicators). */
  indicators: Map<string, Float64Array>[];
}

/** Each of the strategy's symbols at its timeframe, whole: taken from `loaded` when there, else read from its file. */
export function strategyBars(strategy: Pick<Strategy, 'training_data'>, dataDir: string, loaded: readonly Bars[] = []): Bars[] {
  const { symbols, timeframe } = strategyMarkets(strategy);
  return symbols.map((symbol) => {
    const canonical = normalizeSymbol(symbol);
    return loaded.find((bars) => bars.symbol === canonical && bars.timeframe === timeframe) ?? loadBars(symbol, timeframe, { dir: dataDir });
  });
}

/** The bars a strategy trains on: each series within its training dates. */
export function trainingSeries(strategy: Pick<Strategy, 'training_data'>, bars: Bars[]): Bars[] {
  const range = trainingDateRange(strategy.training_data);
  return bars.map((series) => barsBetween(series, range.start, range.end));
}
