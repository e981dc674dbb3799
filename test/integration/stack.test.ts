import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { freePorts, portOpen } from '../support/ports';
import { alive, commandLine, descendants, kill, killTree, runCliWithin, scratchFolder, spawnCli, spawnCommand, type Spawned } from '../support/processes';
import { devServerEnv } from '../support/temporal';

/**
 * `start` and `dev` as a person or a supervisor runs them: they use only what they start
 * themselves, refuse a taken port or state folder before anything starts, and every child
 * ends with them, whichever pid the signal reaches.
 */
const spawned: Spawned[] = [];
/** Processes a failing test may have left behind after their parent went. */
const orphans: number[] = [];
afterEach(() => {
  for (const run of spawned.splice(0)) killTree(run.child.pid!);
  for (const pid of orphans.splice(0)) kill(pid, 'SIGKILL');
});

async function listening(): Promise<net.Server> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;

async function until(probe: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

describe('a port already in use is refused before anything starts', () => {
  let stranger: TestWorkflowEnvironment;
  beforeAll(async () => {
    stranger = await devServerEnv();
  });
  afterAll(async () => {
    await stranger?.teardown();
  });

  test.each(['start', 'dev'])("%s on the port of someone else's Temporal server refuses, and runs nothing there", async (command) => {
    const { env, db, folder } = scratchFolder(`ktrdr-${command}-stranger-`);
    const port = stranger.address.split(':').at(-1)!;
    const [uiPort, servicesPort] = await freePorts(2);
    const run = await runCliWithin(20_000, [command, '--port', port, '--ui-port', String(uiPort), '--services-port', String(servicesPort), '--db', db], env);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`error: port ${port} is in use (the Temporal frontend): stop what uses it, or pass --port`);
    expect(run.stdout).not.toContain('Stopped');
    expect(fs.readdirSync(folder).sort()).toEqual(['strategies']);
    const theirs = [];
    for await (const info of stranger.client.workflow.list()) theirs.push(info.workflowId);
    expect(theirs).toEqual([]);
  });

  test.each([
    ['start', '--ui-port', 'the Web UI'],
    ['dev', '--ui-port', 'the Web UI'],
    ['start', '--services-port', 'the training/backtest services'],
    ['dev', '--services-port', 'the training/backtest services'],
  ])('%s with %s taken names it in one line, and starts nothing', async (command, flag, what) => {
    const taken = await listening();
    try {
      const { env, db } = scratchFolder(`ktrdr-${command}-taken-`);
      const [port, uiPort, servicesPort] = await freePorts(3);
      const ports: Record<string, string> = {
        '--port': String(port),
        '--ui-port': String(uiPort),
        '--services-port': String(servicesPort),
        [flag]: String(portOf(taken)),
      };
      const run = await runCliWithin(20_000, [command, ...Object.entries(ports).flat(), '--db', db], env);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(`error: port ${portOf(taken)} is in use (${what}): stop what uses it, or pass ${flag}`);
      expect(run.stdout).not.toContain('Stopped');
      expect(await portOpen(Number(ports['--port']))).toBe(false);
    } finally {
      taken.close();
    }
  });

  test.each([
    ['start', '--port', 'abc'],
    ['start', '--ui-port', '99999'],
    ['start', '--services-port', '-1'],
    ['dev', '--port', '99999'],
    ['dev', '--ui-port', 'abc'],
    ['dev', '--services-port', '1.5'],
  ])('%s %s %s is refused at once', async (command, flag, value) => {
    const run = await runCliWithin(10_000, [command, flag, value]);
    expect(run.code).toBe(1);
    // 0 lets the services take any free port
    expect(run.stderr).toContain(`${flag} must be an integer from ${flag === '--services-port' ? 0 : 1} to 65535.`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });
});

describe('a state folder in use', () => {
  test('a second start or dev on the folder of a running dev is refused, and writes nothing there', async () => {
    const { env, db, folder } = scratchFolder('ktrdr-state-');
    const [port, uiPort] = await freePorts(2);
    const dev = spawnCli(['dev', '--no-worker', '--port', String(port), '--ui-port', String(uiPort), '--db', db], env);
    spawned.push(dev);
    await dev.until('Ctrl+C stops the server');
    // the running server's own database (and its SQLite journal) changes by itself; everything else must stay as it was
    const snapshot = () =>
      Object.fromEntries(
        fs
          .readdirSync(folder)
          .filter((f) => !f.startsWith('temporal.db'))
          .map((f) => [f, fs.statSync(path.join(folder, f)).isFile() ? fs.readFileSync(path.join(folder, f), 'utf8') : 'folder']),
      );
    const before = snapshot();

    for (const command of ['start', 'dev']) {
      const ports = await freePorts(3);
      const run = await runCliWithin(
        20_000,
        [command, '--port', String(ports[0]), '--ui-port', String(ports[1]), '--services-port', String(ports[2]), '--db', db],
        env,
      );
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(
        `error: ${folder} is in use by ktrdr-agent dev (pid ${dev.child.pid}): stop it, or pass --db with a file in another folder`,
      );
      expect(run.stdout).not.toContain('Stopped');
      for (const port of ports) expect(await portOpen(port)).toBe(false);
    }
    expect(snapshot()).toEqual(before);
  });
});

describe('stopping', () => {
  test('start --keep: Ctrl+C after the cycle has ended stops everything within 2 s, without talk of cancelling', async () => {
    const { env, db } = scratchFolder('ktrdr-keep-');
    const ports = await freePorts(3);
    const start = spawnCli(
      ['start', '--keep', '--port', String(ports[0]), '--ui-port', String(ports[1]), '--services-port', String(ports[2]), '--db', db],
      env,
    );
    spawned.push(start);
    await start.until('The stack stays up', 90_000);
    const before = start.output().length;
    const signalled = Date.now();
    start.child.kill('SIGINT');
    const code = await start.exited;
    const elapsed = Date.now() - signalled;
    console.log(`start --keep: Ctrl+C to exit in ${elapsed} ms`);
    expect(code).toBe(0);
    expect(elapsed).toBeLessThan(2_000);
    const tail = start.output().slice(before);
    expect(tail).not.toMatch(/cancel/i);
    expect(tail).toContain('Stopped the dev server, the services and the worker.');
    for (const port of ports) expect(await portOpen(port)).toBe(false);
  }, 120_000);

  test.each([
    ['npm run dev', 'npm', ['run', 'dev', '--']],
    ['npx ktrdr-agent dev', 'npx', ['ktrdr-agent', 'dev']],
  ])(
    'SIGTERM to the pid of `%s` stops the dev server, the services and the worker',
    async (_name, command, prefix) => {
      const { env, db } = scratchFolder('ktrdr-supervised-');
      const ports = await freePorts(3);
      const run = spawnCommand(
        command,
        [...prefix, '--port', String(ports[0]), '--ui-port', String(ports[1]), '--services-port', String(ports[2]), '--db', db],
        env,
      );
      spawned.push(run);
      await run.until('Worker polling');
      const children = descendants(run.child.pid!);
      orphans.push(...children);
      expect(children.map(commandLine).some((c) => c.includes('temporal server start-dev'))).toBe(true);

      const signalled = Date.now();
      run.child.kill('SIGTERM');
      await run.exited;
      const elapsed = await until(async () => !children.some(alive) && !(await Promise.all(ports.map(portOpen))).some(Boolean), 15_000);
      console.log(`${_name}: SIGTERM to every child gone in ${Date.now() - signalled} ms`);
      expect(elapsed).toBeLessThan(15_000);
    },
    120_000,
  );
});
