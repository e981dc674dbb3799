import path from 'node:path';

/** The project's root (this file sits one level down, in src/ or in dist/). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Git-ignored folder for tools installed at set-up (the Temporal binaries). */
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');

/** Git-ignored folder for local state: the dev server's SQLite history. */
export const DATA_DIR = path.join(PROJECT_ROOT, '.data');
