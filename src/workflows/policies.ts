/**
 * One policy per class of activity. Every class waits for the activity to finish its
 * clean-up when cancelled, so a cycle is recorded `cancelled` only after the remote
 * work has stopped.
 */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
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
 * A cycle's calls to the admission workflow (admit, reserve, settle, release), and the
 * admission workflow's look at the cycles that hold slots: each an update, a signal or a few
 * describe calls through the worker's own client, answered in milliseconds. Activities rather
 * than local activities, so that they never hold a workflow task open (the admission workflow
 * needs one to answer) and the time-skipping test server sees them. A retry finds what the
 * first attempt did (every call is idempotent); an admission that does not answer for ten
 * minutes fails the cycle.
 */
export const ADMISSION_POLICY: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '20 seconds' },
};

/** The admission workflow's look at the workflows of cycles that hold slots: a few describe calls, retried briefly (the next look comes soon). */
export const HOLDER_CHECK_POLICY: ActivityOptions = {
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
};
