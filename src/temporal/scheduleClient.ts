import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription } from '@temporalio/client';
import { parseCycleInput } from '../domain/cycle';
import { parseLoopInput } from '../domain/loop';
import { ScheduleIdSchema, ScheduleNoteSchema, ScheduleTimingSchema, timingLabel, type ScheduleKind, type ScheduleTiming } from '../domain/schedule';
import { UserError } from '../errors';
import { CYCLE_ID_PREFIX, LOOP_ID_PREFIX, LOOP_WORKFLOW, RESEARCH_WORKFLOW, TASK_QUEUE } from './definitions';

/**
 * Temporal Schedules that start research cycles or loops periodically. A schedule starts its
 * workflow with the same one-object input as every other way (the cycle admits itself, so the
 * budget holds), and skips a start while the one it started last still runs.
 */

const STARTS: Record<ScheduleKind, { workflowType: string; idPrefix: string }> = {
  cycle: { workflowType: RESEARCH_WORKFLOW, idPrefix: CYCLE_ID_PREFIX },
  loop: { workflowType: LOOP_WORKFLOW, idPrefix: LOOP_ID_PREFIX },
};
const KIND_OF = new Map(Object.entries(STARTS).map(([kind, s]) => [s.workflowType, kind as ScheduleKind]));

/**
 * A start missed while the server was down is made up when it comes back within this window;
 * older ones are dropped rather than run in a burst.
 */
const CATCHUP_WINDOW = '10 minutes';
const NEXT_RUNS_SHOWN = 3;

interface ScheduleRequest {
  scheduleId: string;
  kind: ScheduleKind;
  timing: ScheduleTiming;
  /** The input of each cycle or loop it starts, as the caller gave it. */
  input: Record<string, unknown>;
}

/** Every problem of a schedule at once: its id, its timing, and the input of what it starts, checked as the workflow will check it. */
export function validateSchedule(request: { scheduleId: string; kind: ScheduleKind; timing: unknown; input: Record<string, unknown> }): ScheduleRequest {
  const problems: string[] = [];
  const id = ScheduleIdSchema.safeParse(request.scheduleId);
  if (!id.success) problems.push(`id: ${id.error.issues[0].message}`);
  const timing = ScheduleTimingSchema.safeParse(request.timing);
  if (!timing.success) problems.push(...timing.error.issues.map((i) => `${i.path.join('.') || 'timing'}: ${i.message}`));
  const { carried, ...input } = request.input;
  if (carried !== undefined) problems.push('carried: set by a loop itself when it continues as new; leave it out');
  const parsed = request.kind === 'cycle' ? parseCycleInput(input) : parseLoopInput(input);
  if (!parsed.ok) problems.push(...parsed.problems);
  if (problems.length > 0 || !timing.success) throw new UserError(`Invalid schedule:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return { scheduleId: request.scheduleId, kind: request.kind, timing: timing.data, input: request.input };
}

export interface ScheduleRow {
  scheduleId: string;
  kind: ScheduleKind;
  /** As created: `every 6h`, `cron 30 2 * * 1-5`. */
  timing: string;
  input: unknown;
  paused: boolean;
  nextRuns: Date[];
  /** What it started lately, oldest first. */
  recent: { workflowId: string; scheduledAt: Date }[];
  actionsTaken: number;
}

function rowOf(scheduleId: string, description: ScheduleDescription, kind: ScheduleKind): ScheduleRow {
  const note = ScheduleNoteSchema.safeParse(description.memo?.ktrdr);
  return {
    scheduleId,
    kind,
    timing: note.success ? note.data.timing : 'set outside ktrdr-agent',
    input: description.action.args?.[0],
    paused: description.state.paused,
    nextRuns: description.info.nextActionTimes.slice(0, NEXT_RUNS_SHOWN),
    recent: description.info.recentActions.map((a) => ({ workflowId: a.action.workflow.workflowId, scheduledAt: a.scheduledAt })),
    actionsTaken: description.info.numActionsTaken,
  };
}

export async function createSchedule(
  client: Client,
  { scheduleId, kind, timing, input }: ScheduleRequest,
  { taskQueue = TASK_QUEUE } = {},
): Promise<ScheduleRow> {
  const { workflowType, idPrefix } = STARTS[kind];
  try {
    const handle = await client.schedule.create({
      scheduleId,
      spec: 'every' in timing ? { intervals: [{ every: timing.every }] } : { cronExpressions: [timing.cron] },
      action: {
        type: 'startWorkflow',
        workflowType,
        args: [input],
        taskQueue,
        // the server appends the scheduled time: research-nightly-2026-12-07T06:00:00Z
        workflowId: `${idPrefix}${scheduleId}`,
        staticSummary: `started by schedule ${scheduleId}`,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW },
      memo: { ktrdr: { kind, timing: timingLabel(timing) } },
    });
    return rowOf(scheduleId, await handle.describe(), kind);
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning)
      throw new UserError(`A schedule with id ${scheduleId} exists already: \`ktrdr-agent schedule delete ${scheduleId}\` first, or pick another --id.`);
    // the SDK turns the server's INVALID_ARGUMENT (a cron field out of range, say) into a TypeError with its message
    if (err instanceof TypeError) throw new UserError(`The Temporal service refused the schedule: ${err.message}`);
    throw err;
  }
}

/** The schedules that start research cycles or loops, in the server's order. */
export async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const summary of client.schedule.list()) {
    const kind = summary.action && KIND_OF.get(summary.action.workflowType);
    if (!kind) continue;
    rows.push(rowOf(summary.scheduleId, await client.schedule.getHandle(summary.scheduleId).describe(), kind));
  }
  return rows;
}

/** Deletes the schedule; what it started goes on. */
export async function deleteSchedule(client: Client, scheduleId: string): Promise<void> {
  try {
    await client.schedule.getHandle(scheduleId).delete();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UserError(`No schedule with id '${scheduleId}'. \`ktrdr-agent schedule list\` shows them.`);
    throw err;
  }
}
