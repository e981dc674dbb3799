/**
 * Where a strategy's files live. People's strategies (the examples, hand-written ones) are
 * `strategies/<name>.yaml`; what the agent designs is `strategies/designed/<name>.yaml`,
 * apart, so that the folder can be git-ignored without hiding anyone's file. A strategy's
 * own records (design.json, assessment.json) sit in a folder of its name beside its YAML.
 * Designs saved before designed/ existed (at the top, with their records) stay readable.
 *
 * A strategy is read from any file a person names (a downloaded one, say); everything a
 * command writes goes into models/ and reports/ under the strategy's name, a safe identifier.
 */
import fs from 'node:fs';
import path from 'node:path';
import { StrategyNameSchema } from '../domain/activities';
import { closestNames } from '../engine/features/indicators/closestNames';
import { UserError } from '../errors';
import { shownPath } from '../paths';

const DESIGNED_FOLDER = 'designed';

export function strategyName(name: string): string {
  const parsed = StrategyNameSchema.safeParse(name);
  if (!parsed.success) throw new UserError(`'${name}' is not a strategy name: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

export const designedDir = (dir: string) => path.join(dir, DESIGNED_FOLDER);

/** Where a design of that name is written. */
export const designedStrategyFile = (name: string, dir: string) => path.join(designedDir(dir), `${strategyName(name)}.yaml`);

/** The files a name may be, in the order they are looked up: a person's first, then the agent's. */
function candidates(name: string, dir: string): string[] {
  return [dir, designedDir(dir)].flatMap((folder) => [path.join(folder, `${name}.yaml`), path.join(folder, `${name}.yml`)]);
}

const isFile = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * The YAML of a named strategy: `strategies/<name>.yaml` (or .yml), else
 * `strategies/designed/<name>.yaml`. A name no file has yet gives `strategies/<name>.yaml`,
 * for callers that check for it.
 */
export function strategyFile(name: string, dir: string): string {
  const files = candidates(strategyName(name), dir);
  return files.find(isFile) ?? files[0];
}

/** Every strategy name in the folder and in designed/, sorted. */
export function strategyNames(dir: string): string[] {
  const names = new Set<string>();
  for (const folder of [dir, designedDir(dir)]) {
    let entries: string[];
    try {
      entries = fs.readdirSync(folder);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const name = entry.replace(/\.ya?ml$/i, '');
      if (name !== entry && StrategyNameSchema.safeParse(name).success && isFile(path.join(folder, entry))) names.add(name);
    }
  }
  return [...names].sort();
}

/** The folder of a strategy's own records, beside its YAML. */
export const strategyFolder = (name: string, dir: string) => path.join(path.dirname(strategyFile(name, dir)), strategyName(name));

/**
 * The file a command is given: a name (`rsi_adx`) is looked up in strategies/ and
 * strategies/designed/; anything that looks like a path (`./x.yaml`, `~/Downloads/x.yml`)
 * is that file, wherever it is. What is not there is one line: where it looked, and the
 * closest names.
 */
export function findStrategy(nameOrPath: string, dir: string): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes(path.sep) || /\.ya?ml$/i.test(nameOrPath);
  if (looksLikePath) {
    const file = path.resolve(nameOrPath);
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) throw new UserError(`no file ${nameOrPath}${hint(path.basename(nameOrPath).replace(/\.ya?ml$/i, ''), dir)}`);
    if (!stat.isFile()) throw new UserError(`${nameOrPath} is not a file: give a strategy's YAML file, or its name`);
    return file;
  }
  const parsed = StrategyNameSchema.safeParse(nameOrPath);
  const file = parsed.success ? candidates(nameOrPath, dir).find(isFile) : undefined;
  if (file) return file;
  throw new UserError(unknownStrategy(nameOrPath, dir, ' (give a file path to read a strategy from elsewhere)'));
}

/** Why a name is no strategy: where it was looked up, and the closest names (else `otherwise`). */
export function unknownStrategy(name: string, dir: string, otherwise = ''): string {
  return `no strategy '${name}' in ${shownPath(dir)}/ or ${shownPath(designedDir(dir))}/${hint(name, dir) || otherwise}`;
}

function hint(query: string, dir: string): string {
  const close = closestNames(
    query,
    strategyNames(dir).map((n) => [n, n] as const),
  );
  return close.length ? ` (did you mean ${close.join(', ')}?)` : '';
}

export const modelDir = (name: string, dir: string) => path.join(dir, strategyName(name));
export const reportDir = (name: string, dir: string) => path.join(dir, strategyName(name));
