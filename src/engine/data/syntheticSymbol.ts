/**
 * Whether a symbol names a synthetic market (syntheticMarkets.ts): a module of its own so that
 * what only needs the name (the costs, which the service activities load) does not load the
 * generators and the CSV writer.
 */
export const SYNTHETIC_PREFIX = 'SYN_';

export const isSyntheticSymbol = (symbol: string): boolean => symbol.toUpperCase().startsWith(SYNTHETIC_PREFIX);
