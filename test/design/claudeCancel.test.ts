import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDesignActivities } from '../../src/activities/designActivities';
import type { ResearchActivities } from '../../src/domain/activities';
import { claudeConfigFor, clearAnthropicEnv, startFakeAnthropic, type FakeAnthropic } from '../support/fakeAnthropic';
import { fakeActivities } from '../support/fakeActivities';
import { ScratchFolders } from '../support/services';
import { devServerEnv, startResearchCycle, withWorker } from '../support/temporal';

/**
 * Cancelling a cycle during a Claude phase, through a real worker on the dev server: the
 * cancellation reaches the activity only in the answer to one of its heartbeats, and the
 * activity then aborts its HTTP request to the (fake) Messages API, which hangs.
 */
let env: TestWorkflowEnvironment;
let fake: FakeAnthropic;
let restoreEnv: (() => void) | undefined;
let folders: ScratchFolders;

beforeAll(async () => {
  restoreEnv = clearAnthropicEnv();
  env = await devServerEnv();
  fake = await startFakeAnthropic({ script: () => ({ kind: 'hang' }) });
  folders = new ScratchFolders();
  folders.strategy('rsi_adx_trend_filter');
});
afterAll(async () => {
  restoreEnv?.();
  await fake?.close();
  await env?.teardown();
  folders?.remove();
});

async function until(what: string, holds: () => boolean): Promise<number> {
  for (let i = 0; i < 3000 && !holds(); i++) await sleep(5);
  if (!holds()) throw new Error(`timed out waiting for ${what}`);
  return Date.now();
}

/**
 * Runs a cycle whose `phase` talks to the hanging fake, cancels it `after` ms into the request,
 * and returns how long the request outlived the cancel; the cycle must end cancelled.
 */
async function cancelLatency(phase: 'designStrategy' | 'assessStrategy', after: number): Promise<number> {
  const claude = createDesignActivities({
    folders: folders.agentFolders(),
    claude: claudeConfigFor(fake),
  });
  const activities: ResearchActivities = fakeActivities({
    overrides: () => ({
      [phase]: claude[phase].bind(claude),
      ...(phase === 'assessStrategy' && {
        designStrategy: () =>
          Promise.resolve({
            strategyName: 'rsi_adx_trend_filter',
            strategyPath: path.join(folders.strategiesDir, 'rsi_adx_trend_filter.yaml'),
            symbol: 'EURUSD',
            timeframe: '1h',
            offline: false,
            usage: { model: 'claude-sonnet-5-5', inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
          }),
      }),
    }),
  });
  const requests = fake.requests.length;
  const aborted = fake.aborted;
  return withWorker(env, activities, async (taskQueue) => {
    const handle = await startResearchCycle(env, taskQueue, { model: 'sonnet' });
    await until('the request to Claude', () => fake.requests.length > requests);
    await sleep(after);
    const cancelledAt = Date.now();
    await handle.cancel();
    const abortedAt = await until('the request to be aborted', () => fake.aborted > aborted);
    await expect(handle.result()).rejects.toThrow();
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    return abortedAt - cancelledAt;
  });
}

describe('a cancelled Claude phase', () => {
  // 1.5 s into the request: past the heartbeat that announced it, before a 5-second heartbeat's next one
  test.each(['designStrategy', 'assessStrategy'] as const)('%s aborts its request within a second of the cancel', async (phase) => {
    const latencies = [await cancelLatency(phase, 1500), await cancelLatency(phase, 2300)];
    for (const ms of latencies) expect(ms).toBeLessThan(1000);
  });
});
