#!/usr/bin/env node
'use strict';
// How often the offline designer's strategies pass the default gates, check by check:
//   node bench/gates.js [--brief "momentum on EURUSD hourly"] [--symbol S] [--timeframe TF] [--runs 30] [--json FILE]
// (after npm run build; --json writes the summary and one row per cycle, as bench/gates-results.json holds). Each run is a newcomer's first cycle: a fresh strategies folder, the
// offline designer seeded by its own cycle id (bench-gates-0, -1, …, the same ids every time, so
// two builds are compared on the same designs), then training, the backtest and the gates with
// their defaults, exactly as the workflow calls them, and the offline assessor's verdict.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DIST = path.join(__dirname, '..', 'dist');
const { designOffline } = require(path.join(DIST, 'design', 'offline', 'designer'));
const { assessOffline } = require(path.join(DIST, 'design', 'offline', 'assessor'));
const { trainStrategy } = require(path.join(DIST, 'research', 'training'));
const { backtestStrategy } = require(path.join(DIST, 'research', 'backtesting'));
const { summarizeBacktest } = require(path.join(DIST, 'services', 'backtestSummary'));
const { evaluateBacktestGate, evaluateTrainingGate, GateThresholdsSchema } = require(path.join(DIST, 'domain', 'gates'));
const { foldersFromEnv } = require(path.join(DIST, 'folders'));

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
  const dirs = {
    strategiesDir: path.join(folder, 'strategies'),
    dataDir: foldersFromEnv().marketData,
    modelsDir: path.join(folder, 'models'),
    reportsDir: path.join(folder, 'reports'),
  };
  const design = designOffline({ cycleId, model: 'offline', brief, symbol, timeframe, strategiesDir: dirs.strategiesDir, dataDir: dirs.dataDir });
  const training = await trainStrategy(design.strategyPath, { dataDir: dirs.dataDir, modelsDir: dirs.modelsDir });
  const backtest = summarizeBacktest(await backtestStrategy(design.strategyPath, dirs)).metrics.validation;
  const thresholds = GateThresholdsSchema.parse({});
  const gates = { training: evaluateTrainingGate(training.metrics, thresholds.training), backtest: evaluateBacktestGate(backtest, thresholds.backtest) };
  const { verdict } = assessOffline({
    cycleId,
    model: 'offline',
    strategyName: design.strategyName,
    strategyPath: design.strategyPath,
    training: training.metrics,
    backtest,
    strategiesDir: dirs.strategiesDir,
    dataDir: dirs.dataDir,
  });
  return { cycleId, strategy: design.strategyName, market: `${design.symbol} ${design.timeframe}`, training: training.metrics, backtest, gates, verdict };
}

const passedOf = (results, gate, i) => results.filter((r) => (i === undefined ? r.gates[gate].passed : r.gates[gate].checks[i].passed)).length;

function summary(results) {
  const gates = {};
  for (const gate of ['training', 'backtest']) {
    const checks = Object.fromEntries(results[0].gates[gate].checks.map((c, i) => [c.metric, passedOf(results, gate, i)]));
    gates[gate] = { passed: passedOf(results, gate), checks };
  }
  const verdicts = {};
  for (const r of results) verdicts[r.verdict] = (verdicts[r.verdict] ?? 0) + 1;
  return { completed: results.filter((r) => r.gates.training.passed && r.gates.backtest.passed).length, gates, verdicts };
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
  const sum = summary(results);
  console.log(`\n"${brief}"${symbol ? ` --symbol ${symbol}` : ''}${timeframe ? ` --timeframe ${timeframe}` : ''}, ${runs} cycles`);
  for (const [gate, { passed, checks }] of Object.entries(sum.gates)) {
    console.log(`${gate} gate: ${percent(passed, runs)}`);
    for (const [metric, count] of Object.entries(checks)) console.log(`  ${metric.padEnd(28)} ${percent(count, runs)}`);
  }
  console.log(`both gates (the cycle completes): ${percent(sum.completed, runs)}`);
  console.log(
    `offline verdicts: ${Object.entries(sum.verdicts)
      .map(([v, k]) => `${v} ${k}`)
      .join(', ')}`,
  );
  if (jsonFile) {
    const rows = results.map((r) => ({
      cycleId: r.cycleId,
      strategy: r.strategy,
      failed: [...r.gates.training.checks, ...r.gates.backtest.checks].filter((c) => !c.passed).map((c) => `${c.code} (${c.metric} ${c.text})`),
      verdict: r.verdict,
    }));
    fs.writeFileSync(jsonFile, `${JSON.stringify({ date: new Date().toISOString(), brief, symbol, timeframe, runs, ...sum, cycles: rows }, null, 2)}\n`);
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
