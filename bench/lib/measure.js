'use strict';

const { performance } = require('node:perf_hooks');
const { config } = require('./paths');

/**
 * Times `fn` the way bench/peers/common.py times the peers (keep the two alike): warm-up runs
 * first, at least `warmups` of them and at least `warmupSeconds` in all, then the median of up
 * to maxRuns runs within the time budget. Warm means steady: V8 needs many calls of a
 * millisecond loop before its optimising compiler takes it (at 10⁴ bars two warm-ups left
 * simulate() 2.5× slower than its steady state), numba compiles on the first call. A first run
 * longer than the whole budget is the only sample (pure interpreters such as backtrader gain
 * nothing from a warm-up and would take minutes). Returns the samples in seconds of wall time
 * and of CPU time (this process, all threads: V8's GC helpers count against us), and fn's last
 * result. CPU time is the steadier figure when other work shares the machine.
 */
async function measure(fn, { warmups, warmupSeconds, maxRuns, budgetSeconds } = config.timing) {
  let result;
  const cpuSamples = [];
  const run = async () => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    result = await fn();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    cpuSamples.push((used.user + used.system) / 1e6);
    return seconds;
  };
  const first = await run();
  if (first > budgetSeconds) return { samples: [first], cpuSamples, warm: false, result };
  let warmed = first;
  for (let i = 1; i < warmups || warmed < warmupSeconds; i++) warmed += await run();
  const samples = [];
  cpuSamples.length = 0;
  let spent = 0;
  while (samples.length < maxRuns && (samples.length === 0 || spent < budgetSeconds)) {
    const seconds = await run();
    samples.push(seconds);
    spent += seconds;
  }
  return { samples, cpuSamples, warm: true, result };
}

/** High-water mark of this process's resident memory, in MB (Linux reports maxRSS in KiB). */
const peakRssMb = () => process.resourceUsage().maxRSS / 1024;

/** The one JSON line a measurement process prints for the orchestrator. */
function emit(report) {
  process.stdout.write(`${JSON.stringify({ ...report, peakRssMb: peakRssMb() })}\n`);
}

module.exports = { measure, emit };
