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

/** Starts the official `temporal server start-dev` and waits until it answers. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const binary = resolveBinary('cli');
  fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = fs.openSync(opts.logFile, 'a');
  const args = [
    'server', 'start-dev',
    '--ip', opts.ip,
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--db-filename', opts.dbFile,
    '--ui-disable-news-fetch',
    '--log-level', 'warn',
    ...SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);

  const address = `${opts.ip}:${opts.port}`;
  const died = exited(child).then((code) => code);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const outcome = await Promise.race([
      Connection.connect({ address, connectTimeout: '1 second' }).then(
        async (c) => {
          await c.close();
          return 'ready' as const;
        },
        () => 'retry' as const,
      ),
      died.then(() => 'died' as const),
    ]);
    if (outcome === 'ready') break;
    const tail = () => fs.readFileSync(opts.logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    if (outcome === 'died') {
      throw new UserError(
        `The Temporal dev server stopped at start (is port ${opts.port} or ${opts.uiPort} already in use? try --port/--ui-port). Its last lines, from ${opts.logFile}:\n${tail()}`,
      );
    }
    if (Date.now() > deadline) {
      await stopProcess(child);
      throw new UserError(`The Temporal dev server did not answer on ${address} within 30 s. See ${opts.logFile}:\n${tail()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
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
