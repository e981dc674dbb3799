'use strict';

const path = require('node:path');

/** Where the benchmark keeps its settings, generated inputs and peers' outputs. */
const BENCH = path.resolve(__dirname, '..');
const config = require(path.join(BENCH, 'config.json'));

/** One folder per size, so each series can be loaded by name like the product loads data/. */
const dataDir = (n) => path.join(BENCH, '.data', `n${n}`);
const outDir = (n) => path.join(dataDir(n), 'out');

module.exports = { BENCH, config, dataDir, outDir };
