/**
 * "Did you mean" for indicator and parameter names. Names are compared folded (lower case,
 * without `_`, `-` or spaces) so `bollinger_bands`, `BollingerBands` and `bollinger-bands`
 * are one name.
 */
export const foldName = (name: string): string => name.toLowerCase().replace(/[_\-\s]/g, '');

/** Length of the longest common subsequence: the letters two spellings share, in order. */
function commonLetters(a: string, b: string): number {
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = [0];
    for (let j = 1; j <= b.length; j++) {
      current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    }
    previous = current;
  }
  return previous[b.length];
}

const CUTOFF = 0.6;

/**
 * Similarity in [0, 1], 2 · shared letters / total letters, close to the difflib ratio KTRDR's
 * validator used with the same 0.6 cutoff; a name containing the other (`macd_signal` →
 * `macd`) counts as close even when the lengths differ a lot.
 */
function similarity(a: string, b: string): number {
  const ratio = (2 * commonLetters(a, b)) / Math.max(a.length + b.length, 1);
  const shorter = a.length < b.length ? a : b;
  const contains = shorter.length >= 3 && (a.includes(b) || b.includes(a));
  return contains ? Math.max(ratio, CUTOFF) : ratio;
}

/**
 * Up to `limit` candidates' targets closest to `query`, best first. Each candidate is a
 * spelling and the thing it names (an alias and its indicator), so several spellings of one
 * target yield it once.
 */
export function closestNames<T>(query: string, candidates: Iterable<readonly [spelling: string, target: T]>, limit = 3): T[] {
  const folded = foldName(query);
  const best = new Map<T, number>();
  for (const [spelling, target] of candidates) {
    const score = similarity(folded, foldName(spelling));
    if (score >= CUTOFF && score > (best.get(target) ?? -1)) best.set(target, score);
  }
  return [...best.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([target]) => target);
}
