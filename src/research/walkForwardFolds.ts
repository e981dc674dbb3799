/**
 * Where a walk-forward's folds lie, as bar index ranges [start, end) of the traded series. The
 * bars from `first` (after the indicators' warm-up) to `end` (the holdout's first bar, unless
 * the holdout is included) are cut into folds + 1 blocks; each fold tests on one block and
 * trains on what lies before it:
 * - anchored: every training window starts at `first` and grows by a block a fold;
 * - rolling: every training window has the first one's length and slides a block a fold.
 * The test blocks are equally long and the last one ends at `end`; what does not divide evenly
 * goes to the first training window. A test window starts right after its training window, so
 * the two never overlap and no fold tests on bars it trained on.
 */
import { UserError } from '../errors';
import type { WINDOW_KINDS } from './walkForward';

/** A test window shorter than this says little (about four months of daily bars, four days of hourly ones). */
export const MIN_FOLD_BARS = 100;

export interface BarRange {
  start: number;
  end: number;
}

export interface FoldLayout {
  /** 1-based. */
  index: number;
  train: BarRange;
  test: BarRange;
}

export interface FoldRequest {
  /** First bar a training row may come from. */
  first: number;
  /** One past the last bar a fold may use. */
  end: number;
  folds: number;
  mode: (typeof WINDOW_KINDS)[number];
  /** How the bars are named in an error ("4,080 EURUSD 1h bars before the holdout"). */
  describe: (bars: number) => string;
}

export function foldLayout({ first, end, folds, mode, describe }: FoldRequest): FoldLayout[] {
  const bars = end - first;
  const block = Math.floor(bars / (folds + 1));
  if (block < MIN_FOLD_BARS) {
    const most = Math.floor(bars / MIN_FOLD_BARS) - 1;
    throw new UserError(
      most >= 2
        ? `--folds ${folds} is too many: ${describe(bars)} make blocks of ${block} bars; at most ${most} folds leave each at least ${MIN_FOLD_BARS}`
        : `too little data for a walk-forward: ${describe(bars)}, and ${MIN_FOLD_BARS * 3} are needed for 2 folds of ${MIN_FOLD_BARS} bars`,
    );
  }
  const firstTestStart = end - folds * block;
  const firstTrainLength = firstTestStart - first;
  return Array.from({ length: folds }, (_, i) => {
    const testStart = firstTestStart + i * block;
    return {
      index: i + 1,
      train: { start: mode === 'anchored' ? first : testStart - firstTrainLength, end: testStart },
      test: { start: testStart, end: testStart + block },
    };
  });
}
