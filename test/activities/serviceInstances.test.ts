import path from 'node:path';
import { ActivityCancellationDetails, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceActivities, type ServiceActivityOptions } from '../../src/activities/serviceActivities';
import { ServicesClient } from '../../src/services/client';
import { longTraining, ScratchFolders, ServicesProcess, startTestServices, waitFor, type TestServices } from '../support/services';

/**
 * The service activities with more than one services instance, each with its own state folder
 * over shared strategies, models and reports (as hosts over shared storage): an attempt
 * records in its heartbeat which instance runs its operation, and a retry that lands beside
 * another instance re-attaches there while that instance answers, or replaces the operation on
 * its own instance when it is gone. Each attempt runs in its own MockActivityEnvironment, as a
 * worker would run it, and gets the previous attempt's last heartbeat, as Temporal hands it over.
 */

const STRATEGY = 'rsi_adx_trend_filter';
const ENDLESS = 'rsi_adx_endless';

let folders: ScratchFolders;
let a: TestServices;
let b: TestServices;

beforeAll(async () => {
  folders = new ScratchFolders();
  folders.strategy(STRATEGY);
  folders.strategy(STRATEGY, ENDLESS, longTraining);
  a = await startTestServices(folders, { stateDir: path.join(folders.root, 'state-a') });
  b = await startTestServices(folders, { stateDir: path.join(folders.root, 'state-b') });
});

afterAll(async () => {
  await Promise.all([a?.close(), b?.close()]);
  folders?.remove();
});

type Beat = Record<string, unknown>;

interface Attempt<T> {
  outcome: Promise<T>;
  heartbeats: Beat[];
  env: MockActivityEnvironment;
}

/** One attempt beside the instance `client` speaks to; `heartbeatDetails` is what the previous attempt last heartbeated. */
function attempt<T>(
  call: (activities: ReturnType<typeof createServiceActivities>) => Promise<T>,
  { heartbeatDetails, ...options }: ServiceActivityOptions & { heartbeatDetails?: unknown },
): Attempt<T> {
  const env = new MockActivityEnvironment({ heartbeatDetails, attempt: heartbeatDetails === undefined ? 1 : 2 }, { logger: new DefaultLogger('ERROR') });
  const heartbeats: Beat[] = [];
  env.on('heartbeat', (details: Beat) => heartbeats.push(details));
  return { outcome: env.run(() => call(createServiceActivities({ pollWaitMs: 50, ...options }))), heartbeats, env };
}

function heartbeatWhere(run: Attempt<unknown>, until: (beat: Beat) => boolean): Promise<Beat> {
  return new Promise((resolve, reject) => {
    const listener = (beat: Beat) => {
      if (!until(beat)) return;
      run.env.off('heartbeat', listener);
      resolve(beat);
    };
    run.env.on('heartbeat', listener);
    run.outcome.then(
      () => reject(new Error('the attempt completed before the awaited heartbeat')),
      (err: Error) => reject(new Error(`the attempt failed before the awaited heartbeat: ${err.message}`)),
    );
  });
}

const training = (beat: Beat) => typeof beat.epoch === 'number';
const last = <T>(xs: T[]): T => xs[xs.length - 1];

const input = (cycleId: string, strategyName = STRATEGY) => ({ cycleId, strategyName, strategyPath: path.join(folders.strategiesDir, `${strategyName}.yaml`) });

/** The cycle's operations on an instance, as [task id, status, error code]. */
const records = async (client: ServicesClient, cycleId: string) =>
  (await client.listOperations({ cycle_id: cycleId })).data.reverse().map((op) => [op.metadata.task_id, op.status, op.error_code]);

/** An attempt beside `client`'s instance ended (its host lost): the next attempt gets its last heartbeat. */
async function endedMidTraining(cycleId: string, client: ServicesClient, strategy = STRATEGY): Promise<Beat> {
  const first = attempt((x) => x.trainModel(input(cycleId, strategy)), { client });
  const beat = await heartbeatWhere(first, training);
  first.env.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));
  await first.outcome.catch(() => undefined);
  expect(beat.servicesUrl).toBe(client.url);
  return last(first.heartbeats);
}

describe('a retry beside another instance', () => {
  it('re-attaches to the operation on the instance that runs it, which still answers: one training, none started beside the retry', async () => {
    const heartbeat = await endedMidTraining('cycle-moved', a.client);

    const retry = attempt((x) => x.trainModel(input('cycle-moved')), { client: b.client, heartbeatDetails: heartbeat });
    const result = await retry.outcome;

    expect(result.operationId).toBe(heartbeat.operationId);
    expect(result.replacedOperations).toBeUndefined();
    expect(retry.heartbeats.every((beat) => beat.operationId === heartbeat.operationId && beat.servicesUrl === a.url)).toBe(true);
    expect(await records(a.client, 'cycle-moved')).toEqual([['cycle-moved-training', 'completed', null]]);
    expect(await records(b.client, 'cycle-moved')).toEqual([]);
  });

  it('cancelled with its cycle, cancels the operation on the instance it re-attached to: no orphan left running', async () => {
    const heartbeat = await endedMidTraining('cycle-moved-cancelled', a.client, ENDLESS);

    const retry = attempt((x) => x.trainModel(input('cycle-moved-cancelled', ENDLESS)), { client: b.client, heartbeatDetails: heartbeat });
    await heartbeatWhere(retry, (beat) => training(beat) && beat.epoch !== heartbeat.epoch);
    retry.env.cancel();

    await expect(retry.outcome).rejects.toBeInstanceOf(CancelledFailure);
    expect(await records(a.client, 'cycle-moved-cancelled')).toEqual([['cycle-moved-cancelled-training', 'cancelled', 'cancelled']]);
    expect(await records(b.client, 'cycle-moved-cancelled')).toEqual([]);
  });

  it('replaces the operation on its own instance when the instance that ran it is gone (SIGKILL), and says so', async () => {
    const lost = new ServicesProcess(['--port', '0'], folders.servicesEnv(path.join(folders.root, 'state-lost')));
    const lostUrl = await lost.url();
    let heartbeat: Beat;
    try {
      heartbeat = await endedMidTraining('cycle-lost-host', new ServicesClient(lostUrl));
    } finally {
      await lost.stop('SIGKILL');
    }

    const retry = attempt((x) => x.trainModel(input('cycle-lost-host')), { client: b.client, heartbeatDetails: heartbeat });
    const result = await retry.outcome;

    expect(result.replacedOperations).toEqual([{ operationId: heartbeat.operationId, errorCode: 'instance_unreachable' }]);
    // the lost instance's checkpoint went with it: the new training started over, and says why
    expect(result.startedOver).toMatch(new RegExp(`^not resumed from ${String(heartbeat.operationId)}: `));
    expect(await records(b.client, 'cycle-lost-host')).toEqual([['cycle-lost-host-training-r1', 'completed', null]]);
    expect(last(retry.heartbeats)).toMatchObject({ operationId: result.operationId, servicesUrl: b.url });
  });
});

describe('cleanUpCycle', () => {
  it('cancels what its cycle left running on every instance it is told of, not only its own', async () => {
    const onA = await a.client.startTraining({ strategy_name: ENDLESS, task_id: 'cycle-spread-training', cycle_id: 'cycle-spread' });
    const onB = await b.client.startTraining({ strategy_name: ENDLESS, task_id: 'cycle-spread-backtest', cycle_id: 'cycle-spread' });
    await waitFor(a.client, onA.task_id, (op) => op.status === 'running');

    const cleanUp = attempt((x) => x.cleanUpCycle({ cycleId: 'cycle-spread', outcome: 'cancelled' }), {
      client: b.client,
      // the instances the services' task queue knows of: this one, the other, and one gone since
      instances: () => Promise.resolve([b.url, a.url, 'http://127.0.0.1:9']),
    });
    const result = await cleanUp.outcome;

    expect(result.cancelledOperations.sort()).toEqual([onA.task_id, onB.task_id].sort());
    expect(await records(a.client, 'cycle-spread')).toEqual([['cycle-spread-training', 'cancelled', 'cancelled']]);
    expect(await records(b.client, 'cycle-spread')).toEqual([['cycle-spread-backtest', 'cancelled', 'cancelled']]);
  });
});
