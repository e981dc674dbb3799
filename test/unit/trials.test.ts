import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readTrials } from '../../src/design/trials';
import { STRATEGIES_DIR } from '../support/folders';
import { AT_CHANCE, TrialFolders } from '../support/trialFolders';

let folders: TrialFolders;
beforeEach(() => {
  folders = new TrialFolders();
});
afterEach(() => folders.remove());

describe('readTrials', () => {
  test('every designed strategy is a trial, however far it got, with why it stopped', async () => {
    folders.designed('never_saved', { saved: false });
    folders.designed('never_trained');
    folders.designed('at_chance').trained('at_chance', AT_CHANCE);
    folders.designed('not_backtested').trained('not_backtested');
    folders.designed('too_few_trades', { model: 'claude-sonnet-5-5' }).trained('too_few_trades');
    const few = await folders.backtested('too_few_trades', 'validation', 1, { quiet: true });
    folders.designed('all_through').trained('all_through');
    const validation = await folders.backtested('all_through', 'validation', 2);
    folders.assessed('all_through', 'promising', validation);

    const trials = readTrials(folders.folders);
    expect(trials.map((t) => t.name)).toEqual(['never_saved', 'never_trained', 'at_chance', 'not_backtested', 'too_few_trades', 'all_through']);
    const byName = Object.fromEntries(trials.map((t) => [t.name, t]));

    expect(byName.never_saved.stopped).toEqual({ phase: 'designing', reason: 'no strategy saved (the design failed or was stopped)' });
    expect(byName.never_trained.stopped?.phase).toBe('training');
    expect(byName.never_trained.stopped?.reason).toMatch(/^no .*models\/never_trained\/training\.json \(it failed, was stopped, or is still running\)$/);
    expect(byName.at_chance.stopped?.phase).toBe('training');
    expect(byName.at_chance.stopped?.reason).toMatch(/^Training gate failed: accuracy_not_above_chance \(accuracy 40% < 43% \(chance 40% \+ 3 pp\)\)/);
    expect(byName.at_chance.gates.training).toMatchObject({ passed: false, failed: ['accuracy_not_above_chance', 'loss_not_below_chance'] });
    expect(byName.not_backtested.gates.training?.passed).toBe(true);
    expect(byName.not_backtested.stopped?.phase).toBe('backtesting');
    expect(byName.not_backtested.stopped?.reason).toMatch(/^no .*reports\/not_backtested\/validation\/metrics\.json/);

    const tooFew = byName.too_few_trades;
    expect(few.metrics.totalTrades).toBe(1);
    expect(tooFew.gates.backtest).toMatchObject({ passed: false });
    expect(tooFew.gates.backtest?.failed).toContain('too_few_trades');
    expect(tooFew.stopped).toEqual({ phase: 'backtesting', reason: tooFew.gates.backtest?.reason });
    expect(tooFew).toMatchObject({ model: 'claude-sonnet-5-5', offline: false, cycleId: 'cycle-too_few_trades', symbol: 'EURUSD', timeframe: '1h' });
    // its designer was trained on data past the 2020 validation period: it may remember how the period went
    expect(tooFew.memory).toBe('the designer (claude-sonnet-5-5, trained on data to 2026-06-30) may have seen this period');
    // a gate failure keeps its validation figures: it is a trial like any other
    expect(tooFew.validation?.totalTrades).toBe(few.metrics.totalTrades);

    const through = byName.all_through;
    expect(validation.metrics.totalTrades).toBeGreaterThanOrEqual(5);
    expect(through.verdict).toBe('promising');
    // the offline designer remembers nothing
    expect(through.memory).toBeUndefined();
    expect(through.created_at).toBe('2026-01-01T00:05:00.000Z');
    expect(through.validation).toMatchObject({
      totalTrades: validation.metrics.totalTrades,
      totalReturn: validation.metrics.totalReturn,
      buyAndHoldReturn: validation.buyAndHold.totalReturn,
      sharpeRatio: validation.metrics.sharpeRatio,
      bars: validation.period.bars,
    });
  });

  test("the per-bar returns come from equity.csv: their Sharpe ratio, annualised, is the backtest's", async () => {
    folders.designed('hourly').trained('hourly');
    folders.designed('daily', { timeframe: '1d' }).trained('daily');
    const reports = [await folders.backtested('hourly', 'validation', 3), await folders.backtested('daily', 'validation', 4, { timeframe: '1d' })];
    const trials = readTrials(folders.folders);
    for (const [i, trial] of trials.entries()) {
      const { returns, barsPerYear } = trial.validation!;
      expect(returns.n).toBe(reports[i].period.bars - 1);
      expect(returns.sharpe * Math.sqrt(barsPerYear)).toBeCloseTo(reports[i].metrics.sharpeRatio, 9);
      expect(returns.kurtosis).toBeGreaterThan(0);
    }
    expect(trials[1].validation!.barsPerYear).toBeLessThan(trials[0].validation!.barsPerYear / 5);
  });

  test('a strategy the agent did not design is no trial, whatever was run on it', async () => {
    fs.copyFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), path.join(folders.strategiesDir, 'rsi_adx_trend_filter.yaml'));
    folders.trained('rsi_adx_trend_filter');
    await folders.backtested('rsi_adx_trend_filter', 'validation', 5);
    expect(readTrials(folders.folders)).toEqual([]);
  });

  test('the holdout is never read: trials are the same with it, without it, or with it unreadable', async () => {
    folders.designed('with_holdout').trained('with_holdout');
    await folders.backtested('with_holdout', 'validation', 6);
    const without = readTrials(folders.folders);
    await folders.backtested('with_holdout', 'holdout', 7);
    expect(readTrials(folders.folders)).toEqual(without);
    fs.writeFileSync(path.join(folders.reportsDir, 'with_holdout', 'holdout', 'metrics.json'), 'not json');
    fs.writeFileSync(path.join(folders.reportsDir, 'with_holdout', 'holdout', 'equity.csv'), 'garbage');
    expect(readTrials(folders.folders)).toEqual(without);
  });

  test('an unreadable report says which file and what is wrong with it, instead of failing the board', () => {
    folders.designed('broken').trained('broken');
    const dir = path.join(folders.reportsDir, 'broken', 'validation');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'metrics.json'), '{"period": {}}');
    const [trial] = readTrials(folders.folders);
    expect(trial.stopped?.phase).toBe('backtesting');
    expect(trial.stopped?.reason).toMatch(/reports\/broken\/validation\/metrics\.json is not a report this version reads \(/);
  });
});
