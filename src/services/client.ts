/**
 * A typed client of the operations API. It sorts every failure into what a retry can fix and
 * what it cannot: ServiceRejected (a 4xx: the request is wrong; not retryable),
 * ServiceUnavailable (5xx, 429, no connection, timeout: retry later) and ServiceProtocolError
 * (an answer that is not this API's: not retryable either).
 */
import type { z } from 'zod';
import {
  API_PREFIX,
  CancelResponseSchema,
  ErrorResponseSchema,
  HealthResponseSchema,
  ListOperationsResponseSchema,
  OperationResponseSchema,
  StartBacktestResponseSchema,
  StartTrainingResponseSchema,
  type CancelResponse,
  type HealthResponse,
  type ListOperationsFilter,
  type ListOperationsResponse,
  type Problem,
  type StartBacktestRequest,
  type StartBacktestResponse,
  type StartTrainingRequest,
  type StartTrainingResponse,
} from './api';
import { tracedFetch } from '../telemetry/httpSpans';
import type { OperationInfo } from './operation';
import { SERVICES_DEFAULTS } from './defaults';

export class ServiceRejected extends Error {
  override readonly name = 'ServiceRejected';

  constructor(
    readonly status: number,
    /** The service's error code, e.g. `invalid_strategy`, `strategy_not_found`. */
    readonly code: string,
    message: string,
    /** Every problem the service found (for an invalid strategy: YAML path, line, message). */
    readonly problems: Problem[],
  ) {
    super(message);
  }
}

export class ServiceUnavailable extends Error {
  override readonly name = 'ServiceUnavailable';

  constructor(
    message: string,
    /** The HTTP status, absent when no answer came (connection refused, timeout). */
    readonly status?: number,
    /** From Retry-After, when the service said how long to wait (429: every slot taken). */
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class ServiceProtocolError extends Error {
  override readonly name = 'ServiceProtocolError';
}

/** Where the activities find the services: KTRDR_SERVICES_URL, else the local default port. */
export function servicesUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.KTRDR_SERVICES_URL ?? `http://${SERVICES_DEFAULTS.host}:${env.KTRDR_SERVICES_PORT ?? SERVICES_DEFAULTS.port}`;
}

export interface ServicesClientOptions {
  /** Per request, connection included; default 10 s. */
  timeoutMs?: number;
}

export class ServicesClient {
  /** The instance's base URL, without a trailing slash: how this client names the instance it speaks to. */
  readonly url: string;
  private readonly timeoutMs: number;

  constructor(baseUrl: string = servicesUrl(), options: ServicesClientOptions = {}) {
    this.url = baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  startTraining(request: StartTrainingRequest): Promise<StartTrainingResponse> {
    return this.call('POST', `${API_PREFIX}/trainings/start`, StartTrainingResponseSchema, request);
  }

  startBacktest(request: StartBacktestRequest): Promise<StartBacktestResponse> {
    return this.call('POST', `${API_PREFIX}/backtests/start`, StartBacktestResponseSchema, request);
  }

  /**
   * The operation's record. With `waitMs` (at most MAX_WAIT_MS) a long poll: the service answers
   * as soon as the operation ends, or with the record as it is after that long.
   */
  async getOperation(id: string, options: { waitMs?: number } = {}): Promise<OperationInfo> {
    const waitMs = options.waitMs ?? 0;
    const query = waitMs > 0 ? `?wait_ms=${waitMs}` : '';
    return (await this.call('GET', `${API_PREFIX}/operations/${encodeURIComponent(id)}${query}`, OperationResponseSchema, undefined, this.timeoutMs + waitMs))
      .data;
  }

  listOperations(query: Partial<ListOperationsFilter> = {}): Promise<ListOperationsResponse> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.size ? `?${params.toString()}` : '';
    return this.call('GET', `${API_PREFIX}/operations${search}`, ListOperationsResponseSchema);
  }

  /** ServiceRejected with status 400 when the operation has already ended, 404 when unknown. */
  async cancelOperation(id: string, reason?: string): Promise<CancelResponse['data']> {
    return (
      await this.call('DELETE', `${API_PREFIX}/operations/${encodeURIComponent(id)}`, CancelResponseSchema, reason === undefined ? undefined : { reason })
    ).data;
  }

  health(): Promise<HealthResponse> {
    return this.call('GET', '/health', HealthResponseSchema);
  }

  /** `timeoutMs`: this request's, when it is expected to take longer than the client's (a long poll). */
  private async call<T extends z.ZodType>(method: string, path: string, schema: T, body?: unknown, timeoutMs = this.timeoutMs): Promise<z.output<T>> {
    const url = `${this.url}${path}`;
    let response: Response;
    let text: string;
    try {
      response = await tracedFetch(url, {
        method,
        signal: AbortSignal.timeout(timeoutMs),
        ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      text = await response.text();
    } catch (err) {
      const reason = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeFetchError(err);
      throw new ServiceUnavailable(`${method} ${url}: ${reason}`, undefined, undefined, { cause: err });
    }
    const json = parseJson(text);
    if (response.ok) {
      const parsed = schema.safeParse(json);
      if (!parsed.success) throw new ServiceProtocolError(`${method} ${url}: the answer is not in this API's shape: ${parsed.error.message}`);
      return parsed.data;
    }
    const error = ErrorResponseSchema.safeParse(json);
    const message = error.success ? error.data.message : `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new ServiceUnavailable(`${method} ${url}: ${message}`, response.status, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
    }
    throw new ServiceRejected(response.status, error.success ? error.data.error : `http_${response.status}`, message, error.success ? error.data.errors : []);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** fetch says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
