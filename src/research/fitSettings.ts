/**
 * How a strategy's network is made and trained, from its `model` section: the training command
 * and each walk-forward fold build and fit it the same way (same seed, same optimiser, same
 * early stopping), so a fold's model is the one `train` would give on that fold's data.
 */
import { CLASS_NAMES } from '../engine/features/labels';
import { Mlp, type TrainOptions } from '../engine/neural';
import type { Strategy } from './schema';

/** The initial weights, the shuffles and the dropout masks all follow it. */
const DEFAULT_SEED = 42;

/** A fresh network for `inputSize` feature columns, its weights drawn from the strategy's seed. */
export function strategyNetwork(strategy: Strategy, inputSize: number): Mlp {
  const arch = strategy.model.architecture;
  return Mlp.create(
    { inputSize, hiddenLayers: arch.hidden_layers, activation: arch.activation, dropout: arch.dropout, outputSize: CLASS_NAMES.length },
    strategy.model.training.seed ?? DEFAULT_SEED,
  );
}

/** The engine's training options from the strategy's settings; the rows, signal and progress are the caller's. */
export function fitSettings(
  strategy: Strategy,
): Pick<TrainOptions, 'epochs' | 'batchSize' | 'optimizer' | 'learningRate' | 'weightDecay' | 'gradientClipNorm' | 'seed' | 'earlyStopping'> {
  const settings = strategy.model.training;
  const early = settings.early_stopping;
  return {
    epochs: settings.epochs,
    batchSize: settings.batch_size,
    optimizer: settings.optimizer,
    learningRate: settings.learning_rate,
    weightDecay: settings.weight_decay,
    gradientClipNorm: settings.gradient_clip,
    seed: settings.seed ?? DEFAULT_SEED,
    earlyStopping: early && { enabled: early.enabled, patience: early.patience, minDelta: early.min_delta, monitor: early.monitor },
  };
}
