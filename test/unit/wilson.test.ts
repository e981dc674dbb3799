import { describe, expect, test } from 'vitest';
import { wilsonInterval } from '../../src/research/wilson';

describe('wilsonInterval', () => {
  test("matches published values: Newcombe (1998)'s 81 of 263 and 15 of 148, and Wilson's 0 of n", () => {
    // R. G. Newcombe, "Two-sided confidence intervals for the single proportion: comparison of seven methods", Statistics in Medicine 17 (1998), Table II
    const a = wilsonInterval(81, 263);
    expect(a.low).toBeCloseTo(0.2553, 4);
    expect(a.high).toBeCloseTo(0.3662, 4);
    const b = wilsonInterval(15, 148);
    expect(b.low).toBeCloseTo(0.0624, 4);
    expect(b.high).toBeCloseTo(0.1605, 4);
    const none = wilsonInterval(0, 20);
    expect(none.low).toBe(0);
    // z² / (n + z²) at 0 successes
    expect(none.high).toBeCloseTo(1.959964 ** 2 / (20 + 1.959964 ** 2), 6);
  });

  test('all successes reach 1, the interval holds the rate, and it narrows as the trials grow', () => {
    const all = wilsonInterval(10, 10);
    expect(all.high).toBe(1);
    expect(all.low).toBeCloseTo(1 - 1.959964 ** 2 / (10 + 1.959964 ** 2), 6);
    const small = wilsonInterval(4, 10);
    const large = wilsonInterval(40, 100);
    for (const i of [small, large]) {
      expect(i.low).toBeLessThan(i.rate);
      expect(i.high).toBeGreaterThan(i.rate);
    }
    expect(large.high - large.low).toBeLessThan(small.high - small.low);
    expect(wilsonInterval(4, 10, 0.99).high).toBeGreaterThan(small.high);
  });

  test('no trials says nothing; impossible counts are refused', () => {
    expect(wilsonInterval(0, 0)).toEqual({ successes: 0, trials: 0, rate: 0, low: 0, high: 1 });
    expect(() => wilsonInterval(3, 2)).toThrow('successes must be a whole number in [0, 2], got 3');
    expect(() => wilsonInterval(1, 2.5)).toThrow('trials must be a whole number ≥ 0, got 2.5');
    expect(() => wilsonInterval(1, 2, 1)).toThrow('confidence must be in (0, 1), got 1');
  });
});
