/**
 * A cancelled cycle ends by rethrowing its cancellation, which carries no result (Temporal's
 * cancel command has no payload). The status it had is attached to that error object, in memory
 * only, so that a traced worker's interceptor, which receives the same error, can still give the
 * cycle's trace its phases. Nothing is serialised, and an untraced worker never reads it.
 */
import type { CycleStatus } from './cycle';

const STATUS = Symbol('ktrdr.cycleStatus');

export function attachStatus<E>(err: E, status: CycleStatus): E {
  if (typeof err === 'object' && err !== null) Object.defineProperty(err, STATUS, { value: status, configurable: true });
  return err;
}

export function attachedStatus(err: unknown): CycleStatus | undefined {
  return typeof err === 'object' && err !== null ? (err as { [STATUS]?: CycleStatus })[STATUS] : undefined;
}
