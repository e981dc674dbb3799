'use strict';

const path = require('node:path');
const { COLUMNS } = require('./featureSet');
const { readArray } = require('./data');
const { config, outDir } = require('./paths');

/** Same trades, same final equity up to rounding: both sides follow the same execution model. */
function backtestAgreement(ours, peer) {
  const relative = Math.abs(ours.finalEquity - peer.finalEquity) / Math.abs(peer.finalEquity);
  return {
    ok: ours.trades === peer.trades && relative <= 1e-9,
    detail: `equity ${peer.finalEquity.toFixed(2)} (Δ ${relative.toExponential(0)}), ${peer.trades} trades`,
  };
}

/** |a − b| ≤ 1e-8 · (1 + |b|): relative for large values, absolute near zero (MACD crosses it). */
const TOLERANCE = 1e-8;

/**
 * Column by column against a peer's output. The pandas build follows our conventions, so it is
 * compared from the first bar, warm-up (NaN) layout included; TA-Lib seeds its averages its own
 * way, so it is compared from config.features.compareFromBar, where those seeds have decayed
 * below 1e-12 (the slowest, Wilder's 13/14 per bar, is at 1e-16 after 500 bars).
 */
function featureAgreement(n, peer) {
  const ours = readArray(path.join(outDir(n), 'features-ours.f64'), Float64Array);
  const theirs = readArray(path.join(outDir(n), `features-${peer}.f64`), Float64Array);
  const from = peer === 'pandas' ? 0 : Math.min(config.features.compareFromBar, n);
  let worst = { column: COLUMNS[0], diff: 0 };
  const nanLayout = new Set();
  COLUMNS.forEach((column, c) => {
    for (let i = c * n + from; i < (c + 1) * n; i++) {
      const a = ours[i];
      const b = theirs[i];
      if (Number.isNaN(a) || Number.isNaN(b)) {
        if (Number.isNaN(a) !== Number.isNaN(b)) nanLayout.add(column);
        continue;
      }
      const diff = Math.abs(a - b) / (1 + Math.abs(b));
      if (diff > worst.diff) worst = { column, diff };
    }
  });
  const layout = nanLayout.size > 0 ? `; warm-up differs: ${[...nanLayout].join(', ')}` : '';
  return {
    ok: worst.diff <= TOLERANCE && nanLayout.size === 0,
    detail: `max Δ ${worst.diff.toExponential(0)} (${worst.column})${from > 0 ? ` from bar ${from}` : ''}${layout}`,
  };
}

/** Different initial weights and float32 against float64 arithmetic: close, not equal. */
function trainingAgreement(ours, peer) {
  const gap = Math.abs(ours.finalValAccuracy - peer.finalValAccuracy);
  return {
    ok: gap <= 0.05,
    detail: `val accuracy ${ours.finalValAccuracy.toFixed(3)} vs ${peer.finalValAccuracy.toFixed(3)}`,
  };
}

module.exports = { backtestAgreement, featureAgreement, trainingAgreement };
