import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorResponseSchema, type ErrorResponse } from '../../src/services/api';
import { ServiceRejected } from '../../src/services/client';
import { ScratchFolders, startTestServices, type TestServices } from '../support/services';
import { match } from '../support/matchers';

/** Every refusal is a 4xx whose body lists every problem; none starts an operation, none is a 500. */
const folders = new ScratchFolders();
let services: TestServices;

beforeAll(async () => {
  folders.strategy('rsi_adx_trend_filter');
  folders.strategy('rsi_adx_trend_filter', 'broken', (yaml) =>
    yaml
      .replace('symbol: EURUSD, list: [EURUSD]', 'symbol: XAUUSD, list: [XAUUSD]')
      .replace('{name: rsi, feature_id: rsi_14', '{name: rsx, feature_id: rsi_14')
      .replace('parameters: [0, 0, 15, 25]', 'parameters: [25, 15, 0, 0]'),
  );
  services = await startTestServices(folders);
});
afterAll(async () => {
  expect((await services.client.listOperations()).total_count).toBe(0);
  await services?.close();
  folders.remove();
});

async function call(method: string, route: string, body?: string): Promise<{ status: number; body: ErrorResponse; headers: Headers }> {
  const response = await fetch(`${services.url}${route}`, { method, ...(body !== undefined && { body, headers: { 'content-type': 'application/json' } }) });
  return { status: response.status, body: ErrorResponseSchema.parse(await response.json()), headers: response.headers };
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(ServiceRejected);
      return err as ServiceRejected;
    },
  );

describe('strategies', () => {
  test('unknown strategy: 404 naming the strategies there are', async () => {
    for (const start of [
      () => services.client.startTraining({ strategy_name: 'no_such_strategy' }),
      () => services.client.startBacktest({ strategy_name: 'no_such_strategy' }),
    ]) {
      const err = await rejection(start());
      expect(err).toMatchObject({ status: 404, code: 'strategy_not_found' });
      expect(err.message).toContain("no strategy 'no_such_strategy'");
      expect(err.message).toContain('there: broken, rsi_adx_trend_filter');
    }
  });

  test('invalid strategy: 400 with every problem the validator finds, each with its path and line', async () => {
    for (const start of [() => services.client.startTraining({ strategy_name: 'broken' }), () => services.client.startBacktest({ strategy_name: 'broken' })]) {
      const err = await rejection(start());
      expect(err).toMatchObject({ status: 400, code: 'invalid_strategy', message: 'broken.yaml is not a valid strategy: 3 errors' });
      expect(err.problems).toEqual([
        { path: 'training_data.symbols', line: 7, message: match.stringMatching(/^no market data for XAUUSD 1h; available: EURUSD 1h/) },
        { path: 'indicators.0.name', line: 14, message: "unknown indicator 'rsx' (did you mean rsi?)" },
        { path: 'fuzzy_sets.adx_14.weak.parameters', line: 22, message: match.stringContaining('trapezoidal parameters must be in order') },
      ]);
    }
  });
});

describe('malformed requests: 422 with every problem', () => {
  test('bad fields, unknown fields and a missing name, all at once', async () => {
    const { status, body } = await call('POST', '/api/v1/trainings/start', JSON.stringify({ strategy_name: 'Not A Name', task_id: '', cycle: 'c1' }));
    expect(status).toBe(422);
    expect(body.error).toBe('invalid_request');
    expect(body.errors.map((p) => p.path)).toEqual(['strategy_name', 'task_id', 'cycle']);
    expect(body.errors[2].message).toBe("unknown field 'cycle'");

    const missing = await call('POST', '/api/v1/backtests/start', '');
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([{ path: 'strategy_name', line: null, message: match.any(String) }]);
  });

  test('a body that is not JSON, or not an object', async () => {
    const notJson = await call('POST', '/api/v1/trainings/start', '{strategy_name: rsi');
    expect(notJson.status).toBe(422);
    expect(notJson.body.error).toBe('invalid_json');
    const array = await call('POST', '/api/v1/trainings/start', '["rsi_adx_trend_filter"]');
    expect(array.status).toBe(422);
    expect(array.body.error).toBe('invalid_request');
  });

  test('a body over 64 KiB: 413', async () => {
    const { status, body } = await call('POST', '/api/v1/trainings/start', JSON.stringify({ strategy_name: 'x'.repeat(70_000) }));
    expect(status).toBe(413);
    expect(body.error).toBe('body_too_large');
  });

  test('a bad query: 422 naming each parameter', async () => {
    const { status, body } = await call('GET', '/api/v1/operations?status=done&limit=0&sort=asc&active_only=yes');
    expect(status).toBe(422);
    expect(body.errors.map((p) => p.path).sort()).toEqual(['active_only', 'limit', 'sort', 'status']);
  });
});

describe('model paths', () => {
  test('a model_path outside models/ is refused (400), symbolic links included', async () => {
    fs.mkdirSync(path.join(folders.modelsDir, 'rsi_adx_trend_filter'), { recursive: true });
    const outside = path.join(folders.root, 'outside.json');
    fs.writeFileSync(outside, '{}');
    fs.symlinkSync(outside, path.join(folders.modelsDir, 'rsi_adx_trend_filter', 'link.json'));
    for (const model_path of ['../outside.json', outside, '/etc/passwd', 'rsi_adx_trend_filter/link.json', '.', folders.modelsDir]) {
      const err = await rejection(services.client.startBacktest({ strategy_name: 'rsi_adx_trend_filter', model_path }));
      expect(err, model_path).toMatchObject({ status: 400, code: 'model_outside_models', problems: [{ path: 'model_path' }] });
    }
  });

  test('a model that does not exist: 404', async () => {
    for (const model_path of [undefined, 'rsi_adx_trend_filter/other.json', 'rsi_adx_trend_filter']) {
      const err = await rejection(services.client.startBacktest({ strategy_name: 'rsi_adx_trend_filter', ...(model_path && { model_path }) }));
      expect(err).toMatchObject({ status: 404, code: 'model_not_found' });
      expect(err.message).toContain('train rsi_adx_trend_filter first');
    }
  });
});

describe('routes', () => {
  test('unknown route 404, wrong method 405 with Allow, unknown operation 404', async () => {
    expect((await call('GET', '/api/v1/nothing')).status).toBe(404);
    const wrong = await call('GET', '/api/v1/trainings/start');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await call('PUT', '/api/v1/operations/op_x')).headers.get('allow')).toBe('GET, DELETE');
    expect((await call('GET', '/api/v1/operations/op_training_20250101_000000_deadbeef')).body.error).toBe('operation_not_found');
    expect((await call('GET', '/api/v1/operations/%E0%A4%A')).status).toBe(404);
  });
});
