/**
 * Scale-out figures, with real processes (the fault tests' stack): the dev server, two research
 * workers (`worker --role research`) and services instances each with its worker
 * (`services --with-worker`), over shared folders. For each layout, `--rounds` batches (default
 * 3) of `--cycles` offline cycles (default 10) started at once, gates bypassed: the wall time of
 * a batch (first start to last end), the operations each instance ran, and the starts any
 * instance had to queue (none expected: Temporal hands an instance only what it has room for).
 *
 *   npm run bench:scale [-- --cycles 10 --rounds 3]   (writes bench/scale-results.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServicesClient } from '../src/services/client';
import { resolveBinary } from '../src/temporal/binaries';
import { FaultStack } from '../test/support/faultStack';
import { wholeNumber } from './lib/options';

/** Instances, and the operations each runs at once. */
const LAYOUTS = [
  { instances: 1, maxOperations: 2 },
  { instances: 2, maxOperations: 2 },
  { instances: 1, maxOperations: 4 },
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

async function measure(layout: (typeof LAYOUTS)[number], cycles: number, rounds: number) {
  const stack = await FaultStack.start({ withoutServices: true, withoutWorker: true, workerEnv: { KTRDR_MAX_CONCURRENT_CYCLES: String(cycles) } });
  try {
    const pairs = [];
    for (let i = 0; i < layout.instances; i++) pairs.push(await stack.startPair(layout.maxOperations));
    await stack.startWorker('--role', 'research');
    await stack.startWorker('--role', 'research');
    const wallSeconds: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const ids = await stack.startOfflineCycles(cycles);
      const ends = await Promise.all(ids.map((id) => stack.end(id)));
      const failed = ends.filter((end) => end.execution !== 'COMPLETED');
      if (failed.length) throw new Error(`${failed.length} cycles did not complete: ${failed.map((end) => end.failure).join('; ')}`);
      wallSeconds.push((await stack.wallTimeMs(ids)) / 1000);
    }
    const operationsPerInstance = await Promise.all(pairs.map(async (pair) => (await new ServicesClient(pair.url).listOperations({ limit: 1 })).total_count));
    const queuedStarts = pairs.reduce((n, pair) => n + (pair.process.output().match(/: queued \(/g) ?? []).length, 0);
    const result = { ...layout, wallSeconds, medianWallSeconds: median(wallSeconds), operationsPerInstance, queuedStarts };
    console.log(
      `${layout.instances} instance(s) × ${layout.maxOperations} operations: ${cycles} cycles in ${result.medianWallSeconds.toFixed(1)} s (median of ${rounds}: ${wallSeconds.map((s) => s.toFixed(1)).join(', ')}); operations per instance ${operationsPerInstance.join(' / ')}; queued starts ${queuedStarts}`,
    );
    return result;
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  process.env.TEMPORAL_CLI_PATH ??= resolveBinary('cli');
  const cycles = wholeNumber('cycles', 10);
  const rounds = wholeNumber('rounds', 3);
  const layouts = [];
  for (const layout of LAYOUTS) layouts.push(await measure(layout, cycles, rounds));
  const results = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    cycles,
    rounds,
    layouts,
  };
  fs.writeFileSync(path.join(__dirname, 'scale-results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
