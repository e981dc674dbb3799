import { describe, expect, test } from 'vitest';
import { Random } from '../../src/engine/random';
import { evaluate, Mlp, train, TrainingCancelled, TrainingDiverged, type MlpConfig, type TrainingProgress, type TrainOptions } from '../../src/engine/neural';
import { BestEpoch } from '../../src/engine/neural/earlyStopping';
import { TrainingStateSchema, type TrainingState } from '../../src/engine/neural/trainingState';

/** Three noisy, learnable classes: the label is the largest of three features. */
function argmaxData(seed: number, rows: number, features = 6) {
  const rng = new Random(seed);
  const x = new Float32Array(rows * features);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) x[r * features + f] = rng.normal();
    const o = r * features;
    y[r] = x[o] > x[o + 1] ? (x[o] > x[o + 2] ? 0 : 2) : x[o + 1] > x[o + 2] ? 1 : 2;
  }
  return { x, y };
}

const config: MlpConfig = { inputSize: 6, hiddenLayers: [16, 8], activation: 'relu', dropout: 0.2, outputSize: 3 };
const data = argmaxData(1, 600);
const val = argmaxData(2, 200);

const options = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  xTrain: data.x,
  yTrain: data.y,
  xVal: val.x,
  yVal: val.y,
  epochs: 8,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.01,
  seed: 7,
  ...over,
});

/** Validation labels shifted by one class: the better the model learns, the worse its validation loss. */
const contradicting = { xVal: val.x, yVal: val.y.map((c) => (c + 1) % 3) };

describe('train', () => {
  test('same model seed, data and training seed: bit-identical weights and history', async () => {
    const a = Mlp.create(config, 3);
    const b = Mlp.create(config, 3);
    const ra = await train(a, options());
    const rb = await train(b, options());
    expect(b.params).toEqual(a.params);
    expect(rb.history).toEqual(ra.history);
    const c = Mlp.create(config, 3);
    await train(c, options({ seed: 8 }));
    expect(c.params).not.toEqual(a.params);
  });

  test.each(['adam', 'sgd', 'rmsprop'] as const)('%s lowers the training loss and reports it honestly', async (optimizer) => {
    const model = Mlp.create(config, 3);
    const untrained = Mlp.fromJSON(model.toJSON());
    const result = await train(model, options({ optimizer, learningRate: optimizer === 'sgd' ? 0.05 : 0.01, epochs: 15 }));
    expect(result.epochsTrained).toBe(15);
    expect(result.history.trainLoss).toHaveLength(15);
    expect(result.history.valAccuracy).toHaveLength(15);
    // initialTrainLoss is the untrained model's eval-mode loss on the training rows, finalTrainLoss the returned model's.
    expect(result.initialTrainLoss).toBe(evaluate(untrained, data.x, data.y).loss);
    expect(result.finalTrainLoss).toBe(evaluate(model, data.x, data.y).loss);
    expect(result.finalTrainLoss).toBeLessThan(0.6 * result.initialTrainLoss);
    expect(result.finalValAccuracy).toBeGreaterThan(0.8);
    expect(result.finalValLoss).toBe(evaluate(model, val.x, val.y).loss);
  });

  test('without early stopping every epoch runs, and the best epoch by val_loss is the one kept', async () => {
    const model = Mlp.create(config, 3);
    const result = await train(model, options({ ...contradicting, epochs: 6 }));
    expect(result.epochsTrained).toBe(6);
    expect(result.stoppedEarly).toBe(false);
    const best = result.history.valLoss.indexOf(Math.min(...result.history.valLoss)) + 1;
    expect(result.bestEpoch).toBe(best);
    expect(evaluate(model, contradicting.xVal, contradicting.yVal).loss).toBe(result.history.valLoss[best - 1]);
  });

  test('the ordinary last batch is smaller when the batch size does not divide the rows', async () => {
    const calls: TrainingProgress[] = [];
    await train(Mlp.create(config, 3), options({ batchSize: 250, epochs: 1, progressIntervalMs: 0, onProgress: (p) => calls.push(p) }));
    expect(calls.map((p) => p.batch)).toEqual([1, 2, 3]);
    expect(calls.every((p) => p.totalBatches === 3 && p.totalEpochs === 1)).toBe(true);
  });
});

describe('gradient clipping', () => {
  test('bounds every step: plain SGD moves the weights by at most lr × max norm per batch', async () => {
    const model = Mlp.create(config, 3);
    const before = model.params.slice();
    await train(model, options({ optimizer: 'sgd', momentum: 0, learningRate: 0.1, gradientClipNorm: 0.001, epochs: 1 }));
    const moved = Math.sqrt(model.params.reduce((a, v, i) => a + (v - before[i]) ** 2, 0));
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThanOrEqual(19 * 0.1 * 0.001);
  });
});

describe('early stopping', () => {
  test('stops `patience` epochs after the best and restores the best weights', async () => {
    const model = Mlp.create(config, 3);
    const snapshots: Float64Array[] = [];
    const result = await train(
      model,
      options({
        ...contradicting,
        epochs: 30,
        earlyStopping: { enabled: true, patience: 3, minDelta: 0, monitor: 'val_loss' },
        onProgress: (p) => {
          if (p.batch === p.totalBatches) snapshots.push(model.params.slice());
        },
      }),
    );
    const { valLoss } = result.history;
    // Learning the training labels makes the contradicting validation loss worse every epoch.
    for (let e = 1; e < valLoss.length; e++) expect(valLoss[e]).toBeGreaterThan(valLoss[e - 1]);
    expect(result.bestEpoch).toBe(1);
    expect(result.epochsTrained).toBe(4);
    expect(result.stoppedEarly).toBe(true);
    expect(model.params).toEqual(snapshots[0]);
    expect(model.params).not.toEqual(snapshots[3]);
    expect(result.finalValLoss).toBe(valLoss[0]);
  });

  test('monitor val_accuracy keeps the epoch with the best validation accuracy', async () => {
    const model = Mlp.create(config, 3);
    const result = await train(model, options({ epochs: 12, earlyStopping: { enabled: true, patience: 100, minDelta: 0, monitor: 'val_accuracy' } }));
    const acc = result.history.valAccuracy;
    expect(result.bestEpoch).toBe(acc.indexOf(Math.max(...acc)) + 1);
    expect(evaluate(model, val.x, val.y).accuracy).toBe(Math.max(...acc));
  });

  test('min_delta really applies: gains smaller than it neither reset patience nor move the best epoch', async () => {
    // A small learning rate: validation loss improves every epoch, by about 0.03 each time.
    const run = (minDelta: number) =>
      train(Mlp.create(config, 3), options({ learningRate: 0.0002, epochs: 20, earlyStopping: { enabled: true, patience: 4, minDelta, monitor: 'val_loss' } }));
    const lenient = await run(0);
    const strict = await run(0.2);
    const loss = lenient.history.valLoss;
    for (let e = 1; e < loss.length; e++) expect(loss[e]).toBeLessThan(loss[e - 1]);
    expect(lenient.epochsTrained).toBe(20);
    expect(lenient.stoppedEarly).toBe(false);
    expect(lenient.bestEpoch).toBe(20);
    // The same run: four more epochs of gains that add up to less than 0.2, then it stops on epoch 1's weights.
    expect(strict.history.valLoss).toEqual(loss.slice(0, 5));
    expect(loss[0] - loss[4]).toBeLessThan(0.2);
    expect(strict.stoppedEarly).toBe(true);
    expect(strict.epochsTrained).toBe(5);
    expect(strict.bestEpoch).toBe(1);
    expect(strict.finalValLoss).toBe(loss[0]);
  });

  test('BestEpoch counts only improvements larger than min_delta', () => {
    const tracker = new BestEpoch({ enabled: true, patience: 2, minDelta: 0.1, monitor: 'val_loss' });
    const step = (epoch: number, valLoss: number) => [tracker.record(epoch, { valLoss, valAccuracy: 0 }), tracker.shouldStop];
    expect(step(1, 1.0)).toEqual([true, false]);
    expect(step(2, 0.95)).toEqual([false, false]); // 0.05 better: not enough
    expect(step(3, 0.85)).toEqual([true, false]); // 0.15 better than the best (1.0)
    expect(step(4, 0.8)).toEqual([false, false]);
    expect(step(5, 0.76)).toEqual([false, true]);
    expect(tracker.bestEpoch).toBe(3);
    const accuracy = new BestEpoch({ enabled: false, patience: 1, minDelta: 0.01, monitor: 'val_accuracy' });
    accuracy.record(1, { valLoss: 9, valAccuracy: 0.5 });
    expect(accuracy.record(2, { valLoss: 9, valAccuracy: 0.505 })).toBe(false);
    expect(accuracy.shouldStop).toBe(false); // disabled: only tracks the best
    expect(accuracy.record(3, { valLoss: 9, valAccuracy: 0.52 })).toBe(true);
  });
});

describe('cancellation and progress', () => {
  test('an abort raised during a batch stops training before the next batch', async () => {
    const controller = new AbortController();
    const batches: TrainingProgress[] = [];
    const run = train(
      Mlp.create(config, 3),
      options({
        epochs: 3,
        signal: controller.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          batches.push(p);
          if (p.epoch === 2 && p.batch === 5) controller.abort();
        },
      }),
    );
    await expect(run).rejects.toBeInstanceOf(TrainingCancelled);
    await expect(run).rejects.toMatchObject({ name: 'TrainingCancelled', epoch: 2, batch: 6 });
    expect(batches.at(-1)).toMatchObject({ epoch: 2, batch: 5 });
  });

  test('an abort from a timer gets through mid-epoch: training yields to the event loop', async () => {
    const big = argmaxData(3, 200_000);
    const controller = new AbortController();
    let batches = 0;
    let batchesAtAbort = -1;
    setTimeout(() => {
      batchesAtAbort = batches;
      controller.abort();
    }, 30);
    const run = train(
      Mlp.create(config, 3),
      options({ xTrain: big.x, yTrain: big.y, epochs: 1000, signal: controller.signal, progressIntervalMs: 0, onProgress: () => batches++ }),
    );
    await expect(run).rejects.toBeInstanceOf(TrainingCancelled);
    expect(batchesAtAbort).toBeGreaterThan(0);
    expect(batches - batchesAtAbort).toBeLessThanOrEqual(1);
  });

  test('an already-aborted signal trains nothing', async () => {
    const model = Mlp.create(config, 3);
    const before = model.params.slice();
    await expect(train(model, options({ signal: AbortSignal.abort() }))).rejects.toMatchObject({ epoch: 1, batch: 1 });
    expect(model.params).toEqual(before);
  });

  test('progress comes at least once per epoch, at its end, with the epoch loss', async () => {
    const calls: TrainingProgress[] = [];
    const result = await train(Mlp.create(config, 3), options({ epochs: 4, progressIntervalMs: 60_000, onProgress: (p) => calls.push(p) }));
    expect(calls.map((p) => [p.epoch, p.batch])).toEqual([1, 2, 3, 4].map((e) => [e, 19]));
    expect(calls.map((p) => p.loss)).toEqual(result.history.trainLoss);
  });
});

describe('checkpoints and resume', () => {
  /** Dropout, early stopping with patience to spare, a batch size that leaves a short last batch: every piece of state matters. */
  const full = (over: Partial<TrainOptions> = {}) =>
    options({ epochs: 12, batchSize: 48, earlyStopping: { enabled: true, patience: 8, minDelta: 0.001, monitor: 'val_loss' }, ...over });

  /** A state as it comes back from a file: every array copied (structured clone, as v8.serialize does). */
  const reread = (state: TrainingState) => TrainingStateSchema.parse(structuredClone(state));

  test.each(['adam', 'sgd', 'rmsprop'] as const)(
    '%s: resumed from any checkpoint, the same weights, history and result as never stopped',
    async (optimizer) => {
      const whole = Mlp.create(config, 3);
      const saved: TrainingState[] = [];
      const uninterrupted = await train(whole, full({ optimizer, checkpoint: { everyEpochs: 3, everyMs: 60_000, save: (s) => saved.push(s) } }));
      expect(saved.map((s) => [s.epochsDone, s.batchesDone])).toEqual([
        [3, 0],
        [6, 0],
        [9, 0],
      ]);
      for (const state of saved) {
        const resumed = Mlp.create(config, 3);
        const result = await train(resumed, full({ optimizer, resume: reread(state) }));
        expect(resumed.params).toEqual(whole.params);
        expect({ ...result, trainingTimeMs: 0 }).toEqual({ ...uninterrupted, trainingTimeMs: 0 });
      }
      // Without the checkpoint's state the same epochs give another model: the test can tell.
      const other = Mlp.create(config, 3);
      await train(other, full({ optimizer, seed: 8 }));
      expect(other.params).not.toEqual(whole.params);
    },
  );

  test('early stopping counts on where it was: a resumed training stops at the same epoch', async () => {
    const stopping = (over: Partial<TrainOptions> = {}) =>
      full({ ...contradicting, earlyStopping: { enabled: true, patience: 4, minDelta: 0, monitor: 'val_loss' }, ...over });
    const whole = Mlp.create(config, 3);
    const saved: TrainingState[] = [];
    const uninterrupted = await train(whole, stopping({ checkpoint: { everyEpochs: 1, everyMs: 60_000, save: (s) => saved.push(s) } }));
    expect(uninterrupted.stoppedEarly).toBe(true);
    expect(saved.some((s) => s.best.sinceBest > 0)).toBe(true);
    for (const state of saved) {
      const resumed = Mlp.create(config, 3);
      const result = await train(resumed, stopping({ resume: reread(state) }));
      expect([result.epochsTrained, result.bestEpoch, result.stoppedEarly]).toEqual([uninterrupted.epochsTrained, uninterrupted.bestEpoch, true]);
      expect(resumed.params).toEqual(whole.params);
    }
  });

  test('an abort mid-epoch saves where it stopped; resuming there gives the same model', async () => {
    const whole = Mlp.create(config, 3);
    const uninterrupted = await train(whole, full());
    for (const [epoch, batch] of [
      [4, 7],
      [5, 1],
    ]) {
      const controller = new AbortController();
      const saved: TrainingState[] = [];
      const stopped = train(
        Mlp.create(config, 3),
        full({
          signal: controller.signal,
          progressIntervalMs: 0,
          checkpoint: { everyEpochs: 100, everyMs: 60_000, save: (s) => saved.push(s) },
          // The end of an epoch reports batch 13 of 13: an abort there lands before the next epoch's first batch.
          onProgress: (p) => {
            if (p.epoch === (batch === 1 ? epoch - 1 : epoch) && p.batch === (batch === 1 ? p.totalBatches : batch - 1)) controller.abort();
          },
        }),
      );
      await expect(stopped).rejects.toMatchObject({ name: 'TrainingCancelled', epoch, batch });
      expect(saved.map((s) => [s.epochsDone, s.batchesDone])).toEqual([[epoch - 1, batch - 1]]);
      const resumed = Mlp.create(config, 3);
      const result = await train(resumed, full({ resume: reread(saved[0]) }));
      expect(resumed.params).toEqual(whole.params);
      expect(result.history).toEqual(uninterrupted.history);
    }
  });

  test('checkpoints come every few epochs, or sooner when epochs are long; none after the last epoch', async () => {
    const epochsSaved = async (everyEpochs: number, everyMs: number) => {
      const saved: number[] = [];
      await train(Mlp.create(config, 3), options({ epochs: 7, checkpoint: { everyEpochs, everyMs, save: (s) => saved.push(s.epochsDone) } }));
      return saved;
    };
    expect(await epochsSaved(2, 60_000)).toEqual([2, 4, 6]);
    expect(await epochsSaved(100, 0)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  test('a state that does not fit this training is refused before anything changes', async () => {
    const saved: TrainingState[] = [];
    await train(Mlp.create(config, 3), options({ epochs: 3, checkpoint: { everyEpochs: 1, everyMs: 60_000, save: (s) => saved.push(s) } }));
    const bigger = Mlp.create({ ...config, hiddenLayers: [16, 9] }, 3);
    await expect(train(bigger, options({ resume: saved[0] }))).rejects.toThrow(/does not fit this training: it holds \d+ weights, the model \d+/);
    await expect(train(Mlp.create(config, 3), options({ xTrain: data.x.subarray(6), yTrain: data.y.subarray(1), resume: saved[0] }))).rejects.toThrow(
      'it orders 600 training rows, the data has 599',
    );
    await expect(train(Mlp.create(config, 3), options({ epochs: 1, resume: saved[1] }))).rejects.toThrow('it is 2 epochs in, of 1');
  });
});

describe('failures', () => {
  test('a learning rate that blows the loss up stops with a clear error', async () => {
    const wild = { ...data, x: data.x.map((v) => v * 1e3) };
    const run = train(Mlp.create(config, 3), options({ xTrain: wild.x, optimizer: 'sgd', learningRate: 1e300 }));
    await expect(run).rejects.toBeInstanceOf(TrainingDiverged);
    await expect(run).rejects.toThrow(/lower the learning rate/);
    await expect(run).rejects.toMatchObject({ epoch: 1 });
  });

  test.each([
    ['a NaN feature', { xTrain: data.x.map((v, i) => (i === 13 ? NaN : v)) }, /xTrain row 2, feature 1 is NaN/],
    ['a label out of range', { yVal: val.y.map((v, i) => (i === 4 ? 3 : v)) }, /yVal\[4\] is 3/],
    ['no validation rows', { xVal: new Float32Array(0), yVal: new Int32Array(0) }, /no validation rows/],
    ['a ragged matrix', { xTrain: data.x.subarray(1) }, /not a multiple of 6/],
    ['a zero batch size', { batchSize: 0 }, /batch size/],
    ['class weights of the wrong length', { classWeights: [1, 2] }, /2 class weights for 3 classes/],
    ['class weights that silence every row', { classWeights: [0, 0, 0] }, /weight 0/],
    ['early stopping without patience', { earlyStopping: { enabled: true, patience: 0, minDelta: 0, monitor: 'val_loss' } }, /patience/],
    ['a negative min_delta', { earlyStopping: { enabled: true, patience: 2, minDelta: -0.1, monitor: 'val_loss' } }, /min_delta/],
  ])('%s is refused before training', async (_, over, message) => {
    await expect(train(Mlp.create(config, 3), options(over as Partial<TrainOptions>))).rejects.toThrow(message);
  });
});
