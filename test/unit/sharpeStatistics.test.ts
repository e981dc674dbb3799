import { describe, expect, test } from 'vitest';
import { Random } from '../../src/engine/random';
import { deflatedSharpeRatio, expectedMaxSharpe, probabilisticSharpeRatio, returnMoments, sharpeStandardError } from '../../src/research/sharpeStatistics';

describe('the Deflated Sharpe Ratio', () => {
  /**
   * Bailey & López de Prado (2014), section "A numerical example": an annualised Sharpe ratio of 2.5
   * over 5 years of daily returns (T = 1,250, 250 a year), skewness −3, kurtosis 10, chosen among
   * N = 100 trials whose annualised Sharpe ratios vary by 1/2. They find SR0 ≈ 0.1132 (per day)
   * and DSR ≈ 0.9004.
   */
  const perYear = 250;
  const example = { sharpe: 2.5 / Math.sqrt(perYear), n: 1250, skewness: -3, kurtosis: 10, trials: 100, trialSharpeVariance: 0.5 / perYear };

  test("reproduces the paper's worked example", () => {
    const { dsr, benchmarkSharpe } = deflatedSharpeRatio(example);
    expect(benchmarkSharpe).toBeCloseTo(0.1132, 4);
    expect(dsr).toBeCloseTo(0.9004, 4);
  });

  test('more trials deflate more; one trial is the plain PSR against zero', () => {
    const few = deflatedSharpeRatio({ ...example, trials: 10 }).dsr;
    const many = deflatedSharpeRatio({ ...example, trials: 1000 }).dsr;
    expect(few).toBeGreaterThan(0.9004);
    expect(many).toBeLessThan(0.9004);
    expect(deflatedSharpeRatio({ ...example, trials: 1 }).dsr).toBe(probabilisticSharpeRatio(example));
  });

  test('fat left tails widen the standard error (skewness −3, kurtosis 10 against normal returns)', () => {
    const normal = sharpeStandardError({ ...example, skewness: 0, kurtosis: 3 });
    expect(sharpeStandardError(example)).toBeGreaterThan(normal);
    // normal returns: Lo (2002)'s √((1 + SR²/2) / (n − 1))
    expect(normal).toBeCloseTo(Math.sqrt((1 + example.sharpe ** 2 / 2) / (example.n - 1)), 12);
  });

  test('the expected best of N is close to the simulated best of N standard normals', () => {
    const random = new Random(7);
    for (const trials of [10, 100]) {
      let sum = 0;
      const runs = 4000;
      for (let r = 0; r < runs; r++) {
        let best = -Infinity;
        for (let i = 0; i < trials; i++) best = Math.max(best, random.normal());
        sum += best;
      }
      // the paper's approximation is within about 1 % of the exact expectation at these N
      expect(expectedMaxSharpe({ trials, variance: 1 })).toBeCloseTo(sum / runs, 1);
    }
    expect(expectedMaxSharpe({ trials: 1, variance: 1 })).toBe(0);
  });
});

describe('returnMoments', () => {
  test('mean, sample sd, Sharpe, skewness and (non-excess) kurtosis of a small series', () => {
    const m = returnMoments([1, 2, 3, 4, 10]);
    expect(m.mean).toBe(4);
    expect(m.sd).toBeCloseTo(Math.sqrt(50 / 4), 12);
    expect(m.sharpe).toBeCloseTo(4 / Math.sqrt(12.5), 12);
    // by hand: deviations −3 −2 −1 0 6, Σd² = 50, Σd³ = 180, Σd⁴ = 1394; population m2 = 10
    expect(m.skewness).toBeCloseTo(180 / 5 / 10 ** 1.5, 12);
    expect(m.kurtosis).toBeCloseTo(1394 / 5 / 100, 12);
  });

  test('a strategy that never traded has a Sharpe ratio of 0, and too few returns is an error', () => {
    expect(returnMoments(new Float64Array(50))).toMatchObject({ sharpe: 0, skewness: 0, kurtosis: 3 });
    expect(() => returnMoments([0.01])).toThrow(/at least 2 returns/);
  });
});
