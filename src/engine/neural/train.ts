/**
 * Training a network: mini-batches, early stopping, class weights, progress, cancellation and
 * checkpoints.
 */
import { performance } from 'node:perf_hooks';
import { Random } from '../random';
import { checkFeatures, checkLabels, type Labels } from './dataset';
import { BestEpoch, type EarlyStoppingConfig } from './earlyStopping';
import { TrainingCancelled, TrainingDiverged } from './errors';
import { lossAndAccuracy } from './evaluate';
import type { Mlp } from './mlp';
import { clipGradNorm, createOptimizer, type OptimizerName } from './optimizers';
import { emptySums, type LossSums } from './softmaxCrossEntropy';
import { TrainingPass } from './trainingPass';
import { misfit, type Checkpointing, type TrainingHistory, type TrainingState } from './trainingState';

export interface TrainingProgress {
  /** 1-based. */
  epoch: number;
  totalEpochs: number;
  /** Batches done in this epoch (1-based; equals totalBatches at the end of the epoch). */
  batch: number;
  totalBatches: number;
  /** Mean training loss of this epoch's batches so far. */
  loss: number;
}

export interface TrainOptions {
  /** n×d features, row-major. */
  xTrain: Float32Array;
  yTrain: Labels;
  /** Validation rows: required, they pick the epoch whose weights are kept. */
  xVal: Float32Array;
  yVal: Labels;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  learningRate: number;
  /** L2 penalty, see OptimizerOptions; 0 unless given (KTRDR's Adam used 1e-4). */
  weightDecay?: number;
  /** SGD momentum, 0.9 unless given. */
  momentum?: number;
  /** Clip the gradient to this global L2 norm before each step. */
  gradientClipNorm?: number;
  /** Loss weight per class, e.g. n / (K · count) to stop a rare class from being ignored. */
  classWeights?: ArrayLike<number>;
  /** Fixes the shuffles and dropout masks (the initial weights come with the model). */
  seed: number;
  /** When absent, all epochs run; the best epoch's weights (by val_loss) are still the ones kept. */
  earlyStopping?: EarlyStoppingConfig;
  signal?: AbortSignal;
  /** Where the training's state goes every few epochs and on an abort, to be resumed from. */
  checkpoint?: Checkpointing;
  /** A state saved by `checkpoint` of this same training (model, data, options): it goes on from there. */
  resume?: TrainingState;
  onProgress?: (progress: TrainingProgress) => void;
  /** Least time between two progress calls within an epoch; the end of an epoch always reports. Default 200 ms. */
  progressIntervalMs?: number;
}

export interface TrainingResult {
  /**
   * Per epoch. Train figures are over that epoch's batches in training mode (dropout on,
   * weights moving), as PyTorch loops log them; validation figures are in eval mode.
   */
  history: TrainingHistory;
  epochsTrained: number;
  /** 1-based epoch whose weights the model now holds (best by the monitored metric). */
  bestEpoch: number;
  stoppedEarly: boolean;
  /**
   * Eval-mode loss on the whole training set of the untrained model, and of the returned
   * model. Same mode, same rows, so (initial − final) / initial measures what training
   * achieved; the first epoch's loss would already include a whole epoch of learning.
   */
  initialTrainLoss: number;
  finalTrainLoss: number;
  finalTrainAccuracy: number;
  /** Eval-mode validation metrics of the returned model (= history at bestEpoch). */
  finalValLoss: number;
  finalValAccuracy: number;
  trainingTimeMs: number;
}

/** The event loop gets a turn at least this often, so an abort or a heartbeat can arrive mid-epoch. */
const YIELD_INTERVAL_MS = 50;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Mini-batch training of `model` in place (spec §4.8), deterministic for a given model,
 * data and seed — a training resumed from a checkpoint included. Asynchronous only to let
 * the event loop run between batches (an abort or a Temporal heartbeat needs it): the
 * arithmetic is synchronous. Throws TrainingCancelled (checked before every batch, after
 * saving a checkpoint when checkpointing) and TrainingDiverged (non-finite batch loss);
 * after a throw the model holds half-trained weights and should be discarded.
 */
export async function train(model: Mlp, options: TrainOptions): Promise<TrainingResult> {
  const started = performance.now();
  const { inputSize: d, outputSize: k } = model.config;
  const { epochs, batchSize, learningRate, signal, onProgress } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size must be a positive integer, got ${batchSize}`);
  if (!(learningRate > 0)) throw new Error(`learning rate must be positive, got ${learningRate}`);
  const rows = checkFeatures(options.xTrain, d, 'xTrain');
  const valRows = checkFeatures(options.xVal, d, 'xVal');
  if (rows === 0) throw new Error('no training rows');
  if (valRows === 0) throw new Error('no validation rows: the best epoch cannot be chosen');
  const yTrain = checkLabels(options.yTrain, rows, k, 'yTrain');
  const yVal = checkLabels(options.yVal, valRows, k, 'yVal');
  const classWeights = options.classWeights ? checkClassWeights(options.classWeights, k, yTrain, yVal) : null;
  const clipNorm = options.gradientClipNorm;
  if (clipNorm !== undefined && !(clipNorm > 0)) throw new Error(`gradient clip norm must be positive, got ${clipNorm}`);
  const stopping = options.earlyStopping ?? { enabled: false, patience: 0, minDelta: 0, monitor: 'val_loss' };
  if (stopping.enabled && !(Number.isInteger(stopping.patience) && stopping.patience >= 1)) {
    throw new Error(`early stopping patience must be a positive integer, got ${stopping.patience}`);
  }
  if (!(stopping.minDelta >= 0)) throw new Error(`early stopping min_delta must be 0 or more, got ${stopping.minDelta}`);
  const progressInterval = options.progressIntervalMs ?? 200;
  const totalBatches = Math.ceil(rows / batchSize);
  const { resume, checkpoint } = options;
  const problem = resume && misfit(resume, { params: model.params.length, rows, epochs, batches: totalBatches });
  if (problem) throw new Error(`the saved training state does not fit this training: ${problem}`);

  const initialTrainLoss = resume ? resume.initialTrainLoss : lossAndAccuracy(model, options.xTrain, yTrain, classWeights).loss;
  const rng = new Random(options.seed);
  const pass = new TrainingPass(model, batchSize, rng, classWeights);
  const optimizer = createOptimizer(options.optimizer, model.params.length, options);
  const tracker = new BestEpoch(stopping);
  const bestParams = model.params.slice();
  const history: TrainingHistory = { trainLoss: [], trainAccuracy: [], valLoss: [], valAccuracy: [] };
  const order = new Int32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  let firstEpoch = 1;
  let firstBatch = 1;
  let before = 0;
  if (resume) {
    model.params.set(resume.params);
    bestParams.set(resume.bestParams);
    optimizer.restore(resume.optimizer);
    rng.restore(resume.rng);
    pass.maskSeed = resume.maskSeed;
    order.set(resume.order);
    tracker.best = resume.best.value;
    tracker.bestEpoch = resume.best.epoch;
    tracker.sinceBest = resume.best.sinceBest;
    for (const key of Object.keys(history) as (keyof TrainingHistory)[]) history[key].push(...resume.history[key]);
    firstEpoch = resume.epochsDone + 1;
    firstBatch = resume.batchesDone + 1;
    before = resume.elapsedMs;
  }
  const elapsed = () => before + performance.now() - started;
  const state = (epochsDone: number, batchesDone: number, sums: LossSums): TrainingState => ({
    epochsDone,
    batchesDone,
    sums: { ...sums },
    params: model.params.slice(),
    bestParams: bestParams.slice(),
    optimizer: optimizer.save(),
    rng: rng.save(),
    maskSeed: pass.maskSeed,
    order: order.slice(),
    best: { value: tracker.best, epoch: tracker.bestEpoch, sinceBest: tracker.sinceBest },
    history: {
      trainLoss: [...history.trainLoss],
      trainAccuracy: [...history.trainAccuracy],
      valLoss: [...history.valLoss],
      valAccuracy: [...history.valAccuracy],
    },
    initialTrainLoss,
    elapsedMs: elapsed(),
  });
  // Saved before the epoch's shuffle when at its first batch, so that a resume shuffles it again.
  const stop = (epoch: number, batch: number, sums: LossSums): never => {
    checkpoint?.save(state(epoch - 1, batch - 1, sums));
    throw new TrainingCancelled(epoch, batch);
  };
  let savedEpoch = firstEpoch - 1;
  let savedAt = performance.now();
  let lastYield = performance.now();
  let stoppedEarly = false;

  for (let epoch = firstEpoch; epoch <= epochs; epoch++) {
    // An epoch stopped part-way was saved after its shuffle, with the sums of its batches so far.
    const partway = epoch === firstEpoch && firstBatch > 1;
    if (!partway) {
      if (signal?.aborted) stop(epoch, 1, emptySums());
      rng.shuffle(order);
    }
    const sums = partway ? { ...resume!.sums } : emptySums();
    let lastProgress = performance.now();
    for (let batch = partway ? firstBatch : 1; batch <= totalBatches; batch++) {
      if (batch > 1 && signal?.aborted) stop(epoch, batch, sums);
      const from = (batch - 1) * batchSize;
      pass.step(options.xTrain, yTrain, order, from, Math.min(batchSize, rows - from), sums);
      // One non-finite batch makes the running sum non-finite for good: checking the sum is enough.
      if (!Number.isFinite(sums.loss)) throw new TrainingDiverged(epoch, batch, sums.loss, learningRate);
      if (clipNorm !== undefined) clipGradNorm(pass.grads, clipNorm);
      optimizer.step(model.params, pass.grads);
      if (batch < totalBatches) {
        const now = performance.now();
        if (onProgress && now - lastProgress >= progressInterval) {
          lastProgress = now;
          onProgress({ epoch, totalEpochs: epochs, batch, totalBatches, loss: sums.loss / sums.weight });
        }
        if (now - lastYield >= YIELD_INTERVAL_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
    }
    const trainLoss = sums.loss / sums.weight;
    onProgress?.({ epoch, totalEpochs: epochs, batch: totalBatches, totalBatches, loss: trainLoss });
    const val = lossAndAccuracy(model, options.xVal, yVal, classWeights);
    history.trainLoss.push(trainLoss);
    history.trainAccuracy.push(sums.correct / rows);
    history.valLoss.push(val.loss);
    history.valAccuracy.push(val.accuracy);
    if (tracker.record(epoch, { valLoss: val.loss, valAccuracy: val.accuracy })) bestParams.set(model.params);
    if (tracker.shouldStop && epoch < epochs) {
      stoppedEarly = true;
      break;
    }
    if (checkpoint && epoch < epochs && (epoch - savedEpoch >= checkpoint.everyEpochs || performance.now() - savedAt >= checkpoint.everyMs)) {
      checkpoint.save(state(epoch, 0, emptySums()));
      savedEpoch = epoch;
      savedAt = performance.now();
    }
  }

  model.params.set(bestParams);
  const finalTrain = lossAndAccuracy(model, options.xTrain, yTrain, classWeights);
  return {
    history,
    epochsTrained: history.trainLoss.length,
    bestEpoch: tracker.bestEpoch,
    stoppedEarly,
    initialTrainLoss,
    finalTrainLoss: finalTrain.loss,
    finalTrainAccuracy: finalTrain.accuracy,
    finalValLoss: history.valLoss[tracker.bestEpoch - 1],
    finalValAccuracy: history.valAccuracy[tracker.bestEpoch - 1],
    trainingTimeMs: elapsed(),
  };
}

function checkClassWeights(weights: ArrayLike<number>, classes: number, yTrain: Int32Array, yVal: Int32Array): Float64Array {
  const out = Float64Array.from(weights);
  if (out.length !== classes) throw new Error(`${out.length} class weights for ${classes} classes`);
  if (!out.every((w) => Number.isFinite(w) && w >= 0)) throw new Error(`class weights must be finite and non-negative, got [${out.join(', ')}]`);
  // A weighted mean over rows that all weigh 0 is 0/0: say so instead of reporting a NaN loss.
  for (const [name, y] of [
    ['training', yTrain],
    ['validation', yVal],
  ] as const) {
    if (!y.some((label) => out[label] > 0)) throw new Error(`class weights [${out.join(', ')}] give every ${name} row weight 0`);
  }
  return out;
}
