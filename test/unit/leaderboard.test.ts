import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { leaderboard } from '../../src/design/leaderboard';
import { readTrials } from '../../src/design/trials';
import { probabilisticSharpeRatio } from '../../src/research/sharpeStatistics';
import { AT_CHANCE, TrialFolders } from '../support/trialFolders';

let folders: TrialFolders;
beforeEach(() => {
  folders = new TrialFolders();
});
afterEach(() => folders.remove());

/** Backtests `names` on validation with seeds from `seed`, each trained to pass its gate; returns their validation Sharpe ratios by name. */
async function backtestedTrials(names: string[], seed: number): Promise<Record<string, number>> {
  const sharpes: Record<string, number> = {};
  for (const [i, name] of names.entries()) {
    folders.designed(name).trained(name);
    sharpes[name] = (await folders.backtested(name, 'validation', seed + i)).metrics.sharpeRatio;
  }
  return sharpes;
}

const sampleSd = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
};

describe('leaderboard', () => {
  test('ranks by the validation Sharpe ratio, even where the holdout would rank them the other way', async () => {
    const names = ['alpha', 'bravo', 'charlie', 'delta'];
    const validation = await backtestedTrials(names, 10);
    const byValidation = [...names].sort((a, b) => validation[b] - validation[a]);
    // each holdout is another's validation, in reverse: the best on validation has the worst holdout
    for (const [rank, name] of byValidation.entries()) {
      const mirror = byValidation[byValidation.length - 1 - rank];
      fs.cpSync(path.join(folders.reportsDir, mirror, 'validation'), path.join(folders.reportsDir, name, 'holdout'), { recursive: true });
    }

    const board = leaderboard(readTrials(folders.folders));
    expect(board.ranked.map((r) => r.name)).toEqual(byValidation);
    expect(board.ranked.map((r) => r.rank)).toEqual([1, 2, 3, 4]);
    expect(board.ranked.map((r) => r.validation.sharpeRatio)).toEqual(byValidation.map((n) => validation[n]));
  });

  test('the DSR counts every trial, gate failures included, and reads the spread of the backtested Sharpe ratios', async () => {
    const validation = await backtestedTrials(['one', 'two', 'three'], 20);
    const before = leaderboard(readTrials(folders.folders));
    expect(before.trials).toBe(3);
    expect(before.sharpeSpread?.sd).toBeCloseTo(sampleSd(Object.values(validation)), 12);
    expect(before.sharpeSpread?.max).toBe(Math.max(...Object.values(validation)));

    // three more designs that never reached a backtest: more luck to beat, the same spread
    folders.designed('at_chance').trained('at_chance', AT_CHANCE);
    folders.designed('never_trained');
    folders.designed('never_saved', { saved: false });
    const after = leaderboard(readTrials(folders.folders));
    expect(after.trials).toBe(6);
    expect(after.stopped.map((t) => t.name)).toEqual(['at_chance', 'never_trained', 'never_saved']);
    expect(after.sharpeSpread).toEqual(before.sharpeSpread);
    expect(after.luckSharpe!).toBeGreaterThan(before.luckSharpe!);
    for (const [i, row] of after.ranked.entries()) {
      const earlier = before.ranked[i];
      expect(row.name).toBe(earlier.name);
      expect(row.psr).toBe(earlier.psr);
      expect(row.dsr!).toBeLessThan(earlier.dsr!);
      expect(row.dsr!).toBeLessThan(row.psr);
    }
  });

  test('a backtested trial that never traded counts in N but has no Sharpe ratio to spread', async () => {
    const validation = await backtestedTrials(['one', 'two', 'three'], 20);
    const before = leaderboard(readTrials(folders.folders));
    folders.designed('idle').trained('idle');
    const idle = await folders.backtested('idle', 'validation', 60, { idle: true });
    expect(idle.metrics.totalTrades).toBe(0);
    const after = leaderboard(readTrials(folders.folders));
    expect(after.trials).toBe(4);
    expect(after.ranked.map((r) => r.name)).toContain('idle');
    expect(after.sharpeSpread).toEqual({ ...before.sharpeSpread, count: 3 });
    expect(after.sharpeSpread?.sd).toBeCloseTo(sampleSd(Object.values(validation)), 12);
    expect(after.luckSharpe!).toBeGreaterThan(before.luckSharpe!);
  });

  test('PSR reads the per-bar returns: skewness and kurtosis, not the annualised Sharpe alone', async () => {
    await backtestedTrials(['solo'], 30);
    const [row] = leaderboard(readTrials(folders.folders)).ranked;
    const { returns } = row.validation;
    expect(row.psr).toBe(probabilisticSharpeRatio(returns));
    expect(row.psr).not.toBeCloseTo(probabilisticSharpeRatio({ ...returns, skewness: 0, kurtosis: 3 }), 6);
  });

  test('one trial is no selection: its DSR is its PSR', async () => {
    await backtestedTrials(['solo'], 40);
    const board = leaderboard(readTrials(folders.folders));
    expect(board.sharpeSpread).toBeUndefined();
    expect(board.luckSharpe).toBe(0);
    expect(board.ranked[0].dsr).toBe(board.ranked[0].psr);
  });

  test('several trials but one backtest: no spread to deflate by, so no DSR rather than an invented one', async () => {
    await backtestedTrials(['solo'], 50);
    folders.designed('at_chance').trained('at_chance', AT_CHANCE);
    const board = leaderboard(readTrials(folders.folders));
    expect(board.trials).toBe(2);
    expect(board.luckSharpe).toBeUndefined();
    expect(board.ranked[0].dsr).toBeUndefined();
  });

  test('hourly and daily trials are deflated on one scale: the luck benchmark is the same once annualised', async () => {
    folders.designed('hourly').trained('hourly');
    folders.designed('daily', { timeframe: '1d' }).trained('daily');
    folders.designed('hourly_two').trained('hourly_two');
    await folders.backtested('hourly', 'validation', 60);
    await folders.backtested('daily', 'validation', 61, { timeframe: '1d' });
    await folders.backtested('hourly_two', 'validation', 62);
    const board = leaderboard(readTrials(folders.folders));
    for (const row of board.ranked) {
      const { returns, barsPerYear } = row.validation;
      // the DSR is the PSR against the annualised luck benchmark brought to the trial's own bars
      expect(row.dsr).toBeCloseTo(probabilisticSharpeRatio({ ...returns, benchmark: board.luckSharpe! / Math.sqrt(barsPerYear) }), 12);
    }
  });
});
