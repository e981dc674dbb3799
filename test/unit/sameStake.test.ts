import { describe, expect, test } from 'vitest';
import { sameStakeComparison } from '../../src/engine/backtest/sameStake';

/** An equity curve from bar returns, starting at 100 000. */
function curve(returns: number[]): Float64Array {
  const equity = new Float64Array(returns.length + 1);
  equity[0] = 100_000;
  returns.forEach((r, i) => (equity[i + 1] = equity[i] * (1 + r)));
  return equity;
}

describe('the strategy against buy-and-hold with the same stake', () => {
  const market = [0.01, -0.02, 0.015, 0.005];

  test('a strategy that earns exactly its stake of the market each bar has no excess to test: t 0', () => {
    const strategy = curve(market.map((b) => 0.25 * b));
    const { tStat, excessReturn } = sameStakeComparison(strategy, curve(market), 0.25);
    expect(tStat).toBe(0);
    // the returns compound apart even so: (1.0025 · 0.995 · 1.00375 · 1.00125) − 1 − 0.25 · (1.01 · 0.98 · 1.015 · 1.005 − 1)
    expect(excessReturn).toBeCloseTo(1.0025 * 0.995 * 1.00375 * 1.00125 - 1 - 0.25 * (1.01 * 0.98 * 1.015 * 1.005 - 1), 12);
  });

  test('t is the mean bar excess over its standard error', () => {
    // excesses −0.001, 0.003, −0.001, 0.003: mean 0.001, sd √(16e-6 / 3), t = 0.001 / (sd / 2) = √3 / 2
    const excess = [-0.001, 0.003, -0.001, 0.003];
    const strategy = curve(market.map((b, i) => 0.25 * b + excess[i]));
    expect(sameStakeComparison(strategy, curve(market), 0.25).tStat).toBeCloseTo(Math.sqrt(3) / 2, 9);
  });

  test('a strategy that pays away a little every bar trails by far more than the noise', () => {
    const bars = 500;
    const b = Array.from({ length: bars }, (_, i) => 0.004 * Math.sin(i * 1.7));
    const strategy = curve(b.map((r, i) => 0.3 * r - 0.0002 + 0.0004 * Math.sin(i * 0.9)));
    expect(sameStakeComparison(strategy, curve(b), 0.3).tStat).toBeLessThan(-5);
  });

  test('curves of different lengths are a bug, not a comparison', () => {
    expect(() => sameStakeComparison(curve(market), curve(market.slice(1)), 0.2)).toThrow(/4 bars/);
  });
});
