import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceActivities, type ServiceActivityOptions } from '../../src/activities/serviceActivities';
import { ActivityProgressSchema, BacktestResultSchema, OPERATION_RUNNING, TrainResultSchema } from '../../src/domain/activities';
import { ServicesClient } from '../../src/services/client';
import { match } from '../support/matchers';
import { freePort } from '../support/ports';
import { ScratchFolders, ServicesProcess, startTestServices, TYPESCRIPT_LOADER, waitFor, type TestServices } from '../support/services';

/**
 * trainModel / runBacktest / cleanUpCycle against the real services, in this process on a
 * free port, over scratch folders. Each activity attempt runs in its own
 * MockActivityEnvironment, as a worker would run it, with its heartbeats recorded; a retried
 * attempt gets the previous attempt's last heartbeat as its heartbeat details, as Temporal
 * hands them over.
 */

const STRATEGY = 'rsi_adx_trend_filter';
/** The same strategy training 1 000 epochs (the schema's most) without early stopping: still running whenever the test looks. */
const ENDLESS = 'rsi_adx_endless';

function endlessTraining(yaml: string): string {
  const edited = yaml.replace(/epochs: \d+/, 'epochs: 1000').replace(/early_stopping: \{enabled: true/, 'early_stopping: {enabled: false');
  if (!edited.includes('epochs: 1000') || !edited.includes('early_stopping: {enabled: false'))
    throw new Error(`${STRATEGY}.yaml changed: make this edit match it again`);
  return edited;
}

let folders: ScratchFolders;
let services: TestServices;

beforeAll(async () => {
  folders = new ScratchFolders();
  folders.strategy(STRATEGY);
  folders.strategy(STRATEGY, ENDLESS, endlessTraining);
  services = await startTestServices(folders);
});

afterAll(async () => {
  await services?.close();
  folders?.remove();
});

type Activities = ReturnType<typeof createServiceActivities>;

interface Attempt<T> {
  outcome: Promise<T>;
  /** Every heartbeat of this attempt, in order. */
  heartbeats: Record<string, unknown>[];
  env: MockActivityEnvironment;
}

/** One attempt of an activity; `heartbeatDetails` is what the previous attempt last heartbeated. */
function attempt<T>(
  call: (activities: Activities) => Promise<T>,
  { heartbeatDetails, ...options }: Partial<ServiceActivityOptions> & { heartbeatDetails?: unknown } = {},
): Attempt<T> {
  // Failed attempts are what most tests expect: the worker's "Activity failed" warnings would only be noise.
  const env = new MockActivityEnvironment({ heartbeatDetails, attempt: heartbeatDetails === undefined ? 1 : 2 }, { logger: new DefaultLogger('ERROR') });
  const heartbeats: Record<string, unknown>[] = [];
  env.on('heartbeat', (details: Record<string, unknown>) => heartbeats.push(details));
  // short long polls, so that even a training of a second shows its epochs
  const activities = createServiceActivities({ client: services.client, pollWaitMs: 50, ...options });
  return { outcome: env.run(() => call(activities)), heartbeats, env };
}

/** The error an attempt ended with (the test fails if it succeeded). */
async function failureOf(outcome: Promise<unknown>): Promise<Error> {
  return outcome.then(
    (result) => {
      throw new Error(`expected the attempt to fail, it returned ${JSON.stringify(result)}`);
    },
    (err: Error) => err,
  );
}

/** What Temporal does with a thrown error: an ApplicationFailure marked non-retryable ends the activity, anything else is retried. */
const isFinal = (err: Error) => err instanceof ApplicationFailure && err.nonRetryable;

const last = <T>(xs: T[]): T => xs[xs.length - 1];

const cycleOperations = async (cycleId: string) => (await services.client.listOperations({ cycle_id: cycleId })).data;

const trainInput = (cycleId: string, strategyName = STRATEGY) => ({
  cycleId,
  strategyName,
  strategyPath: path.join(folders.strategiesDir, `${strategyName}.yaml`),
});

/** Resolves with the first heartbeat of the attempt that satisfies `until`; rejects if the attempt ends first. */
function heartbeatWhere(run: Attempt<unknown>, until: (details: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const listener = (details: Record<string, unknown>) => {
      if (until(details)) {
        run.env.off('heartbeat', listener);
        resolve(details);
      }
    };
    run.env.on('heartbeat', listener);
    run.outcome.then(
      () => reject(new Error('the attempt completed before the awaited heartbeat')),
      (err: Error) => reject(new Error(`the attempt failed before the awaited heartbeat: ${err.message}`)),
    );
  });
}

describe('trainModel', () => {
  it('heartbeats the training progress and returns the typed training result of the one operation it started', async () => {
    const run = attempt((a) => a.trainModel(trainInput('cycle-train')));
    const result = await run.outcome;

    // The result is what the workflow parses, with the service's own training report figures.
    expect(TrainResultSchema.parse(result)).toEqual(result);
    const ops = await cycleOperations('cycle-train');
    expect(ops.map((op) => [op.operation_type, op.status, op.operation_id])).toEqual([['training', 'completed', result.operationId]]);
    const op = ops[0];
    if (op.operation_type !== 'training' || op.status !== 'completed') throw new Error('unreachable');
    expect(result.metrics).toEqual(op.result_summary.metrics);
    expect(result.modelPath).toBe(op.result_summary.modelPath);
    expect(result.modelPath.startsWith(folders.modelsDir + path.sep)).toBe(true);
    expect(fs.existsSync(result.modelPath)).toBe(true);

    // Every heartbeat is progress `status` and the Web UI can show, naming the operation.
    expect(run.heartbeats.length).toBeGreaterThan(2);
    for (const beat of run.heartbeats) {
      expect(ActivityProgressSchema.parse(beat)).toEqual(beat);
      expect(beat.operationId).toBe(result.operationId);
    }
    const percents = run.heartbeats.map((beat) => beat.percent as number);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const epochs = run.heartbeats.filter((beat) => beat.epoch !== undefined);
    expect(epochs.length).toBeGreaterThan(0);
    for (const beat of epochs) {
      expect(beat.totalEpochs).toBe(60);
      expect(beat.step).toMatch(new RegExp(`^Epoch ${String(beat.epoch)}/60 `));
      expect(beat.percent).toBeGreaterThan(0);
      // the loss the service reports as it trains, for status and the Web UI
      expect(beat.loss).toBeGreaterThan(0);
    }
  });
});

describe('waiting on an operation', () => {
  it("learns that it ended within 100 ms of its end and its slot's release, not on a poll's next tick", async () => {
    /**
     * How long after the operation's end the activity returned: after its recorded end and after
     * the services freed its slot (its thread exited), which the activity waits for; the test
     * sees the slot freed as the services' health does, polled every 5 ms meanwhile.
     */
    const lag = async (run: () => Promise<{ operationId: string }>) => {
      let running = true;
      let freedAt = 0;
      const watching = (async () => {
        while (running) {
          const { active_operations } = await services.client.health();
          freedAt = active_operations === 0 ? freedAt || Date.now() : 0;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      const { operationId } = await run();
      const returned = Date.now();
      running = false;
      await watching;
      const op = await services.client.getOperation(operationId);
      return returned - Math.max(Date.parse(op.completed_at!), freedAt);
    };
    let modelPath = '';
    const lags = [
      await lag(async () => {
        const result = await attempt((a) => a.trainModel(trainInput('cycle-lag')), { pollWaitMs: undefined }).outcome;
        modelPath = result.modelPath;
        return result;
      }),
      await lag(() => attempt((a) => a.runBacktest({ ...trainInput('cycle-lag-1'), modelPath }), { pollWaitMs: undefined }).outcome),
      await lag(() => attempt((a) => a.runBacktest({ ...trainInput('cycle-lag-2'), modelPath }), { pollWaitMs: undefined }).outcome),
    ];
    console.log(`returned ${lags.join(', ')} ms after the end and the slot's release`);
    for (const ms of lags) expect(ms).toBeLessThan(100);
  });

  it('returns only once the instance has the operation’s slot back, however slowly its thread exits: the next start finds room', async () => {
    const own = new ScratchFolders();
    own.strategy(STRATEGY);
    const slow = await startTestServices(own, {
      workerExecArgv: ['--require', TYPESCRIPT_LOADER, '--require', path.join(__dirname, '..', 'support', 'slowExitThread.cjs')],
    });
    try {
      const input = { ...trainInput('cycle-slow-exit'), strategyPath: path.join(own.strategiesDir, `${STRATEGY}.yaml`) };
      const result = await attempt((a) => a.trainModel(input), { client: slow.client }).outcome;
      expect((await slow.client.getOperation(result.operationId)).status).toBe('completed');
      expect((await slow.client.health()).active_operations).toBe(0);
    } finally {
      await slow.close();
      own.remove();
    }
  });

  it('a start the busy services queue is waited on like a running one, its place in the queue shown as progress', async () => {
    const own = new ScratchFolders();
    own.strategy(STRATEGY);
    own.strategy(STRATEGY, ENDLESS, endlessTraining);
    const busy = await startTestServices(own, { maxOperations: 1 });
    try {
      const blocker = await busy.client.startTraining({ strategy_name: ENDLESS, task_id: 'cycle-first-training', cycle_id: 'cycle-first' });
      await waitFor(busy.client, blocker.task_id, (op) => op.status === 'running');
      const run = attempt((a) => a.trainModel({ ...trainInput('cycle-queued'), strategyPath: path.join(own.strategiesDir, `${STRATEGY}.yaml`) }), {
        client: busy.client,
      });
      const queued = await heartbeatWhere(run, (beat) => beat.queuedAhead !== undefined);
      expect(queued).toMatchObject({ percent: 0, step: 'queued: 0 ahead', queuedAhead: 0 });
      expect((await busy.client.getOperation(queued.operationId as string)).status).toBe('pending');

      await busy.client.cancelOperation(blocker.task_id);
      const result = await run.outcome;
      expect(result.operationId).toBe(queued.operationId);
      expect(run.heartbeats.some((beat) => typeof beat.epoch === 'number')).toBe(true);
    } finally {
      await busy.close();
      own.remove();
    }
  });
});

describe('a retried trainModel', () => {
  it('re-attaches through its heartbeat to the operation it started: the service runs one training', async () => {
    const first = attempt((a) => a.trainModel(trainInput('cycle-retry')), { sliceMs: 0 });
    const failure = await failureOf(first.outcome);

    // The slice is over: a retryable "still running" with a short retry delay, the operation id in the last heartbeat.
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: OPERATION_RUNNING, nonRetryable: false, nextRetryDelay: '1 second' });
    const heartbeat = last(first.heartbeats);
    const [op] = await cycleOperations('cycle-retry');
    expect(heartbeat.operationId).toBe(op.operation_id);
    expect(['pending', 'running']).toContain(op.status);

    const second = attempt((a) => a.trainModel(trainInput('cycle-retry')), { heartbeatDetails: heartbeat });
    const result = await second.outcome;

    expect(result.operationId).toBe(op.operation_id);
    expect(second.heartbeats.every((beat) => beat.operationId === op.operation_id)).toBe(true);
    const ops = await cycleOperations('cycle-retry');
    expect(ops.map((o) => [o.operation_type, o.status, o.operation_id])).toEqual([['training', 'completed', op.operation_id]]);
  });

  it('without heartbeat details, re-attaches through the task id <cycleId>-training', async () => {
    const first = attempt((a) => a.trainModel(trainInput('cycle-lost-heartbeat')), { sliceMs: 0 });
    expect(await failureOf(first.outcome)).toMatchObject({ type: OPERATION_RUNNING, nonRetryable: false });

    // The heartbeat never reached Temporal (say the worker died first): the next attempt starts afresh.
    const second = attempt((a) => a.trainModel(trainInput('cycle-lost-heartbeat')));
    const result = await second.outcome;

    const ops = await cycleOperations('cycle-lost-heartbeat');
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ operation_id: result.operationId, status: 'completed', metadata: { task_id: 'cycle-lost-heartbeat-training' } });
    expect(last(first.heartbeats).operationId).toBe(result.operationId);
  });
});

describe('a cancelled trainModel', () => {
  it('cancels its remote operation, which stops, and reports cancelled', async () => {
    const run = attempt((a) => a.trainModel(trainInput('cycle-cancel', ENDLESS)));
    const training = await heartbeatWhere(run, (beat) => typeof beat.epoch === 'number');
    const operationId = training.operationId as string;
    expect((await services.client.getOperation(operationId)).status).toBe('running');

    const cancelledAt = Date.now();
    run.env.cancel();
    const failure = await failureOf(run.outcome);
    const took = Date.now() - cancelledAt;

    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(took).toBeLessThan(2000);
    const op = await services.client.getOperation(operationId);
    expect(op.status).toBe('cancelled');
    // The work has stopped: its thread is gone and the record no longer moves.
    expect((await services.client.health()).active_operations).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await services.client.getOperation(operationId)).toEqual(op);
    expect((await cycleOperations('cycle-cancel')).map((o) => o.status)).toEqual(['cancelled']);
  });
});

describe('an attempt that ends while its cycle goes on', () => {
  /**
   * Starts the endless training, ends the attempt the way `reason` does, and hands the next
   * attempt the last heartbeat: the operation runs on throughout and the next attempt waits on
   * it, until the test cancels the cycle.
   */
  async function endAttempt(cycleId: string, reason: 'WORKER_SHUTDOWN' | 'TIMED_OUT', details: ActivityCancellationDetails) {
    const first = attempt((a) => a.trainModel(trainInput(cycleId, ENDLESS)));
    const training = await heartbeatWhere(first, (beat) => typeof beat.epoch === 'number');
    const operationId = training.operationId as string;

    first.env.cancel(reason, details);
    const failure = await failureOf(first.outcome);
    const op = await services.client.getOperation(operationId);
    expect(op.status).toBe('running');

    const next = attempt((a) => a.trainModel(trainInput(cycleId, ENDLESS)), { heartbeatDetails: last(first.heartbeats) });
    const resumed = await heartbeatWhere(next, (beat) => typeof beat.epoch === 'number' && beat.epoch > (training.epoch as number));
    expect(resumed.operationId).toBe(operationId);
    expect((await cycleOperations(cycleId)).map((o) => [o.operation_id, o.status])).toEqual([[operationId, 'running']]);

    next.env.cancel();
    expect(await failureOf(next.outcome)).toBeInstanceOf(CancelledFailure);
    expect((await cycleOperations(cycleId)).map((o) => [o.operation_id, o.status])).toEqual([[operationId, 'cancelled']]);
    return failure;
  }

  it('a worker shutdown leaves the operation running and asks for the next attempt at once, which re-attaches to it', async () => {
    const failure = await endAttempt('cycle-shutdown', 'WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }));

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'WorkerShutdown', nonRetryable: false, nextRetryDelay: '1 second' });
    expect(failure.message).toMatch(/^the worker shut down; training operation \S+ keeps running and the next attempt re-attaches to it$/);
  });

  it('a heartbeat timeout leaves the operation running, and the next attempt re-attaches to it', async () => {
    const failure = await endAttempt('cycle-timed-out', 'TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));

    expect(failure).toBeInstanceOf(CancelledFailure);
  });
});

describe('refusals and outages', () => {
  it('a 4xx is final, with the service message: unknown strategy', async () => {
    const run = attempt((a) => a.trainModel(trainInput('cycle-unknown', 'no_such_strategy')));
    const failure = await failureOf(run.outcome);

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'ServiceRejected', nonRetryable: true });
    expect(failure.message).toContain(`no strategy 'no_such_strategy' in ${folders.strategiesDir}`);
    expect(failure.message).toContain(STRATEGY);
    expect(await cycleOperations('cycle-unknown')).toEqual([]);
  });

  it('a 4xx is final, with the service message: invalid strategy', async () => {
    folders.strategy(STRATEGY, 'rsi_adx_broken', (yaml) => yaml.replace('period: 14, source: close', 'period: -3, source: close'));
    const run = attempt((a) => a.trainModel(trainInput('cycle-invalid', 'rsi_adx_broken')));
    const failure = await failureOf(run.outcome);

    expect(failure).toMatchObject({
      type: 'ServiceRejected',
      nonRetryable: true,
      message: match.stringMatching(/^rsi_adx_broken\.yaml is not a valid strategy/),
    });
    expect(await cycleOperations('cycle-invalid')).toEqual([]);
  });

  it('no connection is retried, with the time the services became unreachable kept across attempts', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const client = new ServicesClient(url);
    const before = Date.now();
    const first = attempt((a) => a.trainModel(trainInput('cycle-down')), { client });
    const failure = await failureOf(first.outcome);

    expect(isFinal(failure)).toBe(false);
    expect(failure.message).toContain(url);
    expect(failure.message).toContain('ECONNREFUSED');
    const heartbeat = last(first.heartbeats);
    expect(heartbeat).toMatchObject({ step: 'waiting for the services', unreachableSince: match.any(Number) });
    expect(heartbeat.unreachableSince as number).toBeGreaterThanOrEqual(before);

    // Still down at the next attempt: still retryable, unreachable since the first.
    const second = attempt((a) => a.trainModel(trainInput('cycle-down')), { client, heartbeatDetails: heartbeat });
    expect(isFinal(await failureOf(second.outcome))).toBe(false);
    expect(last(second.heartbeats).unreachableSince).toBe(heartbeat.unreachableSince);
  });

  it('a 5xx is retried', async () => {
    const broken = http.createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: false, error: 'overloaded', message: 'the service is restarting', errors: [] }));
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(broken.address() as AddressInfo).port}`;
      const run = attempt((a) => a.trainModel(trainInput('cycle-5xx')), { client: new ServicesClient(url) });
      const failure = await failureOf(run.outcome);

      expect(isFinal(failure)).toBe(false);
      expect(failure.message).toContain('the service is restarting');
      expect(last(run.heartbeats)).toMatchObject({ step: 'waiting for the services', unreachableSince: match.any(Number) });
    } finally {
      await new Promise((resolve) => broken.close(resolve));
    }
  });

  it('unreachable past the limit is final, naming the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const run = attempt((a) => a.runBacktest({ ...trainInput('cycle-gone'), modelPath: 'model.json' }), {
      client: new ServicesClient(url),
      unavailableLimitMs: 0,
      heartbeatDetails: { percent: 0, step: 'waiting for the services', unreachableSince: Date.now() - 10 * 60_000 },
    });
    const failure = await failureOf(run.outcome);

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'ServiceUnavailable', nonRetryable: true });
    expect(failure.message).toContain(url);
    expect(failure.message).toContain('ktrdr-agent services');
  });

  it('services killed mid-training and restarted: retried while down, then one new operation (<cycleId>-training-r1, resuming the dead one) and the activity completes', async () => {
    const own = new ScratchFolders();
    own.strategy(STRATEGY, ENDLESS, endlessTraining);
    const env = own.servicesEnv();
    let stack = new ServicesProcess(['--port', '0'], env);
    try {
      const url = await stack.url();
      const client = new ServicesClient(url);
      const input = { cycleId: 'cycle-killed', strategyName: ENDLESS, strategyPath: path.join(own.strategiesDir, `${ENDLESS}.yaml`) };
      const first = attempt((a) => a.trainModel(input), { client });
      // past epoch 5, when the training saves its first checkpoint
      const training = await heartbeatWhere(first, (beat) => typeof beat.epoch === 'number' && beat.epoch >= 8);
      const dead = training.operationId as string;

      await stack.stop('SIGKILL');
      expect(isFinal(await failureOf(first.outcome))).toBe(false);
      expect(last(first.heartbeats)).toMatchObject({ operationId: dead, unreachableSince: match.any(Number) });

      stack = new ServicesProcess(['--port', new URL(url).port], env);
      await stack.url();
      const second = attempt((a) => a.trainModel(input), { client, heartbeatDetails: last(first.heartbeats) });
      const result = await second.outcome;

      expect(result.replacedOperations).toEqual([{ operationId: dead, errorCode: 'service_stopped' }]);
      const ops = (await client.listOperations({ cycle_id: 'cycle-killed' })).data;
      expect(ops.map((o) => [o.operation_id, o.status, o.error_code, o.metadata.task_id, o.metadata.resume_from])).toEqual([
        [result.operationId, 'completed', null, 'cycle-killed-training-r1', dead],
        [dead, 'failed', 'service_stopped', 'cycle-killed-training', undefined],
      ]);
      // while it waited on the new operation, the status showed the replaced one, and where the training resumed
      expect(last(second.heartbeats)).toMatchObject({
        operationId: result.operationId,
        replacedOperations: [{ operationId: dead, errorCode: 'service_stopped' }],
      });
      expect(
        second.heartbeats.filter((beat) => beat.epoch !== undefined).every((beat) => (beat.resumedFrom as { operationId: string }).operationId === dead),
      ).toBe(true);
      expect(result.startedOver).toBeUndefined();
      expect(result.resumedFrom).toMatchObject({ operationId: dead });
      expect(result.resumedFrom!.epoch).toBeGreaterThanOrEqual(5);
      expect(result.metrics.epochsTrained).toBe(1000);
    } finally {
      await stack.stop('SIGTERM');
      own.remove();
    }
  });
});

describe('operations that keep dying', () => {
  it('are replaced at most 3 times: the fourth death ends the activity, naming each operation and why it ended', async () => {
    const own = new ScratchFolders();
    own.strategy(STRATEGY, ENDLESS, endlessTraining);
    // every training thread dies 300 ms in, as a crashed thread would
    const crashing = await startTestServices(own, {
      workerExecArgv: ['--require', TYPESCRIPT_LOADER, '--require', path.join(__dirname, '..', 'support', 'crashingThread.cjs')],
    });
    try {
      const run = attempt(
        (a) => a.trainModel({ cycleId: 'cycle-crashing', strategyName: ENDLESS, strategyPath: path.join(own.strategiesDir, `${ENDLESS}.yaml`) }),
        { client: crashing.client },
      );
      const failure = await failureOf(run.outcome);

      const ops = (await crashing.client.listOperations({ cycle_id: 'cycle-crashing' })).data.reverse();
      expect(ops.map((o) => [o.metadata.task_id, o.status, o.error_code])).toEqual([
        ['cycle-crashing-training', 'failed', 'thread_crashed'],
        ['cycle-crashing-training-r1', 'failed', 'thread_crashed'],
        ['cycle-crashing-training-r2', 'failed', 'thread_crashed'],
        ['cycle-crashing-training-r3', 'failed', 'thread_crashed'],
      ]);
      expect(ops.slice(1).map((o) => o.metadata.resume_from)).toEqual(ops.slice(0, 3).map((o) => o.operation_id));
      expect(failure).toMatchObject({ type: 'TrainingFailed', nonRetryable: true });
      expect(failure.message).toBe(
        `${ops[3].error_message}; 4 training operations ended that way: ${ops.map((o) => `${o.operation_id} (thread_crashed)`).join(', ')}`,
      );
    } finally {
      await crashing.close();
      own.remove();
    }
  });
});

describe('runBacktest and cleanUpCycle', () => {
  it('runBacktest after a training returns the validation and holdout metrics and the report folder', async () => {
    const training = await attempt((a) => a.trainModel(trainInput('cycle-backtest'))).outcome;
    const run = attempt((a) => a.runBacktest({ ...trainInput('cycle-backtest'), modelPath: training.modelPath }));
    const result = await run.outcome;

    expect(BacktestResultSchema.parse(result)).toEqual(result);
    const ops = await cycleOperations('cycle-backtest');
    expect(ops.map((op) => [op.operation_type, op.status])).toEqual([
      ['backtesting', 'completed'],
      ['training', 'completed'],
    ]);
    const op = ops[0];
    if (op.operation_type !== 'backtesting' || op.status !== 'completed') throw new Error('unreachable');
    expect(result.operationId).toBe(op.operation_id);
    expect(op.metadata.model_path).toBe(training.modelPath);
    expect(result.validation).toEqual(op.result_summary.metrics.validation);
    expect(result.holdout).toEqual(op.result_summary.metrics.holdout);
    expect(result.reportPath).toBe(op.result_summary.report_dir);
    expect(result.reportPath?.startsWith(folders.reportsDir + path.sep)).toBe(true);
    expect(fs.readdirSync(result.reportPath!).length).toBeGreaterThan(0);
    expect(run.heartbeats.length).toBeGreaterThan(0);
    expect(run.heartbeats.every((beat) => beat.operationId === result.operationId)).toBe(true);
  });

  it('cleanUpCycle cancels what its cycle left running, and nothing of another cycle', async () => {
    const left = await services.client.startTraining({ strategy_name: ENDLESS, task_id: 'cycle-cleanup-training', cycle_id: 'cycle-cleanup' });
    const other = await services.client.startTraining({ strategy_name: ENDLESS, task_id: 'cycle-other-training', cycle_id: 'cycle-other' });
    try {
      await waitFor(services.client, left.task_id, (op) => op.status === 'running');

      const result = await attempt((a) => a.cleanUpCycle({ cycleId: 'cycle-cleanup', outcome: 'failed' })).outcome;

      expect(result).toEqual({ cancelledOperations: [left.task_id] });
      expect((await services.client.getOperation(left.task_id)).status).toBe('cancelled');
      expect(['pending', 'running']).toContain((await services.client.getOperation(other.task_id)).status);
      // A retried clean-up finds nothing left to cancel.
      expect(await attempt((a) => a.cleanUpCycle({ cycleId: 'cycle-cleanup', outcome: 'failed' })).outcome).toEqual({ cancelledOperations: [] });
    } finally {
      await services.client.cancelOperation(other.task_id).catch(() => undefined);
    }
  });
});
