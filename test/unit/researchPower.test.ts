import { describe, expect, test } from 'vitest';
import type { Trial } from '../../src/design/trials';
import { judgePick, pickByValidation, powerTable } from '../../src/design/researchPower';
import { expectedMaxSharpe, returnMoments } from '../../src/research/sharpeStatistics';
import { Random } from '../../src/engine/random';
import { wilsonInterval } from '../../src/research/wilson';

const BARS_PER_YEAR = 6000;

/** A trial as readTrials gives it: `sharpe` is annualised; stopped at the backtest gate unless `completed`; none without a Sharpe never reached a backtest. */
function trial(n: number, how: 'completed' | 'failed', sharpe?: number, totalReturn = 0): Trial {
  const base: Trial = {
    name: `s${n}`,
    cycleId: `loop-c${n}`,
    model: 'offline',
    offline: true,
    symbol: 'SYN_RW_1',
    timeframe: '1h',
    created_at: '2030-01-01T00:00:00.000Z',
    gates: {},
  };
  if (sharpe === undefined) return { ...base, stopped: { phase: 'training', reason: 'its gate failed' } };
  const validation = {
    start: '2030-01-01T00:00:00.000Z',
    end: '2030-02-01T00:00:00.000Z',
    bars: 700,
    barsPerYear: BARS_PER_YEAR,
    totalTrades: 10,
    totalReturn,
    buyAndHoldReturn: 0,
    maxDrawdown: 0.01,
    winRate: 0.5,
    sharpeRatio: sharpe,
    returns: returnMoments([0.01, -0.01, 0.02]),
  };
  return how === 'completed'
    ? { ...base, validation, verdict: 'promising' }
    : { ...base, validation, stopped: { phase: 'backtesting', reason: 'its gate failed' } };
}

/** n per-bar returns with the given Sharpe ratio per bar, seeded. */
function returns(n: number, sharpe: number, seed = 1): Float64Array {
  const random = new Random(seed);
  return Float64Array.from({ length: n }, () => 0.001 * (sharpe + random.normal()));
}

const holdout = (name: string, r: Float64Array) => ({ name, returns: r, barsPerYear: BARS_PER_YEAR });

describe('research power', () => {
  test('the pick is the best completed trial by validation Sharpe, then return; gate failures never, whatever their Sharpe', () => {
    const trials = [trial(1, 'failed', 5), trial(2, 'completed', 1, 0.01), trial(3, 'completed', 2, 0.01), trial(4, 'completed', 2, 0.03), trial(5, 'failed')];
    expect(pickByValidation(trials)?.name).toBe('s4');
    expect(pickByValidation([trial(1, 'failed', 5), trial(2, 'failed')])).toBeUndefined();
    // through both gates, its assessment alone failed: the cycle completed with its results, as the loop's best list keeps it
    const { verdict: _, ...unassessed } = trial(6, 'completed', 9);
    expect(pickByValidation([...trials, unassessed])?.name).toBe('s6');
  });

  test('every designed strategy is a trial; the Sharpe spread is over those backtested', () => {
    const judged = judgePick([trial(1, 'failed'), trial(2, 'failed', 1), trial(3, 'completed', 3)]);
    expect(judged).toMatchObject({ trials: 3, significant: false });
    expect(judged.sharpeSpread).toBeCloseTo(Math.sqrt(2), 12);
    expect(judgePick([trial(1, 'completed', 3)]).sharpeSpread).toBeUndefined();
  });

  test('a strong holdout is significant after few trials and deflated below it after many that varied widely', () => {
    const strong = returns(1000, 0.12, 3);
    const few = judgePick([trial(1, 'completed', 4), trial(2, 'completed', 5)], holdout('s2', strong));
    expect(few.significant).toBe(true);
    expect(few.dsr).toBeGreaterThan(0.95);
    // the annualised spread (variance ½ between 4 and 5) is brought back to the holdout's bars
    expect(few.benchmarkSharpe! * Math.sqrt(BARS_PER_YEAR)).toBeCloseTo(expectedMaxSharpe({ trials: 2, variance: 0.5 }), 10);
    const many = Array.from({ length: 40 }, (_, k) => trial(k, k % 2 ? 'completed' : 'failed', ((k % 7) * 0.03 - 0.09) * Math.sqrt(BARS_PER_YEAR)));
    const deflated = judgePick(many, holdout('s1', strong));
    expect(deflated.benchmarkSharpe).toBeGreaterThan(few.benchmarkSharpe!);
    expect(deflated.dsr).toBeLessThan(few.dsr!);
    expect(deflated.significant).toBe(false);
    // undeflated, the same holdout is an edge: that gap is the cost of the 40 trials
    expect(deflated.psr).toBeGreaterThan(0.95);
    // a random walk's pick, however well it did on validation, has nothing on its holdout
    expect(judgePick([trial(1, 'completed', 20)], holdout('s1', returns(1000, 0, 4))).significant).toBe(false);
  });

  test('power on planted markets and false discoveries on random walks, by group and cycle count, with Wilson intervals', () => {
    const rows = powerTable([
      { group: 'trend 3', planted: true, cycles: 5, significant: true, significantAlone: true },
      { group: 'trend 3', planted: true, cycles: 5, significant: false, significantAlone: true },
      { group: 'random walk', planted: false, cycles: 5, significant: false, significantAlone: true },
      { group: 'trend 3', planted: true, cycles: 10, significant: true, significantAlone: true },
      { group: 'random walk', planted: false, cycles: 5, significant: false, significantAlone: false },
    ]);
    expect(rows).toEqual([
      { group: 'random walk', cycles: 5, measures: 'false discoveries', claimed: wilsonInterval(0, 2), claimedAlone: wilsonInterval(1, 2) },
      { group: 'trend 3', cycles: 5, measures: 'power', claimed: wilsonInterval(1, 2), claimedAlone: wilsonInterval(2, 2) },
      { group: 'trend 3', cycles: 10, measures: 'power', claimed: wilsonInterval(1, 1), claimedAlone: wilsonInterval(1, 1) },
    ]);
  });
});
