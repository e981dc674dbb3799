/**
 * The training and backtest activities: start an operation on the services (or re-attach
 * to the one this activity started before a retry), wait for it while heartbeating its
 * progress, and return its typed result. Each attempt waits at most `sliceMs`, then asks
 * Temporal to call it again (see SERVICE_POLICY), so the wait survives worker restarts.
 * Only a cancelled cycle cancels the remote operation (before the activity reports
 * cancelled); an attempt that ends otherwise leaves it running for the next attempt.
 * An operation that died with its service is replaced by a new one (a training resumes
 * from the dead one's checkpoint), at most MAX_REPLACEMENTS times.
 *
 * With several services instances (one beside each services worker), the heartbeat also says
 * which instance runs the operation: a retry that Temporal hands to a worker on another host
 * re-attaches to the operation there while that instance answers, so nothing runs twice, and
 * replaces it on its own instance once that host is lost.
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
import { ServiceProtocolError, ServiceRejected, ServiceUnavailable, ServicesClient } from '../services/client';
import { mayBeReplaced, type OperationInfo } from '../services/operation';
import type { TrainingReport } from '../research/trainingReport';
import { currentCancellationReason, endCancelledAttempt } from './cancellation';

export interface ServiceActivityOptions {
  /** The services instance beside this worker: where its activities start operations. */
  client: ServicesClient;
  /**
   * The address other hosts reach that instance at (default: the client's), recorded in the
   * heartbeat beside the operation's id: a retry on another host re-attaches there.
   */
  instanceUrl?: string;
  /** A client of another instance, at the address an earlier attempt recorded. */
  connect?: (url: string) => ServicesClient;
  /** The addresses of every services instance a worker serves now, for the clean-up (default: this one alone). */
  instances?: () => Promise<string[]>;
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
  /** The instance that runs the operation; absent in heartbeats from before several instances, which mean this worker's own. */
  servicesUrl: z.string().optional(),
  unreachableSince: z.number().optional(),
  replacedOperations: z.array(ReplacedOperationSchema).optional(),
});
type Heartbeat = z.infer<typeof HeartbeatSchema>;

type What = 'Training' | 'Backtest';

/** Starts the activity's operation (or finds the one a task id already started); `resumeFrom` is the dead operation it replaces. */
type Start = (taskId: string, resumeFrom: string | undefined) => Promise<string>;

/** The longest an ended operation's thread is waited for before the activity returns (a thread that takes longer is stuck). */
const SLOT_BACK_MS = 5_000;

/** A services instance, and the address that names it in heartbeats. */
interface Instance {
  client: ServicesClient;
  url: string;
}

const connectTo = (url: string) => new ServicesClient(url);

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
  const here: Instance = { client, url: options.instanceUrl ?? client.url };
  const ctx = Context.current();
  const previous = HeartbeatSchema.safeParse(ctx.info.heartbeatDetails);
  const state: Heartbeat = previous.success ? { ...previous.data, unreachableSince: undefined } : {};
  const replaced = state.replacedOperations ?? [];
  /** The instance that runs the operation: where the last attempt left it, perhaps on another host. */
  let instance: Instance =
    state.servicesUrl && state.servicesUrl !== here.url ? { client: (options.connect ?? connectTo)(state.servicesUrl), url: state.servicesUrl } : here;
  // Every heartbeat carries what the next attempt needs, beside the progress people read.
  const beat = (progress: Omit<ActivityProgress, 'operationId'>) =>
    ctx.heartbeat({
      ...progress,
      operationId: state.operationId,
      ...(state.operationId && { servicesUrl: instance.url }),
      ...(replaced.length > 0 && { replacedOperations: replaced }),
      ...(state.unreachableSince && { unreachableSince: state.unreachableSince }),
    });
  /** Gives a dead operation up for a new one, at most MAX_REPLACEMENTS times; `why` is how it died. */
  const replace = (dead: { operationId: string; errorCode: string }, why: string) => {
    if (replaced.length >= MAX_REPLACEMENTS) {
      const history = [...replaced, dead].map((r) => `${r.operationId} (${r.errorCode})`).join(', ');
      throw ApplicationFailure.nonRetryable(`${why}; ${MAX_REPLACEMENTS + 1} ${what.toLowerCase()} operations ended that way: ${history}`, `${what}Failed`);
    }
    replaced.push(ReplacedOperationSchema.parse(dead));
    state.operationId = undefined;
  };
  const began = Date.now();
  try {
    if (state.operationId) {
      // An operation its instance no longer knows (its records were wiped) is started again, through the same task id.
      // One on another host's instance that does not answer is replaced here: that host is lost, and the operation with it.
      const { operationId } = state;
      const found = await instance.client.getOperation(operationId).then(
        () => 'found' as const,
        (err: unknown) => {
          if (err instanceof ServiceRejected && err.status === 404) return 'unknown' as const;
          if (err instanceof ServiceUnavailable && instance !== here) return 'unreachable' as const;
          throw err;
        },
      );
      if (found === 'unknown') state.operationId = undefined;
      if (found === 'unreachable')
        replace({ operationId, errorCode: 'instance_unreachable' }, `${instance.url} (the services instance of ${operationId}) did not answer`);
    }
    for (;;) {
      if (!state.operationId) {
        state.operationId = await start(taskIdAfter(baseTaskId, replaced.length), replaced.at(-1)?.operationId);
        instance = here;
      }
      beat({ percent: 0, step: 'started' });
      const op = await waitForEnd(state.operationId);
      if (!op) return await cancelledWhileWaiting(state.operationId);
      if (op.status === 'completed') return { op, replacedOperations: replaced };
      if (op.status !== 'failed')
        throw ApplicationFailure.nonRetryable(`${what} operation ${op.operation_id} was cancelled on the service`, 'OperationCancelled');
      if (!mayBeReplaced(op)) throw ApplicationFailure.nonRetryable(op.error_message, `${what}Failed`);
      replace({ operationId: op.operation_id, errorCode: op.error_code }, op.error_message);
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
    await instance.client.cancelOperation(operationId).catch(() => undefined);
    return ctx.cancelled;
  }

  /** The operation once it has ended; undefined when the activity is cancelled first. */
  async function waitForEnd(operationId: string): Promise<OperationInfo | undefined> {
    for (;;) {
      const waitMs = Math.max(0, Math.min(pollWaitMs, began + sliceMs - Date.now()));
      const op = await pollOrCancel(instance.client.getOperation(operationId, { waitMs }), ctx.cancellationSignal);
      if (!op) return undefined;
      if (op.status !== 'pending' && op.status !== 'running') {
        // The services answer a long poll once an ended operation's thread has exited and its slot is free, but this
        // poll may have answered on its wait first (a thread takes up to ~0.5 s to exit on a loaded machine): make
        // sure, so that Temporal hands this worker its next activity only when the instance has room for it.
        await instance.client.getOperation(operationId, { waitMs: SLOT_BACK_MS }).catch(() => undefined);
        return op;
      }
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

/** Cancels the cycle's operations still running on one instance; the ids of those it cancelled. */
async function cancelActive(client: ServicesClient, cycleId: string): Promise<string[]> {
  const { data: active } = await client.listOperations({ cycle_id: cycleId, active_only: true });
  const cancelled: string[] = [];
  for (const op of active) {
    await client.cancelOperation(op.operation_id).then(
      () => cancelled.push(op.operation_id),
      () => undefined,
    );
  }
  return cancelled;
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

    /**
     * Cancels every operation of the cycle still running, on this instance and on every other one
     * a worker serves now: the safety net when an activity could not clean up itself. An instance
     * that does not answer has nothing running (its operations died with it).
     */
    async cleanUpCycle(input: CleanupInput): Promise<CleanupResult> {
      const here = options.instanceUrl ?? client.url;
      const known = await (options.instances?.() ?? Promise.resolve([])).catch((err: unknown) => {
        Context.current().log.warn('Could not list the services instances: cleaning up on this one alone', { error: (err as Error).message });
        return [];
      });
      const others = new Set(known.filter((url) => url !== here));
      const cancelled = await cancelActive(client, input.cycleId);
      for (const url of others) cancelled.push(...(await cancelActive((options.connect ?? connectTo)(url), input.cycleId).catch(() => [])));
      return { cancelledOperations: cancelled };
    },
  };
}
