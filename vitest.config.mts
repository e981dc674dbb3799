import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The fault tests (test/faults) are the longest files by far and among the smallest, so on a
 * fresh clone — no timings cached yet, larger files first — they would start last and leave
 * one core idle at the end. They start first; the other files fill the other worker.
 */
class FaultsFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isFault = (file: TestSpecification) => file.moduleId.includes('/test/faults/');
    return [...sorted.filter(isFault), ...sorted.filter((file) => !isFault(file))];
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file starts its own Temporal server; two cores run two files at once.
    maxWorkers: 2,
    fileParallelism: true,
    sequence: { sequencer: FaultsFirst },
  },
});
