'use strict';

const { performance } = require('node:perf_hooks');
const { config } = require('./paths');

/**
 * Times `fn` the way bench/peers/common.py times the peers (keep the two alike): warm-up runs
 * first, then the median of up to maxRuns runs within the time budget. A first run longer than
 * the whole budget is the only sample (pure interpreters such as backtrader gain nothing from a
 * warm-up and would take minutes). Returns the samples in seconds and fn's last result.
 */
async function measure(fn, { warmups, maxRuns, budgetSeconds } = config.timing) {
  let result;
  const run = async () => {
    const started = performance.now();
    result = await fn();
    return (performance.now() - started) / 1000;
  };
  const first = await run();
  if (first > budgetSeconds) return { samples: [first], warm: false, result };
  for (let i = 1; i < warmups; i++) await run();
  const samples = [];
  let spent = 0;
  while (samples.length < maxRuns && (samples.length === 0 || spent < budgetSeconds)) {
    const seconds = await run();
    samples.push(seconds);
    spent += seconds;
  }
  return { samples, warm: true, result };
}

/** High-water mark of this process's resident memory, in MB (Linux reports maxRSS in KiB). */
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** The one JSON line a measurement process prints for the orchestrator. */
function emit(report) {
  process.stdout.write(`${JSON.stringify({ ...report, peakRssMb: peakRssMb() })}\n`);
}

module.exports = { measure, emit };
