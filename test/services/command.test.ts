import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ServicesClient } from '../../src/services/client';
import { SERVICE_STOPPED } from '../../src/services/operation';
import { freePort } from '../support/ports';
import { longTraining, ScratchFolders, ServicesProcess, waitFor } from '../support/services';

/**
 * `ktrdr-agent services` as a process: configuration from flags and environment, a crash
 * (SIGKILL) and a stop (SIGTERM) with a training running, and the next start reporting it.
 */
const folders = new ScratchFolders();
const started: ServicesProcess[] = [];

function services(args: string[], extraEnv: Record<string, string> = {}): ServicesProcess {
  const spawned = new ServicesProcess(args, { ...folders.servicesEnv(), ...extraEnv });
  started.push(spawned);
  return spawned;
}

beforeAll(() => {
  folders.strategy('rsi_adx_trend_filter', 'long_training', longTraining);
});
afterAll(async () => {
  await Promise.all(started.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => p.stop('SIGKILL')));
  folders.remove();
});

describe('configuration', () => {
  test('port, host and limit from the environment, flags first; a port or a state folder in use is refused', async () => {
    const fromEnv = services([], { KTRDR_SERVICES_PORT: '0', KTRDR_SERVICES_HOST: '127.0.0.1', KTRDR_MAX_OPERATIONS: '3', KTRDR_MAX_QUEUED: '7' });
    const url = await fromEnv.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await new ServicesClient(url).health()).toEqual({ status: 'ok', active_operations: 0, max_operations: 3, queued_operations: 0, max_queued: 7 });
    expect(fromEnv.stdout).toContain(`records in ${path.relative(process.cwd(), folders.stateDir)}`);
    expect(await fromEnv.stop('SIGINT')).toBe(0);
    expect(fromEnv.stdout).toContain('Stopped the services.');

    const port = await freePort();
    const fromFlags = services(['--port', String(port), '--max-operations', '1', '--max-queued', '0'], { KTRDR_SERVICES_PORT: '1', KTRDR_MAX_OPERATIONS: '3' });
    expect(await fromFlags.url()).toBe(`http://127.0.0.1:${port}`);
    expect(await new ServicesClient(await fromFlags.url()).health()).toMatchObject({ max_operations: 1, max_queued: 0 });

    const portTaken = services(['--port', String(port), '--state-dir', path.join(folders.root, 'other-state')]);
    expect(await portTaken.exited).toBe(1);
    expect(portTaken.stderr).toContain(`error: 127.0.0.1:${port} is in use: pick another port with --port or KTRDR_SERVICES_PORT.`);

    // Another port, the same records: refused before it touches them.
    const stateTaken = services(['--port', '0']);
    expect(await stateTaken.exited).toBe(1);
    expect(stateTaken.stderr).toContain(`error: another services process (pid ${fromFlags.child.pid}) keeps its operation records in ${folders.stateDir}`);
    await fromFlags.stop('SIGTERM');
  });

  test('without --state-dir or KTRDR_SERVICES_STATE_DIR, the records go to services/ in the state folder (KTRDR_STATE_DIR)', async () => {
    const state = path.join(folders.root, 'agent-state');
    const { KTRDR_SERVICES_STATE_DIR, ...env } = folders.servicesEnv();
    const spawned = new ServicesProcess(['--port', '0'], { ...env, KTRDR_STATE_DIR: state });
    started.push(spawned);
    // Its last line comes once it listens for SIGTERM.
    while (!spawned.stdout.includes('Ctrl+C stops them.')) await once(spawned.child.stdout!, 'data');
    expect(KTRDR_SERVICES_STATE_DIR).toBe(folders.stateDir);
    expect(spawned.stdout).toContain(`records in ${path.relative(process.cwd(), path.join(state, 'services'))}`);
    expect(fs.existsSync(path.join(state, 'services', 'services.pid'))).toBe(true);
    expect(await spawned.stop('SIGTERM')).toBe(0);
  });

  test('a bad value is refused with its reason, without a stack trace', async () => {
    const bad = services([], { KTRDR_MAX_OPERATIONS: 'two' });
    expect(await bad.exited).not.toBe(0);
    expect(bad.stderr).toContain("error: option '--max-operations <n>' value 'two' from env 'KTRDR_MAX_OPERATIONS' is invalid.");
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a training running when the process ends', () => {
  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    test(`${signal}: the next start reports it failed, with the reason`, async () => {
      const first = services(['--port', '0']);
      const client = new ServicesClient(await first.url());
      const { task_id: id } = await client.startTraining({ strategy_name: 'long_training', task_id: `${signal}-training` });
      await waitFor(client, id, (op) => op.progress.context.epoch_index !== undefined);
      expect(await first.stop(signal)).toBe(signal === 'SIGKILL' ? null : 0);

      const second = services(['--port', '0']);
      const after = await new ServicesClient(await second.url()).getOperation(id);
      expect(after).toMatchObject({ status: 'failed', error_code: 'service_stopped', error_message: SERVICE_STOPPED });
      expect(after.completed_at).not.toBeNull();
      await second.stop('SIGTERM');
    });
  }
});
