import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

export const LOG_LEVELS: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * One log level for the SDK's TypeScript side and its native core, whose logs are
 * forwarded to the same logger instead of going straight to stderr. By default Ctrl+C
 * and SIGTERM shut the workers down.
 */
export function installRuntime(level: LogLevel, { shutdownOnSignals = true } = {}): void {
  Runtime.install({
    // a command that must cancel its cycle on Ctrl+C before the worker stops handles the signals itself
    ...(!shutdownOnSignals && { shutdownSignals: [] }),
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
}
