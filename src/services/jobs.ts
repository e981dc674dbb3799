/**
 * What crosses the thread boundary: the job a worker thread runs (its workerData, with every
 * folder resolved by the service) and the messages it posts back while running it. A job
 * stopped by CANCEL posts nothing more: the service ended its operation when it sent CANCEL.
 */
import { z } from 'zod';
import { OperationProgressSchema } from './operation';

export const JobSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('training'),
    strategyPath: z.string(),
    dataDir: z.string(),
    modelsDir: z.string(),
    /** Where the training keeps its checkpoint, and the operation whose checkpoint that file holds when it is to resume. */
    checkpoint: z.strictObject({ file: z.string(), resumeFrom: z.string().optional() }).optional(),
  }),
  z.strictObject({
    type: z.literal('backtesting'),
    strategyPath: z.string(),
    dataDir: z.string(),
    modelsDir: z.string(),
    reportsDir: z.string(),
    modelPath: z.string(),
    /** Who asked for the backtest, recorded with its look at the holdout: `cycle <id>`, or `services`. */
    lookedAtBy: z.string(),
  }),
]);
export type Job = z.infer<typeof JobSchema>;

/** The only message the service sends a worker: stop. */
export const CANCEL = 'cancel';

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('started') }),
  z.strictObject({ type: z.literal('progress'), progress: OperationProgressSchema }),
  /** Checked against the operation type's result schema by the service, not here. */
  z.strictObject({ type: z.literal('completed'), result: z.unknown() }),
  z.strictObject({ type: z.literal('failed'), error: z.string(), stack: z.string().optional() }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
