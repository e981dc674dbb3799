/**
 * The Temporal SDK's runtime for the commands that run workers (`worker`, `dev`, `start`): one log
 * level for the SDK and its native core, and a logger that tells a research outcome in one line.
 */
import { DefaultLogger, LogTimestamp, Runtime, type LogLevel, type LogMetadata, type Logger } from '@temporalio/worker';
import { UserError } from '../errors';

export const LOG_LEVELS: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

interface FailureLike {
  name?: string;
  message?: string;
  type?: string | null;
  stack?: string;
}

/**
 * A failure our own code raised on purpose — a gate that failed, an activity failure that
 * retrying cannot fix, a service still running — is an `ApplicationFailure`. A failed
 * workflow's error reaches the logger from the workflow's sandbox, where its class is not
 * this module's, so it is told by its name (or the first line of its stack).
 */
function researchOutcome(error: unknown): FailureLike | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const failure = error as FailureLike;
  const named = failure.name === 'ApplicationFailure' || failure.stack?.startsWith('ApplicationFailure:');
  return named ? failure : undefined;
}

const WHERE_KEYS = ['workflowId', 'activityType', 'attempt'] as const;

/**
 * The SDK's logger, except that a research outcome is one line (what failed, where, why)
 * rather than a 20-line stack trace through the SDK: in `dev` and `worker` a gate failure is
 * news, not a bug. Anything else — a bug — keeps its stack.
 */
export class ResearchLogger implements Logger {
  constructor(private readonly inner: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const outcome = researchOutcome(meta?.error);
    if (!outcome) {
      this.inner.log(level, message, meta);
      return;
    }
    const where = WHERE_KEYS.filter((k) => meta?.[k] !== undefined).map((k) => `${k}=${String(meta![k])}`);
    const type = outcome.type ? ` [${outcome.type}]` : '';
    const line = `${message}${where.length ? ` (${where.join(' ')})` : ''}: ${outcome.message ?? ''}${type}`;
    const timestamp: unknown = meta?.[LogTimestamp];
    this.inner.log(level, line, timestamp === undefined ? undefined : { [LogTimestamp]: timestamp });
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * One log level for the SDK's TypeScript side and its native core, whose logs are
 * forwarded to the same logger instead of going straight to stderr. By default Ctrl+C
 * and SIGTERM shut the workers down. With `metricsAddress` (host:port) the native core serves
 * the SDK's own metrics there for Prometheus, in seconds and with Prometheus's suffixes
 * (`temporal_workflow_completed_total`, `temporal_activity_execution_latency_seconds`).
 */
export function installRuntime(
  level: LogLevel,
  { shutdownOnSignals = true, metricsAddress }: { shutdownOnSignals?: boolean; metricsAddress?: string } = {},
): void {
  try {
    Runtime.install({
      // a command that stops its own children (and cancels its cycle) on a signal handles the signals itself
      ...(!shutdownOnSignals && { shutdownSignals: [] }),
      logger: new ResearchLogger(new DefaultLogger(level)),
      telemetryOptions: {
        logging: { filter: { core: level, other: level }, forward: {} },
        ...(metricsAddress && {
          metrics: { prometheus: { bindAddress: metricsAddress, countersTotalSuffix: true, unitSuffix: true, useSecondsForDurations: true } },
        }),
      },
    });
  } catch (err) {
    if (metricsAddress && /address already in use/i.test((err as Error).message)) {
      throw new UserError(`${metricsAddress} is in use (the Temporal SDK's metrics): stop what uses it, or set KTRDR_SDK_METRICS_PORT to another port`);
    }
    throw err;
  }
}
