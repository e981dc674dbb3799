import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../src/paths';
import { TASK_QUEUE } from '../../src/temporal/definitions';
import { createWorker, type ResearchWorker } from '../../src/worker';
import { ktrdrAgent, runCommand } from '../support/cli';
import { fakeActivities } from '../support/fakeActivities';
import { devServerEnv, workflowBundle } from '../support/temporal';

/**
 * What clients learn from the workers polling the task queue: `trigger` and the Web UI's
 * static summary say who will design a cycle (a worker says in its identity whether it has an
 * ANTHROPIC_API_KEY), `trigger` warns when no worker polls, and the worker container's
 * healthcheck — the command docker-compose.yml runs — passes only while a worker on this host
 * polls. A dev server of its own, first without any worker.
 */
let env: TestWorkflowEnvironment;
let worker: ResearchWorker | undefined;
let running: Promise<void> | undefined;

beforeAll(async () => {
  env = await devServerEnv();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const cli = (...args: string[]) => ktrdrAgent(env.address, ...args);
const startedId = (stdout: string) => /Research cycle started: (\S+)/.exec(stdout)![1];

/** The part of docker-compose.yml read here: the worker's healthcheck command. */
const ComposeHealthcheck = z.object({ services: z.object({ worker: z.object({ healthcheck: z.object({ test: z.array(z.string()) }) }) }) });

/** The worker's healthcheck exactly as docker-compose.yml gives it, run from the project root (the image's /app). */
function composeHealthcheck(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const compose = ComposeHealthcheck.parse(YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')));
  const [kind, command, ...args] = compose.services.worker.healthcheck.test;
  expect(kind).toBe('CMD');
  return runCommand(command === 'node' ? process.execPath : command, args, { TEMPORAL_ADDRESS: env.address, TEMPORAL_NAMESPACE: 'default' });
}

describe('without a worker', () => {
  test('trigger starts the cycle, warns that no worker polls, and the summary names no model', async () => {
    const run = await cli('trigger', '--brief', 'nobody home');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`warning: no worker is polling task queue '${TASK_QUEUE}': the cycle waits until one starts`);
    expect(run.stdout).toContain(
      'Model:  claude-sonnet-5-5 if the worker that picks it up has an ANTHROPIC_API_KEY, else the offline designer and assessor (no worker is polling the task queue yet)',
    );
    const handle = env.client.workflow.getHandle(startedId(run.stdout));
    expect(await (await handle.describe()).staticSummary()).toBe('Research cycle · nobody home');
    await handle.terminate('test done');
  });

  test('the worker healthcheck fails, saying why', async () => {
    const run = await composeHealthcheck();
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: unhealthy: no ktrdr-agent worker on ${os.hostname()} is polling task queue '${TASK_QUEUE}'\n`);
  });
});

describe('with a worker that has no ANTHROPIC_API_KEY', () => {
  beforeAll(async () => {
    worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      activities: fakeActivities(),
      workflowBundle: await workflowBundle(),
      mode: 'offline',
    });
    running = worker.run();
    // the server lists a poller once its first poll arrives
    for (let i = 0; i < 100 && (await composeHealthcheck()).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
  });

  test('trigger, the static summary and details say offline and name no Claude model', async () => {
    const run = await cli('trigger', '--brief', 'cci on EURUSD', '--model', 'haiku');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Model:  offline designer and assessor (the worker has no ANTHROPIC_API_KEY)');
    expect(run.stdout).not.toMatch(/claude-/);
    const handle = env.client.workflow.getHandle(startedId(run.stdout));
    await handle.result();
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe('Research cycle · offline designer and assessor · cci on EURUSD');
    const details = await description.staticDetails();
    expect(details).toContain('**Designer and assessor:** offline (the worker has no ANTHROPIC_API_KEY)');
    expect(details).not.toMatch(/claude-/);
  });

  test('the worker healthcheck passes, naming the worker it found polling', async () => {
    const run = await composeHealthcheck();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^healthy: \\d+@${os.hostname()} ktrdr-agent offline polled task queue '${TASK_QUEUE}' \\d+ s ago\\n$`));
  });
});
