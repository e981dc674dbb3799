/** The services' defaults: loopback, KTRDR's port, two operations at once and a hundred waiting. */
export const SERVICES_DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  maxOperations: 2,
  maxQueued: 100,
  /** How long a cancelled job may take to stop by itself before its thread is terminated. */
  cancelGraceMs: 1000,
};
