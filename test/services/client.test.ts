import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServiceProtocolError, ServiceRejected, ServicesClient, servicesUrl, ServiceUnavailable } from '../../src/services/client';
import { freePort } from '../support/ports';
import { match } from '../support/matchers';

/**
 * The client against a stand-in server that answers what each test says: which failures are
 * retryable (ServiceUnavailable) and which are not (ServiceRejected, ServiceProtocolError),
 * and what the client sends.
 */
interface Seen {
  method?: string;
  url?: string;
  body: string;
}
let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
let seen: Seen;
let server: http.Server;
let baseUrl: string;
let client: ServicesClient;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen = { method: req.method, url: req.url, body: '' };
    req.on('data', (d) => (seen.body += d));
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  client = new ServicesClient(baseUrl, { timeoutMs: 2000 });
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(resolve));
});

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
  answer = (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
};
const refusal = (error: string, message: string, errors: unknown[] = []) => ({ success: false, error, message, errors });
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => expect.fail('expected a failure'),
    (err: unknown) => err,
  );

describe('not retryable', () => {
  test('a 4xx is ServiceRejected with the service’s code, message and every problem', async () => {
    const problems = [{ path: 'indicators.0.name', line: 14, message: "unknown indicator 'rsx'" }];
    reply(400, refusal('invalid_strategy', 'broken.yaml is not a valid strategy: 1 error', problems));
    const err = await failure(client.startTraining({ strategy_name: 'broken' }));
    expect(err).toBeInstanceOf(ServiceRejected);
    expect(err).toMatchObject({ status: 400, code: 'invalid_strategy', message: 'broken.yaml is not a valid strategy: 1 error', problems });
  });

  test('a 4xx in another shape keeps its status and text', async () => {
    reply(404, 'Not Found');
    expect(await failure(client.getOperation('op_x'))).toMatchObject({
      name: 'ServiceRejected',
      status: 404,
      code: 'http_404',
      message: 'HTTP 404: Not Found',
      problems: [],
    });
  });

  test('a 200 that is not in the API’s shape is ServiceProtocolError (a completed operation without its result, say)', async () => {
    reply(200, { success: true, data: { operation_id: 'op_x', operation_type: 'training', status: 'completed', result_summary: null } });
    const err = await failure(client.getOperation('op_x'));
    expect(err).toBeInstanceOf(ServiceProtocolError);
    expect((err as Error).message).toContain("the answer is not in this API's shape");
  });
});

describe('retryable: ServiceUnavailable', () => {
  test('a 5xx, with the service’s message when it sent one', async () => {
    reply(500, refusal('internal_error', 'internal error: the service log has the details'));
    const err = await failure(client.listOperations());
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect(err).toMatchObject({ status: 500, retryAfterSeconds: undefined });
    expect((err as Error).message).toContain('internal error: the service log has the details');
    reply(503, '<html>Bad Gateway</html>');
    expect(await failure(client.health())).toMatchObject({ name: 'ServiceUnavailable', status: 503 });
  });

  test('a 429 (every slot taken), with how long to wait', async () => {
    reply(429, refusal('too_many_operations', '2 operations are running'), { 'retry-after': '7' });
    const err = await failure(client.startBacktest({ strategy_name: 'rsi_adx_trend_filter' }));
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect(err).toMatchObject({ status: 429, retryAfterSeconds: 7 });
  });

  test('nothing listening', async () => {
    const err = await failure(new ServicesClient(`http://127.0.0.1:${await freePort()}`).health());
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect(err).toMatchObject({ status: undefined });
    expect((err as Error).message).toContain('ECONNREFUSED');
  });

  test('no answer within the timeout', async () => {
    answer = () => undefined;
    const impatient = new ServicesClient(baseUrl, { timeoutMs: 100 });
    const err = await failure(impatient.getOperation('op_x'));
    expect(err).toBeInstanceOf(ServiceUnavailable);
    expect((err as Error).message).toContain('no answer within 100 ms');
  });
});

describe('requests', () => {
  test('JSON bodies, query strings and escaped ids, as the API reads them', async () => {
    reply(200, { success: true, data: [], total_count: 0, active_count: 0 });
    await client.listOperations({ cycle_id: 'research-1', active_only: true, limit: 5 });
    expect(seen).toMatchObject({ method: 'GET', url: '/api/v1/operations?cycle_id=research-1&active_only=true&limit=5' });

    const cancelled = { operation_id: 'op_a/b', status: 'cancelled', cancelled_at: '2025-01-01T00:00:00.000Z', cancellation_reason: 'cycle cancelled' };
    reply(200, { success: true, data: cancelled });
    expect(await client.cancelOperation('op_a/b', 'cycle cancelled')).toEqual(cancelled);
    expect(seen).toEqual({ method: 'DELETE', url: '/api/v1/operations/op_a%2Fb', body: '{"reason":"cycle cancelled"}' });

    reply(200, { success: true, task_id: 'op_training_x', status: 'pending', message: 'started' });
    await client.startTraining({ strategy_name: 'rsi_adx_trend_filter', task_id: 'c-training-r1', cycle_id: 'c', resume_from: 'op_training_y' });
    expect(JSON.parse(seen.body)).toEqual({ strategy_name: 'rsi_adx_trend_filter', task_id: 'c-training-r1', cycle_id: 'c', resume_from: 'op_training_y' });
  });

  test('a long poll asks for wait_ms and waits that much longer than the client’s timeout before giving up', async () => {
    const running = {
      operation_id: 'op_x',
      operation_type: 'training',
      status: 'running',
      created_at: '2025-01-01T00:00:00.000Z',
      started_at: '2025-01-01T00:00:01.000Z',
      completed_at: null,
      progress: { percentage: 10, current_step: 'Epoch 1/10 · Batch 5/9', context: {} },
      metadata: { strategy_name: 'rsi_adx_trend_filter' },
      error_message: null,
      error_code: null,
      result_summary: null,
    };
    answer = (_req, res) => setTimeout(() => res.end(JSON.stringify({ success: true, data: running })), 300);
    const impatient = new ServicesClient(baseUrl, { timeoutMs: 100 });
    expect(await impatient.getOperation('op_x', { waitMs: 1000 })).toEqual(running);
    expect(seen.url).toBe('/api/v1/operations/op_x?wait_ms=1000');
    expect(await failure(impatient.getOperation('op_x', { waitMs: 100 }))).toMatchObject({
      name: 'ServiceUnavailable',
      message: match.stringContaining('no answer within 200 ms'),
    });
  });

  test('the address: KTRDR_SERVICES_URL, else loopback on KTRDR_SERVICES_PORT or 8000', () => {
    expect(servicesUrl({ KTRDR_SERVICES_URL: 'http://services:9000' })).toBe('http://services:9000');
    expect(servicesUrl({ KTRDR_SERVICES_PORT: '8100' })).toBe('http://127.0.0.1:8100');
    expect(servicesUrl({})).toBe('http://127.0.0.1:8000');
  });
});
