import { describe, expect, test } from 'vitest';
import { fuzzify, transformInput, type MembershipFunction } from '../../src/engine/features/fuzzy';
import type { Bars } from '../../src/engine/data/bars';

const at = (mf: MembershipFunction, ...xs: number[]) => Array.from(fuzzify(mf, Float64Array.from(xs)));

describe('membership functions (spec §3.2)', () => {
  test('triangular rises from a to b, is 1 at b, falls to c, 0 outside', () => {
    const mf: MembershipFunction = { type: 'triangular', parameters: [0, 25, 40] };
    expect(at(mf, -5, 0, 12.5, 25, 32.5, 40, 50)).toEqual([0, 0, 0.5, 1, 0.5, 0, 0]);
  });

  test('trapezoidal is 1 on [b, c]; repeated feet make a left shoulder', () => {
    const mf: MembershipFunction = { type: 'trapezoidal', parameters: [0, 0, 15, 25] };
    expect(at(mf, -1, 0, 7, 15, 20, 25, 30)).toEqual([0, 1, 1, 1, 0.5, 0, 0]);
    const right: MembershipFunction = { type: 'trapezoidal', parameters: [60, 75, 100, 100] };
    expect(at(right, 67.5, 80, 100, 101)).toEqual([0.5, 1, 1, 0]);
  });

  test('gaussian is exp(-(x-μ)²/2σ²)', () => {
    const mf: MembershipFunction = { type: 'gaussian', parameters: [65, 12] };
    const [peak, oneSigma, twoSigma] = at(mf, 65, 77, 41);
    expect(peak).toBe(1);
    expect(oneSigma).toBeCloseTo(Math.exp(-0.5), 12);
    expect(twoSigma).toBeCloseTo(Math.exp(-2), 12);
  });

  test('an indicator still warming up (NaN) gives NaN, never an invented membership', () => {
    for (const mf of [
      { type: 'triangular', parameters: [0, 1, 2] },
      { type: 'trapezoidal', parameters: [0, 1, 2, 3] },
      { type: 'gaussian', parameters: [0, 1] },
    ] as MembershipFunction[]) {
      expect(at(mf, NaN)[0]).toBeNaN();
    }
  });
});

describe('input transforms', () => {
  const bars = { close: Float64Array.from([110, 90, 100]), open: Float64Array.from([1, 1, 1]) } as unknown as Bars;

  test('price_ratio divides the reference price by the indicator (e.g. close / SMA)', () => {
    expect(Array.from(transformInput({ type: 'price_ratio', reference: 'close' }, Float64Array.from([100, 100, NaN]), bars))).toEqual([1.1, 0.9, NaN]);
  });

  test('identity (the default) leaves the values alone', () => {
    const values = Float64Array.from([1, 2, 3]);
    expect(transformInput(undefined, values, bars)).toBe(values);
    expect(transformInput({ type: 'identity' }, values, bars)).toBe(values);
  });
});
