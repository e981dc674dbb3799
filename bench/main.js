'use strict';

/**
 * The benchmark's orchestrator (bench/run.sh calls it once the engine is built and the peers'
 * venv exists): generates the inputs, runs every measurement in its own process, checks that
 * the sides agree, prints the table and writes bench/results.json.
 *
 *   node bench/main.js [--sizes 10000,100000]   (default: config.json's sizes)
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { comparisons, median } = require('./lib/comparisons');
const CONVENTIONS = require('./lib/conventions');
const { generateInputs } = require('./lib/data');
const { machineInfo } = require('./lib/machine');
const { BENCH, config } = require('./lib/paths');
const { runOurs, runPeer } = require('./lib/spawn');
const { renderTable, renderTargets } = require('./lib/table');

/** A cold run is one process; its figure is the median wall time of config.timing.coldRuns of them. */
function coldRuns(run) {
  const runs = Array.from({ length: config.timing.coldRuns }, run);
  const walls = runs.map((r) => r.wallSeconds);
  const typical = runs[walls.indexOf([...walls].sort((a, b) => a - b)[walls.length >> 1])];
  return { ...typical, samples: walls, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) };
}

/**
 * Every measurement at size n, in this order: the warm vectorbt run comes before the cold ones
 * because it fills numba's on-disk cache, which the cold runs are meant to find filled.
 */
const MEASUREMENTS = [
  ['simulate', (n) => runOurs('backtest.js', n, 'simulate')],
  ['backtest', (n) => runOurs('backtest.js', n, 'backtest')],
  ['vectorbt-numba', (n) => runPeer('vectorbt_backtest.py', n, 'numba', 'warm')],
  ['vectorbt-rust', (n) => runPeer('vectorbt_backtest.py', n, 'rust', 'warm')],
  ['backtrader', (n) => runPeer('backtrader_backtest.py', n)],
  ['cold', (n) => coldRuns(() => runOurs('cold.js', n))],
  ['vectorbt-numba-cold', (n) => coldRuns(() => runPeer('vectorbt_backtest.py', n, 'numba', 'cold'))],
  ['vectorbt-rust-cold', (n) => coldRuns(() => runPeer('vectorbt_backtest.py', n, 'rust', 'cold'))],
  ['features', (n) => runOurs('features.js', n)],
  ['pandas', (n) => runPeer('features.py', n, 'pandas')],
  ['talib', (n) => runPeer('features.py', n, 'talib')],
  ['train', (n) => runOurs('train.js', n)],
  ['torch', (n) => runPeer('train_torch.py', n)],
  ['e2e', (n) => runOurs('e2e.js', n)],
];

function parseSizes(argv) {
  const at = argv.indexOf('--sizes');
  if (at < 0) return config.sizes;
  const sizes = (argv[at + 1] ?? '').split(',').map(Number);
  if (sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n >= 1000)) {
    throw new Error('--sizes takes whole numbers ≥ 1000 separated by commas, e.g. --sizes 10000,100000');
  }
  return sizes;
}

const log = (message) => process.stderr.write(`bench: ${message}\n`);

function main() {
  const sizes = parseSizes(process.argv.slice(2));
  const machine = machineInfo();
  const measurements = {};
  for (const n of sizes) {
    log(`n=${n}: generating bars, signals and training set`);
    generateInputs(n);
    for (const [name, run] of MEASUREMENTS) {
      const result = run(n);
      (measurements[name] ??= {})[n] = { ...result, medianSeconds: result.samples ? median(result.samples) : undefined };
      log(
        `n=${n}: ${name} ${result.samples ? `${median(result.samples).toFixed(3)} s median of ${result.samples.length}` : `${result.wallSeconds.toFixed(2)} s`}, peak ${result.peakRssMb.toFixed(0)} MB`,
      );
    }
  }

  const rows = comparisons(sizes, measurements);
  console.log(
    `\n${renderTable(rows)}\n\nTargets (issue 4):\n${renderTargets(rows)}\n\nHow the sides were set up:\n${CONVENTIONS.map((c) => `- ${c}`).join('\n')}`,
  );
  machine.loadAverageAtEnd = os.loadavg().map((l) => Number(l.toFixed(2)));
  const results = { date: new Date().toISOString(), machine, config, conventions: CONVENTIONS, comparisons: rows, measurements };
  fs.writeFileSync(path.join(BENCH, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `\nWrote bench/results.json (${machine.cpu}, ${machine.cores} cores, node ${machine.node}, Python ${machine.python}; load average ${machine.loadAverageAtStart[0]} at start, ${machine.loadAverageAtEnd[0]} at end).`,
  );
}

main();
