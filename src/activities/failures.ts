/**
 * The one place where what the designers and assessors throw becomes the failure Temporal
 * records: a designer's error keeps its kind as the failure type, is final unless a retry may
 * help (then after the wait the API asked for), and carries what the phase spent as its
 * details, which the workflow adds to the cycle's spend. The types are those the retry
 * policies (NON_RETRYABLE_ERRORS in src/domain/activities.ts) and recorded histories know.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DesignError } from '../design/errors';
import { noUsage } from '../domain/models';
import { UserError } from '../errors';

export function designFailure(err: DesignError, usage = err.usage): ApplicationFailure {
  const { afterMs } = err.retry;
  const failure = ApplicationFailure.create({
    message: err.message,
    type: err.type,
    nonRetryable: !err.retry.retryable,
    details: usage ? [usage] : [],
    // Temporal reads a zero delay as none given
    ...(afterMs !== undefined && { nextRetryDelay: Math.max(afterMs, 1) }),
  });
  // where the designer threw, not where the activity translated
  failure.stack = err.stack;
  return failure;
}

/**
 * A Claude phase's error. Anything but a designer's error goes on as it is: an aborted request,
 * which the activity reads as a cancellation or a worker shutting down, and a bug, which
 * Temporal retries under its own name.
 */
export function claudePhaseFailure(err: unknown): unknown {
  return err instanceof DesignError ? designFailure(err) : err;
}

/**
 * An offline phase's error. Every failure carries the offline "usage", as Claude's failures
 * carry theirs: a cycle whose offline design fails is then known to be offline. A designer's
 * error keeps its kind; a problem the user can fix is final, as the phase's type; anything else
 * is retried under its own name.
 */
export function offlinePhaseFailure(err: unknown, type: 'DesignGaveUp' | 'InvalidAssessment'): ApplicationFailure {
  const usage = noUsage('offline');
  if (err instanceof DesignError) return designFailure(err, usage);
  if (err instanceof UserError) return ApplicationFailure.create({ message: err.message, type, nonRetryable: true, details: [usage] });
  const error = err instanceof Error ? err : new Error(String(err));
  return ApplicationFailure.create({ message: error.message, type: error.name, details: [usage], cause: error });
}

/** A strategy a person gave the cycle that fails the one validator: final, with every problem. */
export function invalidStrategyFailure(problems: string[]): ApplicationFailure {
  return ApplicationFailure.create({ message: problems.join('; '), type: 'InvalidStrategy', nonRetryable: true, details: [problems] });
}
