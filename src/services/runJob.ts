/**
 * Runs a job with the engine, in the calling thread. Once `signal` aborts, a training stops
 * at its next batch (after saving a checkpoint) and a backtest between two of its steps
 * (each chunk of 256 predicted bars, each period, each report), both within milliseconds.
 */
import { backtestStrategy } from '../research/backtesting';
import { recordHoldoutLook } from '../research/holdoutLooks';
import { trainStrategy } from '../research/training';
import { summarizeBacktest } from './backtestSummary';
import type { Job } from './jobs';
import type { OperationProgress } from './operation';
import { trainingProgress } from './progress';

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
    signal,
  });
  recordHoldoutLook(run.strategy, { why: 'backtest', by: job.lookedAtBy }, job.reportsDir);
  return summarizeBacktest(run);
}
