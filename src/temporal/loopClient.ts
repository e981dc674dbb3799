import { randomBytes } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { idStamp } from '../domain/ids';
import { LoopStatusSchema, parseLoopInput, type LoopInput, type LoopRequest, type LoopStatus } from '../domain/loop';
import { UserError } from '../errors';
import {
  LOOP_ID_PREFIX,
  LOOP_WORKFLOW,
  loopStatusQuery,
  pauseUpdate,
  resumeUpdate,
  setBriefUpdate,
  setConcurrencyUpdate,
  stopUpdate,
  TASK_QUEUE,
} from './definitions';

/**
 * The client side of the research loop: start one, read its status, send it its updates, and
 * find the one a command means when none is named. Every error a user can cause is one line.
 */

const newLoopId = (now = new Date()) => `${LOOP_ID_PREFIX}${idStamp(now)}-${randomBytes(3).toString('hex')}`;

interface ValidLoopRequest {
  /** As the caller gave it: what the loop starts with (the workflow fills in the defaults itself). */
  request: LoopRequest;
  /** With the defaults filled in. */
  input: LoopInput;
}

/** A request as a caller gives it (flags, JSON), checked as the workflow will check it; the state it carries is the loop's own. */
export function validateLoopRequest(request: Record<string, unknown>): ValidLoopRequest {
  if (request.carried !== undefined) throw new UserError('Invalid loop input: carried is set by the loop itself when it continues as new; leave it out.');
  const parsed = parseLoopInput(request);
  if (!parsed.ok) throw new UserError(`Invalid loop input:\n${parsed.problems.map((p) => `  - ${p}`).join('\n')}`);
  return { request, input: parsed.input };
}

function loopSummary(input: LoopInput): string {
  const pace = `${input.concurrency} at a time${input.maxCycles ? `, ${input.maxCycles} cycles` : ', until stopped'}`;
  return ['Research loop', input.offline ? 'offline' : input.model, pace, input.brief?.slice(0, 80)].filter(Boolean).join(' · ');
}

interface StartedLoop {
  handle: WorkflowHandle;
  input: LoopInput;
}

export async function startLoop(
  client: Client,
  { request, input }: ValidLoopRequest,
  { loopId = newLoopId(), taskQueue = TASK_QUEUE } = {},
): Promise<StartedLoop> {
  try {
    const handle = await client.workflow.start(LOOP_WORKFLOW, { args: [request], taskQueue, workflowId: loopId, staticSummary: loopSummary(input) });
    return { handle, input };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new UserError(`A loop with id ${loopId} is already running: \`ktrdr-agent loop status ${loopId}\`, or pick another --id.`);
    throw err;
  }
}

const listLoops = async (client: Client, filter: string, limit: number): Promise<string[]> => {
  const ids: string[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowType = '${LOOP_WORKFLOW}'${filter}` })) {
    ids.push(info.workflowId);
    if (ids.length >= limit) break;
  }
  return ids;
};

/** The loop a command means when the user names none: the running one, else the latest. */
export async function defaultLoopId(client: Client): Promise<string> {
  const running = await listLoops(client, " AND ExecutionStatus = 'Running'", 10);
  if (running.length > 1) throw new UserError(`Several loops are running (${running.join(', ')}); name one.`);
  if (running.length === 1) return running[0];
  const [latest] = await listLoops(client, '', 1);
  if (!latest) throw new UserError('No research loops yet. Start one with `ktrdr-agent loop start`.');
  return latest;
}

export interface LoopView {
  loopId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, CANCELLED, FAILED, TERMINATED… */
  execution: string;
  startTime: Date;
  closeTime?: Date;
  /** From the query while it runs, from its result once it has stopped; none for a loop cancelled or failed. */
  status?: LoopStatus;
  failureMessage?: string;
}

function explain(err: unknown, loopId: string): unknown {
  const grpc = err as { code?: number };
  if (err instanceof WorkflowNotFoundError || grpc?.code === 5)
    return new UserError(`No research loop with id '${loopId}'. \`ktrdr-agent loop status\` shows the latest.`);
  if (err instanceof WorkflowUpdateFailedError) return new UserError(`Loop ${loopId} refused: ${err.cause?.message ?? err.message}`);
  return err;
}

/** The loop's handle and description; another workflow's id is refused. */
async function loopHandle(client: Client, loopId: string) {
  const handle = client.workflow.getHandle(loopId);
  const description = await handle.describe();
  if (description.type !== LOOP_WORKFLOW) throw new UserError(`${loopId} is a ${description.type} workflow, not a research loop.`);
  return { handle, description };
}

/** A loop that is not running answers no update. */
async function runningLoop(client: Client, loopId: string, what: string) {
  const found = await loopHandle(client, loopId);
  const status = found.description.status.name;
  if (status !== 'RUNNING') throw new UserError(`Loop ${loopId} is not running (it is ${status.toLowerCase()})${what}.`);
  return found.handle;
}

export async function describeLoop(client: Client, loopId: string): Promise<LoopView> {
  try {
    const { handle, description } = await loopHandle(client, loopId);
    const view: LoopView = { loopId, execution: description.status.name, startTime: description.startTime, closeTime: description.closeTime };
    // checked: a status that does not read is an error here, not a wrong line in the output
    if (view.execution === 'RUNNING') view.status = LoopStatusSchema.parse(await handle.query(loopStatusQuery));
    else if (view.execution === 'COMPLETED') view.status = LoopStatusSchema.parse(await handle.result());
    else
      view.failureMessage = await handle.result().then(
        () => undefined,
        (e: unknown) => (e as { cause?: Error }).cause?.message ?? (e as Error).message,
      );
    return view;
  } catch (err) {
    throw explain(err, loopId);
  }
}

export type LoopCommand = { update: 'pause' | 'resume' | 'stop' } | { update: 'setBrief'; brief: string } | { update: 'setConcurrency'; concurrency: number };

/** Sends one of the loop's updates and returns its status after it; a running loop only. */
export async function updateLoop(client: Client, loopId: string, command: LoopCommand): Promise<LoopStatus> {
  try {
    const handle = await runningLoop(client, loopId, '');
    switch (command.update) {
      case 'pause':
        return await handle.executeUpdate(pauseUpdate);
      case 'resume':
        return await handle.executeUpdate(resumeUpdate);
      case 'stop':
        return await handle.executeUpdate(stopUpdate);
      case 'setBrief':
        return await handle.executeUpdate(setBriefUpdate, { args: [{ brief: command.brief }] });
      case 'setConcurrency':
        return await handle.executeUpdate(setConcurrencyUpdate, { args: [{ concurrency: command.concurrency }] });
    }
  } catch (err) {
    throw explain(err, loopId);
  }
}

/** Cancels the loop: its running cycles are cancelled, and it ends cancelled once they have. */
export async function cancelLoop(client: Client, loopId: string): Promise<void> {
  try {
    const handle = await runningLoop(client, loopId, '; nothing to cancel');
    await handle.cancel();
  } catch (err) {
    throw explain(err, loopId);
  }
}
