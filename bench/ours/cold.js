'use strict';

/**
 * One cold run: `node bench/ours/cold.js N` in a fresh process loads the engine, the bars CSV
 * and the signals, runs backtest() once and exits. The orchestrator times the whole process
 * from spawn to exit; the phases below (ms since the process started) say where that time went.
 */
const { performance } = require('node:perf_hooks');
const { backtest } = require('../../dist/engine/backtest/run.js');
const { benchBars, benchSignals, probabilitiesFor, backtestConfig } = require('../lib/inputs');
const { emit } = require('../lib/measure');

const imported = performance.now();
const n = Number(process.argv[2]);
const bars = benchBars(n);
const signals = benchSignals(n);
const loaded = performance.now();
const report = backtest(bars, probabilitiesFor(signals), backtestConfig());
const ran = performance.now();
emit({
  n,
  phasesMs: { import: imported, load: loaded - imported, run: ran - loaded },
  check: { finalEquity: report.equity.strategy[report.equity.strategy.length - 1], trades: report.trades.length },
});
