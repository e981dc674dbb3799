import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

/**
 * One service process per state folder: a second one would take the first one's running
 * operations for leftovers of a crash and mark them failed. The lock is a file holding the
 * owner's pid; a lock whose process is gone (killed, crashed) is taken over. Returns the
 * function that releases it.
 */
export function lockStateDir(dir: string): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'services.pid');
  for (;;) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(fs.readFileSync(file, 'utf8'));
    // Our own pid is a stale lock too: a container restarts its process under the same pid.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processExists(owner)) {
      throw new UserError(`another services process (pid ${owner}) keeps its operation records in ${dir}: stop it, or give this one another --state-dir`);
    }
    fs.rmSync(file, { force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
