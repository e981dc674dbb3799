#!/usr/bin/env node
'use strict';
// The main job's cost: `ktrdr-agent start` (dev server, services, worker, one offline cycle on the
// shipped data, then everything stopped), run end to end in a fresh process N times.
//   node bench/cycle.js [--runs 3]        (after npm run build; writes bench/cycle-results.json)
// Reports the whole command's wall time and the cycle's phase durations as the cycle recorded them.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;

const freePort = () =>
  new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });

const seconds = (text) => {
  const m = /^([\d.]+) (ms|s)$/.exec(text.trim());
  return m ? Number(m[1]) / (m[2] === 'ms' ? 1000 : 1) : NaN;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const results = [];
  for (let i = 0; i < runs; i++) {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-cycle-bench-'));
    const ports = [await freePort(), await freePort(), await freePort()];
    const started = process.hrtime.bigint();
    const run = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'ktrdr-agent.js'),
        'start',
        '--port',
        ports[0],
        '--ui-port',
        ports[1],
        '--services-port',
        ports[2],
        '--db',
        path.join(folder, 'temporal.db'),
      ].map(String),
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          ANTHROPIC_API_KEY: '',
          KTRDR_STRATEGIES_DIR: path.join(folder, 'strategies'),
          KTRDR_MODELS_DIR: path.join(folder, 'models'),
          KTRDR_REPORTS_DIR: path.join(folder, 'reports'),
          KTRDR_SERVICES_STATE_DIR: path.join(folder, 'services'),
        },
      },
    );
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    fs.rmSync(folder, { recursive: true, force: true });
    if (run.status !== 0) {
      console.error(run.stdout, run.stderr);
      process.exit(1);
    }
    const phases = Object.fromEntries(
      (/Phases\s+(.*)/.exec(run.stdout)?.[1] ?? '').split(' · ').map((p) => {
        const [name, ...rest] = p.split(' ');
        return [name, seconds(rest.join(' '))];
      }),
    );
    const cycle = seconds(/Started .*\((.*)\)/.exec(run.stdout)?.[1] ?? '');
    results.push({ wall, cycle, phases, strategy: /Strategy\s+(\S+)/.exec(run.stdout)?.[1] });
    console.log(
      `run ${i + 1}: command ${wall.toFixed(1)} s · cycle ${cycle.toFixed(1)} s · ${Object.entries(phases)
        .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
        .join(' · ')}`,
    );
  }
  const summary = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
    runs: results,
    median: {
      commandSeconds: median(results.map((r) => r.wall)),
      cycleSeconds: median(results.map((r) => r.cycle)),
      phases: Object.fromEntries(Object.keys(results[0].phases).map((k) => [k, median(results.map((r) => r.phases[k]))])),
    },
  };
  console.log(`median: the whole command ${summary.median.commandSeconds.toFixed(1)} s, the cycle ${summary.median.cycleSeconds.toFixed(1)} s`);
  fs.writeFileSync(path.join(__dirname, 'cycle-results.json'), `${JSON.stringify(summary, null, 2)}\n`);
})();
