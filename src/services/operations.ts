/**
 * The service's operations: their records, their worker threads, and the queue of starts waiting
 * for a slot.
 */
import { EventEmitter, once } from 'node:events';
import type { ListOperationsFilter } from './api';
import type { Checkpoints } from './checkpoints';
import { HttpError } from './httpError';
import type { Job, WorkerMessage } from './jobs';
import { JobThread } from './jobThread';
import { isActive, SERVICE_STOPPED, type EndedOperation, type OperationInfo, type OperationMetadata, type OperationType } from './operation';
import { newOperationId } from './operationId';
import { OperationSpans } from './operationSpans';
import type { OperationStore } from './operationStore';
import { queued } from './progress';
import { cancelled, completed, failed, pending, progressed, running } from './transitions';

/** Seconds a client is told to wait (Retry-After) when every slot and every place in the queue is taken. */
const RETRY_AFTER_SECONDS = 5;

export interface OperationsOptions {
  store: OperationStore;
  checkpoints: Checkpoints;
  maxOperations: number;
  /** Starts that may wait for a slot; beyond them a start is refused (429). */
  maxQueued: number;
  /** How long a cancelled job may take to stop by itself before its thread is terminated. */
  cancelGraceMs: number;
  /** Node options of the worker threads (the tests pass a TypeScript loader). */
  workerExecArgv?: string[];
  log: (line: string) => void;
  /** Told of each operation as it ends (not of those found ended, or marked so, at start-up): the service's metrics. */
  onEnded?: (op: OperationInfo) => void;
}

/**
 * The operations of this service: records kept in memory and written through to the store,
 * one worker thread per running job, at most `maxOperations` threads at once; starts beyond
 * that wait in a queue (status pending) and take the slots first in, first out as they free.
 */
export class Operations {
  private readonly records = new Map<string, OperationInfo>();
  /** Threads still alive, those stopping after a cancel included: they hold a slot until they exit. */
  private readonly threads = new Map<string, JobThread>();
  /** Starts waiting for a slot, oldest first. */
  private readonly queue: { id: string; job: Job }[] = [];
  private closing = false;
  private readonly spans = new OperationSpans();
  /**
   * Emits an operation's id once it has ended and its thread has exited, for the requests waiting
   * on it (any number of them): a client that starts its next operation on the news finds the
   * slot free, instead of queued behind a thread that is still exiting.
   */
  private readonly ends = new EventEmitter().setMaxListeners(0);

  constructor(private readonly options: OperationsOptions) {
    const records = options.store.load((file, reason) => options.log(`skipped ${file}: not an operation record (${reason})`));
    for (const op of records) {
      if (isActive(op)) {
        this.save(failed(op, 'service_stopped', SERVICE_STOPPED));
        options.log(`${op.operation_id}: marked failed, ${SERVICE_STOPPED}`);
      } else this.records.set(op.operation_id, op);
    }
    options.checkpoints.sweep((id) => this.records.get(id));
  }

  get maxOperations(): number {
    return this.options.maxOperations;
  }

  get activeCount(): number {
    return this.threads.size;
  }

  get maxQueued(): number {
    return this.options.maxQueued;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  get(id: string): OperationInfo | undefined {
    return this.records.get(id);
  }

  /** The record once the operation has ended and given its slot back, or as it is after `ms` if not (undefined: unknown). */
  async waitForEnd(id: string, ms: number): Promise<OperationInfo | undefined> {
    const op = this.records.get(id);
    if (op && (isActive(op) || this.threads.has(id)) && ms > 0) await once(this.ends, id, { signal: AbortSignal.timeout(ms) }).catch(() => undefined);
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

  /**
   * Creates the record and starts the job's thread, or queues it when every slot is taken;
   * 429 when the queue is full too.
   */
  start(type: OperationType, metadata: OperationMetadata, job: Job): OperationInfo {
    const { maxOperations, maxQueued } = this.options;
    if (this.closing)
      throw new HttpError(503, 'stopping', 'the service is stopping: retry once it is back', [], { 'retry-after': String(RETRY_AFTER_SECONDS) });
    const free = this.threads.size < maxOperations && this.queue.length === 0;
    if (!free && this.queue.length >= maxQueued) {
      throw new HttpError(
        429,
        'too_many_operations',
        `${this.threads.size} operations are running (at most ${maxOperations} at once) and ${this.queue.length} are queued (at most ${maxQueued}): retry when one has ended`,
        [],
        { 'retry-after': String(RETRY_AFTER_SECONDS) },
      );
    }
    const op = this.save(pending(newOperationId(type), type, metadata));
    this.spans.started(op);
    const withCheckpoint = job.type === 'training' ? { ...job, checkpoint: this.checkpointOf(op.operation_id, metadata.resume_from) } : job;
    if (free) {
      this.launch(op.operation_id, withCheckpoint);
      return op;
    }
    this.queue.push({ id: op.operation_id, job: withCheckpoint });
    this.options.log(`${op.operation_id}: queued (${type} of ${metadata.strategy_name}), ${this.queue.length - 1} ahead`);
    return this.save(progressed(op, queued(this.queue.length - 1)));
  }

  /**
   * The checkpoint file of a new training; when it resumes from an earlier training, that
   * one's checkpoint becomes its own at once, so that it passes on to whoever resumes from
   * this one should it stop before its first checkpoint.
   */
  private checkpointOf(id: string, resumeFrom: string | undefined) {
    const { checkpoints } = this.options;
    if (resumeFrom && this.records.get(resumeFrom)?.operation_type === 'training') checkpoints.handOver(resumeFrom, id);
    return { file: checkpoints.file(id), ...(resumeFrom && { resumeFrom }) };
  }

  private launch(id: string, job: Job): void {
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
          const ended = !isActive(this.records.get(id)!);
          // an operation that ended before its thread exited is announced now, its slot free
          if (ended) this.ends.emit(id);
          this.end(id, (current) =>
            this.closing
              ? failed(current, 'service_stopped', SERVICE_STOPPED)
              : failed(current, 'thread_crashed', `the operation's worker stopped unexpectedly (exit code ${code})`),
          );
          // Only now: the thread may have written a checkpoint until its last moment.
          this.options.checkpoints.release(this.records.get(id)!);
          this.startQueued();
        },
      },
      this.options.workerExecArgv,
    );
    this.threads.set(id, thread);
    const op = this.records.get(id)!;
    this.options.log(`${id}: started (${op.operation_type} of ${op.metadata.strategy_name})`);
  }

  /** Gives the free slots to the oldest queued starts, and tells the others their new place. */
  private startQueued(): void {
    if (this.closing) return;
    let moved = false;
    while (this.threads.size < this.options.maxOperations && this.queue.length > 0) {
      const next = this.queue.shift()!;
      this.launch(next.id, next.job);
      moved = true;
    }
    if (moved) this.renumberQueue();
  }

  private renumberQueue(): void {
    this.queue.forEach(({ id }, ahead) => this.advance(id, (op) => progressed(op, queued(ahead))));
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
    const place = this.queue.findIndex((queuedStart) => queuedStart.id === id);
    if (place >= 0) {
      this.queue.splice(place, 1);
      this.renumberQueue();
      this.options.checkpoints.release(done);
    }
    await this.stopThread(id);
    return done;
  }

  /**
   * Fails what waits in the queue and stops every thread; an operation whose thread exits
   * without having ended is marked service_stopped then, so that a job finishing while it is
   * asked to stop keeps its result.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const { id } of this.queue.splice(0)) this.end(id, (op) => failed(op, 'service_stopped', SERVICE_STOPPED));
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
    const before = this.records.get(op.operation_id);
    this.options.store.save(op);
    this.spans.saved(op);
    this.records.set(op.operation_id, op);
    if (before && isActive(before) && !isActive(op)) this.options.onEnded?.(op);
    if (!isActive(op) && !this.threads.has(op.operation_id)) this.ends.emit(op.operation_id);
    return op;
  }
}
