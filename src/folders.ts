/**
 * Every folder the agent reads or writes, resolved once at an entry point (the CLI, the
 * worker, the services) and passed down: nothing below an entry point falls back to a default
 * of its own, so one process never mixes two sets of folders.
 */
import path from 'node:path';
import { PROJECT_ROOT } from './paths';

export interface Folders {
  /** Strategy YAML files: examples, and what the agent designs in designed/. */
  strategies: string;
  /** Market data CSVs, filled by scripts/fetch-market-data.sh. */
  marketData: string;
  /** Trained models, one folder per strategy. */
  models: string;
  /** Backtest reports (trades, equity, metrics), one folder per strategy. */
  reports: string;
  /** Local state: the dev server's history, the services' operation records, logs. */
  state: string;
  /** Claude conversations, one file per phase. */
  transcripts: string;
}

/** The environment variable that moves each folder (e.g. onto a volume in docker-compose.yml). */
const FOLDER_ENV: Record<keyof Folders, string> = {
  strategies: 'KTRDR_STRATEGIES_DIR',
  marketData: 'KTRDR_MARKET_DATA_DIR',
  models: 'KTRDR_MODELS_DIR',
  reports: 'KTRDR_REPORTS_DIR',
  state: 'KTRDR_STATE_DIR',
  transcripts: 'KTRDR_TRANSCRIPTS_DIR',
};

/** The folders an entry point uses: each from its variable when set, else the project's own. */
export function foldersFromEnv(env: NodeJS.ProcessEnv = process.env): Folders {
  const from = (key: keyof Folders, fallback: string) => (env[FOLDER_ENV[key]] ? path.resolve(env[FOLDER_ENV[key]]!) : fallback);
  const state = from('state', path.join(PROJECT_ROOT, '.data'));
  return {
    strategies: from('strategies', path.join(PROJECT_ROOT, 'strategies')),
    marketData: from('marketData', path.join(PROJECT_ROOT, 'data')),
    models: from('models', path.join(PROJECT_ROOT, 'models')),
    reports: from('reports', path.join(PROJECT_ROOT, 'reports')),
    state,
    transcripts: from('transcripts', path.join(state, 'transcripts')),
  };
}
