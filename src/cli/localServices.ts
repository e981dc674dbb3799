import path from 'node:path';
import { UserError } from '../errors';
import { DATA_DIR } from '../paths';
import { appendLog, startServices, type Services } from '../services/server';

/**
 * The training and backtest services inside a local command (`dev`, `start`), logging to
 * .data/services.log. A port already taken is the user's to change, said in one line.
 */
export async function startLocalServices(port: number, host?: string): Promise<Services> {
  try {
    return await startServices({ host, port, log: appendLog(path.join(DATA_DIR, 'services.log')) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserError(`port ${port} is in use (the training/backtest services): stop what uses it, or pass --services-port`);
    }
    throw err;
  }
}
