/**
 * Durability figures, with real processes (the fault tests' stack: the official dev server, the
 * services and a worker, each its own process, and the fake Messages API for the Claude phases):
 *
 * - cancel → remote work stopped, per phase, over N cancels each (`--cancels`, default 20):
 *   from the client's cancel request to the moment the services' job thread stops using the CPU
 *   (training, backtest), or to the moment the Claude request's connection is closed (design,
 *   assessment);
 * - time to detect a dead worker (`--kills`, default 5): from SIGKILL of the worker mid-training
 *   to the next attempt running on a new worker, started at once;
 * - time lost to a graceful worker restart mid-training (`--restarts`, default 5): from SIGTERM
 *   to the worker's exit, and to the next attempt running on the new worker started then.
 *
 *   npm run bench:durability [-- --cancels 20 --kills 5 --restarts 5]   (writes bench/durability-results.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { SERVICE_POLICY } from '../src/workflows/policies';
import { resolveBinary } from '../src/temporal/binaries';
import { startFakeAnthropic, type FakeAnthropic } from '../test/support/fakeAnthropic';
import { FaultStack, sleep, SLOW_STRATEGY } from '../test/support/faultStack';
import { wholeNumber } from './lib/options';
import { percentile, spread } from './lib/spread';

const PHASES = ['designing', 'training', 'backtesting', 'assessing'] as const;
type Phase = (typeof PHASES)[number];

const summary = (ms: number[]) => {
  const seconds = ms.map((x) => x / 1000);
  return { ...spread(seconds), samples: seconds };
};

/** CPU ticks (user + system) of each thread of a process, by thread id (Linux /proc). */
function threadTicks(pid: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(Number(tid), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the thread ended meanwhile
    }
  }
  return ticks;
}

/** The busiest thread of the services other than their main thread: the running job's. */
async function jobThread(pid: number): Promise<number> {
  const before = threadTicks(pid);
  await sleep(300);
  const after = threadTicks(pid);
  let busiest: [number, number] = [0, 0];
  for (const [tid, ticks] of after) {
    const used = ticks - (before.get(tid) ?? ticks);
    if (tid !== pid && used > busiest[1]) busiest = [tid, used];
  }
  if (busiest[1] === 0) throw new Error('no job thread of the services is using the CPU');
  return busiest[0];
}

/**
 * When the thread stopped working: the last time its CPU ticks grew, once they have not grown
 * for `quietMs` (or the thread is gone). Ticks are 10 ms, so that is the resolution.
 */
async function threadStopped(pid: number, tid: number, quietMs = 500): Promise<number> {
  let last = threadTicks(pid).get(tid);
  let lastChange = Date.now();
  for (;;) {
    await sleep(5);
    const now = threadTicks(pid).get(tid);
    if (now === undefined) return Date.now();
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange >= quietMs) {
      return lastChange;
    }
  }
}

/** When the fake Messages API next sees a client go away before its answer. */
async function requestAborted(fake: FakeAnthropic, before: number): Promise<number> {
  while (fake.aborted === before) await sleep(1);
  return Date.now();
}

async function claudeAsked(fake: FakeAnthropic, before: number): Promise<void> {
  while (fake.requests.length === before) await sleep(20);
}

async function waitEnded(client: Client, id: string): Promise<void> {
  await client.workflow
    .getHandle(id)
    .result()
    .catch(() => undefined);
}

/** One cancel in `phase`: ms from the cancel request to the remote work stopped. */
async function cancelIn(stack: FaultStack, fake: FakeAnthropic, phase: Phase): Promise<number> {
  const client = await stack.client();
  const [requests, aborted] = [fake.requests.length, fake.aborted];
  const id = await stack.trigger(
    ...(phase === 'designing'
      ? ['--brief', 'momentum on SP500 daily', '--model', 'haiku']
      : ['--strategy', SLOW_STRATEGY, '--bypass-gates', '--model', 'haiku']),
  );
  const servicesPid = stack.services!.child.pid!;
  let stopped: Promise<number>;
  let started: number;
  if (phase === 'designing' || phase === 'assessing') {
    await claudeAsked(fake, requests);
    stopped = requestAborted(fake, aborted);
    started = Date.now();
  } else {
    await (phase === 'training' ? stack.midTraining(id) : stack.midBacktest(id));
    const tid = await jobThread(servicesPid);
    started = Date.now();
    stopped = threadStopped(servicesPid, tid);
  }
  await client.workflow.getHandle(id).cancel();
  const ms = (await stopped) - started;
  await waitEnded(client, id);
  return ms;
}

/** The running attempt of the cycle's activity: its number and when it started. */
async function attempt(client: Client, id: string): Promise<{ attempt: number; startedAt?: number }> {
  const pending = (await client.workflow.getHandle(id).describe()).raw.pendingActivities?.[0];
  const started = pending?.lastStartedTime?.seconds;
  return {
    attempt: pending?.attempt ?? 0,
    startedAt: started === undefined || started === null ? undefined : Number(started) * 1000 + Math.floor((pending!.lastStartedTime!.nanos ?? 0) / 1e6),
  };
}

/** Waits until an attempt after `previous` runs; when it started (by the server's clock, the same machine). */
async function nextAttemptRunning(client: Client, id: string, previous: number): Promise<number> {
  for (;;) {
    const now = await attempt(client, id).catch(() => ({ attempt: 0, startedAt: undefined }));
    if (now.attempt > previous && now.startedAt !== undefined) return now.startedAt;
    await sleep(50);
  }
}

/** The worker dies (SIGKILL) mid-training and a new one starts at once: ms until the next attempt runs on it. */
async function deadWorker(stack: FaultStack): Promise<number> {
  const client = await stack.client();
  const id = await stack.trigger();
  await stack.midTraining(id);
  const { attempt: before } = await attempt(client, id);
  const killed = Date.now();
  await stack.stop(stack.worker, 'SIGKILL');
  await stack.startWorker();
  const ms = (await nextAttemptRunning(client, id, before)) - killed;
  await client.workflow.getHandle(id).cancel();
  await waitEnded(client, id);
  return ms;
}

/** SIGTERM to the worker mid-training, a new worker once it has exited: ms to its exit, and until the next attempt runs. */
async function gracefulRestart(stack: FaultStack): Promise<{ exitMs: number; gapMs: number }> {
  const client = await stack.client();
  const id = await stack.trigger();
  await stack.midTraining(id);
  const { attempt: before } = await attempt(client, id);
  const stopped = Date.now();
  await stack.stop(stack.worker, 'SIGTERM');
  const exitMs = Date.now() - stopped;
  await stack.startWorker();
  const gapMs = (await nextAttemptRunning(client, id, before)) - stopped;
  await client.workflow.getHandle(id).cancel();
  await waitEnded(client, id);
  return { exitMs, gapMs };
}

async function main(): Promise<void> {
  const cancels = wholeNumber('cancels', 20);
  const kills = wholeNumber('kills', 5);
  const restarts = wholeNumber('restarts', 5);
  process.env.TEMPORAL_CLI_PATH ??= resolveBinary('cli');

  const fake = await startFakeAnthropic({ script: () => ({ kind: 'hang' }) });
  // a training long enough to be cancelled, killed or restarted under: a few epochs for the backtest
  const stack = await FaultStack.start({ epochs: 3, workerEnv: { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url } });
  const long = await FaultStack.start({ epochs: 40 });
  try {
    const cancel: Record<string, ReturnType<typeof summary>> = {};
    for (const phase of PHASES) {
      const samples: number[] = [];
      for (let i = 0; i < cancels; i++) {
        samples.push(await cancelIn(phase === 'training' ? long : stack, fake, phase));
        process.stdout.write(`\rcancel while ${phase}: ${i + 1}/${cancels}`);
      }
      cancel[phase] = summary(samples);
      console.log(` · p50 ${cancel[phase].p50.toFixed(3)} s · p95 ${cancel[phase].p95.toFixed(3)} s`);
    }
    const dead: number[] = [];
    for (let i = 0; i < kills; i++) dead.push(await deadWorker(long));
    console.log(
      `dead worker (SIGKILL) → next attempt running on a new worker: p50 ${(percentile(dead, 50) / 1000).toFixed(1)} s, max ${(Math.max(...dead) / 1000).toFixed(1)} s (heartbeat timeout ${SERVICE_POLICY.heartbeatTimeout})`,
    );
    const graceful: { exitMs: number; gapMs: number }[] = [];
    for (let i = 0; i < restarts; i++) graceful.push(await gracefulRestart(long));
    const exits = graceful.map((g) => g.exitMs);
    const gaps = graceful.map((g) => g.gapMs);
    console.log(
      `graceful restart (SIGTERM): worker gone after p50 ${(percentile(exits, 50) / 1000).toFixed(1)} s; next attempt running p50 ${(percentile(gaps, 50) / 1000).toFixed(1)} s, max ${(Math.max(...gaps) / 1000).toFixed(1)} s after SIGTERM`,
    );

    const results = {
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
      cancelToRemoteStoppedSeconds: cancel,
      deadWorkerToNextAttemptSeconds: { ...summary(dead), heartbeatTimeout: SERVICE_POLICY.heartbeatTimeout },
      gracefulRestart: { sigtermToExitSeconds: summary(exits), sigtermToNextAttemptSeconds: summary(gaps) },
    };
    fs.writeFileSync(path.join(__dirname, 'durability-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await stack.close();
    await long.close();
    await fake.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
