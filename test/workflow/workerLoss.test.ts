import net from 'node:net';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Context } from '@temporalio/activity';
import { currentCancellationReason, type CancellationReason } from '../../src/activities/cancellation';
import { createServiceActivities } from '../../src/activities/serviceActivities';
import { ActivityProgressSchema, type ActivityProgress } from '../../src/domain/activities';
import { createWorker } from '../../src/worker';
import { fakeActivities, usage } from '../support/fakeActivities';
import { longTraining, ScratchFolders, startTestServices, type TestServices } from '../support/services';
import { devServerEnv, startResearchCycle, waitFor, workflowBundle } from '../support/temporal';

/**
 * A worker lost mid-training, and another that takes over: a cycle on the dev server, its
 * training on the real services. A worker that shuts down gracefully gives its activity a
 * grace period, then leaves the training running; a worker cut off from the server (dead, or
 * the server away) is noticed by the heartbeat timeout, and when it comes back it leaves the
 * training alone too. Either way the next worker's attempt re-attaches to the one training.
 */
const STRATEGY = 'rsi_adx_slow';
/** A training that outlasts a heartbeat timeout and a reconnection: 1 000 epochs of a wider network. */
const SLOWER = 'rsi_adx_slower';

let env: TestWorkflowEnvironment;
let folders: ScratchFolders;
let services: TestServices;

beforeAll(async () => {
  folders = new ScratchFolders();
  folders.strategy('rsi_adx_trend_filter', STRATEGY, longTraining);
  folders.strategy('rsi_adx_trend_filter', SLOWER, (yaml) => longTraining(yaml).replace('hidden_layers: [32, 16]', 'hidden_layers: [128, 64]'));
  [env, services] = await Promise.all([devServerEnv(), startTestServices(folders)]);
});
afterAll(async () => {
  await services?.close();
  await env?.teardown();
  folders?.remove();
});

const activities = (strategy = STRATEGY, onCancel?: (reason: CancellationReason) => void) =>
  fakeActivities({
    overrides: () => ({
      ...createServiceActivities({ client: services.client }),
      ...(onCancel && {
        trainModel(input) {
          const ctx = Context.current();
          ctx.cancellationSignal.addEventListener('abort', () => onCancel(currentCancellationReason(ctx)));
          return createServiceActivities({ client: services.client }).trainModel(input);
        },
      }),
      designStrategy: (input) =>
        Promise.resolve({
          strategyName: strategy,
          strategyPath: path.join(folders.strategiesDir, `${strategy}.yaml`),
          symbol: 'EURUSD',
          timeframe: '1h',
          offline: false,
          usage: usage({ model: input.model }),
        }),
    }),
  });

/** The running training's latest heartbeat as the server recorded it, once it names an epoch. */
async function trainingProgress(
  handle: Awaited<ReturnType<typeof startResearchCycle>>,
  atLeastEpoch = 1,
): Promise<ActivityProgress & { attempt: number; lastFailure?: string | null }> {
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
    const first = await createWorker({
      connection: env.nativeConnection,
      taskQueue,
      activities: activities(),
      workflowBundle: await workflowBundle(),
      shutdownGraceTime: '2 seconds',
    });
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
    const status = await second.runUntil(handle.result());

    expect(status.outcome).toBe('completed');
    expect(status.training?.operationId).toBe(before.operationId);
    const ops = (await services.client.listOperations({ cycle_id: status.cycleId })).data;
    expect(ops.filter((op) => op.operation_type === 'training').map((op) => [op.operation_id, op.status])).toEqual([[before.operationId, 'completed']]);
  });
});

/** A TCP proxy to the dev server that the test can cut and restore: a worker behind it is cut off, as if dead or as if the server were away. */
async function cuttableProxy(target: string) {
  const [host, port] = target.split(':');
  const sockets = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return client.destroy();
    const upstream = net.connect(Number(port), host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      cut = false;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a worker cut off from the server mid-training', () => {
  test('is noticed within about 10 s; the next worker re-attaches, and the cut-off one, back, leaves the training alone', async () => {
    const taskQueue = `cut-off-${Date.now()}`;
    const proxy = await cuttableProxy(env.address);
    const connection = await NativeConnection.connect({ address: proxy.address });
    const reasons: CancellationReason[] = [];
    const first = await createWorker({
      connection,
      taskQueue,
      activities: activities(SLOWER, (reason) => reasons.push(reason)),
      workflowBundle: await workflowBundle(),
    });
    const firstRuns = first.run();
    try {
      const handle = await startResearchCycle(env, taskQueue, { bypassGates: true });
      const before = await trainingProgress(handle);
      proxy.cut();
      const cutAt = Date.now();

      const second = await createWorker({
        connection: env.nativeConnection,
        taskQueue,
        activities: activities(SLOWER),
        workflowBundle: await workflowBundle(),
      });
      const status = await second.runUntil(async () => {
        // the server gives up on the silent attempt and hands the next one to the worker it can reach
        let retried = before;
        while (retried.attempt < 2 && Date.now() - cutAt < 20_000) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          retried = await trainingProgress(handle);
        }
        expect(retried).toMatchObject({ attempt: 2, operationId: before.operationId });
        expect(Date.now() - cutAt).toBeLessThan(14_000);
        await trainingProgress(handle, retried.epoch! + 1);

        // back in touch, the first worker learns its attempt is gone: it must leave the training running
        proxy.restore();
        await waitFor(() => Promise.resolve(reasons.length ? reasons : undefined), "the first worker's activity to hear of it");
        expect(reasons.every((r) => r !== 'cancelRequested')).toBe(true);
        expect((await services.client.getOperation(before.operationId!)).status).toBe('running');

        // the one training is the second worker's now: cancelling the cycle cancels it
        await handle.cancel();
        await expect(handle.result()).rejects.toThrow();
        return (await handle.describe()).status.name;
      });

      expect(status).toBe('CANCELLED');
      const ops = (await services.client.listOperations({ cycle_id: handle.workflowId })).data;
      expect(ops.map((op) => [op.operation_id, op.status])).toEqual([[before.operationId, 'cancelled']]);
    } finally {
      proxy.restore();
      first.shutdown();
      await firstRuns;
      await connection.close();
      await proxy.close();
    }
  });
});
