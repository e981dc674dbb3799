/**
 * The training and backtest services inside a local command (`dev`, `start`), with their
 * operation records and log in the command's state folder (KTRDR_SERVICES_STATE_DIR moves
 * the records). A port taken since it was checked is still one line.
 */
import path from 'node:path';
import { UserError } from '../errors';
import type { Folders } from '../folders';
import { appendLog, startServices, type Services } from '../services/server';

export async function startLocalServices(port: number, host: string, stateDir: string, folders: Folders): Promise<Services> {
  try {
    return await startServices({
      host,
      port,
      strategiesDir: folders.strategies,
      dataDir: folders.marketData,
      modelsDir: folders.models,
      reportsDir: folders.reports,
      stateDir: process.env.KTRDR_SERVICES_STATE_DIR ?? path.join(stateDir, 'services'),
      log: appendLog(path.join(stateDir, 'services.log')),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UserError(`port ${port} is in use (the training/backtest services): stop what uses it, or pass --services-port`);
    }
    throw err;
  }
}
