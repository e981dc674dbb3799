/**
 * The research loop's figures on the dev server, with the fault tests' stack (the official dev
 * server, `ktrdr-agent services` and `ktrdr-agent worker`, each its own process, built from dist/):
 *
 * - offline cycles per minute through the loop at concurrency 1, 2 and 4 (`--cycles`, default 24
 *   a level, after a warm-up loop of 2): the real offline designer and assessor, training and
 *   backtests on the services; from the first cycle's start to the last one's end, by the
 *   cycles' own start and close times;
 * - orchestration overhead per cycle (`--instant`, default 60 cycles): a loop at concurrency 1
 *   whose activities return at once (the test doubles), on a worker in this process; a cycle's
 *   duration is then all orchestration (workflow tasks, activity round trips, the child's start
 *   and end), and the gap before the next cycle is the loop's own. With the CPU time the worker
 *   (this process) and the server used per cycle, which a loaded machine does not inflate, and
 *   the time per cycle of the same loop at concurrency 4 (first start to last end, over the cycles).
 *
 *   npm run bench:loop [-- --cycles 24 --instant 60]   (writes bench/loop-results.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { LoopRequest, LoopStatus } from '../src/domain/loop';
import { resolveBinary } from '../src/temporal/binaries';
import { LOOP_WORKFLOW, TASK_QUEUE } from '../src/temporal/definitions';
import { createWorker } from '../src/worker';
import { fakeActivities } from '../test/support/fakeActivities';
import { FaultStack } from '../test/support/faultStack';
import { wholeNumber } from './lib/options';
import { percentile, spread } from './lib/spread';

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; clock ticks of 10 ms). */
function processCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface CycleTimes {
  cycleId: string;
  start: number;
  close: number;
  status: string;
}

/** Runs a loop to its end; its result and its cycles' start and close times, in order. */
async function runLoop(client: Client, loopId: string, request: LoopRequest, taskQueue = TASK_QUEUE): Promise<{ status: LoopStatus; cycles: CycleTimes[] }> {
  const handle = await client.workflow.start(LOOP_WORKFLOW, { args: [request], taskQueue, workflowId: loopId });
  const status = (await handle.result()) as LoopStatus;
  const cycles: CycleTimes[] = [];
  for (let n = 1; n <= status.cycles.started; n++) {
    const d = await client.workflow.getHandle(`${loopId}-c${n}`).describe();
    cycles.push({ cycleId: d.workflowId, start: d.startTime.getTime(), close: d.closeTime!.getTime(), status: d.status.name });
  }
  return { status, cycles };
}

async function main(): Promise<void> {
  const perLevel = wholeNumber('cycles', 24);
  const instant = wholeNumber('instant', 60);
  process.env.TEMPORAL_CLI_PATH ??= resolveBinary('cli');
  const stack = await FaultStack.start();
  try {
    const client = await stack.client();

    await runLoop(client, 'bench-warm-up', { offline: true, maxCycles: 2 });
    const throughput: Record<string, unknown> = {};
    for (const concurrency of [1, 2, 4]) {
      const started = Date.now();
      const { status, cycles } = await runLoop(client, `bench-offline-c${concurrency}`, { offline: true, concurrency, maxCycles: perLevel });
      const span = Math.max(...cycles.map((c) => c.close)) - Math.min(...cycles.map((c) => c.start));
      const perMinute = (status.cycles.done / span) * 60_000;
      throughput[`concurrency${concurrency}`] = {
        cycles: status.cycles.done,
        byOutcome: status.cycles.byOutcome,
        firstStartToLastEndSeconds: span / 1000,
        loopWallSeconds: (Date.now() - started) / 1000,
        cyclesPerMinute: perMinute,
        cycleSeconds: spread(cycles.map((c) => (c.close - c.start) / 1000)),
      };
      console.log(
        `offline, concurrency ${concurrency}: ${status.cycles.done} cycles (${status.cycles.byOutcome.completed} completed, ${status.cycles.byOutcome.failed} failed) in ${(span / 1000).toFixed(1)} s: ${perMinute.toFixed(1)} cycles/min · a cycle p50 ${percentile(
          cycles.map((c) => (c.close - c.start) / 1000),
          50,
        ).toFixed(2)} s`,
      );
    }

    const connection = await NativeConnection.connect({ address: stack.address });
    const worker = await createWorker({
      connection,
      taskQueue: 'bench-instant',
      activities: fakeActivities(),
      workflowBundle: { codePath: path.join(__dirname, '..', 'dist', 'workflow-bundle.js') },
    });
    const { cycles, cpuPerCycleMs, four } = await worker.runUntil(async () => {
      const [workerCpu, serverCpu] = [process.cpuUsage(), processCpuMs(stack.server!.child.pid!)];
      const { cycles } = await runLoop(client, 'bench-instant', { maxCycles: instant }, 'bench-instant');
      const used = process.cpuUsage(workerCpu);
      const cpuPerCycleMs = {
        worker: (used.user + used.system) / 1000 / cycles.length,
        server: (processCpuMs(stack.server!.child.pid!) - serverCpu) / cycles.length,
      };
      const four = (await runLoop(client, 'bench-instant-c4', { maxCycles: instant, concurrency: 4 }, 'bench-instant')).cycles;
      return { cycles, cpuPerCycleMs, four };
    });
    const fourSpan = Math.max(...four.map((c) => c.close)) - Math.min(...four.map((c) => c.start));
    await connection.close();
    const durations = cycles.map((c) => c.close - c.start);
    const gaps = cycles.slice(1).map((c, i) => c.start - cycles[i].close);
    const intervals = cycles.slice(1).map((c, i) => c.start - cycles[i].start);
    const overhead = {
      cycleMs: spread(durations),
      gapBeforeNextMs: spread(gaps),
      cycleToCycleMs: spread(intervals),
      cpuPerCycleMs,
      concurrency4MsPerCycle: fourSpan / four.length,
    };
    console.log(
      `instant activities, concurrency 1, ${cycles.length} cycles: a cycle p50 ${overhead.cycleMs.p50} ms (p95 ${overhead.cycleMs.p95}) · the loop's gap before the next p50 ${overhead.gapBeforeNextMs.p50} ms · start to next start p50 ${overhead.cycleToCycleMs.p50} ms (p95 ${overhead.cycleToCycleMs.p95}) · CPU a cycle: worker ${cpuPerCycleMs.worker.toFixed(0)} ms, server ${cpuPerCycleMs.server.toFixed(0)} ms · at concurrency 4, ${overhead.concurrency4MsPerCycle.toFixed(0)} ms a cycle`,
    );

    const results = {
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
      offlineThroughput: throughput,
      instantOverhead: overhead,
    };
    fs.writeFileSync(path.join(__dirname, 'loop-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await stack.close();
  }
}

// the SDK's runtime, once installed, keeps the process alive: the bench ends it
main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
