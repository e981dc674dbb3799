import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import type { BudgetSnapshot } from '../../src/domain/admission';
import type { CycleStatus } from '../../src/domain/cycle';
import { PROJECT_ROOT } from '../../src/paths';
import { ServicesClient } from '../../src/services/client';
import type { OperationInfo } from '../../src/services/operation';
import { budgetThrough } from '../../src/temporal/admission';
import type { researchCycle } from '../../src/workflows/researchCycle';
import { RESEARCH_WORKFLOW, SEARCH_ATTRIBUTES, TASK_QUEUE } from '../../src/temporal/definitions';
import { DEV_SERVER_TUNING } from '../../src/temporal/devServer';
import { installRuntime } from '../../src/temporal/runtime';
import { ktrdrAgentWith } from './cli';
import { freePort, freePorts } from './ports';
import { alive, kill, killTree, scratchFolder, spawnCli, spawnCommand, type Spawned } from './processes';

// Replaying a history installs the SDK's runtime in this process: quietly.
installRuntime('ERROR');

/** The strategy the fault tests run: slow by its size, not by waiting (see the file). */
export const SLOW_STRATEGY = 'slow_network';
const SLOW_STRATEGY_FILE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'strategies', `${SLOW_STRATEGY}.yaml`);

/** The workflow code the worker processes run (the built bundle), for replaying what they recorded. */
const BUNDLE = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

export interface StackOptions {
  /** Epochs of the slow strategy: how long its training runs (about a second each on an idle core). */
  epochs?: number;
  /** Environment of the worker processes, e.g. ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL of a fake Messages API. */
  workerEnv?: Record<string, string>;
  /** Start without the services (the test starts them later). */
  withoutServices?: boolean;
  /** The dev server with its own defaults instead of the project's tuning (the benchmark's baseline). */
  stockServer?: boolean;
  /** Start without a worker (the test starts its own). */
  withoutWorker?: boolean;
}

/** A services instance and its worker in one process (`services --with-worker`), as on a host of their own. */
export interface ServicesPair {
  process: Spawned;
  port: number;
  url: string;
  stateDir: string;
}

export interface CycleEnd {
  /** Temporal's status of the execution: COMPLETED, FAILED, CANCELLED… */
  execution: string;
  /** The cycle's status as it ended (from its result, or its failure's details); none for a cancelled cycle. */
  status?: CycleStatus;
  failure?: string;
}

/** Node's timer, for the tests and the bench that wait on real processes. */
export { sleep };

/**
 * The whole system as separate processes, so a test can stop, kill and restart each one the
 * way an operator or a crash would: the official Temporal dev server (its own SQLite file,
 * free ports, restarted on the same ones), the training/backtest services
 * (`ktrdr-agent services`, restarted on the same port and state folder) and workers
 * (`ktrdr-agent worker`), all built from dist/ and sharing a scratch project folder.
 */
export class FaultStack {
  private readonly scratch = scratchFolder('ktrdr-faults-');
  readonly root = this.scratch.folder;
  readonly strategiesDir = this.scratch.env.KTRDR_STRATEGIES_DIR;
  readonly db = this.scratch.db;
  readonly stateDir = path.join(this.root, 'services-state');
  readonly env: Record<string, string>;
  server?: Spawned;
  services?: Spawned;
  readonly workers: Spawned[] = [];
  /** Every process this stack started, for the logs and the final clean-up. */
  private readonly started: { name: string; process: Spawned }[] = [];
  private connection?: Connection;

  private constructor(
    readonly ports: { frontend: number; http: number; metrics: number; services: number },
    private readonly options: StackOptions,
  ) {
    const epochs = options.epochs ?? 30;
    fs.writeFileSync(
      path.join(this.strategiesDir, `${SLOW_STRATEGY}.yaml`),
      fs.readFileSync(SLOW_STRATEGY_FILE, 'utf8').replace(/epochs: \d+/, `epochs: ${epochs}`),
    );
    this.env = {
      ...this.scratch.env,
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: 'default',
      KTRDR_SERVICES_URL: this.servicesUrl,
      KTRDR_TRANSCRIPTS_DIR: path.join(this.root, 'transcripts'),
      KTRDR_LOG_LEVEL: 'WARN',
    };
  }

  /** Free ports and a scratch folder; nothing runs yet. */
  private static async create(options: StackOptions): Promise<FaultStack> {
    const [frontend, http, metrics, services] = await freePorts(4);
    return new FaultStack({ frontend, http, metrics, services }, options);
  }

  /** The usual start: server, services (unless `withoutServices`), one worker. */
  static async start(options: StackOptions = {}): Promise<FaultStack> {
    const stack = await FaultStack.create(options);
    try {
      await stack.startServer();
      if (!options.withoutServices) await stack.startServices();
      if (!options.withoutWorker) await stack.startWorker();
    } catch (err) {
      await stack.close();
      throw err;
    }
    return stack;
  }

  get address(): string {
    return `127.0.0.1:${this.ports.frontend}`;
  }

  get servicesUrl(): string {
    return `http://127.0.0.1:${this.ports.services}`;
  }

  private track(name: string, process: Spawned): Spawned {
    this.started.push({ name, process });
    return process;
  }

  /** The dev server on this stack's ports and SQLite file: the history of an earlier run of it is still there. */
  async startServer(): Promise<void> {
    const binary = process.env.TEMPORAL_CLI_PATH;
    if (!binary) throw new Error('TEMPORAL_CLI_PATH is not set: the test globalSetup resolves it');
    const { frontend, http, metrics } = this.ports;
    const args = [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(frontend),
      '--http-port',
      String(http),
      '--metrics-port',
      String(metrics),
      '--headless',
      '--db-filename',
      this.db,
      '--log-level',
      'error',
      ...(this.options.stockServer ? [] : DEV_SERVER_TUNING),
      ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
    ];
    const server = this.track('temporal', spawnCommand(binary, args));
    await server.until(new RegExp(`Server:\\s+\\S+:${frontend}\\b`), 60_000);
    // answering, not only listening
    for (let i = 0; ; i++) {
      const answered = await Connection.connect({ address: this.address, connectTimeout: '1 second' }).then(
        (c) => c.close().then(() => true),
        () => false,
      );
      if (answered) break;
      if (i > 100) throw new Error(`the Temporal dev server did not answer on ${this.address}:\n${server.output()}`);
      await sleep(100);
    }
    this.server = server;
  }

  /** Stops the server with `signal`; resolves once the process has gone. */
  async stopServer(signal: NodeJS.Signals): Promise<void> {
    await this.stop(this.server, signal);
    this.server = undefined;
  }

  /** `ktrdr-agent services` on this stack's port and state folder. */
  async startServices(): Promise<void> {
    const services = this.track(
      'services',
      spawnCli(['services', '--host', '127.0.0.1', '--port', String(this.ports.services), '--state-dir', this.stateDir], this.env),
    );
    await services.until('Services on http://', 60_000);
    this.services = services;
  }

  async stopServices(signal: NodeJS.Signals): Promise<void> {
    await this.stop(this.services, signal);
    this.services = undefined;
  }

  /**
   * `ktrdr-agent services --with-worker`, on a port and state folder of its own (by default new
   * ones; given, those of a pair that was stopped), over the stack's shared folders.
   */
  async startPair(maxOperations: number, at?: Pick<ServicesPair, 'port' | 'stateDir'>): Promise<ServicesPair> {
    const port = at?.port ?? (await freePort());
    const stateDir = at?.stateDir ?? path.join(this.root, `services-state-${port}`);
    const args = [
      'services',
      '--with-worker',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--state-dir',
      stateDir,
      '--max-operations',
      String(maxOperations),
    ];
    const pair = this.track(`services pair :${port}`, spawnCli(args, { ...this.env, ...this.options.workerEnv }));
    await pair.until('Worker polling task queue', 60_000);
    return { process: pair, port, url: `http://127.0.0.1:${port}`, stateDir };
  }

  /** `ktrdr-agent services` alone on a pair's port and state folder: its records, as the pair left them, to read. */
  async reopenServices({ port, stateDir }: Pick<ServicesPair, 'port' | 'stateDir'>): Promise<ServicesClient> {
    const services = this.track(`services :${port}`, spawnCli(['services', '--host', '127.0.0.1', '--port', String(port), '--state-dir', stateDir], this.env));
    await services.until('Services on http://', 60_000);
    return new ServicesClient(`http://127.0.0.1:${port}`);
  }

  /** `ktrdr-agent worker [args]`, polling once it says so. */
  async startWorker(...args: string[]): Promise<Spawned> {
    const worker = this.track(`worker ${this.workers.length + 1}`, spawnCli(['worker', ...args], { ...this.env, ...this.options.workerEnv }));
    await worker.until('Worker polling task queue', 60_000);
    this.workers.push(worker);
    return worker;
  }

  /** The worker started last. */
  get worker(): Spawned {
    const worker = this.workers.at(-1);
    if (!worker) throw new Error('no worker started');
    return worker;
  }

  /** Sends `signal`; for SIGTERM and SIGKILL waits until the process has exited (SIGTERM: at most `ms`, then fails). */
  async stop(target: Spawned | undefined, signal: NodeJS.Signals, ms = 120_000): Promise<void> {
    if (!target) throw new Error('nothing to stop');
    kill(target.child.pid!, signal);
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref());
    if ((await Promise.race([target.exited, timer])) === 'late') throw new Error(`${signal} did not stop pid ${target.child.pid} within ${ms} ms`);
  }

  /** A Temporal client; it reconnects by itself after the server comes back. */
  async client(): Promise<Client> {
    this.connection ??= await Connection.connect({ address: this.address });
    return new Client({ connection: this.connection, namespace: 'default' });
  }

  /** The budget as the admission workflow tells it (what `ktrdr-agent budget --json` prints, without starting a process). */
  async budget(): Promise<BudgetSnapshot> {
    const snapshot = await budgetThrough(await this.client(), TASK_QUEUE);
    if (!snapshot) throw new Error('no admission workflow runs');
    return snapshot;
  }

  /** `ktrdr-agent trigger` (the slow strategy unless `args` name another way), as a person runs it; the cycle's id. */
  async trigger(...args: string[]): Promise<string> {
    const run = await ktrdrAgentWith(this.env, 'trigger', ...(args.length ? args : ['--strategy', SLOW_STRATEGY, '--bypass-gates']));
    const id = /Research cycle started: (\S+)/.exec(run.stdout)?.[1];
    if (run.code !== 0 || !id) throw new Error(`trigger failed (exit ${run.code}):\n${run.stdout}${run.stderr}`);
    return id;
  }

  /** `n` offline cycles started at once, as the Web UI's form or a script starts them (no CLI check); gates bypassed, so each trains and backtests. Their ids. */
  async startOfflineCycles(n: number): Promise<string[]> {
    const client = await this.client();
    const batch = randomBytes(3).toString('hex');
    const ids = Array.from({ length: n }, (_, i) => `research-batch-${batch}-${i}`);
    await Promise.all(
      ids.map((workflowId) =>
        client.workflow.start<typeof researchCycle>(RESEARCH_WORKFLOW, { taskQueue: TASK_QUEUE, workflowId, args: [{ offline: true, bypassGates: true }] }),
      ),
    );
    return ids;
  }

  /** How long the cycles took, from the first start to the last end, by their executions' own times. */
  async wallTimeMs(ids: string[]): Promise<number> {
    const client = await this.client();
    const described = await Promise.all(ids.map((id) => client.workflow.getHandle(id).describe()));
    return Math.max(...described.map((d) => d.closeTime?.getTime() ?? NaN)) - Math.min(...described.map((d) => d.startTime.getTime()));
  }

  /** The services' records of the cycle's operations, oldest first. */
  async operations(cycleId: string): Promise<OperationInfo[]> {
    const client = new ServicesClient(this.servicesUrl);
    const { data } = await client.listOperations({ cycle_id: cycleId, limit: 1000 });
    return [...data].sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /** Waits until the cycle has an operation of `type` for which `ready` holds (the services may be down meanwhile). */
  async operation(cycleId: string, type: OperationInfo['operation_type'], ready: (op: OperationInfo) => boolean, ms = 180_000): Promise<OperationInfo> {
    const deadline = Date.now() + ms;
    for (;;) {
      const ops = await this.operations(cycleId).catch(() => []);
      const op = ops.find((o) => o.operation_type === type && ready(o));
      if (op) return op;
      if (Date.now() > deadline) throw new Error(`no ${type} operation of ${cycleId} became ready within ${ms} ms; records: ${JSON.stringify(ops.map(brief))}`);
      await sleep(100);
    }
  }

  /** A training in its epochs: the moment to be caught mid-training. */
  midTraining(cycleId: string): Promise<OperationInfo> {
    return this.operation(cycleId, 'training', (op) => op.status === 'running' && (op.progress.context.epoch_index ?? 0) >= 1);
  }

  /** A backtest that has started. */
  midBacktest(cycleId: string): Promise<OperationInfo> {
    return this.operation(cycleId, 'backtesting', (op) => op.status === 'running');
  }

  /** How the cycle ended, once it has (the test's timeout bounds the wait). */
  async end(cycleId: string): Promise<CycleEnd> {
    const handle = (await this.client()).workflow.getHandle(cycleId);
    for (;;) {
      try {
        const status = (await handle.result()) as CycleStatus;
        return { execution: 'COMPLETED', status };
      } catch (err) {
        if (err instanceof WorkflowFailedError) {
          const cause = err.cause;
          if (cause instanceof CancelledFailure) return { execution: 'CANCELLED' };
          const status = cause instanceof ApplicationFailure ? (cause.details?.[0] as CycleStatus | undefined) : undefined;
          return { execution: 'FAILED', status, failure: cause?.message ?? err.message };
        }
        // the server is down or restarting: ask again
        await sleep(500);
      }
    }
  }

  /** The cycle's whole history, replayed against the workflow code the workers ran; returns it. */
  async replay(cycleId: string) {
    const history = await (await this.client()).workflow.getHandle(cycleId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: BUNDLE } }, history, cycleId);
    return history;
  }

  /** The last lines each process printed, for a failed test. */
  logs(lines = 40): string {
    return this.started
      .map(
        ({ name, process }) => `----- ${name} (pid ${process.child.pid}), last lines -----\n${process.output().trimEnd().split('\n').slice(-lines).join('\n')}`,
      )
      .join('\n');
  }

  /** Stops everything this stack started (whatever state the test left it in) and removes its folder. */
  async close(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    for (const { process } of this.started) {
      if (alive(process.child.pid!)) {
        kill(process.child.pid!, 'SIGCONT');
        killTree(process.child.pid!);
      }
    }
    await Promise.all(this.started.map(({ process }) => process.exited));
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** An operation record in one line, for messages. */
export const brief = (op: OperationInfo) => ({
  id: op.operation_id,
  type: op.operation_type,
  status: op.status,
  task: op.metadata.task_id,
  error: op.error_message,
});
