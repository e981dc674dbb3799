import { EventEmitter, once } from 'node:events';
import type { ListOperationsFilter } from './api';
import { HttpError } from './httpError';
import type { Job, WorkerMessage } from './jobs';
import { JobThread } from './jobThread';
import { isActive, SERVICE_STOPPED, type EndedOperation, type OperationInfo, type OperationMetadata, type OperationType } from './operation';
import { newOperationId } from './operationId';
import type { OperationStore } from './operationStore';
import { cancelled, completed, failed, pending, progressed, running } from './transitions';

/** Seconds a client is told to wait (Retry-After) when every slot is taken. */
const RETRY_AFTER_SECONDS = 5;

export interface OperationsOptions {
  store: OperationStore;
  maxOperations: number;
  /** How long a cancelled job may take to stop by itself before its thread is terminated. */
  cancelGraceMs: number;
  /** Node options of the worker threads (the tests pass a TypeScript loader). */
  workerExecArgv?: string[];
  log: (line: string) => void;
}

/**
 * The operations of this service: records kept in memory and written through to the store,
 * one worker thread per running job, at most `maxOperations` threads at once.
 */
export class Operations {
  private readonly records = new Map<string, OperationInfo>();
  /** Threads still alive, those stopping after a cancel included: they hold a slot until they exit. */
  private readonly threads = new Map<string, JobThread>();
  /** Emits an operation's id when it ends, for the requests waiting on it (any number of them). */
  private readonly ends = new EventEmitter().setMaxListeners(0);

  constructor(private readonly options: OperationsOptions) {
    const records = options.store.load((file, reason) => options.log(`skipped ${file}: not an operation record (${reason})`));
    for (const op of records) {
      if (isActive(op)) {
        this.save(failed(op, 'service_stopped', SERVICE_STOPPED));
        options.log(`${op.operation_id}: marked failed, ${SERVICE_STOPPED}`);
      } else this.records.set(op.operation_id, op);
    }
  }

  get maxOperations(): number {
    return this.options.maxOperations;
  }

  get activeCount(): number {
    return this.threads.size;
  }

  get(id: string): OperationInfo | undefined {
    return this.records.get(id);
  }

  /** The record once the operation has ended, or as it is after `ms` if it has not (undefined: unknown). */
  async waitForEnd(id: string, ms: number): Promise<OperationInfo | undefined> {
    const op = this.records.get(id);
    if (op && isActive(op) && ms > 0) await once(this.ends, id, { signal: AbortSignal.timeout(ms) }).catch(() => undefined);
    return this.records.get(id);
  }

  findByTaskId(taskId: string): OperationInfo | undefined {
    for (const op of this.records.values()) if (op.metadata.task_id === taskId) return op;
    return undefined;
  }

  list(filter: ListOperationsFilter): { data: OperationInfo[]; total_count: number; active_count: number } {
    const matching = [...this.records.values()]
      .filter(
        (op) =>
          (!filter.status || op.status === filter.status) &&
          (!filter.operation_type || op.operation_type === filter.operation_type) &&
          (!filter.cycle_id || op.metadata.cycle_id === filter.cycle_id) &&
          (!filter.active_only || isActive(op)),
      )
      .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.operation_id.localeCompare(a.operation_id));
    return { data: matching.slice(0, filter.limit), total_count: matching.length, active_count: matching.filter(isActive).length };
  }

  /** Creates the record and starts the job's thread; 429 when every slot is taken. */
  start(type: OperationType, metadata: OperationMetadata, job: Job): OperationInfo {
    const { maxOperations } = this.options;
    if (this.threads.size >= maxOperations) {
      throw new HttpError(
        429,
        'too_many_operations',
        `${this.threads.size} operations are running and this service runs at most ${maxOperations} at once: retry when one has ended`,
        [],
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    }
    const op = this.save(pending(newOperationId(type), type, metadata));
    const id = op.operation_id;
    const thread = new JobThread(
      job,
      {
        onMessage: (message) => this.onMessage(id, message),
        onError: (err) => {
          this.options.log(`${id}: worker error: ${err.stack ?? err.message}`);
          this.end(id, (current) => failed(current, 'thread_crashed', `the operation's worker failed: ${err.message}`));
        },
        onExit: (code) => {
          this.threads.delete(id);
          this.end(id, (current) => failed(current, 'thread_crashed', `the operation's worker stopped unexpectedly (exit code ${code})`));
        },
      },
      this.options.workerExecArgv,
    );
    this.threads.set(id, thread);
    this.options.log(`${id}: started (${type} of ${metadata.strategy_name})`);
    return op;
  }

  /**
   * Marks the operation cancelled at once (messages its job posts from now on are ignored),
   * then resolves once its thread has exited: the job stops by its AbortSignal or, past the
   * grace period, by terminating the thread.
   */
  async cancel(id: string, reason: string): Promise<EndedOperation> {
    const op = this.records.get(id);
    if (!op) throw new HttpError(404, 'operation_not_found', `no operation ${id}`);
    if (!isActive(op)) throw new HttpError(400, 'operation_finished', `${id} has already ended (${op.status}): there is nothing to cancel`);
    const done = this.save(cancelled(op, reason));
    this.options.log(`${id}: cancelled (${reason})`);
    await this.stopThread(id);
    return done;
  }

  /** Marks what still runs as failed (the service is stopping) and stops every thread. */
  async close(): Promise<void> {
    for (const id of this.threads.keys()) this.end(id, (op) => failed(op, 'service_stopped', SERVICE_STOPPED));
    await Promise.all([...this.threads.keys()].map((id) => this.stopThread(id)));
  }

  private async stopThread(id: string): Promise<void> {
    const thread = this.threads.get(id);
    if (thread && (await thread.stop(this.options.cancelGraceMs))) {
      this.options.log(`${id}: its job did not stop within ${this.options.cancelGraceMs} ms: thread terminated`);
    }
  }

  private onMessage(id: string, message: WorkerMessage): void {
    switch (message.type) {
      case 'started':
        return this.advance(id, running);
      case 'progress':
        return this.advance(id, (op) => progressed(op, message.progress));
      case 'completed':
        return this.end(id, (op) => {
          try {
            return completed(op, message.result);
          } catch (err) {
            this.options.log(`${id}: result refused: ${(err as Error).message}`);
            return failed(op, 'job_failed', `the ${op.operation_type} finished without a valid result (see the service log)`);
          }
        });
      case 'failed':
        if (message.stack) this.options.log(`${id}: ${message.stack}`);
        return this.end(id, (op) => failed(op, 'job_failed', message.error));
    }
  }

  /** Applies a change to an operation still active; a finished one (cancelled meanwhile) stays as it is. */
  private advance(id: string, change: (op: OperationInfo) => OperationInfo): void {
    const op = this.records.get(id);
    if (op && isActive(op)) this.save(change(op));
  }

  private end(id: string, change: (op: OperationInfo) => OperationInfo): void {
    const op = this.records.get(id);
    if (!op || !isActive(op)) return;
    const done = this.save(change(op));
    this.options.log(`${id}: ${done.status}${done.error_message ? ` (${done.error_message})` : ''}`);
  }

  private save<T extends OperationInfo>(op: T): T {
    this.options.store.save(op);
    this.records.set(op.operation_id, op);
    if (!isActive(op)) this.ends.emit(op.operation_id);
    return op;
  }
}
