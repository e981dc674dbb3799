/**
 * What trading costs per side for each asset class, when a strategy does not set its own
 * `backtest.commission` / `backtest.slippage`. KTRDR charged every market an equity broker's
 * 0.1 % + 0.05 %: on hourly EURUSD, whose typical bar moves about 0.1 %, that alone made every
 * strategy lose. Slippage is half the quoted spread (a fill pays half of it on each side);
 * commission is what a low-cost retail broker charges. Rates are fractions of the fill value.
 * Each figure cites where it comes from, read on 2026-12-06; the README's "Costs" has the table.
 */
import { z } from 'zod';
import type { ExecutionConfig, ExecutionRequest } from './config';
import { isSyntheticSymbol } from '../data/syntheticSymbol';

const ASSET_CLASSES = ['forex_major', 'equity_index', 'single_stock'] as const;
const AssetClassSchema = z.enum(ASSET_CLASSES);
export type AssetClass = z.infer<typeof AssetClassSchema>;

interface Figure {
  rate: number;
  source: string;
}

/** Brokers charge per order or per share; as a rate, at the engine's default entry: 25 % of USD 100,000. */
const IBKR_STOCKS =
  'IBKR Pro Fixed, USD 0.005 a share with a USD 1 minimum (https://www.interactivebrokers.co.uk/en/pricing/commissions-stocks.php): at most 0.5 bp of a USD 25,000 order in shares priced USD 100 or more';

export const MARKET_COSTS: Record<AssetClass, { commission: Figure; slippage: Figure }> = {
  forex_major: {
    commission: {
      rate: 0.00008,
      source:
        'IBKR spot FX, 0.20 bp of trade value with a USD 2 minimum per order (https://www.interactivebrokers.com/en/index.php?f=commission&p=fx1): the minimum, 0.8 bp, on a USD 25,000 order',
    },
    slippage: {
      rate: 0.00005,
      source:
        'half a 1-pip EUR/USD spread, 0.45 bp at 1.10, rounded up (0.5–1.2 pip at dealing-desk brokers, 0.1–0.3 at ECN ones: https://forex-basics.com/pairs/eur-usd-characteristics/)',
    },
  },
  equity_index: {
    commission: { rate: 0.00005, source: IBKR_STOCKS },
    slippage: {
      rate: 0.00002,
      source: "half the S&P 500 ETF's (SPY) average 0.004 % spread (https://www.etf.com/sections/news/why-trading-spreads-matter-etfs)",
    },
  },
  single_stock: {
    commission: { rate: 0.00005, source: IBKR_STOCKS },
    slippage: {
      rate: 0.00025,
      source:
        'half a 0.05 % spread, the upper end of what is usual for large caps (https://stockalpha.ai/alpha-learning/spread-is-a-fee-measuring-the-hidden-cost-of-every-trade)',
    },
  },
};

/** The shipped series and common index names; a pair of major currencies is recognised by its codes. */
const KNOWN_SYMBOLS: Record<string, AssetClass> = {
  SP500: 'equity_index',
  SPX: 'equity_index',
  NASDAQ: 'equity_index',
  NDX: 'equity_index',
  DJIA: 'equity_index',
  GOOG: 'single_stock',
  GOOGL: 'single_stock',
};

const MAJOR_CURRENCIES = ['EUR', 'USD', 'GBP', 'JPY', 'CHF', 'AUD', 'CAD', 'NZD'];

export const CostsAppliedSchema = z.strictObject({
  assetClass: AssetClassSchema,
  /** How the symbol got its class. An unknown symbol gets the dearest class, so no market is flattered by a guess. */
  classifiedBy: z.enum(['known symbol', 'pair of major currencies', 'synthetic market (SYN_…): priced as a forex major', 'unknown symbol: the dearest class']),
  /** Where each rate came from: the strategy's backtest section, or the asset class's figure and its source. */
  commission: z.string(),
  slippage: z.string(),
});
export type CostsApplied = z.infer<typeof CostsAppliedSchema>;

export function assetClassOf(symbol: string): Pick<CostsApplied, 'assetClass' | 'classifiedBy'> {
  const upper = symbol.toUpperCase();
  const known = KNOWN_SYMBOLS[upper];
  if (known) return { assetClass: known, classifiedBy: 'known symbol' };
  const [base, quote] = [upper.slice(0, 3), upper.slice(3)];
  if (upper.length === 6 && base !== quote && MAJOR_CURRENCIES.includes(base) && MAJOR_CURRENCIES.includes(quote)) {
    return { assetClass: 'forex_major', classifiedBy: 'pair of major currencies' };
  }
  // The synthetic markets move like an FX major (10 % a year), so they cost what one does.
  if (isSyntheticSymbol(upper)) return { assetClass: 'forex_major', classifiedBy: 'synthetic market (SYN_…): priced as a forex major' };
  return { assetClass: 'single_stock', classifiedBy: 'unknown symbol: the dearest class' };
}

/** The execution settings with both rates filled: the strategy's own where it gave them, else its market's. */
export function resolveCosts(requested: ExecutionRequest, symbol: string): { execution: ExecutionConfig; costs: CostsApplied } {
  const { assetClass, classifiedBy } = assetClassOf(symbol);
  const market = MARKET_COSTS[assetClass];
  const from = (rate: number | undefined, name: 'commission' | 'slippage') =>
    rate === undefined ? `${assetClass} default: ${market[name].source}` : `the strategy's backtest.${name}`;
  return {
    execution: { ...requested, commission: requested.commission ?? market.commission.rate, slippage: requested.slippage ?? market.slippage.rate },
    costs: { assetClass, classifiedBy, commission: from(requested.commission, 'commission'), slippage: from(requested.slippage, 'slippage') },
  };
}
