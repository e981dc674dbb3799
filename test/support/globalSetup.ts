import { ensureMarketData } from '../../src/cli/fetchMarketData';
import { resolveBinary } from '../../src/temporal/binaries';
import { MARKET_DATA_DIR } from './folders';

/** Resolves (and if needed installs) the official binaries and the market data once, before any test file runs. */
export default function setup(): void {
  ensureMarketData(MARKET_DATA_DIR);
  process.env.TEMPORAL_CLI_PATH = resolveBinary('cli');
  process.env.TEMPORAL_TEST_SERVER_PATH = resolveBinary('testServer');
}
