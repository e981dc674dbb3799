import fs from 'node:fs';
import path from 'node:path';
import { StrategyNameSchema } from '../domain/activities';
import { UserError } from '../errors';
import { MODELS_DIR, REPORTS_DIR, STRATEGIES_DIR } from '../paths';

/**
 * Where a strategy's files live. Everything is read and written inside strategies/,
 * models/ and reports/ (and data/ by the loader), whatever a name or a path says: a name
 * is a safe identifier, and a path must resolve inside strategies/.
 */
export function strategyName(name: string): string {
  const parsed = StrategyNameSchema.safeParse(name);
  if (!parsed.success) throw new UserError(`'${name}' is not a strategy name: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

/** A strategy given by name (`rsi_adx`) or by a path inside strategies/ (`strategies/rsi_adx.yaml`). */
export function strategyFile(nameOrPath: string, dir = STRATEGIES_DIR): string {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes(path.sep) || /\.ya?ml$/i.test(nameOrPath);
  if (!looksLikePath) {
    const name = strategyName(nameOrPath);
    const yml = path.join(dir, `${name}.yml`);
    return fs.existsSync(yml) && !fs.existsSync(path.join(dir, `${name}.yaml`)) ? yml : path.join(dir, `${name}.yaml`);
  }
  const file = path.resolve(nameOrPath);
  const folder = path.resolve(dir);
  if (path.dirname(file) !== folder) {
    throw new UserError(`${nameOrPath} is outside ${path.relative(process.cwd(), folder) || folder}/: strategies are read from there only; copy the file there.`);
  }
  strategyName(path.basename(file).replace(/\.ya?ml$/i, ''));
  return file;
}

export const modelDir = (name: string, dir = MODELS_DIR) => path.join(dir, strategyName(name));
export const reportDir = (name: string, dir = REPORTS_DIR) => path.join(dir, strategyName(name));

/** Writes a file atomically (temp file + rename), so a reader never sees half of it. */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, content);
  fs.renameSync(temp, file);
}
