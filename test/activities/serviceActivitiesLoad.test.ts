import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from 'vitest';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../src/paths';
import { TYPESCRIPT_LOADER } from '../support/services';

/**
 * The worker's training and backtest activities only speak HTTP to the services: loading them
 * loads the schemas of what the services answer, never the engine that computes (the neural
 * network, the CSV reader, the indicators) nor the strategy reader and its YAML.
 */
test('the service activities load the operations API and its result schemas, not the engine', () => {
  const src = path.join(PROJECT_ROOT, 'src');
  const script = `require(${JSON.stringify(path.join(src, 'activities', 'serviceActivities.ts'))}); console.log(JSON.stringify(Object.keys(require.cache)))`;
  const run = spawnSync(process.execPath, ['--require', TYPESCRIPT_LOADER, '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  expect(run.stderr).toBe('');
  const loaded = z.array(z.string()).parse(JSON.parse(run.stdout));
  const ours = loaded.filter((file) => file.startsWith(src + path.sep)).map((file) => path.relative(src, file).split(path.sep).join('/'));
  // The result schemas the operations API embeds, each a module of zod schemas alone (the costs
  // ask whether a symbol names a synthetic market: a names-only module, not the generators).
  expect(ours.filter((file) => /^(engine|research)\//.test(file)).sort()).toEqual([
    'engine/backtest/config.ts',
    'engine/backtest/costs.ts',
    'engine/backtest/result.ts',
    'engine/data/syntheticSymbol.ts',
    'engine/neural/trainingState.ts',
    'research/trainingReport.ts',
  ]);
  expect(loaded.filter((file) => file.includes(`${path.sep}node_modules${path.sep}yaml${path.sep}`))).toEqual([]);
});
