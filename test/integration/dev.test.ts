import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { ktrdrAgent } from '../support/cli';
import { freePort, freePorts, portOpen } from '../support/ports';
import { commandLine, descendants, killTree, spawnCli, type Spawned } from '../support/processes';

/** `ktrdr-agent dev` as a user runs it, until it says the worker polls (or, with --no-worker, that it is up). */
async function startDev(port: number, uiPort: number | undefined, servicesPort: number, db: string, ...extra: string[]): Promise<Spawned> {
  const args = [
    'dev',
    '--port',
    String(port),
    ...(uiPort === undefined ? [] : ['--ui-port', String(uiPort)]),
    '--services-port',
    String(servicesPort),
    '--db',
    db,
    ...extra,
  ];
  const ready = extra.includes('--no-worker') ? 'Ctrl+C stops the server' : 'Worker polling';
  const folders = path.dirname(db);
  // what the cycle designs, trains and reports stays in the test's own folder
  const dev = spawnCli(args, {
    KTRDR_STRATEGIES_DIR: path.join(folders, 'strategies'),
    KTRDR_MODELS_DIR: path.join(folders, 'models'),
    KTRDR_REPORTS_DIR: path.join(folders, 'reports'),
    KTRDR_SERVICES_STATE_DIR: path.join(folders, 'services'),
  });
  await dev.until(ready);
  return dev;
}

/** A free port whose port + 1000 is free too: where the dev server puts its Web UI by default. */
async function portWithUiAbove(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 1000 <= 65_535 && !(await portOpen(port + 1000))) return port;
  }
}

let running: Spawned | undefined;
afterEach(() => {
  // a test that failed half-way must not leave its dev server behind
  if (running) killTree(running.child.pid!);
  running = undefined;
});

test('dev serves the Web UI, the services and a worker that runs a whole cycle, stops everything on Ctrl+C, and keeps history across restarts', async () => {
  const [port, servicesPort] = [await portWithUiAbove(), await freePort()];
  const uiPort = port + 1000;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-dev-'));
  fs.mkdirSync(path.join(folder, 'strategies'));
  const db = path.join(folder, 'temporal.db');
  const address = `127.0.0.1:${port}`;

  // no --ui-port: the Web UI goes where the Temporal CLI's convention puts it, and where trigger looks for it
  running = await startDev(port, undefined, servicesPort, db);
  expect(running.output()).toContain(`Web UI: http://127.0.0.1:${uiPort}/namespaces/default/workflows`);
  const settings = await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`);
  expect(settings.ok).toBe(true);

  // The worker of `dev` runs the cycle: offline design, training and backtest on the services, assessment.
  const trigger = await ktrdrAgent(address, 'trigger', '--brief', 'survives restarts', '--bypass-gates', '--wait');
  const id = /Research cycle started: (\S+)/.exec(trigger.stdout)?.[1];
  expect(id).toBeDefined();
  expect(trigger.stdout).toContain(`Web UI: http://127.0.0.1:${uiPort}/namespaces/default/workflows/${id}`);
  expect((await fetch(`http://127.0.0.1:${uiPort}/namespaces/default/workflows/${id}`)).ok).toBe(true);
  expect(trigger.stdout).toMatch(/Status\s+COMPLETED · phase completed/);
  const strategy = /Strategy\s+(\S+)/.exec(trigger.stdout)![1];
  expect(fs.existsSync(path.join(folder, 'strategies', 'designed', `${strategy}.yaml`))).toBe(true);
  expect(fs.existsSync(path.join(folder, 'strategies', 'designed', strategy, 'assessment.json'))).toBe(true);

  // A failed gate is a research outcome: one line in dev's log, not a stack trace.
  const gated = await ktrdrAgent(address, 'trigger', '--brief', 'a gate fails', '--gate', 'training.minAccuracy=0.99', '--wait');
  expect(gated.code).toBe(1);
  const gatedId = /Research cycle started: (\S+)/.exec(gated.stdout)![1];
  await new Promise((r) => setTimeout(r, 500));
  const failureLines = running
    .output()
    .split('\n')
    .filter((l) => l.includes('Training gate failed'));
  expect(failureLines).toEqual([
    expect.stringMatching(
      new RegExp(`\\[WARN\\] Workflow failed \\(workflowId=${gatedId}\\): Training gate failed: .*accuracy_below_threshold \\(accuracy [\\d.]+% < 99%\\)`),
    ),
  ]);
  expect(running.output()).not.toMatch(/\n\s+at /);

  running.child.kill('SIGINT');
  expect(await running.exited).toBe(0);
  expect(running.output()).toContain('Stopped the dev server, the services and the worker.');
  expect(await portOpen(port)).toBe(false);
  expect(await portOpen(uiPort)).toBe(false);
  expect(await portOpen(servicesPort)).toBe(false);

  running = await startDev(port, undefined, servicesPort, db);
  const list = await ktrdrAgent(address, 'list');
  expect(list.stdout).toMatch(new RegExp(`${id}\\s+COMPLETED\\s+completed\\s+${strategy}`));
  running.child.kill('SIGTERM');
  expect(await running.exited).toBe(0);
  expect(await portOpen(port)).toBe(false);
}, 120_000);

/** SQLite's journal mode as its file header records it (bytes 18 and 19: 1 rollback journal, 2 write-ahead log). */
function journalMode(db: string): 'rollback' | 'wal' {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(db, 'r');
  fs.readSync(fd, header, 0, 20, 0);
  fs.closeSync(fd);
  return header[18] === 2 && header[19] === 2 ? 'wal' : 'rollback';
}

test('dev --no-worker serves only the server, and Ctrl+C ends the process', async () => {
  const [port, uiPort, servicesPort] = await freePorts(3);
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-dev-'));
  const db = path.join(folder, 'temporal.db');
  running = await startDev(port, uiPort, servicesPort, db, '--no-worker');
  expect(await portOpen(port)).toBe(true);
  expect(await portOpen(servicesPort)).toBe(false);
  // tuned for a cycle's many small writes: a write-ahead log, and its one history shard's tasks dispatched as they come
  expect(journalMode(db)).toBe('wal');
  const server = descendants(running.child.pid!)
    .map(commandLine)
    .find((c) => c.includes('temporal server start-dev'));
  expect(server).toContain('history.transferProcessorMaxPollRPS=');
  running.child.kill('SIGINT');
  const timeout = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 15_000));
  expect(await Promise.race([running.exited, timeout])).toBe(0);
  expect(running.output()).toContain('Stopped the dev server.');
  expect(await portOpen(port)).toBe(false);
}, 60_000);

test('dev with the services port taken says so in one line, before starting anything', async () => {
  const [port, uiPort] = await freePorts(2);
  const taken = net.createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const servicesPort = (taken.address() as net.AddressInfo).port;
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-dev-'));
  try {
    const run = await ktrdrAgent(
      `127.0.0.1:${port}`,
      'dev',
      '--port',
      String(port),
      '--ui-port',
      String(uiPort),
      '--services-port',
      String(servicesPort),
      '--db',
      path.join(folder, 'temporal.db'),
    );
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(`error: port ${servicesPort} is in use (the training/backtest services): stop what uses it, or pass --services-port`);
    expect(run.stdout).not.toContain('Stopped');
    expect(fs.existsSync(path.join(folder, 'temporal.log'))).toBe(false);
    expect(await portOpen(port)).toBe(false);
  } finally {
    taken.close();
  }
}, 60_000);
