/**
 * Why an activity's attempt was cancelled, and how it ends when it was: only a cancelled cycle
 * stops remote work; an attempt ended for any other reason leaves it to the next attempt.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, type ActivityCancellationDetails } from '@temporalio/common';

/**
 * Why an activity's cancellation signal fired. The SDK fires the same signal when the cycle
 * was cancelled and when only this attempt ended — the worker is shutting down, the attempt
 * timed out or is unknown to the server (a heartbeat timeout, a server that was away), or an
 * operator paused or reset the activity. Only the first may stop remote work: in every other
 * case the next attempt, on this worker or another, re-attaches to it.
 */
const CANCELLATION_REASONS = ['cancelRequested', 'workerShutdown', 'timedOut', 'notFound', 'paused', 'reset'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

/** The SDK's cancel reasons (the CancelledFailure's message) for a cancellation that came without details. */
const BY_SDK_REASON: Record<string, CancellationReason> = {
  CANCELLED: 'cancelRequested',
  WORKER_SHUTDOWN: 'workerShutdown',
  TIMED_OUT: 'timedOut',
  NOT_FOUND: 'notFound',
  PAUSED: 'paused',
  RESET: 'reset',
};

/**
 * The reason of a cancellation, from the details the server sent with it (each reason is one
 * of their flags), the first in CANCELLATION_REASONS' order: a requested cancellation wins over
 * anything else set with it, since the cycle wants its work stopped. Without details (the SDK
 * cancels its own activities that way at shutdown) the SDK's reason says; a cancellation
 * nothing explains counts as the attempt ending, never as the cycle's — a cycle that was
 * cancelled still has its remote work cancelled, by its clean-up activity.
 */
export function cancellationReason(details: ActivityCancellationDetails | undefined, signalReason?: unknown): CancellationReason {
  const flagged = CANCELLATION_REASONS.find((reason) => details?.[reason]);
  const sdkReason = signalReason instanceof Error ? BY_SDK_REASON[signalReason.message] : undefined;
  return flagged ?? sdkReason ?? 'notFound';
}

/** The reason the activity of `ctx` (by default the current one) was cancelled. */
export function currentCancellationReason(ctx: Context = Context.current()): CancellationReason {
  return cancellationReason(ctx.cancellationDetails, ctx.cancellationSignal.reason);
}

/** The type of the retryable failure an attempt ends with when its worker shuts down. */
const WORKER_SHUTDOWN = 'WorkerShutdown';

/**
 * Ends the current attempt after its cancellation: for a cancelled cycle as cancelled; when
 * the worker shuts down, as a retryable failure the next worker takes up at once (not after
 * the policy's backoff); otherwise as the SDK reports a cancelled attempt (the server has
 * moved on, or reports a pause or reset itself). `what` says what is left running.
 */
export async function endCancelledAttempt(what: string): Promise<never> {
  const ctx = Context.current();
  if (currentCancellationReason() === 'workerShutdown') {
    throw ApplicationFailure.create({ message: `the worker shut down; ${what}`, type: WORKER_SHUTDOWN, nextRetryDelay: '1 second' });
  }
  return ctx.cancelled;
}
