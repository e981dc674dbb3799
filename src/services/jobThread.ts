/** One job in its own worker thread (operationWorker.ts), and what the service hears from it. */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CANCEL, WorkerMessageSchema, type Job, type WorkerMessage } from './jobs';

// Beside this file, with its extension: operationWorker.js once built, .ts when the sources
// run directly (the tests), where the thread needs a TypeScript loader in `execArgv`.
const WORKER_FILE = path.join(__dirname, `operationWorker${path.extname(__filename)}`);

export interface JobEvents {
  onMessage(message: WorkerMessage): void;
  /** The thread died of an uncaught error (or could not start). */
  onError(error: Error): void;
  onExit(exitCode: number): void;
}

/** One job in its own worker thread, from start to exit. */
export class JobThread {
  /** Resolves once the thread has exited, whatever the reason. */
  readonly exited: Promise<void>;
  private readonly worker: Worker;

  constructor(job: Job, events: JobEvents, execArgv?: string[]) {
    this.worker = new Worker(WORKER_FILE, { workerData: job, ...(execArgv && { execArgv }) });
    this.worker.on('message', (raw: unknown) => {
      const message = WorkerMessageSchema.safeParse(raw);
      if (message.success) events.onMessage(message.data);
      else events.onError(new Error(`the worker posted a message this service does not know: ${message.error.message}`));
    });
    this.worker.on('error', (err) => events.onError(err));
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        events.onExit(code);
        resolve();
      }),
    );
  }

  /**
   * Asks the job to stop (its AbortSignal fires; training and backtest check it between steps) and
   * terminates the thread if it has not exited after `graceMs`, so stopping always ends.
   * Resolves once the thread has exited: true when it had to be terminated.
   */
  async stop(graceMs: number): Promise<boolean> {
    this.worker.postMessage(CANCEL);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
    const terminated = (await Promise.race([this.exited, deadline])) === 'late';
    clearTimeout(timer);
    if (terminated) await this.worker.terminate();
    await this.exited;
    return terminated;
  }
}
