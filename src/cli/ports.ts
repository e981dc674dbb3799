/** The ports a command is about to listen on, checked before anything starts. */
import net from 'node:net';
import { UserError } from '../errors';

/** A port a command is about to listen on: what for, and the flag that changes it. */
export interface PortUse {
  port: number;
  what: string;
  flag: string;
}

/**
 * Checks that every port is free on `host` before anything is started, so that a taken port
 * is one line naming it and its flag, and a server already listening there (someone else's
 * Temporal, say) is never mistaken for the one this command starts. Port 0 means any.
 */
export async function assertPortsFree(host: string, uses: PortUse[]): Promise<void> {
  for (const use of uses) {
    if (use.port === 0) continue;
    const code = await tryListen(host, use.port);
    if (code === 'EADDRINUSE') throw new UserError(`port ${use.port} is in use (${use.what}): stop what uses it, or pass ${use.flag}`);
    if (code === 'EACCES') throw new UserError(`port ${use.port} (${use.what}) needs privileges: pass ${use.flag} with a port above 1023`);
    if (code === 'EADDRNOTAVAIL') throw new UserError(`${host} is not an address of this machine: pass --ip with one of its addresses`);
    if (code) throw new UserError(`cannot listen on ${host}:${use.port} (${use.what}): ${code}`);
  }
}

function tryListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
