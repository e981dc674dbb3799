/**
 * The official Temporal dev server as a child process of `dev` and `start`: started, awaited until
 * it answers, and stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { UserError } from '../errors';
import { resolveBinary } from './binaries';
import { SEARCH_ATTRIBUTES } from './definitions';

export interface DevServerOptions {
  ip: string;
  port: number;
  uiPort: number;
  /** SQLite file: the cycles' history survives a restart of the server. */
  dbFile: string;
  logFile: string;
}

export interface DevServer {
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

/**
 * How every dev server of the project runs (`dev`, `start`, the tests, the benchmarks), tuned
 * for a research cycle's many small writes. Measured with bench/loop.ts (README, "The loop"):
 *
 * - SQLite with a write-ahead log and `synchronous=normal`: a commit appends to the log instead
 *   of writing, syncing and deleting a rollback journal (SQLite's default, which the dev server
 *   keeps). It survives the server being killed (the fault tests kill it); only a power cut or
 *   a crash of the machine may lose the last commits.
 * - The dev server has one history shard, and a shard's transfer-queue reader loads new tasks
 *   at most 20 times a second by default: each workflow task, child start and parent
 *   notification waited ≈ 28 ms for the next load. A cluster spreads workflows over hundreds of
 *   shards; here the limit only makes a cycle wait.
 */
export const DEV_SERVER_TUNING = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
  '--dynamic-config-value',
  'history.transferProcessorMaxPollRPS=1000',
] as const;

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited(child);
  clearTimeout(killer);
}

/** What the log gained since `offset`: this server's own lines, not an earlier run's. */
function logSince(file: string, offset: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Starts the official `temporal server start-dev` and waits until it answers. Ready means
 * that this child answers: the CLI prints `Temporal Server: <host>:<port>` once its frontend
 * listens (a child that could not take the port exits instead), and only then is the port
 * asked — so another server already on that port is never taken for ours. The caller checks
 * beforehand that the ports are free, to say so in one line before anything starts.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const binary = resolveBinary('cli');
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const offset = fs.fstatSync(log).size;
  const args = [
    'server',
    'start-dev',
    '--ip',
    opts.ip,
    '--port',
    String(opts.port),
    '--ui-port',
    String(opts.uiPort),
    '--db-filename',
    opts.dbFile,
    '--ui-disable-news-fetch',
    '--log-level',
    'warn',
    ...DEV_SERVER_TUNING,
    ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);

  const address = `${opts.ip}:${opts.port}`;
  const listening = new RegExp(`Server:\\s+\\S+:${opts.port}\\b`);
  const tail = () => logSince(opts.logFile, offset).trim().split('\n').slice(-5).join('\n');
  const died = exited(child);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const outcome = listening.test(logSince(opts.logFile, offset))
      ? await Promise.race([
          Connection.connect({ address, connectTimeout: '1 second' }).then(
            async (c) => {
              await c.close();
              return 'ready' as const;
            },
            () => 'retry' as const,
          ),
          died.then(() => 'died' as const),
        ])
      : await Promise.race([new Promise<'retry'>((r) => setTimeout(() => r('retry'), 100)), died.then(() => 'died' as const)]);
    if (outcome === 'ready') break;
    if (outcome === 'died') {
      process.removeListener('exit', stopOnExit);
      throw new UserError(`The Temporal dev server stopped at start. Its last lines, from ${opts.logFile}:\n${tail()}`);
    }
    if (Date.now() > deadline) {
      process.removeListener('exit', stopOnExit);
      await stopProcess(child);
      throw new UserError(`The Temporal dev server did not answer on ${address} within ${START_TIMEOUT_MS / 1000} s. See ${opts.logFile}:\n${tail()}`);
    }
  }
  return {
    address,
    uiUrl: `http://${opts.ip === '0.0.0.0' ? 'localhost' : opts.ip}:${opts.uiPort}`,
    async stop() {
      process.removeListener('exit', stopOnExit);
      await stopProcess(child);
    },
  };
}
