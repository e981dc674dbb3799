'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { syntheticBars } = require('../../dist/engine/data/synthetic.js');
const { writeBarsCsv } = require('../../dist/engine/data/barsCsv.js');
const { config, dataDir, outDir } = require('./paths');
const { random } = require('./random');

/**
 * Writes the inputs every side reads at one size: the bars as the canonical CSV, the signal
 * stream and the training set as raw little-endian arrays (what numpy.fromfile and a typed array
 * over a Buffer both read without parsing). Made again on every run: the generator belongs to
 * the engine and may change, and stale inputs would compare the sides on different data.
 */
function generateInputs(n) {
  const dir = dataDir(n);
  fs.mkdirSync(outDir(n), { recursive: true });
  const bars = syntheticBars({ symbol: config.symbol, timeframe: config.timeframe, bars: n, seed: config.seed });
  writeBarsCsv(bars, path.join(dir, `${config.symbol}_${config.timeframe}.csv`));
  writeArray(path.join(dir, 'signals.i8'), signalStream(n, config.seed));
  const { x, y } = trainingSet(n, config.seed);
  writeArray(path.join(dir, 'train_x.f32'), x);
  writeArray(path.join(dir, 'train_y.i32'), y);
}

/**
 * +1 buy, −1 sell, 0 hold, on about `signalRate` of the bars, alternating from flat and ending
 * flat. Every engine then trades exactly the same round trips: none has to decide what a
 * redundant signal means (vectorbt, backtrader and ours differ there), and no position is left
 * open for an end-of-data convention to close (ours closes it, vectorbt leaves it marked).
 */
function signalStream(n, seed) {
  const rng = random(seed);
  const signals = new Int8Array(n);
  let long = false;
  // A signal fills on the next bar's open; the last two bars stay free for the closing sell.
  for (let t = 0; t < n - 2; t++) {
    if (rng.next() >= config.signalRate) continue;
    signals[t] = long ? -1 : 1;
    long = !long;
  }
  if (long) signals[n - 2] = -1;
  return signals;
}

/**
 * n rows of standard-normal features with a planted linear rule for the label, so both trainers
 * have something to learn and their accuracies can be compared.
 */
function trainingSet(n, seed) {
  const { inputSize: d, classes: k } = config.training;
  const rng = random(seed + 1);
  const weights = Float64Array.from({ length: d * k }, () => rng.normal());
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = rng.normal();
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < k; c++) {
      let score = 2 * rng.normal();
      for (let j = 0; j < d; j++) score += x[i * d + j] * weights[j * k + c];
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    y[i] = best;
  }
  return { x, y };
}

const writeArray = (file, array) => fs.writeFileSync(file, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));

/** A raw array file as the typed array `Type` (the bytes are copied into an aligned buffer). */
function readArray(file, Type) {
  const bytes = fs.readFileSync(file);
  return new Type(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

module.exports = { generateInputs, readArray, writeArray };
