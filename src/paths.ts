/**
 * Paths fixed by where the code sits rather than by configuration: the project's root and its
 * tools folder, and how a path is shown to a person.
 */
import path from 'node:path';

/** The project's root (this file sits one level down, in src/ or in dist/). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Git-ignored folder for tools installed at set-up (the Temporal binaries). */
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');

/** A path as a terminal shows it: relative when it is under the current folder (`.` for the folder itself), else as given. */
export function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative || '.';
}
