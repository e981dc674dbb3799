/**
 * The Temporal worker of the research workflow: its connection, the bundled workflow code, the
 * activities, and an identity that says whether it has Claude.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerOptions } from '@temporalio/worker';
import type { ResearchActivities } from './domain/activities';
import { AgentMetrics } from './telemetry/agentMetrics';
import { currentTracing } from './telemetry/tracing';
import { cycleMetricsSinks } from './temporal/metricsSinks';
import { servicesTaskQueue, TASK_QUEUE } from './temporal/definitions';
import { tracedWorkflowModules, tracedWorkerOptions } from './temporal/tracing';
import { servicesWorkerIdentity, workerIdentity, type WorkerMode } from './temporal/workers';

/** Written by the build next to the compiled worker; absent when running from source (tests). */
export const BUNDLE_PATH = path.join(__dirname, 'workflow-bundle.js');
/** The same with the tracing workflow interceptors (temporal/tracing.ts), for a worker that traces. */
export const TRACED_BUNDLE_PATH = path.join(__dirname, 'workflow-bundle-traced.js');

/** The workflow entry point: TypeScript when run from source (tests), JavaScript when built. */
export function workflowsPath(): string {
  const base = path.join(__dirname, 'workflows', 'index');
  return fs.existsSync(`${base}.ts`) ? `${base}.ts` : `${base}.js`;
}

/**
 * Heartbeats go out at most this often. A cancellation reaches a running activity only in the
 * answer to a heartbeat, so an activity that beats faster than this notices one within this
 * interval plus a round trip: within a second with room to spare, at two small RPCs a second.
 */
const HEARTBEAT_THROTTLE = '500 milliseconds';

/**
 * How long a stopping worker lets its running activities go on: a training or backtest that
 * ends meanwhile is reported by this worker, and each activity heartbeats its latest progress
 * (a heartbeat goes out every HEARTBEAT_THROTTLE). Then they are left to the next worker: the
 * remote operations keep running and the next attempt re-attaches to them.
 */
export const DEFAULT_SHUTDOWN_GRACE = '5 seconds';

/**
 * What a worker process runs. `research`: the workflows and the activities that need no
 * services (design, the check of a given strategy, assessment, admission) on the research task queue.
 * `services`: the activities that call a services instance (training, backtest, clean-up) on
 * `<queue>-services`, beside that instance. `all`, one machine's worker: both, and the service
 * activities on the research queue too, for cycles started before they had a queue of their own.
 */
export type WorkerRole = 'all' | 'research' | 'services';

/** The activities that call a services instance; every other one (design, assessment, admission) belongs to the research side. */
const SERVICE_ACTIVITIES: readonly string[] = ['trainModel', 'runBacktest', 'cleanUpCycle'];

export interface WorkerSetup {
  connection: NativeConnection;
  namespace?: string;
  /** The research task queue; the service activities run on `servicesTaskQueue(taskQueue)`. */
  taskQueue?: string;
  /** Default `all`. */
  role?: WorkerRole;
  activities: ResearchActivities;
  /** A bundle made once with `bundleWorkflowCode`, to save re-bundling per worker (tests). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Whether its activities have Claude; said in the research worker's identity, for clients and the healthcheck. */
  mode?: WorkerMode;
  /** The address of the services instance its service activities call, said in the services worker's identity (see servicesWorkerIdentity). */
  servicesUrl?: string;
  /**
   * At most this many service activities at once: the instance's own limit (`--max-operations`),
   * so that Temporal hands this worker no more trainings and backtests than its instance runs at
   * once and the rest wait in Temporal for whichever instance frees first. Default: the SDK's.
   */
  maxServiceActivities?: number;
  /** See DEFAULT_SHUTDOWN_GRACE. */
  shutdownGraceTime?: Duration;
  /** What the cycles this worker runs are counted in (the process's /metrics); by default a registry nobody reads. */
  metrics?: AgentMetrics;
}

/** The connection workers poll through: to the Temporal service at `address`, with the environment's other settings (TLS, API key) when given. */
export function connectWorkers(address: string, options: NativeConnectionOptions = {}): Promise<NativeConnection> {
  return NativeConnection.connect({ ...options, address });
}

const servicesSide = (activities: ResearchActivities, side: boolean): Partial<ResearchActivities> =>
  Object.fromEntries(Object.entries(activities).filter(([name]) => SERVICE_ACTIVITIES.includes(name) === side));

/** The Temporal workers of one process, one per task queue its role polls: run, and stopped, together. */
export class ResearchWorker {
  constructor(readonly workers: Worker[]) {}

  /** Runs until shut down (`shutdown()`, or the runtime's signal handling); one that fails stops the others. */
  async run(): Promise<void> {
    const runs = this.workers.map((worker) => worker.run());
    try {
      await Promise.all(runs);
    } catch (err) {
      this.shutdown();
      await Promise.allSettled(runs);
      throw err;
    }
  }

  /** Runs until `until` settles (or, a function, the promise it returns), then shuts down; its result. */
  async runUntil<R>(until: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    try {
      const stopped = running.then(() => Promise.reject(new Error('the worker stopped before what it ran for ended')));
      return await Promise.race([typeof until === 'function' ? until() : until, stopped]);
    } finally {
      this.shutdown();
      await running.catch(() => undefined);
    }
  }

  shutdown(): void {
    for (const worker of this.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
  }
}

/**
 * The workflow code: the caller's bundle, else the build's (the traced one when tracing), else
 * bundled now from source — with the tracing interceptors when tracing.
 */
function workflowCode(options: Pick<WorkerOptions, 'interceptors'>, given: WorkerOptions['workflowBundle']): Partial<WorkerOptions> {
  const traced = options.interceptors !== undefined;
  if (given && !traced) return { workflowBundle: given };
  const built = traced ? TRACED_BUNDLE_PATH : BUNDLE_PATH;
  if (fs.existsSync(built)) return { workflowBundle: { codePath: built } };
  return { workflowsPath: workflowsPath(), ...(traced && { interceptors: { ...options.interceptors, workflowModules: tracedWorkflowModules() } }) };
}

export async function createWorker({
  connection,
  namespace,
  taskQueue = TASK_QUEUE,
  role = 'all',
  activities,
  workflowBundle,
  mode,
  servicesUrl,
  maxServiceActivities,
  shutdownGraceTime = DEFAULT_SHUTDOWN_GRACE,
  metrics = new AgentMetrics(),
}: WorkerSetup): Promise<ResearchWorker> {
  const tracing = currentTracing();
  const common = {
    connection,
    namespace,
    shutdownGraceTime,
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    ...(tracing && (await tracedWorkerOptions(tracing))),
  } satisfies Partial<WorkerOptions>;
  const workers: Worker[] = [];
  if (role !== 'services') {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue,
        ...(mode && { identity: workerIdentity(mode) }),
        ...workflowCode(common, workflowBundle),
        activities: role === 'all' ? activities : servicesSide(activities, false),
        // the tracing's span exporter (when tracing) beside the cycle's metrics
        sinks: { ...common.sinks, ...cycleMetricsSinks(metrics) },
      }),
    );
  }
  if (role !== 'research') {
    workers.push(
      await Worker.create({
        ...common,
        taskQueue: servicesTaskQueue(taskQueue),
        ...(servicesUrl && { identity: servicesWorkerIdentity(servicesUrl) }),
        activities: servicesSide(activities, true),
        ...(maxServiceActivities && { maxConcurrentActivityTaskExecutions: maxServiceActivities }),
      }),
    );
  }
  return new ResearchWorker(workers);
}
