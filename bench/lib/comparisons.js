'use strict';

const { backtestAgreement, featureAgreement, trainingAgreement } = require('./agreement');

/**
 * The table's rows: each pairs one of our measurements with one peer's at one size, as a
 * throughput ratio (ours / peer, higher is better for us) or, for cold runs, a speed-up
 * (peer's wall time / ours), with the target where it sets one.
 */
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Work done per timed run: bars through the engine, or training samples (rows × epochs). */
const bars = (m) => m.n;
const trainingSamples = (m) => m.trainRows * m.epochs;
const wallSeconds = (m) => median(m.samples);

/** What is compared, in table order. `min` is the target for the ratio, when it has one. */
const PAIRS = [
  { task: 'backtest', ours: 'simulate', peer: 'vectorbt-numba', peerLabel: 'vectorbt numba, warm', work: bars, min: 5, agree: backtestAgreement },
  { task: 'backtest', ours: 'simulate', peer: 'vectorbt-rust', peerLabel: 'vectorbt-rust, warm', work: bars, agree: backtestAgreement },
  { task: 'backtest', ours: 'backtest', peer: 'vectorbt-numba', peerLabel: 'vectorbt numba, warm', work: bars, min: 5, agree: backtestAgreement },
  { task: 'backtest', ours: 'backtest', peer: 'vectorbt-rust', peerLabel: 'vectorbt-rust, warm', work: bars, agree: backtestAgreement },
  { task: 'backtest', ours: 'backtest', peer: 'backtrader', peerLabel: 'backtrader', work: bars, agree: backtestAgreement },
  {
    task: 'cold run',
    ours: 'cold',
    peer: 'vectorbt-numba-cold',
    peerLabel: 'vectorbt numba, cache filled',
    seconds: wallSeconds,
    min: 20,
    agree: backtestAgreement,
  },
  { task: 'cold run', ours: 'cold', peer: 'vectorbt-rust-cold', peerLabel: 'vectorbt-rust', seconds: wallSeconds, agree: backtestAgreement },
  { task: 'features', ours: 'features', peer: 'pandas', peerLabel: 'pandas/numpy', work: bars, agree: (o, p, n) => featureAgreement(n, 'pandas') },
  { task: 'features', ours: 'features', peer: 'talib', peerLabel: 'TA-Lib', work: bars, min: 1, agree: (o, p, n) => featureAgreement(n, 'talib') },
  {
    task: 'training',
    ours: 'train',
    peer: 'torch',
    peerLabel: 'PyTorch CPU, 1 thread',
    work: trainingSamples,
    unit: 'samples/s',
    min: 4,
    agree: trainingAgreement,
  },
];

const OUR_LABELS = {
  simulate: 'simulate()',
  backtest: 'backtest()',
  cold: 'fresh node process',
  features: 'catalog + fuzzify',
  train: 'train()',
  e2e: 'load+predictBars+backtest',
};

/** Peak memory ceiling of the end-to-end run, in MB. */
const E2E_MAX_MB = 250;

function comparisons(sizes, measurements) {
  const rows = [];
  for (const pair of PAIRS) {
    for (const n of sizes) {
      const ours = measurements[pair.ours]?.[n];
      const peer = measurements[pair.peer]?.[n];
      if (!ours || !peer) continue;
      const row = { task: pair.task, ours: OUR_LABELS[pair.ours], peer: pair.peerLabel, n, oursRssMb: ours.peakRssMb, peerRssMb: peer.peakRssMb };
      if (pair.seconds) {
        Object.assign(row, { unit: 's', oursValue: pair.seconds(ours), peerValue: pair.seconds(peer) });
        row.ratio = row.peerValue / row.oursValue;
      } else {
        const rate = (m, samples) => pair.work(m) / median(m[samples]);
        Object.assign(row, { unit: pair.unit ?? 'bars/s', oursValue: rate(ours, 'samples'), peerValue: rate(peer, 'samples') });
        row.ratio = row.oursValue / row.peerValue;
        // The same ratio on CPU time: less disturbed when other work shares the machine.
        row.cpuRatio = rate(ours, 'cpuSamples') / rate(peer, 'cpuSamples');
      }
      if (pair.min !== undefined) row.target = { min: pair.min, pass: row.ratio >= pair.min };
      row.agreement = pair.agree(ours.check, peer.check, n);
      rows.push(row);
    }
  }
  for (const n of sizes) {
    const e2e = measurements.e2e?.[n];
    if (!e2e) continue;
    rows.push({
      task: 'end to end',
      ours: OUR_LABELS.e2e,
      n,
      unit: 's',
      oursValue: e2e.wallSeconds,
      oursRssMb: e2e.peakRssMb,
      target: { maxMb: E2E_MAX_MB, pass: e2e.peakRssMb < E2E_MAX_MB },
    });
  }
  return rows;
}

module.exports = { comparisons, median };
