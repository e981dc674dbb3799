/**
 * The `services` command: the operations API in the foreground, over the entry point's folders,
 * until it is told to stop.
 */
import os from 'node:os';
import path from 'node:path';
import { Option, type Command } from '@commander-js/extra-typings';
import { UserError } from '../errors';
import type { Folders } from '../folders';
import { integer, port } from '../numberOptions';
import { API_PREFIX } from './api';
import { SERVICES_DEFAULTS } from './defaults';
import { startServices } from './server';

interface ServicesFlags {
  host: string;
  port: number;
  maxOperations: number;
  maxQueued: number;
  stateDir: string;
  withWorker?: boolean;
  advertiseUrl?: string;
  taskQueue?: string;
}

/** The services instance a worker beside it serves. */
interface Instance {
  /** Where a process on this host calls it. */
  url: string;
  /** Where other hosts reach it: `--advertise-url`, else this host's name for an instance listening on every address, else `url`. */
  advertisedUrl: string;
  maxOperations: number;
  /** `--task-queue`, when given: the research queue the worker's services queue goes with. */
  taskQueue?: string;
}

/**
 * Runs a Temporal worker beside the instance until `stopped` resolves (`--with-worker`). The
 * entry point gives it: the services know nothing of Temporal.
 */
export type WorkerBeside = (instance: Instance, stopped: Promise<void>) => Promise<void>;

/** Addresses that mean "every address of this host": no other host can call them. */
const EVERY_ADDRESS = ['0.0.0.0', '::', '[::]'];

/**
 * `ktrdr-agent services`: the operations API in the foreground until Ctrl+C or SIGTERM, over
 * the entry point's folders, its records in `<state>/services` unless `--state-dir` or
 * KTRDR_SERVICES_STATE_DIR says otherwise.
 */
export function registerServicesCommand(cli: Command, folders: Folders, workerBeside: WorkerBeside): void {
  cli
    .command('services')
    .description('serve the training and backtest operations API (KTRDR shapes, under /api/v1); Ctrl+C stops it')
    .addOption(new Option('--host <address>', 'address to listen on').env('KTRDR_SERVICES_HOST').default(SERVICES_DEFAULTS.host))
    .addOption(
      new Option('--port <port>', 'port to listen on (0: any free port)')
        .env('KTRDR_SERVICES_PORT')
        .default(SERVICES_DEFAULTS.port)
        .argParser(port('--port', { anyFree: true })),
    )
    .addOption(
      new Option('--max-operations <n>', 'trainings and backtests that may run at once; beyond it, a start waits in the queue')
        .env('KTRDR_MAX_OPERATIONS')
        .default(SERVICES_DEFAULTS.maxOperations)
        .argParser(integer('--max-operations', 1)),
    )
    .addOption(
      new Option('--max-queued <n>', 'starts that may wait for a slot, first in first out; beyond it, a start gets 429')
        .env('KTRDR_MAX_QUEUED')
        .default(SERVICES_DEFAULTS.maxQueued)
        .argParser(integer('--max-queued', 0)),
    )
    .addOption(
      new Option('--state-dir <dir>', 'folder that keeps the operation records').env('KTRDR_SERVICES_STATE_DIR').default(path.join(folders.state, 'services')),
    )
    .option(
      '--with-worker',
      "run, in this process, the Temporal worker of this instance: it polls the services' task queue (TEMPORAL_ADDRESS) for at most --max-operations trainings and backtests at once",
    )
    .addOption(
      new Option('--advertise-url <url>', "with --with-worker: this instance's address for other hosts (default: this host's name when --host is 0.0.0.0)").env(
        'KTRDR_SERVICES_ADVERTISE_URL',
      ),
    )
    .option('--task-queue <name>', "with --with-worker: the research task queue; the worker polls '<name>-services'")
    .action(async (flags: ServicesFlags) => {
      const services = await startServices({
        ...flags,
        strategiesDir: folders.strategies,
        dataDir: folders.marketData,
        modelsDir: folders.models,
        reportsDir: folders.reports,
      }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new UserError(`${flags.host}:${flags.port} is in use: pick another port with --port or KTRDR_SERVICES_PORT.`);
        if (err.code === 'EADDRNOTAVAIL') throw new UserError(`${flags.host} is not an address of this machine: use --host or KTRDR_SERVICES_HOST.`);
        throw err;
      });
      // Listening for the signals before saying so: whoever reads the lines below may stop it at once.
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      console.log(`Services on ${services.url}${API_PREFIX} (health: ${services.url}/health)`);
      console.log(
        `  at most ${flags.maxOperations} operations at once, ${flags.maxQueued} waiting · records in ${path.relative(process.cwd(), flags.stateDir) || flags.stateDir}`,
      );
      if (flags.withWorker) {
        const local = EVERY_ADDRESS.includes(flags.host) ? `http://127.0.0.1:${services.port}` : services.url;
        const advertisedUrl = flags.advertiseUrl ?? (EVERY_ADDRESS.includes(flags.host) ? `http://${os.hostname()}:${services.port}` : services.url);
        // The worker stops first, so that what it runs can still reach the services for its grace period.
        await workerBeside({ url: local, advertisedUrl, maxOperations: flags.maxOperations, taskQueue: flags.taskQueue }, stopped).finally(() =>
          services.close(),
        );
      } else {
        console.log('  Ctrl+C stops them.');
        await stopped;
        await services.close();
      }
      console.log('Stopped the services.');
    });
}
