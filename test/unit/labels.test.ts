import { describe, expect, test } from 'vitest';
import { BUY, classBalance, HOLD, SELL, UNKNOWN, zigzagExtremes, zigzagLabels } from '../../src/engine/features/labels';

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

  test('label_lookahead bounds the horizon: a leg that ends further away is no decisive move (HOLD)', () => {
    // bar 0's leg ends at the high of bar 2, two bars away; bar 3's at the low of bar 5
    expect(Array.from(zigzagLabels(close, 0.05, 1))).toEqual([HOLD, BUY, HOLD, HOLD, SELL, HOLD, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]);
    expect(Array.from(zigzagLabels(close, 0.05, 2).slice(0, 6))).toEqual([BUY, BUY, HOLD, SELL, SELL, HOLD]);
  });

  test('bars whose leg has no confirmed end in the data are UNKNOWN, never guessed', () => {
    const labels = zigzagLabels(close, 0.05, 3);
    // the up-leg from the low at bar 5 is never confirmed by a 5 % fall
    expect(Array.from(labels.slice(6))).toEqual([UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN]);
    expect(Array.from(zigzagLabels(Float64Array.from([100, 101, 102]), 0.05, 3))).toEqual([UNKNOWN, UNKNOWN, UNKNOWN]);
  });

  test('class balance and the chance baseline count known labels only', () => {
    const b = classBalance(Int8Array.from([BUY, BUY, SELL, HOLD, UNKNOWN, UNKNOWN]));
    expect(b.counts).toEqual([2, 1, 1]);
    expect(b.shares).toEqual([0.5, 0.25, 0.25]);
    expect(b.chance).toBe(0.5);
  });
});
