/**
 * What `dev` and `start` run on this machine: a Temporal dev server and the training/backtest
 * services, started together on one state folder and stopped together.
 */
import path from 'node:path';
import { registerSearchAttributes } from '../client';
import type { Folders } from '../folders';
import { shownPath } from '../paths';
import type { Services } from '../services/server';
import { lockFolder } from '../services/stateLock';
import { startDevServer, type DevServer } from '../temporal/devServer';
import { startLocalServices } from './localServices';
import { assertPortsFree } from './ports';

export interface LocalStackOptions {
  /** The command that runs it (`dev`, `start`), named to whoever finds its state folder in use. */
  command: string;
  ip: string;
  port: number;
  uiPort: number;
  /** Undefined: no training/backtest services. */
  servicesPort?: number;
  /** SQLite history; its folder is this stack's state folder. */
  db: string;
  /** What the services read and write. */
  folders: Folders;
}

export interface LocalStack {
  server: DevServer;
  services?: Services;
  stateDir: string;
  /** Stops what it started, last first, and frees the state folder. */
  stop(): Promise<void>;
}

/**
 * The dev server and the services of `dev` and `start`. Everything that can refuse is
 * checked before anything starts: the state folder (the folder of the SQLite file, which
 * also holds temporal.log, services.log and the services' records) belongs to one process,
 * and every port must be free, so a server of someone else's is never used and nothing is
 * said to have started (or stopped) when nothing did.
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const db = path.resolve(opts.db);
  const stateDir = path.dirname(db);
  const unlock = lockFolder(
    stateDir,
    'ktrdr-agent',
    `ktrdr-agent ${opts.command}`,
    (owner) =>
      `${shownPath(stateDir)} is in use by ${owner.label || 'another ktrdr-agent'} (pid ${owner.pid}): stop it, or pass --db with a file in another folder`,
  );
  const stops: (() => void | Promise<void>)[] = [unlock];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) {
      try {
        await step();
      } catch {
        // a step that fails keeps none of the others from running
      }
    }
  };
  try {
    await assertPortsFree(opts.ip, [
      { port: opts.port, what: 'the Temporal frontend', flag: '--port' },
      { port: opts.uiPort, what: 'the Web UI', flag: '--ui-port' },
      ...(opts.servicesPort === undefined ? [] : [{ port: opts.servicesPort, what: 'the training/backtest services', flag: '--services-port' }]),
    ]);
    const services = opts.servicesPort === undefined ? undefined : await startLocalServices(opts.servicesPort, opts.ip, stateDir, opts.folders);
    if (services) stops.push(() => services.close());
    const server = await startDevServer({ ip: opts.ip, port: opts.port, uiPort: opts.uiPort, dbFile: db, logFile: path.join(stateDir, 'temporal.log') });
    stops.push(() => server.stop());
    await registerSearchAttributes({ address: server.address, namespace: 'default' });
    return { server, services, stateDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
