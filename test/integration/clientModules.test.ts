import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths';

/** The modules of dist/ that loading a built module loads, relative to dist/. */
function modulesLoadedBy(module: string): string[] {
  const dist = path.join(PROJECT_ROOT, 'dist');
  const script = `require(${JSON.stringify(path.join(dist, module))}); console.log(JSON.stringify(Object.keys(require.cache)));`;
  const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  return (JSON.parse(run.stdout) as string[]).filter((file) => file.startsWith(dist + path.sep)).map((file) => path.relative(dist, file));
}

test('the client starts cycles by the workflow type alone: it loads no workflow code', () => {
  const loaded = modulesLoadedBy('client.js');
  expect(loaded).toContain('client.js');
  expect(loaded.filter((file) => file.startsWith(`workflows${path.sep}`))).toEqual([]);
});
