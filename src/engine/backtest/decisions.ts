/**
 * From the model's class probabilities to a signal stream (spec §5), and a count of what each
 * filter held.
 */
import type { Bars } from '../data/bars';
import type { DecisionConfig } from './config';
import type { DecisionSummary } from './result';

/** Columns of a probability row, in the model's output order. */
const BUY = 0;
const HOLD = 1;
const SELL = 2;
const HOUR_MS = 3_600_000;
/** Bars in the volume filter's trailing mean (KTRDR's field is a bare boolean; 20 bars ≈ a month of daily bars). */
const VOLUME_WINDOW = 20;

export interface Decisions {
  /** Per bar: +1 buy, −1 sell, 0 hold. */
  signals: Int8Array;
  /** First bar with a complete probability row: where decisions, and the backtest period, start. */
  firstReady: number;
  summary: DecisionSummary;
}

/**
 * Turns class probabilities (row-major n×3: BUY, HOLD, SELL; a row with a NaN means the
 * features were not ready) into signals, per spec §5, reading only bar t and earlier:
 *
 * 1. signal = argmax (a tie goes to the earlier column, as torch.argmax), confidence = its probability;
 * 2. confidence < confidence_threshold ⇒ hold;
 * 3. position awareness: BUY while long or SELL while flat ⇒ hold, so the stream alternates
 *    BUY, SELL, … from flat (long only). "Long" means an emitted BUY not yet followed by an
 *    emitted SELL; every emitted signal but one on the last bar fills, so this is the book's
 *    position one open later. Without position awareness redundant signals are emitted (and
 *    restart the separation clock); the simulator ignores them;
 * 4. volume filter: a BUY on a bar whose volume is below the mean volume of the 20 bars ending
 *    at it (itself included) is held, and so is one before 20 bars of volume exist. Only entries
 *    are filtered: a thin market is a reason not to open a position, never to keep one open;
 * 5. fewer than min_signal_separation hours of bar time since the last emitted signal ⇒ hold.
 *
 * Held signals never change the state, so the order of 3–5 only decides which filter a held
 * proposal is counted under in the summary.
 */
export function decide(probabilities: Float32Array, bars: Pick<Bars, 'time' | 'volume'>, config: DecisionConfig): Decisions {
  const { time, volume } = bars;
  const n = time.length;
  if (probabilities.length !== 3 * n) {
    throw new Error(`probabilities hold ${probabilities.length / 3} rows of 3 for ${n} bars`);
  }
  const volumeFilter = config.filters.volume_filter;
  if (volumeFilter && !hasVolume(volume)) {
    throw new Error('decisions.filters.volume_filter is on, but this series has no volume (all zero)');
  }
  const threshold = config.confidence_threshold;
  const separationMs = config.filters.min_signal_separation * HOUR_MS;
  const positionAware = config.position_awareness;

  const signals = new Int8Array(n);
  let firstReady = -1;
  let readyBars = 0;
  let proposedBuy = 0;
  let proposedSell = 0;
  let heldByConfidence = 0;
  let heldByPosition = 0;
  let heldByVolume = 0;
  let heldBySeparation = 0;
  let emittedBuy = 0;
  let emittedSell = 0;
  let long = false;
  let lastSignalTime = -Infinity;
  let volumeSum = 0;

  for (let t = 0; t < n; t++) {
    // Only the volume filter reads the sum; when it is off, volume is not read at all.
    if (volumeFilter) {
      volumeSum += volume[t];
      if (t >= VOLUME_WINDOW) volumeSum -= volume[t - VOLUME_WINDOW];
    }

    const row = 3 * t;
    const pBuy = probabilities[row + BUY];
    const pHold = probabilities[row + HOLD];
    const pSell = probabilities[row + SELL];
    // Most rows are a HOLD: decided by two comparisons, which are false for any NaN, so a
    // row not ready never takes this path.
    if (pHold > pBuy && pHold >= pSell) {
      readyBars++;
      if (firstReady < 0) firstReady = t;
      continue;
    }
    if (Number.isNaN(pBuy) || Number.isNaN(pHold) || Number.isNaN(pSell)) continue;
    readyBars++;
    if (firstReady < 0) firstReady = t;

    // HOLD lost: BUY unless SELL is more probable than both (a tie goes to the earlier column).
    let buy = true;
    let confidence = pBuy;
    if (pHold > confidence) {
      buy = false;
      confidence = pSell;
    } else if (pSell > confidence) {
      buy = false;
      confidence = pSell;
    }
    if (buy) proposedBuy++;
    else proposedSell++;

    if (confidence < threshold) heldByConfidence++;
    else if (positionAware && buy === long) heldByPosition++;
    else if (volumeFilter && buy && (t < VOLUME_WINDOW - 1 || volume[t] * VOLUME_WINDOW < volumeSum)) heldByVolume++;
    else if (time[t] - lastSignalTime < separationMs) heldBySeparation++;
    else {
      signals[t] = buy ? 1 : -1;
      lastSignalTime = time[t];
      long = buy;
      if (buy) emittedBuy++;
      else emittedSell++;
    }
  }

  if (firstReady < 0) throw new Error('no bar has a complete probability row: the features are never ready');
  return {
    signals,
    firstReady,
    summary: {
      readyBars,
      proposed: { buy: proposedBuy, sell: proposedSell },
      heldBy: {
        confidence: heldByConfidence,
        position: heldByPosition,
        volume: heldByVolume,
        separation: heldBySeparation,
      },
      emitted: { buy: emittedBuy, sell: emittedSell },
    },
  };
}

function hasVolume(volume: Float64Array): boolean {
  for (let t = 0; t < volume.length; t++) if (volume[t] > 0) return true;
  return false;
}
