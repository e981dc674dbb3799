'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { BENCH } = require('./paths');

const PYTHON = path.join(BENCH, '.venv', 'bin', 'python');

/**
 * The peers run on one thread like our engine: numba, OpenMP, MKL and OpenBLAS pools capped at
 * one thread (torch also calls set_num_threads(1)). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE,
 * which this workplace sets on some processors to work around old OpenBLAS builds, are removed
 * for the peers: they slow a current numpy, and the peers should run as they would elsewhere.
 */
function peerEnv() {
  const env = { ...process.env, NUMBA_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

/**
 * Runs one measurement in a fresh process and returns the JSON line it printed, with the
 * process's wall time from spawn to exit (what a cold run is judged on). One process at a time:
 * the machine has two cores, and a second measurement would steal from the first.
 */
function runProcess(command, args) {
  const started = performance.now();
  const child = spawnSync(command, args, { cwd: BENCH, env: peerEnv(), encoding: 'utf8', maxBuffer: 16 << 20 });
  const wallSeconds = (performance.now() - started) / 1000;
  if (child.status !== 0) {
    throw new Error(`${path.basename(args[0])} ${args.slice(1).join(' ')} failed (exit ${child.status ?? child.signal}):\n${child.stderr.trim()}`);
  }
  const lines = child.stdout.trim().split('\n');
  return { ...JSON.parse(lines[lines.length - 1]), wallSeconds };
}

const runOurs = (script, ...args) => runProcess(process.execPath, [path.join(BENCH, 'ours', script), ...args.map(String)]);
const runPeer = (script, ...args) => runProcess(PYTHON, [path.join(BENCH, 'peers', script), ...args.map(String)]);

module.exports = { PYTHON, peerEnv, runOurs, runPeer };
