import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { expect, test } from 'vitest';
import { replayHistory } from '../support/replay';
import { workflowBundle } from '../support/temporal';

/**
 * Histories recorded from earlier versions of the workflow must replay against the current
 * code: a change that would break cycles in flight fails here (guard it with `patched()`).
 * To add one: `ktrdr-agent history <id> --json > test/fixtures/histories/<name>.json`. Each
 * replays under the workflow id `<name>`: a loop names its cycles after its own id, so a loop's
 * history is recorded from a loop whose id is the file's name.
 */
const dir = path.join(__dirname, '..', 'fixtures', 'histories');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(5);
});

test.each(files)('%s replays without nondeterminism', async (file) => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  await replayHistory(history, path.basename(file, '.json'), { workflowBundle: await workflowBundle() });
});
