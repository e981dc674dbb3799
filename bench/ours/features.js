'use strict';

/**
 * Our feature build at one size: `node bench/ours/features.js N`. Times the build alone (bars
 * already loaded, parameters already resolved) and writes the columns for the agreement check.
 */
const path = require('node:path');
const { COLUMNS, prepareFeatureSet, buildFeatureSet } = require('../lib/featureSet');
const { benchBars } = require('../lib/inputs');
const { measure, emit } = require('../lib/measure');
const { outDir } = require('../lib/paths');
const { writeArray } = require('../lib/data');

async function main() {
  const n = Number(process.argv[2]);
  const bars = benchBars(n);
  const prepared = prepareFeatureSet();
  const { result, ...timing } = await measure(() => buildFeatureSet(prepared, bars));
  const matrix = new Float64Array(COLUMNS.length * n);
  result.forEach((column, c) => matrix.set(column, c * n));
  writeArray(path.join(outDir(n), 'features-ours.f64'), matrix);
  emit({ n, ...timing });
}

main();
