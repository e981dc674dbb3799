'use strict';

const path = require('node:path');
const { loadBars } = require('../../dist/engine/data/marketData.js');
const { config, dataDir } = require('./paths');
const { readArray } = require('./data');

/** The bars at size n, through the loader the product uses on data/ (strict CSV parsing included). */
const benchBars = (n) => loadBars(config.symbol, config.timeframe, { dir: dataDir(n) });

const benchSignals = (n) => readArray(path.join(dataDir(n), 'signals.i8'), Int8Array);

/**
 * Class probabilities (BUY, HOLD, SELL per row) whose decisions are exactly `signals` under the
 * decision settings below: a confident BUY or SELL where the stream has one, HOLD elsewhere.
 */
function probabilitiesFor(signals) {
  const p = new Float32Array(signals.length * 3).fill(0.05);
  for (let t = 0; t < signals.length; t++) p[3 * t + (signals[t] === 1 ? 0 : signals[t] === -1 ? 2 : 1)] = 0.9;
  return p;
}

/** Decisions that pass the stream through unchanged: no separation filter, threshold below 0.9. */
const backtestConfig = () => ({
  decisions: { confidence_threshold: 0.5, position_awareness: true, filters: { min_signal_separation: 0 } },
  execution: config.execution,
});

module.exports = { benchBars, benchSignals, probabilitiesFor, backtestConfig };
