import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * `count` distinct free ports: each listener stays open until all are picked, since the OS may hand
 * a port just closed to the next caller (a dev server once got one port for HTTP and metrics).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => net.createServer().unref());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Whether something listens on the port (used to check that a stopped server is gone). */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A scratch place for a local stack (`start`, `dev`) as a user runs it: its own ports, history file
 * and project folders (`env`), so that runs side by side never meet.
 */
export async function scratchStack(prefix: string) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const [port, uiPort, servicesPort] = await freePorts(3);
  return {
    folder,
    port,
    uiPort,
    servicesPort,
    env: {
      KTRDR_STRATEGIES_DIR: path.join(folder, 'strategies'),
      KTRDR_MODELS_DIR: path.join(folder, 'models'),
      KTRDR_REPORTS_DIR: path.join(folder, 'reports'),
      KTRDR_SERVICES_STATE_DIR: path.join(folder, 'services'),
      KTRDR_TRANSCRIPTS_DIR: path.join(folder, 'transcripts'),
    },
    flags: ['--port', String(port), '--ui-port', String(uiPort), '--services-port', String(servicesPort), '--db', path.join(folder, 'temporal.db')],
  };
}
