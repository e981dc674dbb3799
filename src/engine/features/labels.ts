/**
 * ZigZag segment labels (spec §4): bars on an up-leg are BUY, on a down-leg SELL, the
 * turning points HOLD. Labels look into the future by construction, so they exist only
 * for training, and are computed inside one split at a time (a label never reads the
 * next split's prices). `lookahead` bounds the horizon: a bar is BUY or SELL only when
 * its leg ends within `lookahead` bars — a move that takes longer is no decisive move
 * (HOLD). A bar whose leg has no confirmed end in the data is UNKNOWN and never used.
 * Turning points are confirmed with prices after them, which is why labels are split-local.
 */
export const BUY = 0;
export const HOLD = 1;
export const SELL = 2;
export const UNKNOWN = -1;
export const CLASS_NAMES = ['BUY', 'HOLD', 'SELL'] as const;

/**
 * Turning points of the close: a high is confirmed once price falls `threshold` (a
 * fraction) below it, a low once price rises that far above it. Returns each extreme's
 * index and the index of the bar that confirmed it.
 */
export function zigzagExtremes(close: Float64Array, threshold: number): { at: Int32Array; confirmedAt: Int32Array; isHigh: Uint8Array } {
  const at: number[] = [];
  const confirmedAt: number[] = [];
  const isHigh: number[] = [];
  const n = close.length;
  let hi = 0;
  let lo = 0;
  let direction = 0; // +1 looking for a high, -1 looking for a low, 0 undecided
  for (let i = 1; i < n; i++) {
    const p = close[i];
    if (direction >= 0 && p > close[hi]) hi = i;
    if (direction <= 0 && p < close[lo]) lo = i;
    if (direction >= 0 && p <= close[hi] * (1 - threshold) && (direction === 1 || hi > lo)) {
      at.push(hi);
      confirmedAt.push(i);
      isHigh.push(1);
      direction = -1;
      lo = i;
    } else if (direction <= 0 && p >= close[lo] * (1 + threshold) && (direction === -1 || lo > hi)) {
      at.push(lo);
      confirmedAt.push(i);
      isHigh.push(0);
      direction = 1;
      hi = i;
    }
  }
  return { at: Int32Array.from(at), confirmedAt: Int32Array.from(confirmedAt), isHigh: Uint8Array.from(isHigh) };
}

export function zigzagLabels(close: Float64Array, threshold: number, lookahead: number): Int8Array {
  const n = close.length;
  const labels = new Int8Array(n).fill(UNKNOWN);
  const { at, isHigh } = zigzagExtremes(close, threshold);
  let next = 0;
  for (let t = 0; t < n; t++) {
    while (next < at.length && at[next] < t) next++;
    if (next === at.length) continue; // the leg has no confirmed end in the data: unknowable
    if (at[next] === t) {
      labels[t] = HOLD;
    } else {
      labels[t] = at[next] - t <= lookahead ? (isHigh[next] ? BUY : SELL) : HOLD;
    }
  }
  return labels;
}

/** Share of each class among known labels: the balance, and the chance baseline a model must beat. */
export function classBalance(labels: Int8Array): { counts: [number, number, number]; shares: [number, number, number]; chance: number } {
  const counts: [number, number, number] = [0, 0, 0];
  for (const l of labels) if (l >= 0) counts[l]++;
  const total = counts[0] + counts[1] + counts[2];
  const shares = counts.map((c) => (total ? c / total : 0)) as [number, number, number];
  return { counts, shares, chance: Math.max(...shares) };
}
