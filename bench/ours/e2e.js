'use strict';

/**
 * End to end at one size, in a fresh process, for its peak memory: `node bench/ours/e2e.js N`
 * loads the bars CSV, then runs what `ktrdr-agent backtest` runs on them for the shipped
 * strategy rsi_adx_trend_filter (RSI and ADX, six fuzzy sets, two lags: 18 model columns):
 * predictBars builds the features into the model's scaled float32 rows and predicts with the
 * MLP, and backtest() trades the predictions. The model is untrained (seeded weights, a neutral
 * scaler): training is measured on its own, and what matters here is what a prediction-and-
 * backtest pass holds in memory at once.
 */
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const YAML = require('yaml');
const { backtest } = require('../../dist/engine/backtest/run.js');
const { predictBars } = require('../../dist/engine/neural/predict.js');
const { featureColumns } = require('../../dist/engine/features/features.js');
const { Mlp } = require('../../dist/engine/neural/index.js');
const { StrategySchema } = require('../../dist/research/schema.js');
const { benchBars, backtestConfig } = require('../lib/inputs');
const { emit } = require('../lib/measure');
const { config } = require('../lib/paths');

const STRATEGY = path.join(__dirname, '..', '..', 'strategies', 'rsi_adx_trend_filter.yaml');

const n = Number(process.argv[2]);
// Resident memory after each phase, in MB: the peak alone does not say which phase set it.
const rssMb = () => process.memoryUsage.rss() / 2 ** 20;
// Schema only: the validator's data checks read the strategy's own market, not these bars.
const strategy = StrategySchema.parse(YAML.parse(fs.readFileSync(STRATEGY, 'utf8')));
const columns = featureColumns(strategy);
const model = { columns, scaler: { mean: columns.map(() => 0.5), std: columns.map(() => 0.5) } };
const { hiddenLayers, dropout, classes } = config.training;
const network = Mlp.create({ inputSize: columns.length, hiddenLayers, activation: 'relu', dropout, outputSize: classes }, config.seed);

const started = performance.now();
const bars = benchBars(n);
const loaded = performance.now();
const rssAfterLoad = rssMb();
const probabilities = predictBars(strategy, model, network, bars);
const predicted = performance.now();
const rssAfterPredict = rssMb();
const report = backtest(bars, probabilities, backtestConfig());
const done = performance.now();
emit({
  n,
  columns: columns.length,
  phasesMs: { load: loaded - started, predict: predicted - loaded, backtest: done - predicted },
  rssAfterMb: { load: rssAfterLoad, predict: rssAfterPredict, backtest: rssMb() },
  check: { trades: report.trades.length, readyBars: report.decisions.summary.readyBars },
});
