/**
 * An operation as the services store it and serve it (KTRDR's OperationInfo, spec §6). The
 * schema is a union over type and status, so a record that says `completed` without the
 * result of its type, or `failed` without a reason, does not parse — on the service when it
 * stores one, nor on the client when it reads one (spec §8 #4).
 */
import { z } from 'zod';
import { BacktestMetricsSchema, REPLACEABLE_ERROR_CODES, StrategyNameSchema } from '../domain/activities';
import { BacktestSummarySchema } from '../engine/backtest/result';
import { TrainingReportSchema } from '../research/trainingReport';

const OPERATION_TYPES = ['training', 'backtesting'] as const;
export const OperationTypeSchema = z.enum(OPERATION_TYPES);
export type OperationType = z.infer<typeof OperationTypeSchema>;

const ACTIVE_STATUSES = ['pending', 'running'] as const;
const FINISHED_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export const OperationStatusSchema = z.enum([...ACTIVE_STATUSES, ...FINISHED_STATUSES]);

/**
 * Why a failed operation failed, so a client can tell what a retry fixes: `service_stopped`
 * (it was running, or queued, when its service stopped or crashed; resumable or redone as a
 * new operation), `thread_crashed` (its worker thread died, not of the job's own error),
 * `job_failed` (the job itself failed: bad data, a diverged loss, an invalid result; final).
 * A cancelled operation's code is `cancelled`.
 */
const FAILURE_CODES = [...REPLACEABLE_ERROR_CODES, 'job_failed'] as const;
const FailureCodeSchema = z.enum(FAILURE_CODES);
export type FailureCode = z.infer<typeof FailureCodeSchema>;

export const SERVICE_STOPPED = 'the service stopped while this operation was running';

/** Client-chosen keys (a task id such as `<cycleId>-training`, a cycle id): printable, no spaces. */
export const KeySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/, 'letters, digits and . _ : @ - (at most 200), starting with a letter or digit');

export const OperationProgressSchema = z.strictObject({
  percentage: z.number().min(0).max(100),
  current_step: z.string(),
  context: z.strictObject({
    epoch_index: z.number().int().min(1).optional(),
    total_epochs: z.number().int().min(1).optional(),
    batch_index: z.number().int().min(1).optional(),
    total_batches: z.number().int().min(1).optional(),
    /** Mean training loss of the current epoch's batches so far. */
    train_loss: z.number().optional(),
    /** A queued operation: how many queued starts are ahead of it. */
    queued_ahead: z.number().int().min(0).optional(),
    /** A training started with `resume_from` that resumed: from which operation's checkpoint, taken after `epoch` epochs and `batch` batches of the next. */
    resumed_from: z.strictObject({ operation_id: z.string(), epoch: z.number().int().min(0), batch: z.number().int().min(0) }).optional(),
    /** A training started with `resume_from` that could not resume: why it started over. */
    started_over: z.string().optional(),
  }),
});
export type OperationProgress = z.infer<typeof OperationProgressSchema>;

const OperationMetadataSchema = z.strictObject({
  strategy_name: StrategyNameSchema,
  task_id: KeySchema.optional(),
  cycle_id: KeySchema.optional(),
  /** The model a backtest scores: absolute, inside the service's models folder. */
  model_path: z.string().optional(),
  /** The operation whose checkpoint a training was asked to resume from. */
  resume_from: KeySchema.optional(),
});
export type OperationMetadata = z.infer<typeof OperationMetadataSchema>;

/** A backtest's result without its trade list and equity curve (those are in report_dir). */
export const BacktestResultSummarySchema = z.strictObject({
  strategy: StrategyNameSchema,
  symbol: z.string(),
  timeframe: z.string(),
  model_path: z.string(),
  report_dir: z.string(),
  validation: BacktestSummarySchema,
  holdout: BacktestSummarySchema,
  out_of_sample: BacktestSummarySchema.optional(),
  /** The figures the workflow's gate and the assessment read, per period. */
  metrics: z.strictObject({
    validation: BacktestMetricsSchema,
    holdout: BacktestMetricsSchema,
    out_of_sample: BacktestMetricsSchema.optional(),
  }),
});
export type BacktestResultSummary = z.infer<typeof BacktestResultSummarySchema>;

const timestamp = z.iso.datetime();

const common = {
  operation_id: z.string(),
  created_at: timestamp,
  started_at: timestamp.nullable(),
  progress: OperationProgressSchema,
  metadata: OperationMetadataSchema,
};

function operationOfType<T extends OperationType, R extends z.ZodType>(type: T, result: R) {
  const operation_type = z.literal(type);
  const ended = {
    ...common,
    operation_type,
    completed_at: timestamp,
    /** Why it failed, or the reason given for the cancellation. */
    error_message: z.string().min(1),
    result_summary: z.null(),
  };
  return z.discriminatedUnion('status', [
    z.strictObject({
      ...common,
      operation_type,
      status: z.enum(ACTIVE_STATUSES),
      completed_at: z.null(),
      error_message: z.null(),
      error_code: z.null(),
      result_summary: z.null(),
    }),
    z.strictObject({
      ...common,
      operation_type,
      status: z.literal('completed'),
      completed_at: timestamp,
      error_message: z.null(),
      error_code: z.null(),
      result_summary: result,
    }),
    z.strictObject({ ...ended, status: z.literal('failed'), error_code: FailureCodeSchema }),
    z.strictObject({ ...ended, status: z.literal('cancelled'), error_code: z.literal('cancelled') }),
  ]);
}

/**
 * Records written before `error_code` existed (on disk, or served by an older service) get
 * the code their status and message imply: a failure is the job's own unless its message is
 * SERVICE_STOPPED, the one failure those versions recorded for a stopped service.
 */
function withErrorCode(record: unknown): unknown {
  if (typeof record !== 'object' || record === null || 'error_code' in record) return record;
  const { status, error_message } = record as { status?: unknown; error_message?: unknown };
  const error_code = status === 'cancelled' ? 'cancelled' : status === 'failed' ? (error_message === SERVICE_STOPPED ? 'service_stopped' : 'job_failed') : null;
  return { ...record, error_code };
}

const TrainingOperationSchema = operationOfType('training', TrainingReportSchema);
const BacktestOperationSchema = operationOfType('backtesting', BacktestResultSummarySchema);
export const OperationInfoSchema = z.preprocess(withErrorCode, z.discriminatedUnion('operation_type', [TrainingOperationSchema, BacktestOperationSchema]));
export type OperationInfo = z.infer<typeof OperationInfoSchema>;

/** A failed or cancelled operation: it has an end time, a reason and an error code. */
export type EndedOperation = Extract<OperationInfo, { error_message: string }>;

export const isActive = (op: OperationInfo) => (ACTIVE_STATUSES as readonly string[]).includes(op.status);

/** A failed operation that died with its service or its thread: a new one may replace it, a training resume from its checkpoint. */
export const mayBeReplaced = (op: OperationInfo) => op.status === 'failed' && (REPLACEABLE_ERROR_CODES as readonly string[]).includes(op.error_code);
