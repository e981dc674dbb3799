/**
 * The commands that run the stack a cycle needs: `setup` (the Temporal binaries), `dev` (a dev
 * server, the services and a worker on this machine), `worker` (a worker against any Temporal
 * service), the worker of `services --with-worker`, and `health` (the containers' healthcheck).
 */
import path from 'node:path';
import { InvalidArgumentError, type Command } from '@commander-js/extra-typings';
import { createActivities } from '../activities';
import { servicesUrl } from '../services/client';
import { connectionSettings, registerSearchAttributes, taskQueuePollers, withCycles } from '../client';
import { UserError } from '../errors';
import type { Folders } from '../folders';
import { claudeConfigFromEnv, claudeMode } from '../design/claude/config';
import { resolveBinary } from '../temporal/binaries';
import type { WorkerBeside } from '../services/command';
import { servicesTaskQueue, TASK_QUEUE } from '../temporal/definitions';
import { installRuntime, LOG_LEVELS } from '../temporal/runtime';
import { startWorkerMetrics } from '../temporal/workerMetrics';
import { metricsSettings, sdkMetricsAddress } from '../telemetry/metricsSettings';
import { hostWorkerHealth } from '../temporal/workers';
import { connectWorkers, createWorker, DEFAULT_SHUTDOWN_GRACE, type WorkerRole, type WorkerSetup } from '../worker';
import { startLocalStack } from './localStack';
import { duration } from './options';
import { port } from '../numberOptions';
import { stopRequest } from './stopRequest';
import { conventionalUiPort, uiPortFor } from './webUi';

/** Worker and SDK logs at WARN unless KTRDR_LOG_LEVEL says otherwise (the bundler alone prints dozens of INFO lines). */
function installLogger(options?: { shutdownOnSignals: boolean }): void {
  const name = (process.env.KTRDR_LOG_LEVEL ?? 'WARN').toUpperCase();
  const level = LOG_LEVELS.find((l) => l === name);
  if (!level) {
    throw new UserError(`KTRDR_LOG_LEVEL=${process.env.KTRDR_LOG_LEVEL} is not a log level: use TRACE, DEBUG, INFO, WARN or ERROR.`);
  }
  installRuntime(level, { ...options, metricsAddress: sdkMetricsAddress(metricsSettings()) });
}

interface ServeOptions {
  folders: Folders;
  role?: WorkerRole;
  servicesUrl?: string;
  until?: Promise<unknown>;
  shutdownGraceTime?: number;
}

/** Runs a worker until it stops: by the runtime's own signal handling, or when `until` resolves. */
async function serveWorker(
  connection: WorkerSetup['connection'],
  namespace: string,
  taskQueue: string,
  { folders, role = 'all', servicesUrl: url = servicesUrl(), until, shutdownGraceTime }: ServeOptions,
): Promise<void> {
  const claude = claudeConfigFromEnv();
  const activities = createActivities({ servicesUrl: url, claude, folders });
  const mode = claude ? 'claude' : 'offline';
  const settings = metricsSettings();
  const telemetry = await startWorkerMetrics({ connection, namespace, taskQueue, settings });
  try {
    const worker = await createWorker({
      connection,
      namespace,
      taskQueue,
      role,
      activities,
      mode,
      servicesUrl: url,
      shutdownGraceTime,
      metrics: telemetry.metrics,
    });
    const queues = role === 'all' ? `'${taskQueue}' and '${servicesTaskQueue(taskQueue)}' (training and backtests on ${url})` : `'${taskQueue}'`;
    console.log(`Worker polling task queue ${queues} in namespace '${namespace}'. Ctrl+C stops it.`);
    console.log(claudeMode(claude));
    if (telemetry.url) console.log(`Metrics: ${telemetry.url}${settings.sdkPort ? ` (the Temporal SDK's on port ${settings.sdkPort})` : ''}`);
    await (until ? worker.runUntil(until) : worker.run());
  } finally {
    await telemetry.close();
  }
}

/** What `worker --role` takes: one machine's worker, or the research side alone (the services side runs beside each instance: `services --with-worker`). */
const ROLES = ['all', 'research'] as const;

function role(value: string): (typeof ROLES)[number] {
  const known = ROLES.find((r) => r === value);
  if (!known)
    throw new InvalidArgumentError(`${value} is not a role: use all (one machine) or research (the services' side runs with \`services --with-worker\`).`);
  return known;
}

/** Connects to the Temporal service the environment names, or says in one line that it cannot. */
async function connectFromEnv() {
  const settings = connectionSettings();
  const native = await connectWorkers(settings.address, settings.connectionOptions).catch(() => {
    throw new UserError(`Cannot reach the Temporal service at ${settings.address}. Start one with \`ktrdr-agent dev\`, or set TEMPORAL_ADDRESS.`);
  });
  return { ...settings, native };
}

/**
 * The worker of `services --with-worker`: in the services' own process, so the two live and die
 * together — Temporal never hands work to a worker whose instance is gone, and an instance never
 * runs without its worker. It calls the instance on loopback, polls only the services' task
 * queue, and takes at most the instance's --max-operations activities at once: Temporal hands the
 * rest to whichever instance has room, instead of the services queueing or refusing them (429).
 */
export function servicesWorker(folders: Folders): WorkerBeside {
  return async (instance, stopped) => {
    installLogger({ shutdownOnSignals: false });
    const { native, namespace } = await connectFromEnv();
    try {
      const taskQueue = instance.taskQueue ?? TASK_QUEUE;
      const worker = await createWorker({
        connection: native,
        namespace,
        taskQueue,
        role: 'services',
        activities: createActivities({ servicesUrl: instance.url, advertisedServicesUrl: instance.advertisedUrl, folders }),
        servicesUrl: instance.advertisedUrl,
        maxServiceActivities: instance.maxOperations,
        shutdownGraceTime: shutdownGraceFromEnv(),
      });
      console.log(
        `Worker polling task queue '${servicesTaskQueue(taskQueue)}' in namespace '${namespace}' for at most ${instance.maxOperations} trainings and backtests at once; other hosts reach this instance at ${instance.advertisedUrl}. Ctrl+C stops both.`,
      );
      await worker.runUntil(stopped);
    } finally {
      await native.close();
    }
  };
}

/** KTRDR_SHUTDOWN_GRACE when set (the compose file sets it beside the container's stop_grace_period). */
function shutdownGraceFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env.KTRDR_SHUTDOWN_GRACE;
  if (value === undefined || value === '') return undefined;
  try {
    return duration('KTRDR_SHUTDOWN_GRACE')(value);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

export function setupCommand(cli: Command): void {
  cli
    .command('setup')
    .description('install the official Temporal binaries (the market data comes from scripts/fetch-market-data.sh)')
    .action(() => {
      console.log(`temporal CLI:         ${resolveBinary('cli')}`);
      console.log(`temporal-test-server: ${resolveBinary('testServer')}`);
    });
}

export function devCommand(cli: Command, folders: Folders): void {
  cli
    .command('dev')
    .description('start a Temporal dev server (SQLite history, Web UI), the training/backtest services and a worker; Ctrl+C stops them')
    .option('--ip <ip>', 'address to bind the server, the Web UI and the services to', '127.0.0.1')
    .option('--port <port>', 'frontend gRPC port', port('--port'), 7233)
    .option('--ui-port <port>', 'Web UI port (default: the frontend port + 1000, where `trigger` looks for it)', port('--ui-port'))
    .option('--db <file>', 'SQLite file that keeps the history; its folder holds the logs and belongs to one process', path.join(folders.state, 'temporal.db'))
    .option('--services-port <port>', 'training/backtest services port (0: any free port)', port('--services-port', { anyFree: true }), 8000)
    .option('--no-worker', 'start only the server')
    .action(async (opts) => {
      const uiPort = opts.uiPort ?? uiPortFor(opts.port);
      const stop = stopRequest();
      try {
        // the SDK's runtime keeps the process alive once installed: only a worker needs it
        if (opts.worker) installLogger({ shutdownOnSignals: false });
        const stack = await startLocalStack({
          command: 'dev',
          ip: opts.ip,
          port: opts.port,
          uiPort,
          db: opts.db,
          folders,
          ...(opts.worker && { servicesPort: opts.servicesPort }),
        });
        try {
          console.log(`Temporal dev server on ${stack.server.address} (history in ${opts.db})`);
          console.log(`Web UI: ${stack.server.uiUrl}/namespaces/default/workflows`);
          if (uiPort !== conventionalUiPort(opts.port)) console.log(`  (for links to it from trigger: export KTRDR_WEB_UI=${stack.server.uiUrl})`);
          if (stack.services) {
            console.log(`Training/backtest services: ${stack.services.url}`);
            const native = await connectWorkers(stack.server.address);
            try {
              await serveWorker(native, 'default', TASK_QUEUE, { folders, servicesUrl: stack.services.url, until: stop.requested });
            } finally {
              await native.close();
            }
          } else {
            console.log('No worker (--no-worker). Ctrl+C stops the server.');
            await stop.requested;
          }
        } finally {
          await stack.stop();
          console.log(stack.services ? 'Stopped the dev server, the services and the worker.' : 'Stopped the dev server.');
        }
      } finally {
        stop.dispose();
      }
    });
}

export function workerCommand(cli: Command, folders: Folders): void {
  cli
    .command('worker')
    .description('run a worker for research cycles against TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE')
    .option('--task-queue <name>', 'research task queue to poll (training and backtests: <name>-services)', TASK_QUEUE)
    .option(
      '--role <role>',
      "all: workflows, Claude and the services' activities (calling KTRDR_SERVICES_URL); research: workflows and Claude only",
      role,
      'all',
    )
    .option(
      '--shutdown-grace <duration>',
      `how long running activities go on after SIGTERM or Ctrl+C before they are left to the next worker (default: KTRDR_SHUTDOWN_GRACE, else ${DEFAULT_SHUTDOWN_GRACE})`,
      duration('--shutdown-grace'),
    )
    .action(async (opts) => {
      const shutdownGraceTime = opts.shutdownGrace ?? shutdownGraceFromEnv();
      installLogger();
      const { connectionOptions, address, namespace, native } = await connectFromEnv();
      try {
        const added = await registerSearchAttributes({ connectionOptions, address, namespace });
        if (added.length) console.log(`Registered search attributes: ${added.join(', ')}`);
      } catch (err) {
        console.warn(
          `warning: could not check the search attributes (${(err as Error).message}); register ResearchPhase, ResearchStrategy, ResearchOutcome as Keyword.`,
        );
      }
      await serveWorker(native, namespace, opts.taskQueue, { folders, role: opts.role, shutdownGraceTime });
      await native.close();
    });
}

export function healthCommand(cli: Command): void {
  cli
    .command('health')
    .description("exit 0 when a worker on this host is polling the task queue (the worker container's healthcheck)")
    .option('--task-queue <name>', 'task queue the worker polls', TASK_QUEUE)
    .action(async (opts) => {
      await withCycles(async ({ client }) => {
        const health = hostWorkerHealth(await taskQueuePollers(client, opts.taskQueue), opts.taskQueue);
        if (!health.healthy) throw new UserError(`unhealthy: ${health.reason}`);
        console.log(`healthy: ${health.identity} polled task queue '${opts.taskQueue}' ${Math.round(health.ageMs / 1000)} s ago`);
      });
    });
}
