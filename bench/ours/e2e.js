'use strict';

/**
 * End to end at one size, in a fresh process, for its peak memory: `node bench/ours/e2e.js N`
 * loads the bars CSV, builds the features, scales them, predicts with an MLP and backtests the
 * predictions. The model is untrained (seeded weights): training is measured on its own, and
 * what matters here is what a prediction-and-backtest pass holds in memory at once.
 */
const { performance } = require('node:perf_hooks');
const { backtest } = require('../../dist/engine/backtest/run.js');
const { Mlp } = require('../../dist/engine/neural/index.js');
const { prepareFeatureSet, buildFeatureSet } = require('../lib/featureSet');
const { benchBars, backtestConfig } = require('../lib/inputs');
const { emit } = require('../lib/measure');
const { config } = require('../lib/paths');

const n = Number(process.argv[2]);
// Resident memory after each phase, in MB: the peak alone does not say which phase set it.
const rssMb = () => process.memoryUsage.rss() / 2 ** 20;
const started = performance.now();
const bars = benchBars(n);
const loaded = performance.now();
const rssAfterLoad = rssMb();
const columns = buildFeatureSet(prepareFeatureSet(), bars);
const x = scaledRows(columns, n);
const built = performance.now();
const rssAfterFeatures = rssMb();
const { hiddenLayers, dropout, classes } = config.training;
const model = Mlp.create({ inputSize: columns.length, hiddenLayers, activation: 'relu', dropout, outputSize: classes }, config.seed);
const probabilities = model.predictProba(x);
const predicted = performance.now();
const rssAfterPredict = rssMb();
const report = backtest(bars, probabilities, backtestConfig());
const done = performance.now();
emit({
  n,
  phasesMs: { load: loaded - started, features: built - loaded, predict: predicted - built, backtest: done - predicted },
  rssAfterMb: { load: rssAfterLoad, features: rssAfterFeatures, predict: rssAfterPredict, backtest: rssMb() },
  check: { trades: report.trades.length, readyBars: report.decisions.summary.readyBars },
});

/**
 * Row-major n×d float32 rows, each column z-scored over its defined values, as the model's
 * scaler does; warm-up rows stay NaN, so the decisions skip them.
 */
function scaledRows(cols, rows) {
  const d = cols.length;
  const out = new Float32Array(rows * d);
  cols.forEach((column, c) => {
    let count = 0;
    let sum = 0;
    let squares = 0;
    for (const v of column) {
      if (Number.isNaN(v)) continue;
      count++;
      sum += v;
      squares += v * v;
    }
    const mean = sum / count;
    const std = Math.sqrt(Math.max(squares / count - mean * mean, 0)) || 1;
    for (let i = 0; i < rows; i++) out[i * d + c] = (column[i] - mean) / std;
  });
  return out;
}
