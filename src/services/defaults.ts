import path from 'node:path';
import { DATA_DIR } from '../paths';

/** The services' defaults: loopback, KTRDR's port, two operations at once and a hundred waiting, records under .data/. */
export const SERVICES_DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  maxOperations: 2,
  maxQueued: 100,
  /** KTRDR_SERVICES_STATE_DIR moves it: one services process per state folder (see stateLock.ts). */
  stateDir: process.env.KTRDR_SERVICES_STATE_DIR ? path.resolve(process.env.KTRDR_SERVICES_STATE_DIR) : path.join(DATA_DIR, 'services'),
  /** How long a cancelled job may take to stop by itself before its thread is terminated. */
  cancelGraceMs: 1000,
};
