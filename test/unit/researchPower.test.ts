import { describe, expect, test } from 'vitest';
import { barReturns, judgePick, pickByValidation, powerTable, trialSharpeVariance, type Trial } from '../../src/research/researchPower';
import { Random } from '../../src/engine/random';
import { wilsonInterval } from '../../src/research/wilson';

const trial = (n: number, outcome: Trial['outcome'], sharpe?: number, totalReturn = 0): Trial => ({
  cycleId: `loop-c${n}`,
  strategy: `s${n}`,
  outcome,
  ...(sharpe !== undefined && { validation: { sharpe, totalReturn } }),
});

/** n per-bar returns with the given Sharpe ratio per bar, seeded. */
function returns(n: number, sharpe: number, seed = 1): Float64Array {
  const random = new Random(seed);
  return Float64Array.from({ length: n }, () => 0.001 * (sharpe + random.normal()));
}

describe('research power', () => {
  test('the pick is the best completed trial by validation Sharpe, then return; gate failures never, whatever their Sharpe', () => {
    const trials = [
      trial(1, 'failed', 0.5),
      trial(2, 'completed', 0.1, 0.01),
      trial(3, 'completed', 0.2, 0.01),
      trial(4, 'completed', 0.2, 0.03),
      trial(5, 'failed'),
    ];
    expect(pickByValidation(trials)?.strategy).toBe('s4');
    expect(pickByValidation([trial(1, 'failed', 0.5), { cycleId: 'c', outcome: 'refused' }])).toBeUndefined();
  });

  test('every designed strategy is a trial; the Sharpe variance is over those backtested', () => {
    const trials = [trial(1, 'failed'), trial(2, 'failed', 0.1), trial(3, 'completed', 0.3), { cycleId: 'c4', outcome: 'refused' as const }];
    const judged = judgePick(trials, undefined, undefined);
    expect(judged).toMatchObject({ trials: 3, significant: false });
    expect(judged.trialSharpeVariance).toBeCloseTo(0.02, 12);
    expect(trialSharpeVariance([trial(1, 'completed', 0.3)])).toBe(0);
  });

  test('a strong holdout is significant after few trials and deflated below it after many that varied widely', () => {
    const holdout = returns(1000, 0.12, 3);
    const few = judgePick([trial(1, 'completed', 0.05), trial(2, 'completed', 0.06)], 's2', holdout);
    expect(few.significant).toBe(true);
    expect(few.dsr).toBeGreaterThan(0.95);
    const many = Array.from({ length: 40 }, (_, k) => trial(k, k % 2 ? 'completed' : 'failed', (k % 7) * 0.03 - 0.09));
    const deflated = judgePick(many, 's1', holdout);
    expect(deflated.benchmarkSharpe).toBeGreaterThan(few.benchmarkSharpe!);
    expect(deflated.dsr).toBeLessThan(few.dsr!);
    expect(deflated.significant).toBe(false);
    // a random walk's pick, however well it did on validation, has nothing on its holdout
    expect(judgePick([trial(1, 'completed', 0.3)], 's1', returns(1000, 0, 4)).significant).toBe(false);
  });

  test('per-bar returns of an equity curve', () => {
    const r = barReturns([100, 110, 99]);
    expect(r.length).toBe(2);
    expect(r[0]).toBeCloseTo(0.1, 12);
    expect(r[1]).toBeCloseTo(-0.1, 12);
  });

  test('power on planted markets and false discoveries on random walks, by group and cycle count, with Wilson intervals', () => {
    const rows = powerTable([
      { group: 'trend 3', planted: true, cycles: 5, significant: true },
      { group: 'trend 3', planted: true, cycles: 5, significant: false },
      { group: 'random walk', planted: false, cycles: 5, significant: false },
      { group: 'trend 3', planted: true, cycles: 10, significant: true },
      { group: 'random walk', planted: false, cycles: 5, significant: false },
    ]);
    expect(rows).toEqual([
      { group: 'random walk', cycles: 5, measures: 'false discoveries', claimed: wilsonInterval(0, 2) },
      { group: 'trend 3', cycles: 5, measures: 'power', claimed: wilsonInterval(1, 2) },
      { group: 'trend 3', cycles: 10, measures: 'power', claimed: wilsonInterval(1, 1) },
    ]);
  });
});
