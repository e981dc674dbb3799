import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

export const LOG_LEVELS: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

/**
 * One log level for the SDK's TypeScript side and its native core, whose logs are
 * forwarded to the same logger instead of going straight to stderr.
 */
export function installRuntime(level: LogLevel): void {
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
}
