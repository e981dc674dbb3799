/**
 * A synthetic market a cycle names (SYN_…, see src/engine/data/syntheticMarkets.ts) is written
 * into the market-data folder before a designer looks for data, so Claude's tools and the
 * offline designer both find it like any market.
 */
import type { DesignInput } from '../domain/activities';
import { MarketDataError } from '../engine/data/marketData';
import { materializeSyntheticMarket, SYNTHETIC_TIMEFRAME } from '../engine/data/syntheticMarkets';
import { NoData } from './errors';

export function prepareRequestedMarket({ symbol, timeframe }: Pick<DesignInput, 'symbol' | 'timeframe'>, dataDir: string): void {
  if (!symbol) return;
  try {
    materializeSyntheticMarket(symbol, timeframe ?? SYNTHETIC_TIMEFRAME, dataDir);
  } catch (error) {
    throw error instanceof MarketDataError ? new NoData(error.message) : error;
  }
}
