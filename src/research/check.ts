/**
 * A strategy a person names for a cycle, looked up as every command looks names up
 * (strategies/, then strategies/designed/) and checked by the one validator: `trigger` runs
 * this before it starts the cycle, the worker again before it trains. The problems are the
 * validator's errors, each with its file and line, or where the name was looked up.
 */
import fs from 'node:fs';
import { shownPath } from '../paths';
import { strategyFile, unknownStrategy } from './files';
import { formatProblem } from './problems';
import { validateStrategyFile } from './validate';

export type NamedStrategyCheck = { ok: true; file: string } | { ok: false; problems: string[] };

export function checkNamedStrategy(name: string, { strategiesDir, dataDir }: { strategiesDir: string; dataDir: string }): NamedStrategyCheck {
  const file = strategyFile(name, strategiesDir);
  if (!fs.statSync(file, { throwIfNoEntry: false })?.isFile()) return { ok: false, problems: [unknownStrategy(name, strategiesDir)] };
  const validation = validateStrategyFile(file, { dataDir });
  if (validation.valid) return { ok: true, file };
  return { ok: false, problems: validation.problems.filter((p) => p.severity === 'error').map((p) => formatProblem(shownPath(file), p)) };
}
