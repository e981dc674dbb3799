/**
 * Tracing costs nothing when it is off: a worker of a process without OTEL_* installs none of
 * Temporal's OpenTelemetry interceptors, no span sink, and loads none of the OpenTelemetry SDK
 * (its spans would be the API's no-ops). The second test, in the same process, starts tracing and
 * sees all three: what the first checks for is what tracing brings.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { currentTracing, startTracingFromEnv } from '../../src/telemetry/tracing';
import { createWorker } from '../../src/worker';
import { fakeActivities } from '../support/fakeActivities';
import { timeSkippingEnv, workflowBundle } from '../support/temporal';

/** The OpenTelemetry SDK and Temporal's interceptors, as Node has loaded them (the API alone does not count). */
const loadedSdk = () => Object.keys(require.cache).filter((file) => /@opentelemetry\/(sdk-trace|resources|exporter)|interceptors-opentelemetry/.test(file));

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await currentTracing()?.shutdown();
  await env?.teardown();
});

/** The options of a worker's SDK workers; the worker is run and shut down again, so that it lets go of the connection. */
async function workerOptions(taskQueue: string) {
  const worker = await createWorker({ connection: env.nativeConnection, taskQueue, activities: fakeActivities(), workflowBundle: await workflowBundle() });
  await worker.runUntil(Promise.resolve());
  return worker.workers.map((w) => w.options);
}

test('a worker without OTEL_* has no tracing interceptors, no span sink, and none of the SDK loaded', async () => {
  expect(await startTracingFromEnv({})).toBeUndefined();
  const options = await workerOptions('untraced');
  expect(options).toHaveLength(2);
  for (const o of options) {
    expect(o.interceptors.activity).toEqual([]);
    expect(o.interceptors.workflowModules ?? []).toEqual([]);
    expect(Object.keys(o.sinks ?? {})).not.toContain('exporter');
  }
  expect(loadedSdk()).toEqual([]);
});

test("with OTEL_* set, the same worker gets Temporal's interceptors, the workflow spans' sink and the traced workflow code", async () => {
  // nothing listens there: the test makes no span that would be exported
  const tracing = await startTracingFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_SERVICE_NAME: 'tracing-test' });
  expect(tracing).toBeDefined();
  const options = await workerOptions('traced');
  for (const o of options) {
    expect(o.interceptors.activity).toHaveLength(1);
    expect(Object.keys(o.sinks ?? {})).toContain('exporter');
  }
  // run from source, the workflow code is bundled now with the tracing interceptor modules
  expect(options[0].interceptors.workflowModules?.map((m) => m.replace(/.*\//, ''))).toEqual(['tracing']);
  expect(loadedSdk().length).toBeGreaterThan(0);
}, 120_000);
