/**
 * What training leaves in models/<strategy>/model.json: the network, the feature columns it
 * reads and the scaler fitted on training rows, the strategy text it was trained from (by
 * hash), and each symbol's split boundaries — so the backtest scores exactly the validation
 * and holdout periods the model never trained on.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../errors';
import { writeFileAtomic } from '../../writeFileAtomic';

const SplitRangeSchema = z.strictObject({ start: z.number().int(), end: z.number().int(), startTime: z.number(), endTime: z.number() });

const ModelFileSchema = z.strictObject({
  format: z.literal('ktrdr-agent/model'),
  version: z.literal(1),
  strategy: z.string(),
  strategySha256: z.string(),
  trainedAt: z.string(),
  symbols: z.array(z.string()),
  timeframe: z.string(),
  classes: z.array(z.string()),
  columns: z.array(z.string()),
  scaler: z.strictObject({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
  splits: z.array(
    z.strictObject({
      symbol: z.string(),
      bars: z.number().int(),
      ranges: z.strictObject({ train: SplitRangeSchema, validation: SplitRangeSchema, test: SplitRangeSchema }),
    }),
  ),
  network: z.unknown(),
});
export type ModelFile = z.infer<typeof ModelFileSchema>;

export const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

export function saveModelFile(file: string, model: ModelFile): void {
  writeFileAtomic(file, JSON.stringify(model));
}

export function loadModelFile(file: string): ModelFile {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UserError(`no trained model at ${path.relative(process.cwd(), file)}: train the strategy first (ktrdr-agent train <strategy>)`);
  }
  const parsed = ModelFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new UserError(`${path.relative(process.cwd(), file)} is not a model this version can read: retrain the strategy`);
  return parsed.data;
}
