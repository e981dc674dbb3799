/**
 * Writes time, close, every indicator and every model column to `<dir>/<file>_<symbol>.csv`
 * (the caller's dir: a strategy's reports folder). Only the file name of `requested` is used:
 * the file never lands outside `dir`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors';
import type { Bars } from '../data/bars';
import type { Features } from './features';

export function writeBarsCsvColumns(requested: string, dir: string, symbol: string, bars: Bars, features: Features): string {
  const name = path.basename(requested);
  if (!/^[\w.-]+\.csv$/.test(name)) throw new UserError(`--csv takes a file name ending in .csv, got '${requested}'`);
  const file = path.join(dir, name.replace(/\.csv$/, `_${symbol}.csv`));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const indicators = [...features.indicators];
  const header = ['timestamp', 'close', ...indicators.map(([id]) => id), ...features.columns];
  const lines: string[] = [header.join(',')];
  for (let t = 0; t < bars.time.length; t++) {
    const cells = [new Date(bars.time[t]).toISOString(), bars.close[t]];
    for (const [, values] of indicators) cells.push(Number.isFinite(values[t]) ? values[t] : '');
    for (const values of features.values) cells.push(Number.isFinite(values[t]) ? values[t] : '');
    lines.push(cells.join(','));
  }
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}
