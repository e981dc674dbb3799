/**
 * Long synchronous computations written as generators that yield between their steps (a chunk
 * of rows, a phase), so that one body serves both a plain call, run straight through, and a
 * stoppable one, which gives the event loop a turn between steps — where an abort sent from
 * another thread is delivered — and stops once its signal has fired.
 */
import { performance } from 'node:perf_hooks';

export type Steps<T> = Generator<void, T, void>;

export function runThrough<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Yields to the event loop at most this often: a setImmediate costs microseconds, a step far more. */
const YIELD_INTERVAL_MS = 20;

/**
 * A check to await between steps: gives the event loop a turn when YIELD_INTERVAL_MS has
 * passed since the last, and throws the signal's reason once it has aborted. Without a
 * signal it only costs an await.
 */
export function abortCheck(signal?: AbortSignal): () => Promise<void> {
  let lastYield = performance.now();
  return async () => {
    if (!signal) return;
    if (performance.now() - lastYield >= YIELD_INTERVAL_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
    signal.throwIfAborted();
  };
}

export async function runChecked<T>(steps: Steps<T>, check: () => Promise<void>): Promise<T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await check();
  }
}
