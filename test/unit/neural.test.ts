import { describe, expect, test } from 'vitest';
import { Random } from '../../src/engine/random';
import { ACTIVATIONS, classificationMetrics, evaluate, Mlp, train, type Activation, type MlpConfig } from '../../src/engine/neural';
import { chanceLoss, lossAndAccuracy } from '../../src/engine/neural/evaluate';
import { clipGradNorm, createOptimizer } from '../../src/engine/neural/optimizers';
import { emptySums } from '../../src/engine/neural/softmaxCrossEntropy';
import { TrainingPass } from '../../src/engine/neural/trainingPass';

/** n points per class around well-separated centres in 2-D; labels 0..centres-1. */
function blobs(rng: Random, n: number, centres: [number, number][], spread: number) {
  const x = new Float32Array(n * centres.length * 2);
  const y = new Int32Array(n * centres.length);
  centres.forEach(([cx, cy], c) => {
    for (let i = 0; i < n; i++) {
      const row = c * n + i;
      x[row * 2] = cx + spread * rng.normal();
      x[row * 2 + 1] = cy + spread * rng.normal();
      y[row] = c;
    }
  });
  return { x, y };
}

/** XOR: the class is whether the two coordinates have the same sign; no straight line separates it. */
function xor(rng: Random, n: number) {
  const x = new Float32Array(n * 2);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = 2 * rng.next() - 1;
    const b = 2 * rng.next() - 1;
    x[i * 2] = a;
    x[i * 2 + 1] = b;
    y[i] = a * b > 0 ? 1 : 0;
  }
  return { x, y };
}

const fit = (model: Mlp, data: { x: Float32Array; y: Int32Array }, val: { x: Float32Array; y: Int32Array }, epochs: number, learningRate = 0.01) =>
  train(model, { xTrain: data.x, yTrain: data.y, xVal: val.x, yVal: val.y, epochs, batchSize: 16, optimizer: 'adam', learningRate, seed: 1 });

describe('gradients', () => {
  /** Loss of the model on (x, y) with one parameter nudged. */
  const lossWith = (model: Mlp, x: Float32Array, y: Int32Array, weights: Float64Array | null, index: number, delta: number) => {
    const saved = model.params[index];
    model.params[index] = saved + delta;
    const { loss } = lossAndAccuracy(model, x, y, weights);
    model.params[index] = saved;
    return loss;
  };

  const cases: [Activation, number[] | null][] = [...ACTIVATIONS.map((a): [Activation, null] => [a, null]), ['tanh', [0.5, 2, 1]]];
  test.each(cases)('%s (class weights %j): backpropagation matches central finite differences on every parameter', (activation, classWeights) => {
    const rng = new Random(11);
    const model = Mlp.create({ inputSize: 4, hiddenLayers: [5, 4], activation, dropout: 0, outputSize: 3 }, 3);
    const rows = 7;
    const x = Float32Array.from({ length: rows * 4 }, () => rng.normal());
    const y = Int32Array.from({ length: rows }, () => rng.int(3));
    const weights = classWeights ? Float64Array.from(classWeights) : null;
    const pass = new TrainingPass(model, rows, new Random(0), weights);
    pass.step(
      x,
      y,
      Int32Array.from({ length: rows }, (_, i) => i),
      0,
      rows,
      emptySums(),
    );
    const h = 1e-6;
    for (let i = 0; i < model.params.length; i++) {
      const numeric = (lossWith(model, x, y, weights, i, h) - lossWith(model, x, y, weights, i, -h)) / (2 * h);
      expect(pass.grads[i], `parameter ${i}`).toBeCloseTo(numeric, 6);
    }
  });

  test('the weighted loss is Σ w[y]·loss / Σ w[y], as PyTorch defines it', () => {
    const model = Mlp.create({ inputSize: 2, hiddenLayers: [], activation: 'relu', dropout: 0, outputSize: 3 }, 1);
    const x = Float32Array.of(1, 2, -1, 0.5);
    const y = Int32Array.of(0, 2);
    const perRow = [0, 1].map((r) => lossAndAccuracy(model, x.subarray(r * 2, r * 2 + 2), y.subarray(r, r + 1), null).loss);
    const weighted = lossAndAccuracy(model, x, y, Float64Array.of(3, 1, 0.5)).loss;
    expect(weighted).toBeCloseTo((3 * perRow[0] + 0.5 * perRow[1]) / 3.5, 12);
  });
});

describe('learning', () => {
  test('separates three Gaussian blobs to more than 95 % on unseen points', async () => {
    const centres: [number, number][] = [
      [0, 2],
      [-2, -1],
      [2, -1],
    ];
    const data = blobs(new Random(1), 200, centres, 0.6);
    const unseen = blobs(new Random(2), 200, centres, 0.6);
    const model = Mlp.create({ inputSize: 2, hiddenLayers: [16], activation: 'relu', dropout: 0, outputSize: 3 }, 1);
    await fit(model, data, unseen, 20);
    expect(evaluate(model, unseen.x, unseen.y).accuracy).toBeGreaterThan(0.95);
  });

  test.each(['relu', 'tanh', 'sigmoid', 'leaky_relu'] as const)('%s hidden layers learn XOR; without a hidden layer it cannot', async (activation) => {
    const data = xor(new Random(3), 1000);
    const unseen = xor(new Random(4), 500);
    const config: MlpConfig = { inputSize: 2, hiddenLayers: [16, 8], activation, dropout: 0, outputSize: 2 };
    const deep = Mlp.create(config, 5);
    await fit(deep, data, unseen, 60, 0.02);
    expect(evaluate(deep, unseen.x, unseen.y).accuracy).toBeGreaterThan(0.9);
    const linear = Mlp.create({ ...config, hiddenLayers: [] }, 5);
    await fit(linear, data, unseen, 60, 0.02);
    expect(evaluate(linear, unseen.x, unseen.y).accuracy).toBeLessThan(0.75);
  });

  test('class weights move the decision towards a rare class', async () => {
    // One feature; the rare class (10 %) sits one standard deviation above the common one.
    const rng = new Random(6);
    const rows = 4000;
    const x = new Float32Array(rows);
    const y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      y[i] = i % 10 === 0 ? 1 : 0;
      x[i] = y[i] + rng.normal();
    }
    const run = async (classWeights?: number[]) => {
      const model = Mlp.create({ inputSize: 1, hiddenLayers: [8], activation: 'tanh', dropout: 0, outputSize: 2 }, 2);
      await train(model, { xTrain: x, yTrain: y, xVal: x, yVal: y, epochs: 15, batchSize: 32, optimizer: 'adam', learningRate: 0.01, seed: 3, classWeights });
      return evaluate(model, x, y).perClass[1].recall;
    };
    const plain = await run();
    const weighted = await run([1, 9]);
    expect(plain).toBeLessThan(0.1);
    expect(weighted).toBeGreaterThan(0.5);
  });
});

describe('model', () => {
  const config: MlpConfig = { inputSize: 3, hiddenLayers: [6, 4], activation: 'relu', dropout: 0.5, outputSize: 3 };
  const rows = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));

  test('the same seed gives the same initial weights, another seed others', () => {
    expect(Mlp.create(config, 1).params).toEqual(Mlp.create(config, 1).params);
    expect(Mlp.create(config, 1).params).not.toEqual(Mlp.create(config, 2).params);
  });

  test('initial weights follow He for relu and Glorot for tanh', () => {
    const wide = { inputSize: 400, hiddenLayers: [], dropout: 0, outputSize: 300 };
    const spread = (activation: Activation) => {
      const w = Mlp.create({ ...wide, activation }, 9).params.subarray(0, 400 * 300);
      return Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    };
    expect(spread('relu')).toBeCloseTo(Math.sqrt(2 / 400), 3);
    expect(spread('tanh')).toBeCloseTo(Math.sqrt(2 / 700), 3);
  });

  test('predictProba is eval mode: no dropout, the same answer every time, rows summing to 1', () => {
    const model = Mlp.create(config, 4);
    const p = model.predictProba(rows);
    expect(p).toHaveLength(30);
    expect(model.predictProba(rows)).toEqual(p);
    const withoutDropout = Mlp.fromJSON({ ...model.toJSON(), architecture: { ...config, dropout: 0 } });
    expect(withoutDropout.predictProba(rows)).toEqual(p);
    for (let r = 0; r < 10; r++) expect(p[r * 3] + p[r * 3 + 1] + p[r * 3 + 2]).toBeCloseTo(1, 6);
  });

  test('predictProba handles more rows than one chunk', () => {
    const model = Mlp.create({ ...config, inputSize: 1 }, 4);
    const many = Float32Array.from({ length: 1000 }, (_, i) => i / 100);
    const p = model.predictProba(many);
    const last = model.predictProba(many.subarray(999));
    expect(Array.from(p.subarray(2997))).toEqual(Array.from(last));
  });

  test('toJSON/fromJSON round-trips the weights bit for bit, through JSON text, in ~11 characters per parameter', async () => {
    const model = Mlp.create(config, 4);
    await train(model, {
      xTrain: rows,
      yTrain: Int32Array.from({ length: 10 }, (_, i) => i % 3),
      xVal: rows,
      yVal: Int32Array.from({ length: 10 }, (_, i) => i % 3),
      epochs: 3,
      batchSize: 4,
      optimizer: 'adam',
      learningRate: 0.01,
      seed: 1,
    });
    const text = JSON.stringify(model.toJSON());
    const copy = Mlp.fromJSON(JSON.parse(text));
    expect(copy.config).toEqual(model.config);
    expect(copy.params).toEqual(model.params);
    expect(copy.predictProba(rows)).toEqual(model.predictProba(rows));
    expect(text.length).toBeLessThan(11 * model.parameterCount + 300);
  });

  test('fromJSON rejects weights that do not fit the architecture, and unknown formats', () => {
    const json = Mlp.create(config, 4).toJSON();
    expect(() => Mlp.fromJSON({ ...json, architecture: { ...config, hiddenLayers: [6, 5] } })).toThrow(/parameters/);
    expect(() => Mlp.fromJSON({ ...json, format: 'pytorch' })).toThrow();
    expect(() => Mlp.fromJSON({ ...json, architecture: { ...config, activation: 'gelu' } })).toThrow();
  });
});

describe('optimisers', () => {
  test('Adam: the first step moves each weight by lr against its gradient sign, whatever the gradient size', () => {
    const params = Float64Array.of(1, 1, 1);
    createOptimizer('adam', 3, { learningRate: 0.1 }).step(params, Float64Array.of(5, -0.001, 0));
    expect(params[0]).toBeCloseTo(0.9, 6);
    expect(params[1]).toBeCloseTo(1.1, 4);
    expect(params[2]).toBe(1);
  });

  test('SGD with momentum 0.9 accumulates: steps of lr·g, then lr·(0.9g + g)', () => {
    const params = Float64Array.of(0);
    const sgd = createOptimizer('sgd', 1, { learningRate: 0.1 });
    sgd.step(params, Float64Array.of(1));
    expect(params[0]).toBeCloseTo(-0.1, 12);
    sgd.step(params, Float64Array.of(1));
    expect(params[0]).toBeCloseTo(-0.1 - 0.19, 12);
  });

  test('RMSprop divides by the running RMS of the gradient (α 0.99)', () => {
    const params = Float64Array.of(0);
    createOptimizer('rmsprop', 1, { learningRate: 0.01 }).step(params, Float64Array.of(2));
    expect(params[0]).toBeCloseTo((-0.01 * 2) / Math.sqrt(0.01 * 4), 8);
  });

  test('weight decay is an L2 term in the gradient: a zero gradient still shrinks the weights', () => {
    const params = Float64Array.of(2);
    createOptimizer('sgd', 1, { learningRate: 0.1, weightDecay: 0.5, momentum: 0 }).step(params, Float64Array.of(0));
    expect(params[0]).toBeCloseTo(2 - 0.1 * 0.5 * 2, 12);
  });

  test('gradient clipping rescales to the maximum global norm and leaves small gradients alone', () => {
    const big = Float64Array.of(3, 4);
    expect(clipGradNorm(big, 1)).toBeCloseTo(5, 12);
    expect(Math.hypot(big[0], big[1])).toBeCloseTo(1, 5);
    expect(big[0] / big[1]).toBeCloseTo(0.75, 12);
    const small = Float64Array.of(0.3, 0.4);
    clipGradNorm(small, 1);
    expect(Array.from(small)).toEqual([0.3, 0.4]);
  });
});

describe('metrics', () => {
  // Rows are the true class, columns the prediction.
  const confusion = [
    [5, 2, 1],
    [1, 3, 0],
    [0, 1, 7],
  ];

  test('accuracy, per-class precision/recall/F1, class balance and chance from a hand-made confusion matrix', () => {
    const m = classificationMetrics(confusion);
    expect(m.accuracy).toBeCloseTo(15 / 20, 12);
    // Class 0: predicted 6 times, 5 right; 8 rows, 5 found.
    expect(m.perClass[0].precision).toBeCloseTo(5 / 6, 12);
    expect(m.perClass[0].recall).toBeCloseTo(5 / 8, 12);
    expect(m.perClass[0].f1).toBeCloseTo((2 * (5 / 6) * (5 / 8)) / (5 / 6 + 5 / 8), 12);
    expect(m.perClass[1].precision).toBeCloseTo(3 / 6, 12);
    expect(m.perClass[1].recall).toBeCloseTo(3 / 4, 12);
    expect(m.perClass[2].precision).toBeCloseTo(7 / 8, 12);
    expect(m.perClass[2].recall).toBeCloseTo(7 / 8, 12);
    expect(m.perClass.map((c) => c.support)).toEqual([8, 4, 8]);
    expect(m.weighted.recall).toBeCloseTo(m.accuracy, 12);
    expect(m.weighted.precision).toBeCloseTo((8 * (5 / 6) + 4 * 0.5 + 8 * (7 / 8)) / 20, 12);
    expect(m.classBalance).toEqual([0.4, 0.2, 0.4]);
    expect(m.chanceAccuracy).toBe(0.4);
  });

  test('chance loss: the cross-entropy of always predicting the reference class shares', () => {
    // Reference shares 2/4, 1/4, 1/4 (add-one smoothed: 3/7, 2/7, 2/7); rows of classes 0, 0, 2.
    const reference = Int32Array.from([0, 0, 1, 2]);
    const rows = Int32Array.from([0, 0, 2]);
    expect(chanceLoss(reference, rows, 3)).toBeCloseTo(-(2 * Math.log(3 / 7) + Math.log(2 / 7)) / 3, 12);
    // On its own rows it is the entropy of the shares; three balanced classes give ln 3.
    const balanced = Int32Array.from(Array.from({ length: 3000 }, (_, i) => i % 3));
    expect(chanceLoss(balanced, balanced, 3)).toBeCloseTo(Math.log(3), 12);
  });

  test('chance loss stays finite for a class the reference never saw', () => {
    const loss = chanceLoss(Int32Array.from([0, 0, 1]), Int32Array.from([2]), 3);
    expect(loss).toBeCloseTo(-Math.log(1 / 6), 12);
  });

  test('a model that learnt the class shares and nothing else scores the chance loss', () => {
    // No hidden layer, zero weights, biases at the log shares: every row gets the shares.
    const model = Mlp.create({ inputSize: 2, hiddenLayers: [], activation: 'relu', dropout: 0, outputSize: 3 }, 1);
    const reference = Int32Array.from([0, 0, 0, 1, 2, 2, 2]);
    const shares = [4 / 10, 2 / 10, 4 / 10]; // add-one smoothed
    model.params.fill(0);
    model.params.set(shares.map(Math.log), 6);
    const y = Int32Array.from([0, 1, 2, 2, 0]);
    const x = new Float32Array(y.length * 2).map((_, i) => i % 7);
    expect(evaluate(model, x, y).loss).toBeCloseTo(chanceLoss(reference, y, 3), 6);
  });

  test('a class never predicted has precision 0, a class never present recall 0', () => {
    const m = classificationMetrics([
      [4, 0, 0],
      [2, 0, 0],
      [0, 0, 0],
    ]);
    expect(m.perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
    expect(m.perClass[2]).toEqual({ precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.chanceAccuracy).toBeCloseTo(4 / 6, 12);
  });

  test('evaluate builds that confusion matrix and the cross-entropy from a model with known logits', () => {
    // No hidden layer and identity weights: the logits are the features themselves.
    const model = Mlp.create({ inputSize: 3, hiddenLayers: [], activation: 'relu', dropout: 0, outputSize: 3 }, 1);
    model.params.fill(0);
    for (let i = 0; i < 3; i++) model.params[i * 3 + i] = 1;
    const x: number[] = [];
    const y: number[] = [];
    confusion.forEach((row, truth) =>
      row.forEach((count, predicted) => {
        for (let i = 0; i < count; i++) {
          x.push(...[0, 1, 2].map((c) => (c === predicted ? 2 : 0)));
          y.push(truth);
        }
      }),
    );
    const result = evaluate(model, Float32Array.from(x), Uint8Array.from(y));
    expect(result.confusion).toEqual(confusion);
    expect(result.rows).toBe(20);
    expect(result.accuracy).toBeCloseTo(0.75, 12);
    // A right row costs −log(e²/(e²+2)), a wrong one −log(1/(e²+2)).
    const right = Math.log(Math.exp(2) + 2) - 2;
    const wrong = Math.log(Math.exp(2) + 2);
    expect(result.loss).toBeCloseTo((15 * right + 5 * wrong) / 20, 12);
  });

  test('evaluate refuses an empty set instead of reporting zeros (spec §8 #11)', () => {
    const model = Mlp.create({ inputSize: 2, hiddenLayers: [], activation: 'relu', dropout: 0, outputSize: 3 }, 1);
    expect(() => evaluate(model, new Float32Array(0), new Int32Array(0))).toThrow(/no rows/);
  });
});
