/**
 * What a training reports (training.json beside the model, and a training operation's result):
 * a module of schemas alone, so that whoever reads a report — the services' client, the worker's
 * activities — loads no engine with it.
 */
import { z } from 'zod';
import { TrainingMetricsSchema } from '../domain/activities';
import { TrainingHistorySchema } from '../engine/neural/trainingState';

const ClassFiguresSchema = z.tuple([z.number(), z.number(), z.number()]);

export const TrainingReportSchema = z.strictObject({
  strategy: z.string(),
  modelPath: z.string(),
  symbols: z.array(z.string()),
  timeframe: z.string(),
  features: z.number().int(),
  parameters: z.number().int(),
  rows: z.strictObject({ train: z.number().int(), validation: z.number().int() }),
  /** Gate figures: accuracy and loss on the validation split. */
  metrics: TrainingMetricsSchema,
  bestEpoch: z.number().int(),
  stoppedEarly: z.boolean(),
  validation: z.strictObject({
    classBalance: ClassFiguresSchema,
    precision: ClassFiguresSchema,
    recall: ClassFiguresSchema,
    f1: ClassFiguresSchema,
    /** confusion[true][predicted], classes BUY, HOLD, SELL. */
    confusion: z.array(ClassFiguresSchema),
  }),
  trainClassBalance: ClassFiguresSchema,
  history: TrainingHistorySchema,
  /** Over every run that led to this model, a resumed one included. */
  trainingTimeMs: z.number(),
  /** A training resumed from a checkpoint: whose, taken after `epoch` epochs and `batch` batches of the next. */
  resumedFrom: z.strictObject({ operationId: z.string(), epoch: z.number().int().min(0), batch: z.number().int().min(0) }).optional(),
  /** A training asked to resume that could not: why it started over. */
  startedOver: z.string().optional(),
});
export type TrainingReport = z.infer<typeof TrainingReportSchema>;
