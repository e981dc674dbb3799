/**
 * Entry point of an operation's worker thread (started by jobThread.ts): runs the job in
 * workerData and posts its progress and outcome. The CPU-bound engine runs here so the
 * service's event loop stays free to answer requests.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../errors';
import { TrainingDiverged } from '../engine/neural';
import { CANCEL, JobSchema, type WorkerMessage } from './jobs';
import { runJob } from './runJob';

const port = parentPort;
if (!port) throw new Error('operationWorker runs as a worker thread, started by the services');

const post = (message: WorkerMessage) => port.postMessage(message);
const controller = new AbortController();
const onCancel = (message: unknown) => {
  if (message === CANCEL) controller.abort();
};
port.on('message', onCancel);
post({ type: 'started' });

runJob(JobSchema.parse(workerData), controller.signal, (progress) => post({ type: 'progress', progress }))
  .then(
    (result) => post({ type: 'completed', result }),
    (err: unknown) => {
      // Stopped by CANCEL: the service has ended the operation already.
      if (controller.signal.aborted) return;
      const error = err instanceof Error ? err : new Error(String(err));
      // These say what to fix in the strategy; anything else is a bug, whose stack belongs in the service log.
      const expected = error instanceof UserError || error instanceof TrainingDiverged;
      post({ type: 'failed', error: error.message, ...(!expected && error.stack && { stack: error.stack }) });
    },
  )
  // Listening keeps the thread alive: stop, so it exits once the last message is out.
  .finally(() => port.off('message', onCancel));
