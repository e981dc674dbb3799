import { randomBytes } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { temporal } from '@temporalio/proto';
import { admitBeforeStart } from './temporal/admissionClient';
import { ActivityProgressSchema, type ActivityProgress } from './domain/activities';
import { parseCycleInput, CycleSummarySchema, type CycleRequest, type CycleStatus, type CycleSummary, type CycleInput } from './domain/cycle';
import { cycleStartDetails, cycleStartSummary } from './domain/cycleDetails';
import { forecastDesigner, type DesignerForecast, type WorkerModes } from './domain/designer';
import { UserError } from './errors';
import { checkNamedStrategy } from './strategy/check';
import {
  CYCLE_ID_PREFIX,
  OutcomeAttribute,
  PhaseAttribute,
  RESEARCH_WORKFLOW,
  statusQuery,
  StrategyAttribute,
  TASK_QUEUE,
} from './temporal/definitions';
import { tallyModes, type Poller } from './temporal/workers';

/** Connection settings from Temporal's own environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles). */
export function connectionSettings() {
  const config = loadClientConnectConfig();
  const address = config.connectionOptions.address ?? 'localhost:7233';
  return { ...config, address, namespace: config.namespace ?? 'default' };
}

export interface Cycles {
  client: Client;
  namespace: string;
  address: string;
  close(): Promise<void>;
}

export async function connect(): Promise<Cycles> {
  const { connectionOptions, address, namespace } = connectionSettings();
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...connectionOptions, address, connectTimeout: '3 seconds' });
  } catch {
    throw new UserError(
      `Cannot reach the Temporal service at ${address}. Start one with \`ktrdr-agent dev\`, or point TEMPORAL_ADDRESS at yours.`,
    );
  }
  return { client: new Client({ connection, namespace }), namespace, address, close: () => connection.close() };
}

/** Turns the errors a user can cause into plain messages. */
export function explain(err: unknown, cycleId?: string): unknown {
  const grpc = err as { code?: number; details?: string };
  if (grpc?.code === 5 && /namespace/i.test(grpc.details ?? '')) return new UserError(`${grpc.details}. Set TEMPORAL_NAMESPACE to an existing namespace.`);
  if (err instanceof WorkflowNotFoundError || grpc?.code === 5) {
    return new UserError(`No research cycle with id '${cycleId}'. \`ktrdr-agent list\` shows the recent ones.`);
  }
  if (grpc?.code === 14) return new UserError(`The Temporal service stopped answering: ${grpc.details}`);
  return err;
}

export function newCycleId(now = new Date()): string {
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

export function validateRequest(request: CycleRequest): CycleInput {
  const parsed = parseCycleInput(request);
  if (!parsed.ok) throw invalidInput(parsed.problems);
  return parsed.input;
}

/**
 * A strategy given to the cycle, checked here as the worker will check it (the one validator,
 * on the strategies folder this process sees), so that a cycle that would fail at once is
 * refused before it starts, with every problem.
 */
export function checkGivenStrategy(input: CycleInput): void {
  if (input.strategy === undefined) return;
  const check = checkNamedStrategy(input.strategy);
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
  handle: WorkflowHandle;
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
export async function startCycle(client: Client, request: CycleRequest, { taskQueue = TASK_QUEUE } = {}): Promise<StartedCycle> {
  const input = validateRequest(request);
  // Listing pollers may be refused (a restricted API key): the cycle starts all the same.
  const workers = await taskQueuePollers(client, taskQueue, ['activity']).then(tallyModes, () => undefined);
  const designer = forecastDesigner(input, workers);
  const workflowId = newCycleId();
  if (!workers || workers.claude + workers.offline + workers.unknown > 0) {
    await admitBeforeStart(client, workflowId, input, { offline: designer.kind === 'offline', taskQueue });
  }
  try {
    const handle = await client.workflow.start(RESEARCH_WORKFLOW, {
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
  execution: string;
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

export async function describeCycle(client: Client, cycleId: string): Promise<CycleView> {
  try {
    const handle = client.workflow.getHandle(cycleId);
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
      view.status = await handle.query(statusQuery).catch(() => undefined);
      view.progress = liveProgress(description);
    } else if (view.execution === 'COMPLETED') {
      view.status = (await handle.result()) as CycleStatus;
    } else {
      const failure = await handle.result().then(
        () => undefined,
        (err: unknown) => (err as { cause?: unknown }).cause,
      );
      if (failure instanceof ApplicationFailure) view.status = failure.details?.[0] as CycleStatus | undefined;
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
  execution: string;
  startTime: Date;
  closeTime?: Date;
  phase?: string;
  strategy?: string;
  outcome?: string;
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
      phase: info.typedSearchAttributes.get(PhaseAttribute),
      strategy: info.typedSearchAttributes.get(StrategyAttribute),
      outcome: info.typedSearchAttributes.get(OutcomeAttribute),
      summary: summary.success ? summary.data : undefined,
    });
    if (rows.length >= limit) break;
  }
  return rows;
}

export async function cycleHistory(client: Client, cycleId: string) {
  try {
    return await client.workflow.getHandle(cycleId).fetchHistory();
  } catch (err) {
    throw explain(err, cycleId);
  }
}
