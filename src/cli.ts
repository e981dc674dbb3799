import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, type LogLevel } from '@temporalio/worker';
import { createActivities } from './activities';
import { claudeConfigFromEnv, claudeMode } from './llm/claude/config';
import { watchCycle } from './cli/watch';
import { renderCycle, renderHistory, renderList } from './cli/format';
import { duration, integer, port } from './cli/options';
import { startLocalStack } from './cli/localStack';
import { endWhenOutputCloses, stopRequest } from './cli/stopRequest';
import { conventionalUiPort, uiPortFor, webUiLink } from './cli/webUi';
import { registerBudgetCommand } from './cli/budgetCommand';
import { registerStartCommand } from './cli/startCommand';
import { REFUSAL_EXIT_CODES } from './temporal/admissionClient';
import { registerStrategyCommands } from './cli/strategyCommands';
import { registerServicesCommand } from './services/command';
import {
  cancelCycle,
  checkGivenStrategy,
  connect,
  connectionSettings,
  cycleHistory,
  defaultCycleId,
  describeCycle,
  listCycles,
  startCycle,
  taskQueuePollers,
  validateRequest,
  type Cycles,
} from './client';
import type { CycleRequest } from './domain/cycle';
import { designerLine } from './domain/designer';
import { UserError } from './errors';
import { DATA_DIR, PROJECT_ROOT } from './paths';
import { resolveBinary } from './temporal/binaries';
import { TASK_QUEUE } from './temporal/definitions';
import { installRuntime, LOG_LEVELS } from './temporal/runtime';
import { ensureSearchAttributes } from './temporal/searchAttributes';
import { hostWorkerHealth } from './temporal/workers';
import { createWorker, DEFAULT_SHUTDOWN_GRACE } from './worker';

async function withCycles<T>(fn: (cycles: Cycles) => Promise<T>): Promise<T> {
  const cycles = await connect();
  try {
    return await fn(cycles);
  } finally {
    await cycles.close();
  }
}

const EXIT_BY_OUTCOME: Record<string, number> = { completed: 0, failed: 1, cancelled: 2 };

/** `--gate training.minAccuracy=0.5` → { training: { minAccuracy: 0.5 } }; the schema checks names and ranges. */
function gateOption(value: string, previous: Record<string, Record<string, number>> = {}) {
  const match = /^(training|backtest)\.([A-Za-z]+)=(.+)$/.exec(value);
  const n = match ? Number(match[3]) : NaN;
  if (!match || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`expected <training|backtest>.<threshold>=<number>, e.g. training.minAccuracy=0.5`);
  }
  return { ...previous, [match[1]]: { ...previous[match[1]], [match[2]]: n } };
}

/** Worker and SDK logs at WARN unless KTRDR_LOG_LEVEL says otherwise (the bundler alone prints dozens of INFO lines). */
function installLogger(options?: { shutdownOnSignals: boolean }): void {
  const level = (process.env.KTRDR_LOG_LEVEL ?? 'WARN').toUpperCase() as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new UserError(`KTRDR_LOG_LEVEL=${process.env.KTRDR_LOG_LEVEL} is not a log level: use TRACE, DEBUG, INFO, WARN or ERROR.`);
  }
  installRuntime(level, options);
}

/** Runs a worker until it stops: by the runtime's own signal handling, or when `until` resolves. */
async function serveWorker(
  connection: NativeConnection,
  namespace: string,
  taskQueue: string,
  { servicesUrl, until, shutdownGraceTime }: { servicesUrl?: string; until?: Promise<unknown>; shutdownGraceTime?: number } = {},
): Promise<void> {
  const claude = claudeConfigFromEnv();
  const worker = await createWorker({ connection, namespace, taskQueue, activities: createActivities({ servicesUrl, claude }), mode: claude ? 'claude' : 'offline', shutdownGraceTime });
  console.log(`Worker polling task queue '${taskQueue}' in namespace '${namespace}'. Ctrl+C stops it.`);
  console.log(claudeMode(claude));
  await (until ? worker.runUntil(until) : worker.run());
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

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export function program(): Command {
  const cli = new Command('ktrdr-agent')
    .description('Autonomous research agent for trading strategies, as durable Temporal workflows')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showHelpAfterError('(run with --help for usage)');

  cli
    .command('setup')
    .description('install the official Temporal binaries (the market data comes from scripts/fetch-market-data.sh)')
    .action(() => {
      console.log(`temporal CLI:         ${resolveBinary('cli')}`);
      console.log(`temporal-test-server: ${resolveBinary('testServer')}`);
    });

  cli
    .command('dev')
    .description('start a Temporal dev server (SQLite history, Web UI), the training/backtest services and a worker; Ctrl+C stops them')
    .option('--ip <ip>', 'address to bind the server, the Web UI and the services to', '127.0.0.1')
    .option('--port <port>', 'frontend gRPC port', port('--port'), 7233)
    .option('--ui-port <port>', 'Web UI port (default: the frontend port + 1000, where `trigger` looks for it)', port('--ui-port'))
    .option('--db <file>', 'SQLite file that keeps the history; its folder holds the logs and belongs to one process', path.join(DATA_DIR, 'temporal.db'))
    .option('--services-port <port>', 'training/backtest services port (0: any free port)', port('--services-port', { anyFree: true }), 8000)
    .option('--no-worker', 'start only the server')
    .action(async (opts: { ip: string; port: number; uiPort?: number; servicesPort: number; db: string; worker: boolean }) => {
      const uiPort = opts.uiPort ?? uiPortFor(opts.port);
      const stop = stopRequest();
      try {
        // the SDK's runtime keeps the process alive once installed: only a worker needs it
        if (opts.worker) installLogger({ shutdownOnSignals: false });
        const stack = await startLocalStack({ command: 'dev', ip: opts.ip, port: opts.port, uiPort, db: opts.db, ...(opts.worker && { servicesPort: opts.servicesPort }) });
        try {
          console.log(`Temporal dev server on ${stack.server.address} (history in ${opts.db})`);
          console.log(`Web UI: ${stack.server.uiUrl}/namespaces/default/workflows`);
          if (uiPort !== conventionalUiPort(opts.port)) console.log(`  (for links to it from trigger: export KTRDR_WEB_UI=${stack.server.uiUrl})`);
          if (stack.services) {
            console.log(`Training/backtest services: ${stack.services.url}`);
            const native = await NativeConnection.connect({ address: stack.server.address });
            try {
              await serveWorker(native, 'default', TASK_QUEUE, { servicesUrl: stack.services.url, until: stop.requested });
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

  cli
    .command('worker')
    .description('run a worker for research cycles against TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE')
    .option('--task-queue <name>', 'task queue to poll', TASK_QUEUE)
    .option(
      '--shutdown-grace <duration>',
      `how long running activities go on after SIGTERM or Ctrl+C before they are left to the next worker (default: KTRDR_SHUTDOWN_GRACE, else ${DEFAULT_SHUTDOWN_GRACE})`,
      duration('--shutdown-grace'),
    )
    .action(async (opts: { taskQueue: string; shutdownGrace?: number }) => {
      const shutdownGraceTime = opts.shutdownGrace ?? shutdownGraceFromEnv();
      installLogger();
      const { connectionOptions, address, namespace } = connectionSettings();
      let native: NativeConnection;
      try {
        native = await NativeConnection.connect({ ...connectionOptions, address });
      } catch {
        throw new UserError(`Cannot reach the Temporal service at ${address}. Start one with \`ktrdr-agent dev\`, or set TEMPORAL_ADDRESS.`);
      }
      try {
        const connection = await Connection.connect({ ...connectionOptions, address });
        const added = await ensureSearchAttributes(connection, namespace);
        if (added.length) console.log(`Registered search attributes: ${added.join(', ')}`);
        await connection.close();
      } catch (err) {
        console.warn(`warning: could not check the search attributes (${(err as Error).message}); register ResearchPhase, ResearchStrategy, ResearchOutcome as Keyword.`);
      }
      await serveWorker(native, namespace, opts.taskQueue, { shutdownGraceTime });
      await native.close();
    });

  cli
    .command('trigger')
    .description('start a research cycle')
    .option('--strategy <name>', "a person's strategy (a name in strategies/ or strategies/designed/): skip the design, train, backtest and assess it; checked before the cycle starts")
    .option('--brief <text>', 'research brief that steers the design')
    .option('--model <model>', 'Claude model: opus, sonnet, haiku or a full id')
    .option('--symbol <symbol>', 'market to research, e.g. EURUSD')
    .option('--timeframe <tf>', 'bar size, e.g. 1h or 1d')
    .option('--bypass-gates', 'record gate verdicts but never stop the cycle on them')
    .option('--offline', 'design and assess with the offline designer and assessor, even when the worker has an API key')
    .option('--gate <name=value>', 'gate threshold, e.g. backtest.minTrades=10, or KTRDR\'s training.minAccuracy=0.5 (repeatable; see the README, "Quality gates")', gateOption)
    .option('--wait', 'follow the cycle until it ends; the exit code tells the outcome (0 completed, 1 failed, 2 cancelled, 3 or 4 refused: budget_exhausted or active_cycle_exists)')
    .action(async (opts) => {
      const request: CycleRequest = {
        ...(opts.strategy !== undefined && { strategy: opts.strategy }),
        ...(opts.brief !== undefined && { brief: opts.brief }),
        ...(opts.model !== undefined && { model: opts.model }),
        ...(opts.symbol !== undefined && { symbol: opts.symbol }),
        ...(opts.timeframe !== undefined && { timeframe: opts.timeframe }),
        ...(opts.bypassGates && { bypassGates: true }),
        ...(opts.offline && { offline: true }),
        ...(opts.gate && { gates: opts.gate }),
      };
      checkGivenStrategy(validateRequest(request));
      await withCycles(async ({ client, namespace, address }) => {
        const { handle, input, workers, designer } = await startCycle(client, request);
        console.log(`Research cycle started: ${handle.workflowId}`);
        if (input.strategy) console.log(`  Design: skipped (strategy ${input.strategy} given)`);
        console.log(`  Model:  ${designerLine(designer, input.model)}${input.bypassGates ? '\n  Gates:  BYPASSED' : ''}`);
        if (workers && workers.claude + workers.offline + workers.unknown === 0) {
          console.error(`warning: no worker is polling task queue '${TASK_QUEUE}': the cycle waits until one starts (\`ktrdr-agent worker\`, or \`ktrdr-agent dev\`).`);
        }
        console.log(`  Watch:  ktrdr-agent status ${handle.workflowId} --watch`);
        console.log(`  Cancel: ktrdr-agent cancel ${handle.workflowId}`);
        console.log(`  Web UI: ${webUiLink(address, namespace, handle.workflowId)}`);
        if (opts.wait) {
          const view = await watchCycle(client, handle.workflowId);
          const refusal = view.status?.refusal;
          process.exitCode = refusal ? REFUSAL_EXIT_CODES[refusal.reason] : (EXIT_BY_OUTCOME[view.status?.outcome ?? view.summary?.phase ?? 'failed'] ?? 1);
        }
      });
    });

  cli
    .command('health')
    .description("exit 0 when a worker on this host is polling the task queue (the worker container's healthcheck)")
    .option('--task-queue <name>', 'task queue the worker polls', TASK_QUEUE)
    .action(async (opts: { taskQueue: string }) => {
      await withCycles(async ({ client }) => {
        const health = hostWorkerHealth(await taskQueuePollers(client, opts.taskQueue), opts.taskQueue);
        if (!health.healthy) throw new UserError(`unhealthy: ${health.reason}`);
        console.log(`healthy: ${health.identity} polled task queue '${opts.taskQueue}' ${Math.round(health.ageMs / 1000)} s ago`);
      });
    });

  cli
    .command('status')
    .description('phase, strategy, gates, results and live progress of a cycle (default: the running or latest one)')
    .argument('[id]', 'cycle id')
    .option('--watch', 'follow the cycle until it ends, with a progress bar')
    .option('--json', 'print the full status as JSON')
    .action(async (id: string | undefined, opts: { watch?: boolean; json?: boolean }) => {
      await withCycles(async ({ client }) => {
        const cycleId = id ?? (await defaultCycleId(client));
        if (opts.watch) {
          await watchCycle(client, cycleId);
          return;
        }
        const view = await describeCycle(client, cycleId);
        console.log(opts.json ? JSON.stringify(view, null, 2) : renderCycle(view));
      });
    });

  cli
    .command('cancel')
    .description('cancel a running cycle (default: the running one); its activity stops and cleans up')
    .argument('[id]', 'cycle id')
    .action(async (id: string | undefined) => {
      await withCycles(async ({ client }) => {
        const cycleId = id ?? (await defaultCycleId(client));
        await cancelCycle(client, cycleId);
        console.log(`Cancellation requested for ${cycleId}. \`ktrdr-agent status ${cycleId}\` shows when it has stopped.`);
      });
    });

  cli
    .command('list')
    .description('recent cycles: id, status, phase, strategy, verdict, cost, duration')
    .option('--limit <n>', 'how many', integer('--limit', 1), 20)
    .option('--query <filter>', "visibility filter, e.g. \"ResearchOutcome = 'failed'\"")
    .option('--json', 'print JSON')
    .action(async (opts: { limit: number; query?: string; json?: boolean }) => {
      await withCycles(async ({ client }) => {
        const rows = await listCycles(client, opts.limit, opts.query);
        console.log(opts.json ? JSON.stringify(rows, null, 2) : renderList(rows));
      });
    });

  cli
    .command('history')
    .description("a cycle's event history (--json: the format `temporal workflow show` and replay tests use)")
    .argument('<id>', 'cycle id')
    .option('--json', 'print the history as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withCycles(async ({ client }) => {
        const history = await cycleHistory(client, id);
        console.log(opts.json ? historyToJSON(history) : renderHistory(history.events ?? []));
      });
    });

  registerStrategyCommands(cli);
  registerServicesCommand(cli);
  registerStartCommand(cli);
  registerBudgetCommand(cli);
  return cli;
}

/**
 * Runs a command. One that fails ends the process once it has said why: whatever it had
 * started has been stopped by then, and a handle it could not close (the SDK's native
 * runtime, installed for a worker that never ran) must not keep the process waiting.
 */
export async function main(argv = process.argv): Promise<void> {
  endWhenOutputCloses();
  try {
    await program().parseAsync(argv);
  } catch (err) {
    if (err instanceof UserError) {
      console.error(`error: ${err.message}`);
      process.exit(err.exitCode);
    }
    console.error(`error: ${(err as Error)?.message ?? err}`);
    if (process.env.KTRDR_DEBUG) console.error((err as Error)?.stack);
    else console.error('(set KTRDR_DEBUG=1 to see the stack trace)');
    process.exit(1);
  }
}
