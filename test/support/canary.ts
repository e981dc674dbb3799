import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bars } from '../../src/engine/data/bars';
import { writeBarsCsv } from '../../src/engine/data/barsCsv';

/**
 * A throw-away project for engine tests, under the OS temp folder: data/ with the given
 * bars as CSV, strategies/ with the strategy, and models/ and reports/ beside them.
 */
export function sandbox(bars: Bars, strategyName: string, strategyYaml: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-engine-'));
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(path.join(root, 'strategies'));
  writeBarsCsv(bars, path.join(dataDir, `${bars.symbol}_${bars.timeframe}.csv`));
  const strategyPath = path.join(root, 'strategies', `${strategyName}.yaml`);
  fs.writeFileSync(strategyPath, strategyYaml);
  return {
    strategyPath,
    options: { dataDir, modelsDir: path.join(root, 'models'), reportsDir: path.join(root, 'reports') },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
