/** Progress of an operation from creation to its end, in KTRDR's shape (percentage, step, epoch context). */
import type { StrategyTrainingProgress } from '../research/training';
import type { OperationProgress, OperationType } from './operation';

export const WAITING: OperationProgress = { percentage: 0, current_step: 'Starting a worker thread', context: {} };

const FIRST_STEP: Record<OperationType, string> = {
  training: 'Loading data and building features',
  // The engine reports nothing until the whole backtest is done.
  backtesting: 'Backtesting the validation and holdout periods',
};

/** A start waiting for a slot, behind `ahead` others. */
export const queued = (ahead: number): OperationProgress => ({ percentage: 0, current_step: `queued: ${ahead} ahead`, context: { queued_ahead: ahead } });

export const started = (type: OperationType): OperationProgress => ({ percentage: 0, current_step: FIRST_STEP[type], context: {} });

/** Epochs may end early (early stopping): the percentage then jumps to 100 on completion. A resumed training counts on from its checkpoint. */
export function trainingProgress(p: StrategyTrainingProgress): OperationProgress {
  const done = (p.epoch - 1 + p.batch / p.totalBatches) / p.totalEpochs;
  return {
    percentage: Math.min(100, Math.max(0, done * 100)),
    current_step: `Epoch ${p.epoch}/${p.totalEpochs} · Batch ${p.batch}/${p.totalBatches}`,
    context: {
      epoch_index: p.epoch,
      total_epochs: p.totalEpochs,
      batch_index: p.batch,
      total_batches: p.totalBatches,
      train_loss: p.loss,
      ...(p.resumedFrom && { resumed_from: { operation_id: p.resumedFrom.operationId, epoch: p.resumedFrom.epoch, batch: p.resumedFrom.batch } }),
      ...(p.startedOver && { started_over: p.startedOver }),
    },
  };
}

export const finished = (last: OperationProgress): OperationProgress => ({ ...last, percentage: 100, current_step: 'Complete' });
