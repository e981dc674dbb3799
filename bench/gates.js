#!/usr/bin/env node
'use strict';
// How often the offline designer's strategies pass the default gates, check by check:
//   node bench/gates.js [--brief "momentum on EURUSD hourly"] [--symbol S] [--timeframe TF] [--runs 30] [--json FILE]
// (after npm run build). Each run is a newcomer's first cycle: a fresh strategies folder, the
// offline designer seeded by its own cycle id (bench-gates-0, -1, …, the same ids every time, so
// two builds are compared on the same designs), then training, the backtest and the gates with
// their defaults, exactly as the workflow calls them, and the offline assessor's verdict.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIST = path.join(__dirname, '..', 'dist');
const { designOffline } = require(path.join(DIST, 'llm', 'offlineDesigner'));
const { assessOffline } = require(path.join(DIST, 'llm', 'offlineAssessor'));
const { trainStrategy } = require(path.join(DIST, 'engine', 'training'));
const { backtestStrategy } = require(path.join(DIST, 'engine', 'backtesting'));
const { summarizeBacktest } = require(path.join(DIST, 'services', 'backtestSummary'));
const { evaluateBacktestGate, evaluateTrainingGate, GateThresholdsSchema } = require(path.join(DIST, 'domain', 'gates'));

const arg = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const brief = arg('brief', 'momentum on EURUSD hourly');
const symbol = arg('symbol');
const timeframe = arg('timeframe');
const runs = Number(arg('runs', 30));
const jsonFile = arg('json');

const percent = (count, total) => `${count}/${total} (${Math.round((100 * count) / total)} %)`;

async function cycle(cycleId, folder) {
  const dirs = { strategiesDir: path.join(folder, 'strategies'), modelsDir: path.join(folder, 'models'), reportsDir: path.join(folder, 'reports') };
  const design = designOffline({ cycleId, model: 'offline', brief, symbol, timeframe, strategiesDir: dirs.strategiesDir });
  const training = await trainStrategy(design.strategyPath, { modelsDir: dirs.modelsDir });
  const backtest = summarizeBacktest(await backtestStrategy(design.strategyPath, dirs)).metrics.validation;
  const thresholds = GateThresholdsSchema.parse({});
  const gates = { training: evaluateTrainingGate(training.metrics, thresholds.training), backtest: evaluateBacktestGate(backtest, thresholds.backtest) };
  const { verdict } = assessOffline({ cycleId, model: 'offline', strategyName: design.strategyName, strategyPath: design.strategyPath, training: training.metrics, backtest, strategiesDir: dirs.strategiesDir });
  return { cycleId, strategy: design.strategyName, market: `${design.symbol} ${design.timeframe}`, training: training.metrics, backtest, gates, verdict };
}

(async () => {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-gates-bench-'));
    try {
      const r = await cycle(`bench-gates-${i}`, folder);
      results.push(r);
      const failed = [...r.gates.training.checks, ...r.gates.backtest.checks].filter((c) => !c.passed).map((c) => c.code);
      console.log(`${r.cycleId} ${r.strategy} (${r.market}): ${failed.length ? failed.join(', ') : 'both gates pass'} · ${r.verdict}`);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }
  console.log(`\n"${brief}"${symbol ? ` --symbol ${symbol}` : ''}${timeframe ? ` --timeframe ${timeframe}` : ''}, ${runs} cycles`);
  for (const gate of ['training', 'backtest']) {
    const passed = results.filter((r) => r.gates[gate].passed).length;
    console.log(`${gate} gate: ${percent(passed, runs)}`);
    for (const [i, check] of results[0].gates[gate].checks.entries()) {
      console.log(`  ${check.metric.padEnd(28)} ${percent(results.filter((r) => r.gates[gate].checks[i].passed).length, runs)}`);
    }
  }
  const complete = results.filter((r) => r.gates.training.passed && r.gates.backtest.passed).length;
  console.log(`both gates (the cycle completes): ${percent(complete, runs)}`);
  const verdicts = {};
  for (const r of results) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  console.log(`offline verdicts: ${Object.entries(verdicts).map(([v, k]) => `${v} ${k}`).join(', ')}`);
  if (jsonFile) fs.writeFileSync(jsonFile, `${JSON.stringify({ date: new Date().toISOString(), brief, symbol, timeframe, runs, results }, null, 2)}\n`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
