import type { temporal } from '@temporalio/proto';
import { expect, onTestFailed } from 'vitest';
import type { OperationInfo } from '../../src/services/operation';
import { brief, FaultStack, type CycleEnd, type StackOptions } from './faultStack';

/** A stack for one test, stopped when it ends; its processes' output is printed if the test fails. */
export async function stackForTest(options: StackOptions = {}): Promise<FaultStack> {
  const stack = await FaultStack.start(options);
  onTestFailed(() => console.error(stack.logs()));
  return stack;
}

type History = temporal.api.history.v1.IHistory;

/** The activities the history scheduled, in order, by type. */
export const scheduledActivities = (history: History) =>
  (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);

/** How many times the history records an activity as completed. */
const completedActivities = (history: History) => (history.events ?? []).filter((e) => e.activityTaskCompletedEventAttributes).length;

/** Each operation as [type, status, task id]: what a person reads in the services' records. */
export const records = (ops: OperationInfo[]) => ops.map((op) => [op.operation_type, op.status, op.metadata.task_id]);

/**
 * What a fault must leave when the cycle survives it: the cycle `completed`; its whole history
 * replaying against the workflow code, with each phase's activity scheduled and completed
 * once; and on the services one completed training and one completed backtest — the ones
 * the cycle's results name — and no other operation.
 */
export async function expectSurvived(stack: FaultStack, cycleId: string): Promise<CycleEnd> {
  const end = await stack.end(cycleId);
  expect(end.execution, `the cycle ended ${end.execution}: ${end.failure}`).toBe('COMPLETED');
  expect(end.status?.outcome).toBe('completed');
  const history = await stack.replay(cycleId);
  expect(scheduledActivities(history)).toEqual(['checkStrategy', 'trainModel', 'runBacktest', 'assessStrategy']);
  expect(completedActivities(history)).toBe(4);
  const ops = await stack.operations(cycleId);
  expect(records(ops), JSON.stringify(ops.map(brief))).toEqual([
    ['training', 'completed', `${cycleId}-training`],
    ['backtesting', 'completed', `${cycleId}-backtest`],
  ]);
  expect(end.status?.training?.operationId).toBe(ops[0].operation_id);
  expect(end.status?.backtest?.operationId).toBe(ops[1].operation_id);
  return end;
}
