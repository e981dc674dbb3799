import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { installRuntime } from '../../src/temporal/runtime';
import type { ResearchActivities } from '../../src/domain/activities';
import type { CycleRequest } from '../../src/domain/cycle';
import { RESEARCH_WORKFLOW, TASK_QUEUE } from '../../src/temporal/definitions';
import { DEV_SERVER_TUNING } from '../../src/temporal/devServer';
import { ensureSearchAttributes, registerSearchAttributes } from '../../src/temporal/searchAttributes';
import { createWorker, workflowsPath } from '../../src/worker';
import type { researchCycle } from '../../src/workflows/researchCycle';

// Workers log every activity failure at WARN; tests provoke many on purpose.
installRuntime('ERROR');

function binary(env: string): string {
  const path = process.env[env];
  if (!path) throw new Error(`${env} is not set: the test globalSetup resolves it`);
  return path;
}

/** The official time-skipping test server, never the SDK's download. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: binary('TEMPORAL_TEST_SERVER_PATH') } },
  });
  // the test server can add search attributes but not list them
  await registerSearchAttributes(env.connection, 'default');
  return env;
}

/** The official `temporal` CLI dev server (real persistence and visibility), never the SDK's download; with its Web UI when given a port. */
export async function devServerEnv(uiPort?: number): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: binary('TEMPORAL_CLI_PATH') },
      ...(uiPort !== undefined && { ui: true, uiPort }),
      extraArgs: ['--log-level', 'error', ...DEV_SERVER_TUNING, ...(uiPort !== undefined ? ['--ui-disable-news-fetch'] : [])],
    },
  });
  await ensureSearchAttributes(env.connection, 'default');
  return env;
}

/**
 * The dev server with one worker of this project's workflows on the research task queue, running
 * `activities` and telling `trigger` it is `mode` — what the CLI's tests talk to. `stop` shuts both down.
 */
export async function devServerWithWorker(
  activities: ResearchActivities,
  mode: 'claude' | 'offline',
): Promise<{ env: TestWorkflowEnvironment; stop: () => Promise<void> }> {
  const env = await devServerEnv();
  const worker = await createWorker({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, activities, workflowBundle: await workflowBundle(), mode });
  const running = worker.run();
  return {
    env,
    async stop() {
      worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

let bundle: Promise<WorkflowBundle> | undefined;
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: new DefaultLogger('ERROR') });
  return bundle;
}

/** Runs `fn` while a worker with the given activities polls a fresh task queue. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: ResearchActivities,
  fn: (taskQueue: string) => Promise<T>,
  taskQueue = `test-${randomUUID()}`,
): Promise<T> {
  const worker = await createWorker({ connection: env.nativeConnection, taskQueue, activities, workflowBundle: await workflowBundle() });
  return worker.runUntil(fn(taskQueue));
}

let started = 0;
/** Starts a research cycle on `taskQueue` under a fresh id. */
export function startResearchCycle(env: TestWorkflowEnvironment, taskQueue: string, request: CycleRequest = {}) {
  return env.client.workflow.start<typeof researchCycle>(RESEARCH_WORKFLOW, { args: [request], taskQueue, workflowId: `cycle-${++started}-${Date.now()}` });
}

/** Polls `probe` until it gives a value (a probe that throws has not yet), every 50 ms, 200 times at most. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
