import path from 'node:path';

/** The project's root (this file sits one level down, in src/ or in dist/). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Git-ignored folder for tools installed at set-up (the Temporal binaries). */
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');

/** Git-ignored folder for local state: the dev server's SQLite history. */
export const DATA_DIR = path.join(PROJECT_ROOT, '.data');

/** Strategy YAML files: examples, and what the agent designs (KTRDR_STRATEGIES_DIR moves it, e.g. onto a volume). */
export const STRATEGIES_DIR = process.env.KTRDR_STRATEGIES_DIR ? path.resolve(process.env.KTRDR_STRATEGIES_DIR) : path.join(PROJECT_ROOT, 'strategies');

/** Trained models, one folder per strategy (KTRDR_MODELS_DIR moves it). */
export const MODELS_DIR = process.env.KTRDR_MODELS_DIR ? path.resolve(process.env.KTRDR_MODELS_DIR) : path.join(PROJECT_ROOT, 'models');

/** Backtest reports (trades, equity, metrics), one folder per strategy (KTRDR_REPORTS_DIR moves it). */
export const REPORTS_DIR = process.env.KTRDR_REPORTS_DIR ? path.resolve(process.env.KTRDR_REPORTS_DIR) : path.join(PROJECT_ROOT, 'reports');

/** A path as a terminal shows it: relative when it is under the current folder (`.` for the folder itself), else as given. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative || '.';
}
