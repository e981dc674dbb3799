/**
 * A training's checkpoint file: its state (neural/trainingState.ts) and what it belongs to —
 * the hash of the strategy text and of the rows it trains and validates on — so that it
 * resumes only the very same training. Written with v8.serialize, which carries typed arrays
 * as their bytes (exact, and fast: no base64, no parsing of numbers) and keeps ±Infinity; a
 * file another Node version cannot read is reported like any unreadable one, and the
 * training starts over.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import v8 from 'node:v8';
import { z } from 'zod';
import { writeFileAtomic } from '../../writeFileAtomic';
import type { Rows } from '../features/dataset';
import { TrainingStateSchema, type TrainingState } from './trainingState';

const CheckpointSchema = z.strictObject({
  format: z.literal('ktrdr-agent/checkpoint'),
  version: z.literal(1),
  strategySha256: z.string(),
  dataSha256: z.string(),
  state: TrainingStateSchema,
});

/** What a checkpoint must match to be resumed. */
export interface CheckpointKey {
  strategySha256: string;
  dataSha256: string;
}

/** The rows' bytes, training then validation, features then labels. */
export function rowsSha256(...splits: Rows[]): string {
  const hash = crypto.createHash('sha256');
  for (const { x, y } of splits) hash.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength)).update(new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  return hash.digest('hex');
}

/** Replaces the file whole (written aside, then renamed): a crash mid-write leaves the previous checkpoint. */
export function saveCheckpoint(file: string, key: CheckpointKey, state: TrainingState): void {
  writeFileAtomic(file, v8.serialize({ format: 'ktrdr-agent/checkpoint', version: 1, ...key, state }));
}

/** The state saved in `file` for the training `key` names, or why there is none to resume from. */
export function readCheckpoint(file: string, key: CheckpointKey): { state: TrainingState } | { problem: string } {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return { problem: 'no checkpoint was saved' };
  }
  let checkpoint: z.infer<typeof CheckpointSchema>;
  try {
    checkpoint = CheckpointSchema.parse(v8.deserialize(bytes));
  } catch (err) {
    return { problem: `its checkpoint is unreadable (${(err as Error).message.split('\n')[0]})` };
  }
  if (checkpoint.strategySha256 !== key.strategySha256) return { problem: 'the strategy changed since its checkpoint' };
  if (checkpoint.dataSha256 !== key.dataSha256) return { problem: 'the training data changed since its checkpoint' };
  return { state: checkpoint.state };
}
