import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServicesClient } from '../../src/services/client';
import type { OperationInfo } from '../../src/services/operation';
import { startServices, type Services, type ServicesOptions } from '../../src/services/server';
import type { Folders } from '../../src/folders';
import { PROJECT_ROOT } from '../../src/paths';
import { MARKET_DATA_DIR, STRATEGIES_DIR } from './folders';

/** The services' worker threads run the TypeScript sources through this loader. */
export const TYPESCRIPT_LOADER = path.join(PROJECT_ROOT, 'test', 'support', 'requireTypescript.cjs');

/**
 * A scratch project for one test file: strategies (copies of shipped ones, plus whatever the
 * test writes), models, reports and the services' state in a temporary folder; market data
 * is the shipped data/.
 */
export class ScratchFolders {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-services-'));
  readonly strategiesDir = path.join(this.root, 'strategies');
  readonly modelsDir = path.join(this.root, 'models');
  readonly reportsDir = path.join(this.root, 'reports');
  readonly stateDir = path.join(this.root, 'state');

  constructor() {
    fs.mkdirSync(this.strategiesDir);
  }

  /** Copies a shipped strategy under `name`, its text changed by `edit`. */
  strategy(shipped: string, name = shipped, edit: (yaml: string) => string = (yaml) => yaml): string {
    const text = fs.readFileSync(path.join(STRATEGIES_DIR, `${shipped}.yaml`), 'utf8').replace(/^name: .*$/m, `name: ${name}`);
    fs.writeFileSync(path.join(this.strategiesDir, `${name}.yaml`), edit(text));
    return name;
  }

  /** These folders as the agent's: market data is the shipped data/, Claude's transcripts go in `root`. */
  agentFolders(): Folders {
    return {
      strategies: this.strategiesDir,
      marketData: MARKET_DATA_DIR,
      models: this.modelsDir,
      reports: this.reportsDir,
      state: this.stateDir,
      transcripts: path.join(this.root, 'transcripts'),
    };
  }

  /** The environment that points a services process (ServicesProcess) at these folders, its records in `stateDir`. */
  servicesEnv(stateDir = this.stateDir): Record<string, string> {
    return {
      KTRDR_STRATEGIES_DIR: this.strategiesDir,
      KTRDR_MODELS_DIR: this.modelsDir,
      KTRDR_REPORTS_DIR: this.reportsDir,
      KTRDR_SERVICES_STATE_DIR: stateDir,
    };
  }

  remove(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Edits rsi_adx_trend_filter to train for half a minute or more unless stopped: 1 000 epochs, no early stopping. */
export function longTraining(yaml: string): string {
  return yaml.replace(/epochs: \d+/, 'epochs: 1000').replace(/early_stopping: \{enabled: true/, 'early_stopping: {enabled: false');
}

export interface TestServices extends Services {
  client: ServicesClient;
  log: string[];
}

/** The services in this process on a free port, over the scratch folders. */
export async function startTestServices(folders: ScratchFolders, options: Partial<ServicesOptions> = {}): Promise<TestServices> {
  const log: string[] = [];
  const services = await startServices({
    port: 0,
    strategiesDir: folders.strategiesDir,
    dataDir: MARKET_DATA_DIR,
    modelsDir: folders.modelsDir,
    reportsDir: folders.reportsDir,
    stateDir: folders.stateDir,
    workerExecArgv: ['--require', TYPESCRIPT_LOADER],
    log: (line) => log.push(line),
    ...options,
  });
  return { ...services, client: new ServicesClient(services.url), log };
}

/**
 * Polls the operation until `until` holds or it has ended (the test then says which), each
 * poll a real request; `seen` collects every answer. The test's timeout bounds the wait.
 */
export async function waitFor(client: ServicesClient, id: string, until: (op: OperationInfo) => boolean, seen: OperationInfo[] = []): Promise<OperationInfo> {
  for (;;) {
    const op = await client.getOperation(id);
    seen.push(op);
    if (until(op) || isFinished(op)) return op;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Until no operation holds a thread: an ended operation's thread exits a few ms after its end. */
export async function untilIdle(client: ServicesClient): Promise<void> {
  while ((await client.health()).active_operations > 0) await new Promise((resolve) => setTimeout(resolve, 10));
}

export const isFinished = (op: OperationInfo) => ['completed', 'failed', 'cancelled'].includes(op.status);

/** `ktrdr-agent services` in its own process, from the sources (see servicesCommand.ts). */
export class ServicesProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(
      process.execPath,
      ['--require', TYPESCRIPT_LOADER, path.join(PROJECT_ROOT, 'test', 'support', 'servicesCommand.ts'), 'services', ...args],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child.stdout!.on('data', (d) => (this.stdout += d));
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** The API's address, once the command says where it listens; rejects if it exits first. */
  async url(): Promise<string> {
    for (;;) {
      const match = /Services on (http:\/\/\S+)\/api\/v1/.exec(this.stdout);
      if (match) return match[1];
      const exited = await Promise.race([this.exited.then(() => true), once(this.child.stdout!, 'data').then(() => false)]);
      if (exited) throw new Error(`the services command exited: ${this.stderr || this.stdout}`);
    }
  }

  async stop(signal: NodeJS.Signals): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}
