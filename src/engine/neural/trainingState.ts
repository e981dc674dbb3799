/**
 * Everything a training needs to go on from where it was, bit for bit as if it had never
 * stopped: the weights and the best ones so far, the optimiser's buffers, both random streams
 * (shuffles, dropout masks), the row order (each epoch shuffles the previous one in place),
 * early stopping's bookkeeping, the history, and the sums of an epoch stopped part-way.
 * train() saves it through `checkpoint` and continues from it with `resume`.
 */
import { z } from 'zod';

const float64s = z.custom<Float64Array>((value) => value instanceof Float64Array, 'expected a Float64Array');

/** A training's figures per epoch (see TrainingResult.history), in its state and in its report. */
export const TrainingHistorySchema = z.strictObject({
  trainLoss: z.array(z.number()),
  trainAccuracy: z.array(z.number()),
  valLoss: z.array(z.number()),
  valAccuracy: z.array(z.number()),
});
export type TrainingHistory = z.infer<typeof TrainingHistorySchema>;

export const TrainingStateSchema = z.strictObject({
  /** Epochs done, and batches done of the next one (0 at an epoch's end). */
  epochsDone: z.number().int().min(0),
  batchesDone: z.number().int().min(0),
  /** Running sums of the epoch under way; zero at an epoch's end. */
  sums: z.strictObject({ loss: z.number(), weight: z.number(), correct: z.number() }),
  params: float64s,
  bestParams: float64s,
  optimizer: z.strictObject({ steps: z.number().int().min(0), buffers: z.array(float64s) }),
  rng: z.strictObject({ state: z.number().int(), spare: z.number().optional() }),
  maskSeed: z.number().int(),
  order: z.custom<Int32Array>((value) => value instanceof Int32Array, 'expected an Int32Array'),
  /** BestEpoch's fields: the best monitored value (±Infinity before the first epoch), its epoch, epochs since. */
  best: z.strictObject({ value: z.number(), epoch: z.number().int().min(0), sinceBest: z.number().int().min(0) }),
  history: TrainingHistorySchema,
  initialTrainLoss: z.number(),
  /** Training time up to this state, over every run that led to it. */
  elapsedMs: z.number().min(0),
});
export type TrainingState = z.infer<typeof TrainingStateSchema>;

/** When train() hands its state to `save`: at the end of an epoch, every `everyEpochs` epochs or `everyMs`, whichever comes first, and when its signal aborts. */
export interface Checkpointing {
  everyEpochs: number;
  everyMs: number;
  save(state: TrainingState): void;
}

/** Why a saved state cannot continue this training (another model, data or settings), or undefined when it can. */
export function misfit(state: TrainingState, expected: { params: number; rows: number; epochs: number; batches: number }): string | undefined {
  const { history } = state;
  if (state.params.length !== expected.params || state.bestParams.length !== expected.params)
    return `it holds ${state.params.length} weights, the model ${expected.params}`;
  if (state.optimizer.buffers.some((buffer) => buffer.length !== expected.params)) return 'its optimiser buffers do not match the model';
  if (state.order.length !== expected.rows) return `it orders ${state.order.length} training rows, the data has ${expected.rows}`;
  if (state.epochsDone > expected.epochs) return `it is ${state.epochsDone} epochs in, of ${expected.epochs}`;
  if (state.batchesDone >= expected.batches) return `it is ${state.batchesDone} batches into an epoch of ${expected.batches}`;
  if (Object.values(history).some((values) => values.length !== state.epochsDone)) return `its history does not cover its ${state.epochsDone} epochs`;
  return undefined;
}
