/**
 * Early stopping: which validation metric it watches, how patient it is, and the best epoch so
 * far.
 */
export const MONITORS = ['val_loss', 'val_accuracy'] as const;
type Monitor = (typeof MONITORS)[number];

export interface EarlyStoppingConfig {
  enabled: boolean;
  patience: number;
  /** An epoch counts as an improvement only if it beats the best by more than this (Keras's rule). */
  minDelta: number;
  monitor: Monitor;
}

/**
 * Tracks the best epoch by the monitored metric and the epochs since. The best is only
 * replaced by an improvement of more than minDelta, so a slow drift of tiny gains neither
 * resets patience nor moves the restored weights (spec §8 #21: min_delta really applies).
 */
export class BestEpoch {
  best: number;
  bestEpoch = 0;
  sinceBest = 0;
  private readonly lowerIsBetter: boolean;

  constructor(private readonly config: EarlyStoppingConfig) {
    this.lowerIsBetter = config.monitor === 'val_loss';
    this.best = this.lowerIsBetter ? Infinity : -Infinity;
  }

  /** Records epoch `epoch` (1-based); true when it is the new best. */
  record(epoch: number, metrics: { valLoss: number; valAccuracy: number }): boolean {
    const value = this.lowerIsBetter ? metrics.valLoss : metrics.valAccuracy;
    const improved = this.bestEpoch === 0 || (this.lowerIsBetter ? value < this.best - this.config.minDelta : value > this.best + this.config.minDelta);
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.sinceBest = 0;
    } else {
      this.sinceBest++;
    }
    return improved;
  }

  get shouldStop(): boolean {
    return this.config.enabled && this.sinceBest >= this.config.patience;
  }
}
