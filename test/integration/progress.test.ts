import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivities } from '../../src/activities';
import { noUsage } from '../../src/domain/models';
import { TASK_QUEUE } from '../../src/temporal/definitions';
import { createWorker, type ResearchWorker } from '../../src/worker';
import { ktrdrAgent } from '../support/cli';
import { ScratchFolders, startTestServices, type TestServices } from '../support/services';
import { devServerEnv, workflowBundle } from '../support/temporal';

/**
 * Training progress as `trigger --wait` and `status --watch` print it (the loop `start` runs
 * too), with the real services training a shipped strategy on the shipped data: a training of
 * under a second still shows its epochs and loss, and a training of a few seconds shows them
 * live, from the activity's heartbeats. The design is fixed (the brief names the strategy).
 */
let env: TestWorkflowEnvironment;
let folders: ScratchFolders;
let services: TestServices;
let worker: ResearchWorker;
let running: Promise<void>;

/** rsi_adx_trend_filter for 400 epochs without early stopping: a few seconds of training. */
const seconds = (yaml: string) => yaml.replace(/epochs: \d+/, 'epochs: 400').replace(/early_stopping: \{enabled: true/, 'early_stopping: {enabled: false');

beforeAll(async () => {
  env = await devServerEnv();
  folders = new ScratchFolders();
  folders.strategy('rsi_adx_trend_filter', 'short_training');
  folders.strategy('rsi_adx_trend_filter', 'seconds_training', seconds);
  services = await startTestServices(folders);
  const activities = createActivities({ servicesUrl: services.url, folders: folders.agentFolders() });
  worker = await createWorker({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    mode: 'offline',
    activities: {
      ...activities,
      designStrategy(input) {
        const strategyName = input.brief ?? 'short_training';
        return Promise.resolve({
          strategyName,
          strategyPath: path.join(folders.strategiesDir, `${strategyName}.yaml`),
          symbol: 'EURUSD',
          timeframe: '1h',
          offline: true,
          usage: noUsage('offline'),
        });
      },
    },
  });
  running = worker.run();
}, 60_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await services?.close();
  await env?.teardown();
  folders?.remove();
});

const cli = (...args: string[]) => ktrdrAgent(env.address, ...args);

/** The lines printed between `→ training` and `→ backtesting`. */
function trainingLines(stdout: string): string[] {
  const lines = stdout.split('\n');
  const from = lines.findIndex((l) => l.startsWith('→ training'));
  const to = lines.findIndex((l) => l.startsWith('→ backtesting'));
  expect(from, stdout).toBeGreaterThanOrEqual(0);
  expect(to, stdout).toBeGreaterThan(from);
  return lines.slice(from + 1, to);
}

const DONE = /^ {2}trained (\d+) epochs · train loss \d+\.\d{4} → \d+\.\d{4} · validation loss \d+\.\d{4}, accuracy \d+\.\d% \(chance \d+\.\d%\)$/;
const LIVE = /^ {2}\d+% · Epoch \d+\/400 · Batch \d+\/\d+ · loss \d+\.\d{4}$/;

describe('training progress', () => {
  test('a training of under a second shows its epochs and loss when it ends', async () => {
    const run = await cli('trigger', '--brief', 'short_training', '--bypass-gates', '--wait');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = trainingLines(run.stdout);
    const done = lines.at(-1) ?? '';
    expect(done).toMatch(DONE);
    const epochs = Number(DONE.exec(done)![1]);
    expect(run.stdout).toMatch(new RegExp(`Training\\s+accuracy .* ${epochs} epochs`));
  });

  test('a training of a few seconds shows epochs and loss live in status --watch', async () => {
    const trigger = await cli('trigger', '--brief', 'seconds_training', '--bypass-gates');
    expect(trigger.code).toBe(0);
    const id = /Research cycle started: (\S+)/.exec(trigger.stdout)![1];
    const watch = await cli('status', id, '--watch');
    expect(watch.stderr).toBe('');
    expect(watch.code).toBe(0);
    const lines = trainingLines(watch.stdout);
    expect(lines.filter((l) => LIVE.test(l)).length).toBeGreaterThanOrEqual(1);
    expect(lines.at(-1)).toMatch(/^ {2}trained 400 epochs · /);
  });
});
