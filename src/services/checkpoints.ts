/**
 * Training checkpoints in the service's state folder, one file per operation (`<id>.ckpt`),
 * written by the operation's thread (engine/neural/checkpoint.ts). A training that resumes takes the
 * checkpoint of the operation it resumes from over (renamed to its own id), so a checkpoint
 * always belongs to the newest operation of its training, and a second resume from the same
 * dead operation finds nothing to take. A checkpoint is kept only while its operation may be
 * resumed: failed by a stop or a crash of the service or its thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mayBeReplaced, type OperationInfo } from './operation';

export class Checkpoints {
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  file(id: string): string {
    return path.join(this.dir, `${id}.ckpt`);
  }

  /** Gives `from`'s checkpoint to `to`; false when `from` left none. */
  handOver(from: string, to: string): boolean {
    try {
      fs.renameSync(this.file(from), this.file(to));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /** Removes the operation's checkpoint unless the operation may still be resumed. */
  release(op: OperationInfo): void {
    if (!mayBeReplaced(op)) fs.rmSync(this.file(op.operation_id), { force: true });
  }

  /** Removes every checkpoint no operation may resume from, and what writes cut short left behind. */
  sweep(find: (id: string) => OperationInfo | undefined): void {
    for (const name of fs.readdirSync(this.dir)) {
      const op = name.endsWith('.ckpt') ? find(name.slice(0, -'.ckpt'.length)) : undefined;
      if (!op || !mayBeReplaced(op)) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }
}
