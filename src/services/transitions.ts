/**
 * The life of an operation record: pending → running → completed | failed | cancelled. Each
 * step returns a new record; the service persists it. Completing takes the job's raw result
 * and checks it against the operation type's result schema, so a completed record always
 * carries a result of the right shape.
 */
import { TrainingReportSchema } from '../research/trainingReport';
import {
  BacktestResultSummarySchema,
  type EndedOperation,
  type FailureCode,
  type OperationInfo,
  type OperationMetadata,
  type OperationProgress,
  type OperationType,
} from './operation';
import { finished, started, WAITING } from './progress';

const now = () => new Date().toISOString();

const common = (op: OperationInfo) => ({
  operation_id: op.operation_id,
  created_at: op.created_at,
  started_at: op.started_at,
  progress: op.progress,
  metadata: op.metadata,
});

export function pending(operation_id: string, operation_type: OperationType, metadata: OperationMetadata): OperationInfo {
  return {
    operation_id,
    operation_type,
    status: 'pending',
    created_at: now(),
    started_at: null,
    completed_at: null,
    progress: WAITING,
    metadata,
    error_message: null,
    error_code: null,
    result_summary: null,
  };
}

export function running(op: OperationInfo): OperationInfo {
  return {
    ...common(op),
    operation_type: op.operation_type,
    status: 'running',
    started_at: now(),
    progress: started(op.operation_type),
    completed_at: null,
    error_message: null,
    error_code: null,
    result_summary: null,
  };
}

export function progressed(op: OperationInfo, progress: OperationProgress): OperationInfo {
  return { ...op, progress };
}

/** Throws (a ZodError) when the result does not have the shape of the operation type's result. */
export function completed(op: OperationInfo, result: unknown): OperationInfo {
  const end = { ...common(op), status: 'completed' as const, progress: finished(op.progress), completed_at: now(), error_message: null, error_code: null };
  return op.operation_type === 'training'
    ? { ...end, operation_type: 'training', result_summary: TrainingReportSchema.parse(result) }
    : { ...end, operation_type: 'backtesting', result_summary: BacktestResultSummarySchema.parse(result) };
}

export function failed(op: OperationInfo, code: FailureCode, message: string): EndedOperation {
  return {
    ...common(op),
    operation_type: op.operation_type,
    status: 'failed',
    completed_at: now(),
    error_message: message,
    error_code: code,
    result_summary: null,
  };
}

export function cancelled(op: OperationInfo, reason: string): EndedOperation {
  return {
    ...common(op),
    operation_type: op.operation_type,
    status: 'cancelled',
    completed_at: now(),
    error_message: reason,
    error_code: 'cancelled',
    result_summary: null,
  };
}
