import type { temporal } from '@temporalio/proto';
import { ADMISSION_ACTIVITIES } from '../../src/domain/admission';
import { expect, onTestFailed, onTestFinished } from 'vitest';
import type { OperationInfo } from '../../src/services/operation';
import { brief, FaultStack, sleep, type CycleEnd, type StackOptions } from './faultStack';

/** A stack for one test, closed when the test ends, whatever its outcome; its processes' output is printed if the test fails. */
export async function stackForTest(options: StackOptions = {}): Promise<FaultStack> {
  const stack = await FaultStack.start(options);
  // longer than the default hook timeout: every process has to exit first
  onTestFinished(() => stack.close(), 60_000);
  onTestFailed(() => console.error(stack.logs()));
  return stack;
}

type History = temporal.api.history.v1.IHistory;

const isAdmission = (name: string) => (ADMISSION_ACTIVITIES as readonly string[]).includes(name);

/** The research activities the history scheduled, in order, by type (its calls to the admission workflow aside). */
export const scheduledActivities = (history: History) =>
  (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []).filter((name) => !isAdmission(name));

/** How many times the history records a research activity as completed. */
const completedActivities = (history: History) => {
  const names = new Map((history.events ?? []).map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? '']));
  return (history.events ?? []).filter(
    (e) => e.activityTaskCompletedEventAttributes && !isAdmission(names.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId)) ?? ''),
  ).length;
};

/** Each operation as [type, status, task id, error code]: what a person reads in the services' records. */
export const records = (ops: OperationInfo[]) => ops.map((op) => [op.operation_type, op.status, op.metadata.task_id, op.error_code]);

/** One completed training and one completed backtest, under the cycle's own task ids: all a cycle should leave. */
export const oneOfEach = (cycleId: string) => [
  ['training', 'completed', `${cycleId}-training`, null],
  ['backtesting', 'completed', `${cycleId}-backtest`, null],
];

/**
 * What a fault must leave when the cycle survives it: the cycle `completed`; its whole history
 * replaying against the workflow code, with each phase's activity scheduled and completed
 * once; and on the services the operations `expected` (by default one completed training and
 * one completed backtest), the cycle's results naming the completed ones.
 */
export async function expectSurvived(stack: FaultStack, cycleId: string, expected = oneOfEach(cycleId)): Promise<{ end: CycleEnd; ops: OperationInfo[] }> {
  const end = await stack.end(cycleId);
  expect(end.execution, `the cycle ended ${end.execution}: ${end.failure}`).toBe('COMPLETED');
  expect(end.status?.outcome).toBe('completed');
  const history = await stack.replay(cycleId);
  expect(scheduledActivities(history)).toEqual(['checkStrategy', 'trainModel', 'runBacktest', 'assessStrategy']);
  expect(completedActivities(history)).toBe(4);
  const ops = await stack.operations(cycleId);
  expect(records(ops), JSON.stringify(ops.map(brief))).toEqual(expected);
  const completed = (type: OperationInfo['operation_type']) => ops.find((op) => op.operation_type === type && op.status === 'completed')?.operation_id;
  expect(end.status?.training?.operationId).toBe(completed('training'));
  expect(end.status?.backtest?.operationId).toBe(completed('backtesting'));
  return { end, ops };
}

/**
 * The Temporal server goes away mid-training — stopped (SIGTERM) or killed (SIGKILL) — for
 * `downMs`, and comes back on the same ports and SQLite file. Meanwhile the worker cannot
 * heartbeat and the training goes on; an outage longer than the heartbeat timeout times the
 * attempt out on the server's side. The operation must not be cancelled for it: the cycle
 * completes with one training. `epochs` make the training outlast the outage, or the test
 * would not tell (a training that ended meanwhile is simply picked up).
 */
export async function expectServerOutageSurvived(signal: 'SIGTERM' | 'SIGKILL', downMs: number, epochs: number): Promise<void> {
  const stack = await stackForTest({ epochs });
  const id = await stack.trigger();
  const training = await stack.midTraining(id);
  await stack.stopServer(signal);
  await sleep(downMs);
  await stack.startServer();
  const back = (await stack.operations(id)).find((op) => op.operation_id === training.operation_id);
  expect
    .soft(back?.status, `the training was ${back?.status} when the server came back; it must still run for the test to tell: give it more epochs`)
    .toBe('running');
  await expectSurvived(stack, id);
}
