/**
 * One policy per class of activity. Every class waits for the activity to finish its
 * clean-up when cancelled, so a cycle is recorded `cancelled` only after the remote
 * work has stopped.
 */
import { ActivityCancellationType, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import { NON_RETRYABLE_ERRORS } from '../domain/activities';

/**
 * Claude conversations: up to ten calls, each with a timeout of 7.5 minutes at most (a design
 * call's 16,000 output tokens at the SDK's own rate), heartbeating while they wait; the attempt
 * outlasts ten calls that each use their whole timeout. Rate limits, overload and 5xx are retried with backoff, or after the wait the API
 * asked for (the activity sets it as the next retry delay).
 */
export const LLM_POLICY: ActivityOptions = {
  startToCloseTimeout: '80 minutes',
  heartbeatTimeout: '1 minute',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
  },
};

/**
 * Training and backtest services: a run may take hours. Each attempt waits on the remote
 * operation for up to a slice, heartbeating its progress, then asks to be called again
 * (a retryable `OperationRunning` failure with a short `nextRetryDelay`); the next attempt
 * re-attaches through the heartbeat details. So no attempt outlives a worker deploy by
 * much, and the wait is bounded by the schedule-to-close timeout, not an attempt count.
 * The activity bounds its own retries of connection errors.
 *
 * The activity heartbeats twice a second while it waits (each answer of a half-second long
 * poll); the work itself runs in the services, so nothing on the worker holds a heartbeat
 * back. A 10-second heartbeat timeout notices a dead worker about 10 s after its last
 * heartbeat and leaves a twentyfold margin (the longest gap measured on a loaded 2-core
 * machine is in the README); a false alarm would cost only a re-attach, never the training.
 */
export const SERVICE_POLICY: ActivityOptions = {
  scheduleToCloseTimeout: '24 hours',
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '10 seconds',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS],
  },
};

/** Clean-up after a failure or cancellation: short, retried a few times, never cancelled. */
export const CLEANUP_POLICY: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
};

/** The check of a strategy a person gave the cycle: a file read and the validator, seconds at most; an invalid strategy is final. */
export const STRATEGY_CHECK_POLICY: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumAttempts: 5, nonRetryableErrorTypes: [...NON_RETRYABLE_ERRORS] },
};

/**
 * A cycle's admission and reservations (and, for cycles started before lean-orchestration,
 * its settlements and release): each an update or a signal through the worker's own client,
 * answered in milliseconds. A retry finds what the first attempt did (every call is
 * idempotent); an admission that does not answer for ten minutes fails the cycle.
 *
 * Activities, not local activities: an update waits for the admission workflow to answer,
 * which takes a workflow task on the same workers, and a local activity holds its cycle's
 * workflow task (and the worker's slot for it) until it ends. Cycles admitting at once can
 * then hold every slot while the admission workflow waits for one: 50 cycles started at once
 * on a worker with the default 40 slots took 10 minutes, and 15 of them failed. As activities
 * their workflow tasks end first.
 */
export const ADMISSION_POLICY: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds' },
};

/**
 * A cycle's settlements and its release: each a signal (signal-with-start for a settlement)
 * that the server takes without waiting for the admission workflow, so none can wait on a
 * workflow task slot. Local activities: they run in the workflow task that follows a phase
 * instead of adding an activity task and a workflow task of their own. Retried like the
 * other admission calls; each signal is idempotent.
 */
export const ADMISSION_SIGNAL_POLICY: LocalActivityOptions = {
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds' },
};

/** The admission workflow's look at the workflows of cycles that hold slots: a few describe calls, retried briefly (the next look comes soon). */
export const HOLDER_CHECK_POLICY: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
};
