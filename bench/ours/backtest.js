'use strict';

/**
 * Our backtest at one size, in its own process: `node bench/ours/backtest.js N simulate|backtest`.
 * simulate() is the portfolio simulation alone (what vectorbt's from_signals does); backtest()
 * is the product's whole call: decisions from probabilities, the simulation, the buy-and-hold
 * benchmark and the metrics.
 */
const { backtest } = require('../../dist/engine/backtest/run.js');
const { simulate } = require('../../dist/engine/backtest/simulate.js');
const { benchBars, benchSignals, probabilitiesFor, backtestConfig } = require('../lib/inputs');
const { measure, emit } = require('../lib/measure');
const { config } = require('../lib/paths');

async function main() {
  const n = Number(process.argv[2]);
  const which = process.argv[3];
  const bars = benchBars(n);
  const signals = benchSignals(n);
  let run;
  if (which === 'simulate') {
    run = () => {
      const { equity, trades } = simulate(bars, signals, config.execution);
      return { finalEquity: equity[n - 1], trades: trades.length };
    };
  } else if (which === 'backtest') {
    const probabilities = probabilitiesFor(signals);
    const settings = backtestConfig();
    run = () => {
      const report = backtest(bars, probabilities, settings);
      return { finalEquity: report.equity.strategy[report.equity.strategy.length - 1], trades: report.trades.length };
    };
  } else {
    throw new Error(`usage: backtest.js N simulate|backtest, got '${which}'`);
  }
  const { result, ...timing } = await measure(run);
  emit({ n, ...timing, check: result });
}

main();
