'use strict';

/**
 * Seeded numbers for the benchmark's own inputs (signal stream, training set). The bench keeps
 * its own generator rather than importing the engine's, so that it relies only on the engine's
 * public API and an engine change cannot silently change the benchmark's inputs.
 * mulberry32, as in the engine: small and good enough for test data.
 */
function random(seed) {
  let state = seed >>> 0;
  const next = () => {
    let t = (state = (state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** Standard normal by Box–Muller (one value per call; speed does not matter here). */
  const normal = () => {
    let u = 0;
    while (u === 0) u = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal };
}

module.exports = { random };
