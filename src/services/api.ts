/**
 * The wire shapes of the operations API (prefix /api/v1, KTRDR's shapes: spec §4–§6). The
 * server parses requests and the client parses responses with these same schemas.
 */
import { z } from 'zod';
import { StrategyNameSchema } from '../domain/activities';
import { KeySchema, OperationInfoSchema, OperationStatusSchema, OperationTypeSchema } from './operation';

export const API_PREFIX = '/api/v1';

/** `task_id` is the caller's idempotency key: a second start with it returns the first operation. */
const StartRequestSchema = z.strictObject({
  strategy_name: StrategyNameSchema,
  task_id: KeySchema.optional(),
  cycle_id: KeySchema.optional(),
});

/**
 * `resume_from`: an ended training of the same strategy (typically one its service stopped)
 * whose checkpoint this one continues from; without a usable checkpoint it starts over, and
 * its progress says why (`context.started_over`).
 */
export const StartTrainingRequestSchema = StartRequestSchema.extend({ resume_from: KeySchema.optional() });
export type StartTrainingRequest = z.infer<typeof StartTrainingRequestSchema>;

/** `task_id` here is the operation id, as in KTRDR. */
export const StartTrainingResponseSchema = z.strictObject({
  success: z.literal(true),
  task_id: z.string(),
  status: OperationStatusSchema,
  message: z.string(),
});
export type StartTrainingResponse = z.infer<typeof StartTrainingResponseSchema>;

export const StartBacktestRequestSchema = StartRequestSchema.extend({
  /** Absolute, or relative to the service's models folder; it must resolve inside that folder. Default: the strategy's own model. */
  model_path: z.string().min(1).optional(),
});
export type StartBacktestRequest = z.infer<typeof StartBacktestRequestSchema>;

export const StartBacktestResponseSchema = z.strictObject({
  success: z.literal(true),
  operation_id: z.string(),
  status: OperationStatusSchema,
  message: z.string(),
});
export type StartBacktestResponse = z.infer<typeof StartBacktestResponseSchema>;

export const OperationResponseSchema = z.strictObject({ success: z.literal(true), data: OperationInfoSchema });

/** Longest long poll: under the usual 60 s proxy and client idle timeouts. */
const MAX_WAIT_MS = 30_000;

/**
 * Query string of GET /operations/{id}: `wait_ms` makes it a long poll, answered when the
 * operation ends or after that many milliseconds, whichever comes first (0: at once).
 */
export const GetOperationQuerySchema = z.strictObject({
  wait_ms: z.coerce.number().int().min(0).max(MAX_WAIT_MS).default(0),
});

const booleanParam = z.enum(['true', 'false']).transform((value) => value === 'true');

/** Query string of GET /operations; every value arrives as text. */
export const ListOperationsQuerySchema = z.strictObject({
  status: OperationStatusSchema.optional(),
  operation_type: OperationTypeSchema.optional(),
  cycle_id: KeySchema.optional(),
  active_only: booleanParam.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
/** The query once parsed: what the client takes (every field optional) and the service filters by. */
export type ListOperationsFilter = z.output<typeof ListOperationsQuerySchema>;

/** Newest first; the counts are over every operation that matches the filter, before `limit`. */
export const ListOperationsResponseSchema = z.strictObject({
  success: z.literal(true),
  data: z.array(OperationInfoSchema),
  total_count: z.number().int().min(0),
  active_count: z.number().int().min(0),
});
export type ListOperationsResponse = z.infer<typeof ListOperationsResponseSchema>;

/** Optional body of DELETE /operations/{id}. */
export const CancelRequestSchema = z.strictObject({ reason: z.string().min(1).max(500).optional() });

export const CancelResponseSchema = z.strictObject({
  success: z.literal(true),
  data: z.strictObject({
    operation_id: z.string(),
    status: z.literal('cancelled'),
    cancelled_at: z.iso.datetime(),
    cancellation_reason: z.string(),
  }),
});
export type CancelResponse = z.infer<typeof CancelResponseSchema>;

export const HealthResponseSchema = z.strictObject({
  status: z.literal('ok'),
  /** Operations holding a worker thread, those still stopping after a cancel included. */
  active_operations: z.number().int().min(0),
  max_operations: z.number().int().min(1),
  /** Starts waiting for a slot. */
  queued_operations: z.number().int().min(0),
  max_queued: z.number().int().min(0),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** One thing wrong with a request: a request field, or a strategy's YAML path and line. */
const ProblemSchema = z.strictObject({
  path: z.string(),
  line: z.number().int().nullable(),
  message: z.string(),
});
export type Problem = z.infer<typeof ProblemSchema>;

/** Every 4xx and 5xx answer. `errors` lists every problem found, not just the first. */
export const ErrorResponseSchema = z.strictObject({
  success: z.literal(false),
  error: z.string(),
  message: z.string(),
  errors: z.array(ProblemSchema),
});
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;
