import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createServiceActivities } from '../../src/activities/serviceActivities';
import { ActivityProgressSchema, type ActivityProgress } from '../../src/domain/activities';
import type { CycleStatus } from '../../src/domain/cycle';
import { createWorker } from '../../src/worker';
import { fakeActivities, usage } from '../support/fakeActivities';
import { longTraining, ScratchFolders, startTestServices, type TestServices } from '../support/services';
import { devServerEnv, startResearchCycle, waitFor, workflowBundle } from '../support/temporal';

/**
 * A worker that shuts down gracefully mid-training, and another that takes over: a cycle on
 * the dev server, its training on the real services. The first worker's activity has its
 * grace period, then leaves the training running; the next worker's attempt re-attaches to it.
 */
const STRATEGY = 'rsi_adx_slow';

let env: TestWorkflowEnvironment;
let folders: ScratchFolders;
let services: TestServices;

beforeAll(async () => {
  folders = new ScratchFolders();
  folders.strategy('rsi_adx_trend_filter', STRATEGY, longTraining);
  [env, services] = await Promise.all([devServerEnv(), startTestServices(folders)]);
});
afterAll(async () => {
  await services?.close();
  await env?.teardown();
  folders?.remove();
});

const activities = () =>
  fakeActivities({
    overrides: () => ({
      ...createServiceActivities({ client: services.client }),
      async designStrategy(input) {
        return { strategyName: STRATEGY, strategyPath: path.join(folders.strategiesDir, `${STRATEGY}.yaml`), symbol: 'EURUSD', timeframe: '1h', offline: false, usage: usage({ model: input.model }) };
      },
    }),
  });

/** The running training's latest heartbeat as the server recorded it, once it names an epoch. */
async function trainingProgress(handle: Awaited<ReturnType<typeof startResearchCycle>>, atLeastEpoch = 1): Promise<ActivityProgress & { attempt: number; lastFailure?: string | null }> {
  return waitFor(async () => {
    const pending = (await handle.describe()).raw.pendingActivities?.[0];
    if (pending?.activityType?.name !== 'trainModel') return undefined;
    const payload = pending.heartbeatDetails?.payloads?.[0];
    const details = payload && ActivityProgressSchema.safeParse(JSON.parse(Buffer.from(payload.data!).toString()));
    if (!details?.success || (details.data.epoch ?? 0) < atLeastEpoch) return undefined;
    return { ...details.data, attempt: pending.attempt ?? 1, lastFailure: pending.lastFailure?.applicationFailureInfo?.type };
  }, 'a training heartbeat');
}

describe('a graceful worker shutdown mid-training', () => {
  test('leaves the training running; the next worker re-attaches to it and the cycle completes with one training', async () => {
    const taskQueue = `shutdown-${Date.now()}`;
    const first = await createWorker({ connection: env.nativeConnection, taskQueue, activities: activities(), workflowBundle: await workflowBundle(), shutdownGraceTime: '2 seconds' });
    const handle = await startResearchCycle(env, taskQueue, { bypassGates: true });
    let stopping = 0;
    const before = await first.runUntil(trainingProgress(handle).finally(() => (stopping = Date.now())));
    const stopped = Date.now();

    // Between the workers: the training runs on; the attempt had its grace period, heartbeating
    // progress (later epochs than at the stop), then ended asking for the next attempt.
    expect(stopped - stopping).toBeGreaterThanOrEqual(2000);
    const between = await trainingProgress(handle, before.epoch);
    expect(between).toMatchObject({ operationId: before.operationId, attempt: 2, lastFailure: 'WorkerShutdown' });
    expect(between.epoch).toBeGreaterThan(before.epoch!);
    expect((await services.client.getOperation(before.operationId!)).status).toBe('running');

    const second = await createWorker({ connection: env.nativeConnection, taskQueue, activities: activities(), workflowBundle: await workflowBundle() });
    const status = (await second.runUntil(handle.result())) as CycleStatus;

    expect(status.outcome).toBe('completed');
    expect(status.training?.operationId).toBe(before.operationId);
    const ops = (await services.client.listOperations({ cycle_id: status.cycleId })).data;
    expect(ops.filter((op) => op.operation_type === 'training').map((op) => [op.operation_id, op.status])).toEqual([[before.operationId, 'completed']]);
  });
});
