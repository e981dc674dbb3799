/**
 * The Temporal worker of the research workflow: its connection, the bundled workflow code, the
 * activities, and an identity that says whether it has Claude.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker, type NativeConnectionOptions, type WorkerOptions } from '@temporalio/worker';
import type { ResearchActivities } from './domain/activities';
import { TASK_QUEUE } from './temporal/definitions';
import { workerIdentity, type WorkerMode } from './temporal/workers';

/** Written by the build next to the compiled worker; absent when running from source (tests). */
export const BUNDLE_PATH = path.join(__dirname, 'workflow-bundle.js');

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

export interface WorkerSetup {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  activities: ResearchActivities;
  /** A bundle made once with `bundleWorkflowCode`, to save re-bundling per worker (tests). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Whether its activities have Claude; said in the worker's identity, for clients and the healthcheck. */
  mode?: WorkerMode;
  /** See DEFAULT_SHUTDOWN_GRACE. */
  shutdownGraceTime?: Duration;
}

/** The connection workers poll through: to the Temporal service at `address`, with the environment's other settings (TLS, API key) when given. */
export function connectWorkers(address: string, options: NativeConnectionOptions = {}): Promise<NativeConnection> {
  return NativeConnection.connect({ ...options, address });
}

export function createWorker({
  connection,
  namespace,
  taskQueue = TASK_QUEUE,
  activities,
  workflowBundle,
  mode,
  shutdownGraceTime = DEFAULT_SHUTDOWN_GRACE,
}: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(mode && { identity: workerIdentity(mode) }),
    ...(workflowBundle ? { workflowBundle } : fs.existsSync(BUNDLE_PATH) ? { workflowBundle: { codePath: BUNDLE_PATH } } : { workflowsPath: workflowsPath() }),
    activities,
    shutdownGraceTime,
    maxHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
    defaultHeartbeatThrottleInterval: HEARTBEAT_THROTTLE,
  });
}
