/**
 * The training and backtest activities: start an operation on the services (or re-attach
 * to the one this activity started before a retry), wait for it while heartbeating its
 * progress, and return its typed result. Each attempt waits at most `sliceMs`, then asks
 * Temporal to call it again (see SERVICE_POLICY), so the wait survives worker restarts.
 * Only a cancelled cycle cancels the remote operation (before the activity reports
 * cancelled); an attempt that ends otherwise leaves it running for the next attempt.
 * An operation that died with its service is replaced by a new one (a training resumes
 * from the dead one's checkpoint), at most MAX_REPLACEMENTS times.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  MAX_REPLACEMENTS,
  OPERATION_RUNNING,
  ReplacedOperationSchema,
  ResumedFromSchema,
  type ActivityProgress,
  type BacktestInput,
  type BacktestResult,
  type CleanupInput,
  type CleanupResult,
  type ReplacedOperation,
  type TrainInput,
  type TrainResult,
} from '../domain/activities';
import { ServiceProtocolError, ServiceRejected, ServiceUnavailable, type ServicesClient } from '../services/client';
import { mayBeReplaced, type OperationInfo } from '../services/operation';
import type { TrainingReport } from '../research/trainingReport';
import { currentCancellationReason, endCancelledAttempt } from './cancellation';

export interface ServiceActivityOptions {
  client: ServicesClient;
  /** Longest wait of one attempt; the next attempt re-attaches. */
  sliceMs?: number;
  /**
   * How long each status request may wait for the operation to end (a long poll): the service
   * answers as soon as it ends, or with its progress after this long. Every answer heartbeats,
   * so at the default each interval of the worker's heartbeat throttle carries a heartbeat and
   * a cancel is noticed within half a second.
   */
  pollWaitMs?: number;
  /** How long the services may stay unreachable before the activity gives up for good. */
  unavailableLimitMs?: number;
}

/** What the activity keeps in its heartbeat details, besides progress for people: what the next attempt needs. */
const HeartbeatSchema = z.object({
  operationId: z.string().optional(),
  unreachableSince: z.number().optional(),
  replacedOperations: z.array(ReplacedOperationSchema).optional(),
});
type Heartbeat = z.infer<typeof HeartbeatSchema>;

type What = 'Training' | 'Backtest';

/** Starts the activity's operation (or finds the one a task id already started); `resumeFrom` is the dead operation it replaces. */
type Start = (taskId: string, resumeFrom: string | undefined) => Promise<string>;

/** The operation a wait ended with, and what it took to get there. */
interface Outcome {
  op: OperationInfo;
  replacedOperations: ReplacedOperation[];
}

/** The task id of the operation after `replaced` replacements: `<cycleId>-training`, then `-r1`, `-r2`… */
const taskIdAfter = (base: string, replaced: number) => (replaced === 0 ? base : `${base}-r${replaced}`);

/** Waits for the long poll, or less when the activity is cancelled (the request then ends on its own within `pollWaitMs`). */
function pollOrCancel(poll: Promise<OperationInfo>, signal: AbortSignal): Promise<OperationInfo | undefined> {
  if (signal.aborted) {
    poll.catch(() => undefined);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    poll.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** What `status` shows of an operation's progress; the heartbeat adds the operation's id. */
function progressOf(op: OperationInfo): Omit<ActivityProgress, 'operationId'> {
  const { percentage, current_step, context } = op.progress;
  return {
    percent: percentage,
    step: current_step,
    ...(context.epoch_index !== undefined && { epoch: context.epoch_index }),
    ...(context.total_epochs !== undefined && { totalEpochs: context.total_epochs }),
    ...(context.train_loss !== undefined && { loss: context.train_loss }),
    ...(context.queued_ahead !== undefined && { queuedAhead: context.queued_ahead }),
    ...(context.resumed_from && { resumedFrom: { operationId: context.resumed_from.operation_id, epoch: context.resumed_from.epoch } }),
  };
}

/**
 * Runs one attempt: start or re-attach, then wait. Connection problems and 5xx are retried
 * by Temporal until the services have been unreachable for `unavailableLimitMs`; a 4xx is
 * final, with the service's own message.
 */
async function runOperation(options: ServiceActivityOptions, what: What, baseTaskId: string, start: Start): Promise<Outcome> {
  const { client, sliceMs = 10 * 60_000, pollWaitMs = 500, unavailableLimitMs = 5 * 60_000 } = options;
  const ctx = Context.current();
  const previous = HeartbeatSchema.safeParse(ctx.info.heartbeatDetails);
  const state: Heartbeat = previous.success ? { ...previous.data, unreachableSince: undefined } : {};
  const replaced = state.replacedOperations ?? [];
  // Every heartbeat carries what the next attempt needs, beside the progress people read.
  const beat = (progress: Omit<ActivityProgress, 'operationId'>) =>
    ctx.heartbeat({
      ...progress,
      operationId: state.operationId,
      ...(replaced.length > 0 && { replacedOperations: replaced }),
      ...(state.unreachableSince && { unreachableSince: state.unreachableSince }),
    });
  const began = Date.now();
  try {
    if (state.operationId) {
      // an operation the service no longer knows (its records were wiped) is started again, through the same task id
      await client.getOperation(state.operationId).catch((err: unknown) => {
        if (err instanceof ServiceRejected && err.status === 404) state.operationId = undefined;
        else throw err;
      });
    }
    for (;;) {
      state.operationId ??= await start(taskIdAfter(baseTaskId, replaced.length), replaced.at(-1)?.operationId);
      beat({ percent: 0, step: 'started' });
      const op = await waitForEnd(state.operationId);
      if (!op) return await cancelledWhileWaiting(state.operationId);
      if (op.status === 'completed') return { op, replacedOperations: replaced };
      if (op.status !== 'failed')
        throw ApplicationFailure.nonRetryable(`${what} operation ${op.operation_id} was cancelled on the service`, 'OperationCancelled');
      if (!mayBeReplaced(op)) throw ApplicationFailure.nonRetryable(op.error_message, `${what}Failed`);
      if (replaced.length >= MAX_REPLACEMENTS) {
        const history = [...replaced, { operationId: op.operation_id, errorCode: op.error_code }].map((r) => `${r.operationId} (${r.errorCode})`).join(', ');
        throw ApplicationFailure.nonRetryable(
          `${op.error_message}; ${MAX_REPLACEMENTS + 1} ${what.toLowerCase()} operations ended that way: ${history}`,
          `${what}Failed`,
        );
      }
      replaced.push(ReplacedOperationSchema.parse({ operationId: op.operation_id, errorCode: op.error_code }));
      state.operationId = undefined;
    }
  } catch (err) {
    if (err instanceof ServiceRejected) throw ApplicationFailure.nonRetryable(err.message, 'ServiceRejected', err.problems);
    if (err instanceof ServiceProtocolError) throw ApplicationFailure.nonRetryable(err.message, 'ServiceProtocolError');
    if (err instanceof ServiceUnavailable && err.status === 429) {
      // the services' queue is full: wait as long as they ask, without counting it as unreachable
      beat({ percent: 0, step: 'waiting for room in the services’ queue' });
      throw ApplicationFailure.create({ message: err.message, type: 'ServicesBusy', nextRetryDelay: `${err.retryAfterSeconds ?? 5} seconds` });
    }
    if (err instanceof ServiceUnavailable) {
      const since = (previous.success ? previous.data.unreachableSince : undefined) ?? began;
      if (Date.now() - since > unavailableLimitMs) {
        throw ApplicationFailure.nonRetryable(
          `${err.message}; unreachable for over ${Math.round(unavailableLimitMs / 60_000)} min: start it with \`ktrdr-agent services\``,
          'ServiceUnavailable',
        );
      }
      state.unreachableSince = since;
      beat({ percent: 0, step: 'waiting for the services' });
    }
    throw err;
  }

  /** Only a cancelled cycle cancels the operation; any other cancellation leaves it to the next attempt. */
  async function cancelledWhileWaiting(operationId: string): Promise<never> {
    if (currentCancellationReason() !== 'cancelRequested') {
      return endCancelledAttempt(`${what.toLowerCase()} operation ${operationId} keeps running and the next attempt re-attaches to it`);
    }
    // best effort: the clean-up activity cancels the cycle's operations again if this fails
    await client.cancelOperation(operationId).catch(() => undefined);
    return ctx.cancelled;
  }

  /** The operation once it has ended; undefined when the activity is cancelled first. */
  async function waitForEnd(operationId: string): Promise<OperationInfo | undefined> {
    for (;;) {
      const waitMs = Math.max(0, Math.min(pollWaitMs, began + sliceMs - Date.now()));
      const op = await pollOrCancel(client.getOperation(operationId, { waitMs }), ctx.cancellationSignal);
      if (!op) return undefined;
      if (op.status !== 'pending' && op.status !== 'running') return op;
      beat(progressOf(op));
      if (Date.now() - began > sliceMs) {
        throw ApplicationFailure.create({ message: `${what} still running`, type: OPERATION_RUNNING, nextRetryDelay: '1 second' });
      }
    }
  }
}

/** Whether the training that replaced a dead one resumed from its checkpoint (after how many whole epochs), or started over and why: its report says. */
function resumption(report: TrainingReport): Pick<TrainResult, 'resumedFrom' | 'startedOver'> {
  if (report.resumedFrom) return { resumedFrom: ResumedFromSchema.parse({ operationId: report.resumedFrom.operationId, epoch: report.resumedFrom.epoch }) };
  return report.startedOver ? { startedOver: report.startedOver } : {};
}

export function createServiceActivities(options: ServiceActivityOptions) {
  const { client } = options;
  return {
    async trainModel(input: TrainInput): Promise<TrainResult> {
      const { op, replacedOperations } = await runOperation(options, 'Training', `${input.cycleId}-training`, async (taskId, resumeFrom) => {
        const started = await client.startTraining({
          strategy_name: input.strategyName,
          task_id: taskId,
          cycle_id: input.cycleId,
          ...(resumeFrom && { resume_from: resumeFrom }),
        });
        return started.task_id;
      });
      if (op.operation_type !== 'training' || op.status !== 'completed') throw new Error(`operation ${op.operation_id} is not a completed training`);
      const report = op.result_summary;
      return {
        operationId: op.operation_id,
        modelPath: report.modelPath,
        metrics: report.metrics,
        ...(replacedOperations.length > 0 && { replacedOperations, ...resumption(report) }),
      };
    },

    async runBacktest(input: BacktestInput): Promise<BacktestResult> {
      const { op, replacedOperations } = await runOperation(options, 'Backtest', `${input.cycleId}-backtest`, async (taskId) => {
        const started = await client.startBacktest({
          strategy_name: input.strategyName,
          model_path: input.modelPath,
          task_id: taskId,
          cycle_id: input.cycleId,
        });
        return started.operation_id;
      });
      if (op.operation_type !== 'backtesting' || op.status !== 'completed') throw new Error(`operation ${op.operation_id} is not a completed backtest`);
      const summary = op.result_summary;
      return {
        operationId: op.operation_id,
        validation: summary.metrics.validation,
        holdout: summary.metrics.holdout,
        reportPath: summary.report_dir,
        ...(replacedOperations.length > 0 && { replacedOperations }),
      };
    },

    /** Cancels every operation of the cycle still running: the safety net when an activity could not clean up itself. */
    async cleanUpCycle(input: CleanupInput): Promise<CleanupResult> {
      const { data: active } = await client.listOperations({ cycle_id: input.cycleId, active_only: true });
      const cancelled: string[] = [];
      for (const op of active) {
        await client.cancelOperation(op.operation_id).then(
          () => cancelled.push(op.operation_id),
          () => undefined,
        );
      }
      return { cancelledOperations: cancelled };
    },
  };
}
