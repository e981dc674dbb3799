/**
 * One process per folder: a lock file holding the owner's pid and what it is, created
 * atomically (written aside, then hard-linked into place, so a reader never sees half of
 * it). A lock whose process is gone (killed, crashed) is taken over. Taking one returns the function
 * that releases it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

export interface LockOwner {
  pid: number;
  /** What holds it, e.g. `ktrdr-agent dev`. */
  label: string;
}

export function lockFolder(dir: string, name: string, label: string, inUse: (owner: LockOwner) => string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.pid`);
  const mine = `${process.pid}\n${label}\n`;
  const draft = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(draft, mine);
  try {
    for (;;) {
      try {
        fs.linkSync(draft, file);
        return () => {
          if (readOwner(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(file);
      // Our own pid is a stale lock too: a container restarts its process under the same pid.
      if (owner && owner.pid !== process.pid && processExists(owner.pid)) throw new UserError(inUse(owner));
      fs.rmSync(file, { force: true });
    }
  } finally {
    fs.rmSync(draft, { force: true });
  }
}

function readOwner(file: string): LockOwner | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const [pid, label = ''] = text.split('\n');
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, label: label.trim() } : undefined;
}

/**
 * One service process per state folder: a second one would take the first one's running
 * operations for leftovers of a crash and mark them failed.
 */
export function lockStateDir(dir: string): () => void {
  return lockFolder(
    dir,
    'services',
    'ktrdr-agent services',
    ({ pid }) => `another services process (pid ${pid}) keeps its operation records in ${dir}: stop it, or give this one another --state-dir`,
  );
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
