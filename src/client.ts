/**
 * The client side of the research workflow, for the CLI: connect to Temporal, start a cycle
 * (checked, and typed by the workflow's own signature), describe, list and cancel cycles, and read
 * a cycle's history. It never loads workflow code.
 */
import { randomBytes } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowExecutionStatusName,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { optionalTsToDate, tsToMs } from '@temporalio/common/lib/time';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { temporal } from '@temporalio/proto';
import { admitBeforeStart } from './temporal/admissionClient';
import { ActivityProgressSchema, type ActivityProgress } from './domain/activities';
import {
  CyclePhaseSchema,
  CycleStatusSchema,
  CycleSummarySchema,
  OutcomeSchema,
  parseCycleInput,
  type CycleInput,
  type CyclePhase,
  type CycleRequest,
  type CycleStatus,
  type CycleSummary,
  type Outcome,
} from './domain/cycle';
import { cycleStartDetails, cycleStartSummary } from './domain/cycleDetails';
import { forecastDesigner, type DesignerForecast, type WorkerModes } from './domain/designer';
import { UserError } from './errors';
import type { Folders } from './folders';
import { checkNamedStrategy } from './research/check';
import { CYCLE_ID_PREFIX, OutcomeAttribute, PhaseAttribute, RESEARCH_WORKFLOW, statusQuery, StrategyAttribute, TASK_QUEUE } from './temporal/definitions';
import { ensureSearchAttributes } from './temporal/searchAttributes';
import { clientInterceptors } from './temporal/tracing';
import { tallyModes, type Poller } from './temporal/workers';
// the workflow's type only: a client never loads workflow code
import type { researchCycle } from './workflows/researchCycle';

export type { Client };

/** Connection settings from Temporal's own environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles). */
export function connectionSettings() {
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  return { ...config, address, namespace: config.namespace ?? 'default' };
}

type ConnectionSettings = ReturnType<typeof connectionSettings>;

export interface Cycles {
  client: Client;
  namespace: string;
  address: string;
  close: () => Promise<void>;
}

async function connect(): Promise<Cycles> {
  const { connectionOptions, address, namespace } = connectionSettings();
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions, address, connectTimeout: '3 seconds' });
  } catch {
    throw new UserError(`Cannot reach the Temporal service at ${address}. Start one with \`ktrdr-agent dev\`, or point TEMPORAL_ADDRESS at yours.`);
  }
  return { client: new Client({ connection, namespace, interceptors: await clientInterceptors() }), namespace, address, close: () => connection.close() };
}

/** A client of the dev server this process started at `address`, in its default namespace. */
export async function localCycles(address: string): Promise<Cycles> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, interceptors: await clientInterceptors() }), namespace: 'default', address, close: () => connection.close() };
}

/** Registers the cycles' search attributes in the namespace where they are missing; returns those it added. */
export async function registerSearchAttributes({
  connectionOptions,
  address,
  namespace,
}: Pick<ConnectionSettings, 'address' | 'namespace'> & Partial<Pick<ConnectionSettings, 'connectionOptions'>>): Promise<string[]> {
  const connection = await Connection.connect({ ...connectionOptions, address });
  try {
    return await ensureSearchAttributes(connection, namespace);
  } finally {
    await connection.close();
  }
}

/** Runs `fn` with a client of the Temporal service the environment names, and closes its connection after. */
export async function withCycles<T>(fn: (cycles: Cycles) => Promise<T>): Promise<T> {
  const cycles = await connect();
  try {
    return await fn(cycles);
  } finally {
    await cycles.close();
  }
}

/** Turns the errors a user can cause into plain messages. */
function explain(err: unknown, cycleId?: string): unknown {
  const grpc = err as { code?: number; details?: string };
  if (grpc?.code === 5 && /namespace/i.test(grpc.details ?? '')) return new UserError(`${grpc.details}. Set TEMPORAL_NAMESPACE to an existing namespace.`);
  if (err instanceof WorkflowNotFoundError || grpc?.code === 5) {
    return new UserError(`No research cycle with id '${cycleId}'. \`ktrdr-agent list\` shows the recent ones.`);
  }
  if (grpc?.code === 14) return new UserError(`The Temporal service stopped answering: ${grpc.details}`);
  return err;
}

function newCycleId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${CYCLE_ID_PREFIX}${stamp}-${randomBytes(3).toString('hex')}`;
}

export async function runningCycles(client: Client): Promise<WorkflowExecutionInfo[]> {
  const running: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowType = '${RESEARCH_WORKFLOW}' AND ExecutionStatus = 'Running'` })) {
    running.push(info);
  }
  return running;
}

const invalidInput = (problems: string[]) => new UserError(`Invalid cycle input:\n${problems.map((p) => `  - ${p}`).join('\n')}`);

interface ValidRequest {
  /** As the caller gave it: what the cycle starts with (the workflow fills in the defaults itself). */
  request: CycleRequest;
  /** With the defaults filled in: what the cycle will run with. */
  input: CycleInput;
}

/** A request as a caller gives it (the CLI's strings, a script's JSON), checked as the workflow will check it, with every problem at once. */
export function validateRequest(request: unknown): ValidRequest {
  const parsed = parseCycleInput(request);
  if (!parsed.ok) throw invalidInput(parsed.problems);
  // the schema accepted it as it is, so it is the schema's input
  return { request: request as CycleRequest, input: parsed.input };
}

/**
 * A strategy given to the cycle, checked here as the worker will check it (the one validator,
 * on the strategies folder this process sees), so that a cycle that would fail at once is
 * refused before it starts, with every problem.
 */
export function checkGivenStrategy(input: CycleInput, folders: Folders): void {
  if (input.strategy === undefined) return;
  const check = checkNamedStrategy(input.strategy, { strategiesDir: folders.strategies, dataDir: folders.marketData });
  if (!check.ok) throw invalidInput(check.problems.map((p) => `strategy: ${p}`));
}

const { TaskQueueType } = temporal.api.enums.v1;

/** The workers the server saw polling the task queue lately, for workflow or activity tasks. */
export async function taskQueuePollers(client: Client, taskQueue: string, types: ('workflow' | 'activity')[] = ['workflow', 'activity']): Promise<Poller[]> {
  const pollers: Poller[] = [];
  for (const type of types) {
    const response = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: type === 'workflow' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    });
    for (const p of response.pollers ?? []) pollers.push({ identity: p.identity ?? '', lastAccessTime: optionalTsToDate(p.lastAccessTime) });
  }
  return pollers;
}

export interface StartedCycle {
  handle: WorkflowHandle<typeof researchCycle>;
  input: CycleInput;
  /** The workers polling the task queue when the cycle started, by mode (undefined when the server would not list them). */
  workers?: WorkerModes;
  /** Who will design and assess it, as far as those workers tell. */
  designer: DesignerForecast;
}

/**
 * Starts a cycle after the same checks the workflow makes, once the admission workflow has
 * admitted its id (a refusal throws AdmissionRefused and starts nothing). With no worker
 * polling, nobody can answer the admission: the cycle starts and admits itself when one comes.
 * The Web UI's static summary and details say who will design it, from the modes of the
 * workers polling the queue (the activities run on one of them).
 */
export async function startCycle(client: Client, given: unknown, { taskQueue = TASK_QUEUE } = {}): Promise<StartedCycle> {
  const { request, input } = validateRequest(given);
  // Listing pollers may be refused (a restricted API key): the cycle starts all the same.
  const workers = await taskQueuePollers(client, taskQueue, ['activity']).then(tallyModes, () => undefined);
  const designer = forecastDesigner(input, workers);
  const workflowId = newCycleId();
  if (!workers || workers.claude + workers.offline + workers.unknown > 0) {
    await admitBeforeStart(client, workflowId, input, { offline: designer.kind === 'offline', taskQueue });
  }
  try {
    const handle = await client.workflow.start<typeof researchCycle>(RESEARCH_WORKFLOW, {
      args: [request],
      taskQueue,
      workflowId,
      typedSearchAttributes: [{ key: PhaseAttribute, value: 'designing' }],
      staticSummary: cycleStartSummary(input, designer),
      staticDetails: cycleStartDetails(input, designer),
    });
    return { handle, input, workers, designer };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new UserError(`A cycle with id ${workflowId} already exists; try again.`);
    throw err;
  }
}

export interface LiveProgress extends ActivityProgress {
  activity: string;
  attempt: number;
  lastFailure?: string;
}

export interface CycleView {
  cycleId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT… */
  execution: WorkflowExecutionStatusName;
  startTime: Date;
  closeTime?: Date;
  summary?: CycleSummary;
  /** Full status: from the query while running, from the result or failure details once closed. */
  status?: CycleStatus;
  progress?: LiveProgress;
  failureMessage?: string;
}

function decode(payloads: { payloads?: Payload[] | null } | null | undefined): unknown {
  const first = payloads?.payloads?.[0];
  return first ? defaultPayloadConverter.fromPayload(first) : undefined;
}

/** The running activity's latest heartbeat: live progress the workflow itself never stores. */
function liveProgress(description: WorkflowExecutionDescription): LiveProgress | undefined {
  const pending = description.raw.pendingActivities?.[0];
  if (!pending) return undefined;
  const details = ActivityProgressSchema.safeParse(decode(pending.heartbeatDetails));
  const base = details.success ? details.data : { percent: 0, step: 'starting' };
  return {
    ...base,
    activity: pending.activityType?.name ?? 'activity',
    attempt: pending.attempt ?? 1,
    lastFailure: pending.lastFailure?.message ?? undefined,
  };
}

/**
 * A status the cycle reported (the query's answer, its result, its failure's details) when the
 * schema says it is one; otherwise none, as when no worker answers the query. The value is kept
 * rather than zod's copy, whose keys come in the schema's order: `status --json` prints them in
 * the workflow's.
 */
function reportedStatus(value: unknown): CycleStatus | undefined {
  return CycleStatusSchema.safeParse(value).success ? (value as CycleStatus) : undefined;
}

export async function describeCycle(client: Client, cycleId: string): Promise<CycleView> {
  try {
    const handle = client.workflow.getHandle<typeof researchCycle>(cycleId);
    const description = await handle.describe();
    const summary = CycleSummarySchema.safeParse(description.memo?.summary);
    const view: CycleView = {
      cycleId,
      execution: description.status.name,
      startTime: description.startTime,
      closeTime: description.closeTime,
      summary: summary.success ? summary.data : undefined,
    };
    if (view.execution === 'RUNNING') {
      view.status = await handle.query(statusQuery).then(reportedStatus, () => undefined);
      view.progress = liveProgress(description);
    } else if (view.execution === 'COMPLETED') {
      view.status = reportedStatus(await handle.result());
    } else {
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => (err as { cause?: unknown }).cause,
      );
      if (failure instanceof ApplicationFailure) view.status = reportedStatus(failure.details?.[0]);
      view.failureMessage = failure instanceof Error ? failure.message : undefined;
    }
    return view;
  } catch (err) {
    throw explain(err, cycleId);
  }
}

/** The cycle a command means when the user names none: the running one, else the latest. */
export async function defaultCycleId(client: Client): Promise<string> {
  const running = await runningCycles(client);
  if (running.length > 1) {
    throw new UserError(`Several cycles are running (${running.map((r) => r.workflowId).join(', ')}); name one.`);
  }
  if (running.length === 1) return running[0].workflowId;
  const [latest] = await listCycles(client, 1);
  if (!latest) throw new UserError('No research cycles yet. Start one with `ktrdr-agent trigger`.');
  return latest.workflowId;
}

export async function cancelCycle(client: Client, cycleId: string): Promise<void> {
  try {
    const handle = client.workflow.getHandle(cycleId);
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') {
      throw new UserError(`Cycle ${cycleId} is not running (it is ${description.status.name.toLowerCase()}); nothing to cancel.`);
    }
    await handle.cancel();
  } catch (err) {
    throw explain(err, cycleId);
  }
}

export interface CycleListing {
  workflowId: string;
  execution: WorkflowExecutionStatusName;
  startTime: Date;
  closeTime?: Date;
  phase?: CyclePhase;
  strategy?: string;
  outcome?: Outcome;
  summary?: CycleSummary;
}

export async function listCycles(client: Client, limit: number, query?: string): Promise<CycleListing[]> {
  const filter = `WorkflowType = '${RESEARCH_WORKFLOW}'${query ? ` AND (${query})` : ''}`;
  const rows: CycleListing[] = [];
  for await (const info of client.workflow.list({ query: filter })) {
    const summary = CycleSummarySchema.safeParse(info.memo?.summary);
    rows.push({
      workflowId: info.workflowId,
      execution: info.status.name,
      startTime: info.startTime,
      closeTime: info.closeTime,
      phase: CyclePhaseSchema.safeParse(info.typedSearchAttributes.get(PhaseAttribute)).data,
      strategy: info.typedSearchAttributes.get(StrategyAttribute),
      outcome: OutcomeSchema.safeParse(info.typedSearchAttributes.get(OutcomeAttribute)).data,
      summary: summary.success ? summary.data : undefined,
    });
    if (rows.length >= limit) break;
  }
  return rows;
}

/** One event of a cycle's history, as far as a person reads it. */
export interface CycleEvent {
  id: string;
  time: Date;
  /** Temporal's event type without its prefix, e.g. ACTIVITY_TASK_SCHEDULED. */
  type: string;
  /** What a scheduling event schedules: the activity's type and id. */
  scheduled?: { activity: string; activityId: string };
  /** The activity a later activity event is about, by the type its scheduling event named. */
  activity?: string;
  /** The attempt an activity task started is. */
  attempt?: number;
  /** Why an activity or the cycle failed. */
  failure?: string;
  /** The phase a search-attribute update publishes. */
  phase?: string;
  /** Who asked to cancel the cycle ('' when the request did not say). */
  cancelRequestedBy?: string;
}

const EventType = temporal.api.enums.v1.EventType;

function cycleEvents(events: temporal.api.history.v1.IHistoryEvent[]): CycleEvent[] {
  const activities = new Map<string, string>();
  return events.map((e) => {
    const id = String(e.eventId);
    const event: CycleEvent = { id, time: new Date(tsToMs(e.eventTime)), type: (EventType[e.eventType ?? 0] ?? 'UNKNOWN').replace('EVENT_TYPE_', '') };
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) {
      activities.set(id, scheduled.activityType?.name ?? '?');
      return { ...event, scheduled: { activity: String(scheduled.activityType?.name), activityId: String(scheduled.activityId) } };
    }
    const started = e.activityTaskStartedEventAttributes;
    const activity =
      started ??
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes ??
      e.activityTaskCancelRequestedEventAttributes;
    const failure =
      e.activityTaskFailedEventAttributes?.failure ?? e.activityTaskTimedOutEventAttributes?.failure ?? e.workflowExecutionFailedEventAttributes?.failure;
    const phase = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[PhaseAttribute.name];
    const cancelRequest = e.workflowExecutionCancelRequestedEventAttributes;
    return {
      ...event,
      ...(activity?.scheduledEventId && { activity: activities.get(String(activity.scheduledEventId)) }),
      ...(started && { attempt: started.attempt ?? undefined }),
      ...(failure?.message && { failure: failure.message }),
      ...(phase && { phase: String(defaultPayloadConverter.fromPayload(phase)) }),
      ...(cancelRequest && { cancelRequestedBy: cancelRequest.identity ?? '' }),
    };
  });
}

/** A cycle's event history: as JSON in the format `temporal workflow show` and replay tests use, and as events. */
export async function cycleHistory(client: Client, cycleId: string): Promise<{ json: string; events: CycleEvent[] }> {
  try {
    const history = await client.workflow.getHandle(cycleId).fetchHistory();
    return { json: historyToJSON(history), events: cycleEvents(history.events ?? []) };
  } catch (err) {
    throw explain(err, cycleId);
  }
}
