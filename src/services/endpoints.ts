/**
 * The operations API's routes: each request parsed and answered from the service's operations, or
 * refused with every problem.
 */
import {
  API_PREFIX,
  CancelRequestSchema,
  GetOperationQuerySchema,
  ListOperationsQuerySchema,
  StartBacktestRequestSchema,
  StartTrainingRequestSchema,
  type CancelResponse,
  type HealthResponse,
  type ListOperationsResponse,
  type StartBacktestResponse,
  type StartTrainingRequest,
  type StartTrainingResponse,
} from './api';
import { HttpError, parseRequest } from './httpError';
import { isActive, type OperationInfo, type OperationType } from './operation';
import type { Operations } from './operations';
import { admitBacktest, admitTraining, type Admitted, type ServiceFolders } from './startRequests';

/** What an endpoint answers: a status and a JSON body (the server adds the headers JSON needs). */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Request {
  method: string;
  url: URL;
  /** The parsed JSON body, undefined when empty (422 when it is not JSON). */
  body(): Promise<unknown>;
}

const OPERATION_PATH = new RegExp(`^${API_PREFIX}/operations/([^/]+)$`);

/** The API's routes (spec §4–§6 HTTP) over the service's operations. */
export function createEndpoints(operations: Operations, folders: ServiceFolders) {
  const health = (): HealthResponse => ({
    status: 'ok',
    active_operations: operations.activeCount,
    max_operations: operations.maxOperations,
    queued_operations: operations.queuedCount,
    max_queued: operations.maxQueued,
  });

  /**
   * Everything from the idempotency lookup to the thread's start runs without awaiting, so two
   * starts with the same task_id cannot both miss the lookup and start two operations.
   */
  function start(type: OperationType, strategyName: string, taskId: string | undefined, admit: () => Admitted) {
    const existing = taskId === undefined ? undefined : operations.findByTaskId(taskId);
    if (existing) {
      if (existing.operation_type !== type || existing.metadata.strategy_name !== strategyName) {
        throw new HttpError(
          409,
          'task_id_conflict',
          `task_id ${taskId} already names ${existing.operation_id}, a ${existing.operation_type} of ${existing.metadata.strategy_name}: use another task_id for another job`,
          [{ path: 'task_id', line: null, message: `already used by ${existing.operation_id}` }],
        );
      }
      return { op: existing, message: `task_id ${taskId} already started ${existing.operation_id} (${existing.status}); no new operation was started` };
    }
    const { metadata, job } = admit();
    const op = operations.start(type, metadata, job);
    const queued = op.progress.context.queued_ahead !== undefined;
    return {
      op,
      message: `${type} of ${strategyName} ${queued ? `waits for a slot as ${op.operation_id} (${op.progress.current_step})` : `started as ${op.operation_id}`}`,
    };
  }

  /** resume_from names an ended training of the same strategy; one this service does not know (its records wiped) only means starting over. */
  function checkResumeFrom({ resume_from: from, strategy_name }: StartTrainingRequest): void {
    const op = from === undefined ? undefined : operations.get(from);
    if (!op) return;
    const problem = isActive(op)
      ? `${from} is still ${op.status}: wait for it or cancel it before resuming from it`
      : op.operation_type !== 'training' || op.metadata.strategy_name !== strategy_name
        ? `${from} is not a training of ${strategy_name}: resume_from names an earlier training of the same strategy`
        : undefined;
    if (problem) throw new HttpError(409, 'resume_conflict', problem, [{ path: 'resume_from', line: null, message: problem }]);
  }

  async function startTraining(req: Request): Promise<StartTrainingResponse> {
    const request = parseRequest(StartTrainingRequestSchema, (await req.body()) ?? {}, 'training request');
    const { op, message } = start('training', request.strategy_name, request.task_id, () => {
      checkResumeFrom(request);
      return admitTraining(request, folders);
    });
    return { success: true, task_id: op.operation_id, status: op.status, message };
  }

  async function startBacktest(req: Request): Promise<StartBacktestResponse> {
    const request = parseRequest(StartBacktestRequestSchema, (await req.body()) ?? {}, 'backtest request');
    const { op, message } = start('backtesting', request.strategy_name, request.task_id, () => admitBacktest(request, folders));
    return { success: true, operation_id: op.operation_id, status: op.status, message };
  }

  function list(req: Request): ListOperationsResponse {
    const filter = parseRequest(ListOperationsQuerySchema, Object.fromEntries(req.url.searchParams), 'query');
    return { success: true, ...operations.list(filter) };
  }

  async function find(req: Request, id: string): Promise<OperationInfo> {
    const { wait_ms } = parseRequest(GetOperationQuerySchema, Object.fromEntries(req.url.searchParams), 'query');
    const op = await operations.waitForEnd(id, wait_ms);
    if (!op) throw new HttpError(404, 'operation_not_found', `no operation ${id}`);
    return op;
  }

  async function cancel(req: Request, id: string): Promise<CancelResponse> {
    const { reason } = parseRequest(CancelRequestSchema, (await req.body()) ?? {}, 'cancel request');
    const op = await operations.cancel(id, reason ?? 'cancelled by request');
    return {
      success: true,
      data: { operation_id: op.operation_id, status: 'cancelled', cancelled_at: op.completed_at, cancellation_reason: op.error_message },
    };
  }

  return async function route(req: Request): Promise<Reply> {
    const path = req.url.pathname.replace(/\/+$/, '') || '/';
    const ok = (body: unknown): Reply => ({ status: 200, body });
    if (path === '/health') return dispatch(req, { GET: () => ok(health()) });
    if (path === `${API_PREFIX}/trainings/start`) return dispatch(req, { POST: async () => ok(await startTraining(req)) });
    if (path === `${API_PREFIX}/backtests/start`) return dispatch(req, { POST: async () => ok(await startBacktest(req)) });
    if (path === `${API_PREFIX}/operations`) return dispatch(req, { GET: () => ok(list(req)) });
    const match = OPERATION_PATH.exec(path);
    if (match) {
      const id = operationId(match[1]);
      return dispatch(req, {
        GET: async () => ok({ success: true, data: await find(req, id) }),
        DELETE: async () => ok(await cancel(req, id)),
      });
    }
    throw new HttpError(404, 'not_found', `no route ${req.method} ${path}: the API is under ${API_PREFIX} (trainings/start, backtests/start, operations)`);
  };
}

async function dispatch(req: Request, methods: Record<string, () => Reply | Promise<Reply>>): Promise<Reply> {
  if (Object.hasOwn(methods, req.method)) return methods[req.method]();
  const allowed = Object.keys(methods).join(', ');
  throw new HttpError(405, 'method_not_allowed', `${req.url.pathname} answers ${allowed}, not ${req.method}`, [], { allow: allowed });
}

function operationId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(404, 'operation_not_found', `no operation ${segment}`);
  }
}
