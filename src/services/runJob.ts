import { backtestStrategy } from '../engine/backtesting';
import { trainStrategy } from '../engine/training';
import { summarizeBacktest } from './backtestSummary';
import type { Job } from './jobs';
import type { OperationProgress } from './operation';
import { trainingProgress } from './progress';

/**
 * Runs a job with the engine, in the calling thread. Training stops at the next batch once
 * `signal` aborts; the backtest has no stopping point (it takes well under a second), so a
 * cancelled backtest is stopped by terminating its thread.
 */
export async function runJob(job: Job, signal: AbortSignal, onProgress: (progress: OperationProgress) => void): Promise<unknown> {
  if (job.type === 'training') {
    return trainStrategy(job.strategyPath, {
      dataDir: job.dataDir,
      modelsDir: job.modelsDir,
      signal,
      checkpoint: job.checkpoint,
      onProgress: (p) => onProgress(trainingProgress(p)),
    });
  }
  const run = await backtestStrategy(job.strategyPath, {
    dataDir: job.dataDir,
    modelsDir: job.modelsDir,
    reportsDir: job.reportsDir,
    modelPath: job.modelPath,
  });
  return summarizeBacktest(run);
}
