/** Long commands run by hand (train, a walk-forward) under a progress bar, stopped cleanly by Ctrl+C. */
import { SingleBar, Presets } from 'cli-progress';
import { TrainingCancelled } from '../engine/neural';
import { UserError } from '../errors';

/** Runs a cancellable job with a progress bar; Ctrl+C aborts it cleanly instead of killing the process. */
export async function withCancel<T>(job: (signal: AbortSignal, bar: SingleBar) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const bar = new SingleBar({ format: '  {bar} {step}', hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  bar.start(1, 0, { step: 'preparing' });
  try {
    return await job(controller.signal, bar);
  } catch (err) {
    // a job stopped between epochs says TrainingCancelled; between other steps it throws the signal's reason
    if (err instanceof TrainingCancelled || controller.signal.aborted) throw new UserError('stopped (Ctrl+C): nothing was saved', 130);
    throw err;
  } finally {
    bar.stop();
    process.removeListener('SIGINT', onSigint);
  }
}
