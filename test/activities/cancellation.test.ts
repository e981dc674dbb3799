import { ActivityCancellationDetails, CancelledFailure } from '@temporalio/common';
import { describe, expect, test } from 'vitest';
import { cancellationReason } from '../../src/activities/cancellation';

/**
 * Why an activity was cancelled, told apart in one place: the server's cancellation details
 * as a worker receives them, one reason per test; only `cancelRequested` (the cycle was
 * cancelled) lets an activity stop remote work.
 */
const details = (options: ConstructorParameters<typeof ActivityCancellationDetails>[0]) => new ActivityCancellationDetails(options);

describe('cancellationReason', () => {
  test('a cancelled cycle: cancelRequested', () => {
    expect(cancellationReason(details({ cancelRequested: true }))).toBe('cancelRequested');
  });

  test('the worker shutting down: workerShutdown', () => {
    expect(cancellationReason(details({ workerShutdown: true }))).toBe('workerShutdown');
  });

  test('a heartbeat or start-to-close timeout: timedOut', () => {
    expect(cancellationReason(details({ timedOut: true }))).toBe('timedOut');
  });

  test('an attempt the server no longer knows (it timed out while the server was away): notFound', () => {
    expect(cancellationReason(details({ notFound: true }))).toBe('notFound');
  });

  test('an operator paused the activity: paused', () => {
    expect(cancellationReason(details({ paused: true }))).toBe('paused');
  });

  test('an operator reset the activity: reset', () => {
    expect(cancellationReason(details({ reset: true }))).toBe('reset');
  });

  test('a cancelled cycle wins over whatever else came with it', () => {
    expect(cancellationReason(details({ timedOut: true, cancelRequested: true }))).toBe('cancelRequested');
    expect(cancellationReason(details({ workerShutdown: true, cancelRequested: true }))).toBe('cancelRequested');
  });

  test("without details, the SDK's own reason says (it cancels its activities at shutdown that way)", () => {
    expect(cancellationReason(details({}), new CancelledFailure('WORKER_SHUTDOWN'))).toBe('workerShutdown');
    expect(cancellationReason(undefined, new CancelledFailure('CANCELLED'))).toBe('cancelRequested');
    expect(cancellationReason(undefined, new CancelledFailure('TIMED_OUT'))).toBe('timedOut');
  });

  test('a cancellation nothing explains is never taken for a cancelled cycle', () => {
    expect(cancellationReason(undefined)).not.toBe('cancelRequested');
    expect(cancellationReason(details({}), new CancelledFailure('HEARTBEAT_DETAILS_CONVERSION_FAILED'))).not.toBe('cancelRequested');
  });
});
