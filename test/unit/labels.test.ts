import { describe, expect, test } from 'vitest';
import { BUY, classBalance, HOLD, SELL, UNKNOWN, zigzagExtremes, zigzagLabels } from '../../src/engine/labels';

const series = (...xs: number[]) => Float64Array.from(xs);

describe('zigzag turning points', () => {
  test('a high is confirmed when price falls the threshold below it, a low when it rises that far', () => {
    //              0    1    2    3    4    5    6    7
    const close = series(100, 104, 110, 108, 103, 101, 104, 107);
    const z = zigzagExtremes(close, 0.05);
    expect(Array.from(z.at)).toEqual([2, 5]);
    expect(Array.from(z.isHigh)).toEqual([1, 0]);
    // 110 → 103 is -6.4 % (bar 4); 101 → 107 is +5.9 % (bar 7)
    expect(Array.from(z.confirmedAt)).toEqual([4, 7]);
  });

  test('moves smaller than the threshold make no turning point', () => {
    expect(zigzagExtremes(series(100, 103, 99, 102, 98, 101), 0.05).at).toHaveLength(0);
  });
});

describe('segment labels', () => {
  const close = series(100, 104, 110, 108, 103, 101, 104, 107, 106, 105);

  test('up-legs are BUY, down-legs SELL, turning points HOLD', () => {
    // after the last turning point, a 10-bar window runs past the data: unknown
    expect(Array.from(zigzagLabels(close, 0.05, 10))).toEqual([BUY, BUY, HOLD, SELL, SELL, HOLD, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]);
  });

  test('a bar never depends on prices more than label_lookahead bars ahead', () => {
    // bar 0's leg ends at the high of bar 2, confirmed only at bar 4: with a lookahead of 3, bar 0 cannot know
    const labels = zigzagLabels(close, 0.05, 3);
    expect(labels[0]).toBe(HOLD);
    expect(labels[1]).toBe(BUY);
    // and changing prices beyond t + lookahead never changes the label of t
    const changed = close.slice();
    changed[8] = 50;
    changed[9] = 200;
    const again = zigzagLabels(changed, 0.05, 3);
    for (let t = 0; t + 3 < 8; t++) expect(again[t], `bar ${t}`).toBe(labels[t]);
  });

  test('bars whose window runs past the data are UNKNOWN, never guessed', () => {
    const labels = zigzagLabels(close, 0.05, 3);
    expect(Array.from(labels.slice(7))).toEqual([UNKNOWN, UNKNOWN, UNKNOWN]);
    expect(labels[6]).toBe(HOLD);
  });

  test('class balance and the chance baseline count known labels only', () => {
    const b = classBalance(Int8Array.from([BUY, BUY, SELL, HOLD, UNKNOWN, UNKNOWN]));
    expect(b.counts).toEqual([2, 1, 1]);
    expect(b.shares).toEqual([0.5, 0.25, 0.25]);
    expect(b.chance).toBe(0.5);
  });
});
