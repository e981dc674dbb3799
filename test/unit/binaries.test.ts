import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BinaryUnavailable, findBinary, PIP_TARGET, TEMPORAL_BINARIES } from '../../src/temporal/binaries';

// installBinaries / resolveBinary are not exercised here: they run pip.

const savedEnv = { ...process.env };
let tmp: string;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-binaries-'));
  // The global set-up exports both variables for the workflow tests; start each test without them.
  delete process.env.TEMPORAL_CLI_PATH;
  delete process.env.TEMPORAL_TEST_SERVER_PATH;
});

afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Writes a file under the temp dir (creating folders) with the given mode. */
function file(relative: string, mode = 0o755): string {
  const full = path.join(tmp, relative);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, '#!/bin/sh\necho fake\n');
  fs.chmodSync(full, mode);
  return full;
}

const withPath = (...dirs: string[]) => {
  process.env.PATH = [...dirs, savedEnv.PATH ?? ''].join(path.delimiter);
};

describe.each(Object.entries(TEMPORAL_BINARIES))('findBinary(%s)', (kind, { command, env }) => {
  const find = () => findBinary(kind as keyof typeof TEMPORAL_BINARIES);

  test(`${env} names the binary to use`, () => {
    const explicit = file(`custom/my-${command}`);
    process.env[env] = explicit;
    expect(find()).toBe(explicit);
  });

  test(`${env} wins over a ${command} on PATH`, () => {
    const explicit = file(`custom/my-${command}`);
    withPath(path.dirname(file(`bin/${command}`)));
    process.env[env] = explicit;
    expect(find()).toBe(explicit);
  });

  test(`${env} naming a missing file is an error, not a fallback to PATH`, () => {
    withPath(path.dirname(file(`bin/${command}`)));
    const missing = path.join(tmp, 'nowhere', command);
    process.env[env] = missing;
    expect(find).toThrow(BinaryUnavailable);
    expect(find).toThrow(`${env}=${missing} is not an executable file.`);
  });

  test(`${env} naming a file that is not executable is an error`, () => {
    process.env[env] = file(`custom/${command}`, 0o644);
    expect(find).toThrow(BinaryUnavailable);
  });

  test(`${env} naming a folder is an error`, () => {
    fs.mkdirSync(path.join(tmp, 'a-folder'));
    process.env[env] = path.join(tmp, 'a-folder');
    expect(find).toThrow(BinaryUnavailable);
  });

  test(`without ${env}, the ${command} on PATH is used (ahead of any pip-installed copy)`, () => {
    const onPath = file(`bin/${command}`);
    withPath(path.dirname(onPath));
    expect(find()).toBe(onPath);
  });

  test(`an empty ${env} counts as unset`, () => {
    const onPath = file(`bin/${command}`);
    withPath(path.dirname(onPath));
    process.env[env] = '';
    expect(find()).toBe(onPath);
  });

  test('the first executable match on PATH wins; non-executable files and folders are skipped', () => {
    file(`plain/${command}`, 0o644);
    fs.mkdirSync(path.join(tmp, 'folder', command), { recursive: true });
    const first = file(`first/${command}`);
    const second = file(`second/${command}`);
    withPath(path.join(tmp, 'plain'), path.join(tmp, 'folder'), path.dirname(first), path.dirname(second));
    expect(find()).toBe(first);
  });

  const installed = path.join(PIP_TARGET, 'bin', command);
  const haveInstalled = fs.existsSync(installed);

  test.runIf(haveInstalled)('with nothing on PATH, the pip-installed copy under .tools is used', () => {
    process.env.PATH = path.join(tmp, 'empty');
    expect(find()).toBe(installed);
  });

  test.runIf(!haveInstalled)('with nothing on PATH and nothing installed, there is no binary', () => {
    process.env.PATH = path.join(tmp, 'empty');
    expect(find()).toBeUndefined();
  });
});
