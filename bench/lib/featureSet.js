'use strict';

const { findIndicator, resolveParams } = require('../../dist/engine/features/indicators/catalog.js');
const { fuzzify } = require('../../dist/engine/features/fuzzy.js');
const { config } = require('./paths');

/**
 * The feature build — RSI, EMA, MACD, Bollinger, ATR, ADX and three triangular
 * memberships on RSI — from the catalog and fuzzify, as the strategy feature builder composes
 * them. Column order is the one bench/peers/features.py writes.
 */
const INDICATORS = ['rsi', 'ema', 'macd', 'bbands', 'atr', 'adx'];
const COLUMNS = [
  'rsi',
  'ema',
  'macd',
  'macd_signal',
  'macd_histogram',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  'atr',
  'adx',
  'plus_di',
  'minus_di',
  'rsi_low',
  'rsi_mid',
  'rsi_high',
];

/** Catalog entries with their parameters resolved once, as strategy validation does before any build. */
function prepareFeatureSet() {
  return INDICATORS.map((name) => {
    const spec = findIndicator(name);
    const resolved = resolveParams(spec, config.features[name]);
    if (!resolved.ok) throw new Error(`${name}: ${resolved.problems.map((p) => p.message).join('; ')}`);
    return { spec, params: resolved.params };
  });
}

/** The columns of COLUMNS, each a Float64Array over the bars (NaN during warm-up). */
function buildFeatureSet(prepared, bars) {
  const columns = prepared.flatMap(({ spec, params }) => spec.compute(bars, params));
  const rsi = columns[0];
  for (const parameters of Object.values(config.features.rsiMemberships)) {
    columns.push(fuzzify({ type: 'triangular', parameters }, rsi));
  }
  return columns;
}

module.exports = { COLUMNS, prepareFeatureSet, buildFeatureSet };
