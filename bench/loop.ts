/**
 * The research loop's figures on the dev server, with the fault tests' stack (the official dev
 * server, `ktrdr-agent services` and `ktrdr-agent worker`, each its own process, built from dist/):
 *
 * - offline cycles per minute through the loop at concurrency 1, 2 and 4 (`--cycles`, default 24
 *   a level, after a warm-up loop of 2), the admission allowing 4 at once: the real offline
 *   designer and assessor, training and backtests on the services; from the first cycle's start
 *   to the last one's end, by the cycles' own start and close times (a refused cycle, which
 *   never ran, would not count);
 * - orchestration overhead per cycle (`--instant`, default 60 cycles, after a warm-up of 3): a
 *   loop at concurrency 1 of Claude cycles whose research activities return at once (the test
 *   doubles) and whose admission is the real one (its workflow, updates and signals), on a
 *   worker in this process; a cycle's duration is then all orchestration, and the gap before the
 *   next cycle is the loop's own. With, per cycle: where its time went by its history (workflow
 *   tasks waiting to be picked up, workflow tasks on the worker, activities from scheduled to
 *   completed, the rest on the server between them), its events and workflow tasks and those it
 *   cost the loop and the admission workflow, the CPU time the worker (this process) and the
 *   server used, which a loaded machine does not inflate; and the time per cycle of the same
 *   loop at concurrency 4 (first start to last end, over the cycles).
 *
 *   npm run bench:loop [-- --cycles 24 --instant 60 --only offline|instant]   (writes bench/loop-results.json)
 *
 * To measure another build of the workflow code in the same conditions (the README's before and
 * after), `--bundle FILE` runs the instant part on that workflow bundle (e.g. main's
 * dist/workflow-bundle.js, copied aside), and `--stock-server` starts the dev server with its own
 * defaults instead of the project's tuning (DEV_SERVER_TUNING).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { NativeConnection } from '@temporalio/worker';
import type { LoopRequest, LoopStatus } from '../src/domain/loop';
import { resolveBinary } from '../src/temporal/binaries';
import { admissionWorkflowId, LOOP_WORKFLOW, OutcomeAttribute, TASK_QUEUE } from '../src/temporal/definitions';
import { createWorker } from '../src/worker';
import { fakeActivities } from '../test/support/fakeActivities';
import { FaultStack } from '../test/support/faultStack';
import { wholeNumber } from './lib/options';
import { percentile, spread } from './lib/spread';

const textOption = (name: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 ? undefined : process.argv[at + 1];
};
const round = (x: number) => Math.round(x * 10) / 10;

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

/** Runs a loop to its end; its result and the start and close times of the cycles that ran (not those refused), in order. */
async function runLoop(client: Client, loopId: string, request: LoopRequest, taskQueue = TASK_QUEUE): Promise<{ status: LoopStatus; cycles: CycleTimes[] }> {
  const handle = await client.workflow.start(LOOP_WORKFLOW, { args: [request], taskQueue, workflowId: loopId });
  const status = (await handle.result()) as LoopStatus;
  const cycles: CycleTimes[] = [];
  for (let n = 1; n <= status.cycles.started; n++) {
    const d = await client.workflow.getHandle(`${loopId}-c${n}`).describe();
    if (d.typedSearchAttributes.get(OutcomeAttribute) === 'refused') continue;
    cycles.push({ cycleId: d.workflowId, start: d.startTime.getTime(), close: d.closeTime!.getTime(), status: d.status.name });
  }
  return { status, cycles };
}

const EventType = temporal.api.enums.v1.EventType;
type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const at = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;

/**
 * Where a cycle's time went, by its history: workflow tasks from scheduled to started (waiting to
 * be picked up), from started to completed (on the worker), activities from scheduled to
 * completed, and the rest (the server between one and the next).
 */
function timeSplit(events: HistoryEvent[]) {
  const split = { workflowTaskWaitMs: 0, workflowTaskOnWorkerMs: 0, activitiesMs: 0, workflowTasks: 0 };
  const scheduled = new Map<number, number>();
  let taskScheduled = 0;
  let taskStarted = 0;
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) taskScheduled = at(e);
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      taskStarted = at(e);
      split.workflowTaskWaitMs += taskStarted - taskScheduled;
    }
    if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
      split.workflowTaskOnWorkerMs += at(e) - taskStarted;
      split.workflowTasks += 1;
    }
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) scheduled.set(Number(e.eventId), at(e));
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) split.activitiesMs += at(e) - scheduled.get(Number(completed.scheduledEventId))!;
  }
  const total = at(events.at(-1)!) - at(events[0]);
  return { ...split, restMs: total - split.workflowTaskWaitMs - split.workflowTaskOnWorkerMs - split.activitiesMs };
}

/** Every event of a workflow id, over all its runs (a loop continues as new every 50 cycles). */
async function eventsOfAllRuns(client: Client, workflowId: string): Promise<number> {
  let events = 0;
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    events += (await client.workflow.getHandle(workflowId, run.runId).fetchHistory()).events?.length ?? 0;
  }
  return events;
}

async function offlineThroughput(client: Client, perLevel: number) {
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
      `offline, concurrency ${concurrency}: ${status.cycles.done} cycles (${status.cycles.byOutcome.completed} completed, ${status.cycles.byOutcome.failed} failed, ${status.cycles.byOutcome.refused} refused) in ${(span / 1000).toFixed(1)} s: ${perMinute.toFixed(1)} cycles/min · a cycle p50 ${percentile(
        cycles.map((c) => (c.close - c.start) / 1000),
        50,
      ).toFixed(2)} s`,
    );
  }
  return throughput;
}

async function instantOverhead(client: Client, stack: FaultStack, instant: number, bundle: string) {
  const taskQueue = 'bench-instant';
  const connection = await NativeConnection.connect({ address: stack.address });
  const worker = await createWorker({
    connection,
    taskQueue,
    // room for the loop at concurrency 4, and a budget it never reaches
    activities: fakeActivities({ admission: { settings: { dailyBudgetUsd: 1000, maxConcurrentCycles: 4 }, claude: true } }),
    workflowBundle: { codePath: bundle },
  });
  const serverPid = stack.server!.child.pid!;
  const { cycles, cpuPerCycleMs, four } = await worker.runUntil(async () => {
    await runLoop(client, 'bench-instant-warm-up', { maxCycles: 3 }, taskQueue);
    const [workerCpu, serverCpu] = [process.cpuUsage(), processCpuMs(serverPid)];
    const { cycles } = await runLoop(client, 'bench-instant', { maxCycles: instant }, taskQueue);
    const used = process.cpuUsage(workerCpu);
    const cpuPerCycleMs = {
      worker: (used.user + used.system) / 1000 / cycles.length,
      server: (processCpuMs(serverPid) - serverCpu) / cycles.length,
    };
    const four = (await runLoop(client, 'bench-instant-c4', { maxCycles: instant, concurrency: 4 }, taskQueue)).cycles;
    return { cycles, cpuPerCycleMs, four };
  });
  await connection.close();

  const histories = await Promise.all(cycles.map(async (c) => (await client.workflow.getHandle(c.cycleId).fetchHistory()).events ?? []));
  const splits = histories.map(timeSplit);
  const admissionEvents = (await client.workflow.getHandle(admissionWorkflowId(taskQueue)).fetchHistory()).events ?? [];
  // the admission workflow served the warm-up, the loop at concurrency 1 and the one at 4
  const admissionCycles = 3 + cycles.length + four.length;
  const fourSpan = Math.max(...four.map((c) => c.close)) - Math.min(...four.map((c) => c.start));
  const durations = cycles.map((c) => c.close - c.start);
  return {
    cycleMs: spread(durations),
    gapBeforeNextMs: spread(cycles.slice(1).map((c, i) => c.start - cycles[i].close)),
    cycleToCycleMs: spread(cycles.slice(1).map((c, i) => c.start - cycles[i].start)),
    timeSplitMsP50: {
      workflowTaskWait: round(
        percentile(
          splits.map((s) => s.workflowTaskWaitMs),
          50,
        ),
      ),
      workflowTaskOnWorker: round(
        percentile(
          splits.map((s) => s.workflowTaskOnWorkerMs),
          50,
        ),
      ),
      activities: round(
        percentile(
          splits.map((s) => s.activitiesMs),
          50,
        ),
      ),
      rest: round(
        percentile(
          splits.map((s) => s.restMs),
          50,
        ),
      ),
    },
    perCycle: {
      events: percentile(
        histories.map((h) => h.length),
        50,
      ),
      workflowTasks: percentile(
        splits.map((s) => s.workflowTasks),
        50,
      ),
      loopEvents: round((await eventsOfAllRuns(client, 'bench-instant')) / cycles.length),
      admissionEvents: round(admissionEvents.length / admissionCycles),
    },
    cpuPerCycleMs,
    concurrency4MsPerCycle: fourSpan / four.length,
  };
}

async function main(): Promise<void> {
  const perLevel = wholeNumber('cycles', 24);
  const instant = wholeNumber('instant', 60);
  const only = textOption('only');
  if (only !== undefined && only !== 'offline' && only !== 'instant') throw new Error('--only takes offline or instant');
  const bundle = path.resolve(textOption('bundle') ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  process.env.TEMPORAL_CLI_PATH ??= resolveBinary('cli');
  const loadAtStart = os.loadavg();
  const stack = await FaultStack.start({
    stockServer: process.argv.includes('--stock-server'),
    withoutServices: only === 'instant',
    // slots for the loop at concurrency 4 (at the default 1, its other cycles would be refused)
    workerEnv: { KTRDR_MAX_CONCURRENT_CYCLES: '4' },
  });
  try {
    const client = await stack.client();
    const offlineThroughputFigures = only === 'instant' ? undefined : await offlineThroughput(client, perLevel);
    const overhead = only === 'offline' ? undefined : await instantOverhead(client, stack, instant, bundle);
    if (overhead) {
      const { cycleMs, gapBeforeNextMs, cycleToCycleMs, timeSplitMsP50: split, perCycle, cpuPerCycleMs: cpu } = overhead;
      console.log(
        `instant activities, concurrency 1, ${cycleMs.n} cycles: a cycle p50 ${cycleMs.p50} ms (p95 ${cycleMs.p95}) · the loop's gap before the next p50 ${gapBeforeNextMs.p50} ms · start to next start p50 ${cycleToCycleMs.p50} ms (p95 ${cycleToCycleMs.p95})\n` +
          `  a cycle's time (p50 of each): workflow tasks waiting ${split.workflowTaskWait} ms, on the worker ${split.workflowTaskOnWorker} ms, activities ${split.activities} ms, the rest ${split.rest} ms\n` +
          `  a cycle: ${perCycle.events} events, ${perCycle.workflowTasks} workflow tasks; the loop ${perCycle.loopEvents} events and the admission workflow ${perCycle.admissionEvents} for each · CPU a cycle: worker ${cpu.worker.toFixed(0)} ms, server ${cpu.server.toFixed(0)} ms · at concurrency 4, ${overhead.concurrency4MsPerCycle.toFixed(0)} ms a cycle`,
      );
    }
    const results = {
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.version, loadAverageAtStart: loadAtStart, loadAverageAtEnd: os.loadavg() },
      server: process.argv.includes('--stock-server') ? 'stock dev server' : 'dev server with DEV_SERVER_TUNING',
      workflowBundle: path.relative(process.cwd(), bundle),
      ...(offlineThroughputFigures && { offlineThroughput: offlineThroughputFigures }),
      ...(overhead && { instantOverhead: overhead }),
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
