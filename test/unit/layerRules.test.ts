/**
 * The layer rule (.dependency-cruiser.cjs, run by `npm run lint`) on two small source trees in
 * test/fixtures/layers: a tree laid out as the README's Architecture section draws it passes, and a
 * tree that breaks the rules gets each broken arrow reported, by rule, and nothing else.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths';

const DEPCRUISE = path.join(PROJECT_ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const CONFIG = path.join(PROJECT_ROOT, '.dependency-cruiser.cjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

/** Runs the checker as `npm run lint` does, from the fixture's folder so that its modules are src/…. */
async function layerViolations(fixture: string): Promise<string[]> {
  const cwd = path.join(PROJECT_ROOT, 'test', 'fixtures', 'layers', fixture);
  // The checker exits with the number of violations: a non-zero exit still carries the report, and no report is an error.
  const stdout = await promisify(execFile)(process.execPath, [DEPCRUISE, 'src', '--config', CONFIG, '--output-type', 'json'], { cwd }).then(
    (result) => result.stdout,
    (err: Error & { stdout?: string }) => {
      // The message of a failed command holds its stderr.
      if (!err.stdout) throw new Error(`the layer checker gave no report: ${err.message}`);
      return err.stdout;
    },
  );
  const report = JSON.parse(stdout) as { summary: { violations: Violation[] } };
  // A package is named as it resolves, somewhere under node_modules: keep the package's own path.
  const shown = (to: string) => to.replace(/^.*node_modules\//, '');
  return report.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${shown(v.to)}`).sort();
}

describe('the layer rule', () => {
  it('passes a tree whose arrows all point down, type-only imports from workflows included', async () => {
    expect(await layerViolations('clean')).toEqual([]);
  });

  it('reports each arrow that points up, each cycle and each Temporal import below the edges', async () => {
    expect(await layerViolations('violations')).toEqual(
      [
        'engine-data-is-the-bottom: src/engine/data/bars.ts → src/engine/neural/mlp.ts',
        'engine-only-computes: src/engine/features/features.ts → src/research/strategy.ts',
        'entry-points-are-the-top: src/services/command.ts → src/cli/options.ts',
        'no-circular: src/research/strategy.ts → src/research/validate.ts',
        'temporal-at-the-edges: src/design/offline/designer.ts → @temporalio/common/lib/index.js',
        'workflows-import-nothing-effectful: src/workflows/researchCycle.ts → fs',
        'workflows-import-only-the-contract: src/workflows/researchCycle.ts → src/activities/designActivities.ts',
      ].sort(),
    );
  });
});
