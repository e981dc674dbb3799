'use strict';

/**
 * Our MLP training at one size: `node bench/ours/train.js N`. The same network, data, split,
 * batch size, epochs, dropout and optimiser as bench/peers/train_torch.py; a fresh model for
 * every timed run.
 */
const path = require('node:path');
const { Mlp, train } = require('../../dist/engine/neural/index.js');
const { readArray } = require('../lib/data');
const { measure, emit } = require('../lib/measure');
const { config, dataDir } = require('../lib/paths');

async function main() {
  const n = Number(process.argv[2]);
  const { inputSize, hiddenLayers, dropout, classes, epochs, batchSize, learningRate, validationShare } = config.training;
  const x = readArray(path.join(dataDir(n), 'train_x.f32'), Float32Array);
  const y = readArray(path.join(dataDir(n), 'train_y.i32'), Int32Array);
  // The first rows train and the last ones validate, as the Python side splits them.
  const trainRows = n - Math.round(n * validationShare);
  const options = {
    xTrain: x.subarray(0, trainRows * inputSize),
    yTrain: y.subarray(0, trainRows),
    xVal: x.subarray(trainRows * inputSize),
    yVal: y.subarray(trainRows),
    epochs,
    batchSize,
    optimizer: 'adam',
    learningRate,
    seed: config.seed,
  };
  const run = async () => {
    const model = Mlp.create({ inputSize, hiddenLayers, activation: 'relu', dropout, outputSize: classes }, config.seed);
    const result = await train(model, options);
    return { finalValAccuracy: result.finalValAccuracy, finalTrainLoss: result.finalTrainLoss };
  };
  const { result, ...timing } = await measure(run);
  emit({ n, trainRows, epochs, ...timing, check: result });
}

main();
