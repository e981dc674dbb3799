import { strategyMarkets, trainingDateRange, type Strategy } from './schema';
import { barsBetween, type Bars } from '../engine/data/bars';
import { loadBars } from '../engine/data/marketData';

/** The bars a strategy trains on: each of its symbols at its timeframe, within its training dates. */
export function strategySeries(strategy: Strategy, dataDir: string): Bars[] {
  const { symbols, timeframe } = strategyMarkets(strategy);
  const range = trainingDateRange(strategy.training_data);
  return symbols.map((symbol) => barsBetween(loadBars(symbol, timeframe, { dir: dataDir }), range.start, range.end));
}
