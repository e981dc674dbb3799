import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import {
  OPERATION_RUNNING,
  type ActivityProgress,
  type BacktestInput,
  type BacktestResult,
  type CleanupInput,
  type CleanupResult,
  type TrainInput,
  type TrainResult,
} from '../domain/activities';
import { ServiceProtocolError, ServiceRejected, ServiceUnavailable, type ServicesClient } from '../services/client';
import type { OperationInfo } from '../services/operation';
import { currentCancellationReason, endCancelledAttempt } from './cancellation';

/**
 * The training and backtest activities: start an operation on the services (or re-attach
 * to the one this activity started before a retry), wait for it while heartbeating its
 * progress, and return its typed result. Each attempt waits at most `sliceMs`, then asks
 * Temporal to call it again (see SERVICE_POLICY), so the wait survives worker restarts.
 * Only a cancelled cycle cancels the remote operation (before the activity reports
 * cancelled); an attempt that ends otherwise leaves it running for the next attempt.
 */
export interface ServiceActivityOptions {
  client: ServicesClient;
  /** Longest wait of one attempt; the next attempt re-attaches. */
  sliceMs?: number;
  /** Poll interval of the operation's status. */
  pollMs?: number;
  /** How long the services may stay unreachable before the activity gives up for good. */
  unavailableLimitMs?: number;
}

/** What the activity keeps in its heartbeat details: progress for people, the operation id for the next attempt. */
const HeartbeatSchema = z.object({
  operationId: z.string().optional(),
  unreachableSince: z.number().optional(),
});

/** Waits `ms`, or less when the activity is cancelled; leaves no listener behind on the signal. */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

function progressOf(op: OperationInfo): ActivityProgress {
  const { percentage, current_step, context } = op.progress;
  return {
    percent: percentage,
    step: current_step,
    operationId: op.operation_id,
    ...(context.epoch_index !== undefined && { epoch: context.epoch_index }),
    ...(context.total_epochs !== undefined && { totalEpochs: context.total_epochs }),
    ...(context.train_loss !== undefined && { loss: context.train_loss }),
  };
}

/**
 * Runs one attempt: start or re-attach, then wait. Connection problems and 5xx are retried
 * by Temporal until the services have been unreachable for `unavailableLimitMs`; a 4xx is
 * final, with the service's own message.
 */
async function runOperation(
  options: ServiceActivityOptions,
  what: 'Training' | 'Backtest',
  start: () => Promise<string>,
): Promise<OperationInfo> {
  const { client, sliceMs = 10 * 60_000, pollMs = 500, unavailableLimitMs = 5 * 60_000 } = options;
  const ctx = Context.current();
  const previous = HeartbeatSchema.safeParse(ctx.info.heartbeatDetails);
  let operationId = previous.success ? previous.data.operationId : undefined;
  const began = Date.now();
  try {
    if (operationId) {
      // an operation the service no longer knows (its records were wiped) is started again, through the same task id
      await client.getOperation(operationId).catch((err: unknown) => {
        if (err instanceof ServiceRejected && err.status === 404) operationId = undefined;
        else throw err;
      });
    }
    operationId ??= await start();
    ctx.heartbeat({ percent: 0, step: 'started', operationId });
    for (;;) {
      const op = await client.getOperation(operationId);
      if (op.status === 'completed') return op;
      if (op.status === 'failed') throw ApplicationFailure.nonRetryable(op.error_message ?? `${what} failed`, `${what}Failed`);
      if (op.status === 'cancelled') throw ApplicationFailure.nonRetryable(`${what} operation ${operationId} was cancelled on the service`, 'OperationCancelled');
      ctx.heartbeat(progressOf(op));
      if (Date.now() - began > sliceMs) {
        throw ApplicationFailure.create({ message: `${what} still running`, type: OPERATION_RUNNING, nextRetryDelay: '1 second' });
      }
      await sleep(pollMs, ctx.cancellationSignal);
      if (ctx.cancellationSignal.aborted) {
        if (currentCancellationReason() !== 'cancelRequested') {
          return await endCancelledAttempt(`${what.toLowerCase()} operation ${operationId} keeps running and the next attempt re-attaches to it`);
        }
        // best effort: the clean-up activity cancels the cycle's operations again if this fails
        await client.cancelOperation(operationId).catch(() => undefined);
        return await ctx.cancelled;
      }
    }
  } catch (err) {
    if (err instanceof ServiceRejected) throw ApplicationFailure.nonRetryable(err.message, 'ServiceRejected', err.problems);
    if (err instanceof ServiceProtocolError) throw ApplicationFailure.nonRetryable(err.message, 'ServiceProtocolError');
    if (err instanceof ServiceUnavailable && err.status === 429) {
      // busy, not down: every slot is taken; wait as long as the service asks, without counting it as unreachable
      ctx.heartbeat({ percent: 0, step: 'waiting for a free slot on the services', operationId });
      throw ApplicationFailure.create({ message: err.message, type: 'ServicesBusy', nextRetryDelay: `${err.retryAfterSeconds ?? 5} seconds` });
    }
    if (err instanceof ServiceUnavailable) {
      const since = (previous.success && previous.data.unreachableSince) || began;
      if (Date.now() - since > unavailableLimitMs) {
        throw ApplicationFailure.nonRetryable(`${err.message}; unreachable for over ${Math.round(unavailableLimitMs / 60_000)} min: start it with \`ktrdr-agent services\``, 'ServiceUnavailable');
      }
      ctx.heartbeat({ percent: 0, step: 'waiting for the services', operationId, unreachableSince: since });
    }
    throw err;
  }
}

export function createServiceActivities(options: ServiceActivityOptions) {
  const { client } = options;
  return {
    async trainModel(input: TrainInput): Promise<TrainResult> {
      const op = await runOperation(options, 'Training', async () => {
        const started = await client.startTraining({ strategy_name: input.strategyName, task_id: `${input.cycleId}-training`, cycle_id: input.cycleId });
        return started.task_id;
      });
      if (op.operation_type !== 'training' || op.status !== 'completed') throw new Error(`operation ${op.operation_id} is not a completed training`);
      const report = op.result_summary;
      return { operationId: op.operation_id, modelPath: report.modelPath, metrics: report.metrics };
    },

    async runBacktest(input: BacktestInput): Promise<BacktestResult> {
      const op = await runOperation(options, 'Backtest', async () => {
        const started = await client.startBacktest({
          strategy_name: input.strategyName,
          model_path: input.modelPath,
          task_id: `${input.cycleId}-backtest`,
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
      };
    },

    /** Cancels every operation of the cycle still running: the safety net when an activity could not clean up itself. */
    async cleanUpCycle(input: CleanupInput): Promise<CleanupResult> {
      const { data: active } = await client.listOperations({ cycle_id: input.cycleId, active_only: true });
      const cancelled: string[] = [];
      for (const op of active) {
        await client.cancelOperation(op.operation_id).then(() => cancelled.push(op.operation_id), () => undefined);
      }
      return { cancelledOperations: cancelled };
    },
  };
}
