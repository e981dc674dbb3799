'use strict';

const { execFileSync } = require('node:child_process');
const os = require('node:os');
const { PYTHON, peerEnv } = require('./spawn');

const PEER_PACKAGES = ['vectorbt', 'vectorbt-rust', 'numba', 'backtrader', 'TA-Lib', 'torch', 'pandas', 'numpy'];

/** What the figures were measured on: they mean little without it. */
function machineInfo() {
  const script = [
    'import json, platform, importlib.metadata as m',
    `print(json.dumps({"python": platform.python_version(), "packages": {p: m.version(p) for p in ${JSON.stringify(PEER_PACKAGES)}}}))`,
  ].join('\n');
  const python = JSON.parse(execFileSync(PYTHON, ['-c', script], { env: peerEnv(), encoding: 'utf8' }));
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    // Other work on the machine slows every side; a load above the core count means the figures are depressed.
    loadAverageAtStart: os.loadavg().map((l) => Number(l.toFixed(2))),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    python: python.python,
    packages: python.packages,
  };
}

module.exports = { machineInfo };
