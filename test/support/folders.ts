import { foldersFromEnv } from '../../src/folders';

/** The project's own strategies and market data, which the tests read whatever the environment says. */
export const { strategies: STRATEGIES_DIR, marketData: MARKET_DATA_DIR } = foldersFromEnv({});
