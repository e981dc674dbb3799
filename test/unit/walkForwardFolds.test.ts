import { describe, expect, test } from 'vitest';
import { foldLayout, MIN_FOLD_BARS } from '../../src/research/walkForwardFolds';

const describeBars = (bars: number) => `${bars} bars before the holdout`;

describe('fold boundaries', () => {
  test('anchored: every training window starts at the first usable bar and ends where its test window starts', () => {
    const folds = foldLayout({ first: 200, end: 4280, folds: 4, mode: 'anchored', describe: describeBars });
    expect(folds).toEqual([
      { index: 1, train: { start: 200, end: 1016 }, test: { start: 1016, end: 1832 } },
      { index: 2, train: { start: 200, end: 1832 }, test: { start: 1832, end: 2648 } },
      { index: 3, train: { start: 200, end: 2648 }, test: { start: 2648, end: 3464 } },
      { index: 4, train: { start: 200, end: 3464 }, test: { start: 3464, end: 4280 } },
    ]);
  });

  test('rolling: every training window is as long as the first and slides one test window a fold', () => {
    const folds = foldLayout({ first: 200, end: 4283, folds: 4, mode: 'rolling', describe: describeBars });
    expect(folds).toEqual([
      // 4,083 bars in 5 blocks of 816: the 3 left over lengthen the first training window
      { index: 1, train: { start: 200, end: 1019 }, test: { start: 1019, end: 1835 } },
      { index: 2, train: { start: 1016, end: 1835 }, test: { start: 1835, end: 2651 } },
      { index: 3, train: { start: 1832, end: 2651 }, test: { start: 2651, end: 3467 } },
      { index: 4, train: { start: 2648, end: 3467 }, test: { start: 3467, end: 4283 } },
    ]);
  });

  test.each(['anchored', 'rolling'] as const)(
    '%s: no fold tests on a bar it trained on, the tests tile the end of the data, nothing before first or after end',
    (mode) => {
      for (const [first, end, n] of [
        [50, 350, 2],
        [200, 5000, 5],
        [200, 4280, 9],
        [0, 1234, 3],
        [300, 5031, 20],
      ]) {
        const folds = foldLayout({ first, end, folds: n, mode, describe: describeBars });
        expect(folds).toHaveLength(n);
        expect(folds.at(-1)!.test.end).toBe(end);
        for (const [i, fold] of folds.entries()) {
          expect(fold.train.start).toBeGreaterThanOrEqual(first);
          expect(fold.train.end).toBe(fold.test.start);
          expect(fold.train.end - fold.train.start).toBeGreaterThanOrEqual(MIN_FOLD_BARS);
          expect(fold.test.end - fold.test.start).toBeGreaterThanOrEqual(MIN_FOLD_BARS);
          if (i > 0) expect(fold.test.start).toBe(folds[i - 1].test.end);
        }
      }
    },
  );
});

describe('too many folds for the data is a clear error', () => {
  test('it says how many bars there are and how many folds fit', () => {
    expect(() => foldLayout({ first: 200, end: 4280, folds: 40, mode: 'anchored', describe: describeBars })).toThrow(
      '--folds 40 is too many: 4080 bars before the holdout make blocks of 99 bars; at most 39 folds leave each at least 100',
    );
  });

  test('data too short for two folds', () => {
    expect(() => foldLayout({ first: 200, end: 450, folds: 2, mode: 'rolling', describe: describeBars })).toThrow(
      'too little data for a walk-forward: 250 bars before the holdout, and 300 are needed for 2 folds of 100 bars',
    );
  });
});
