import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BacktestSummarySchema } from '../../src/engine/backtest/result';
import type { Bars } from '../../src/engine/data/bars';
import { splitBars, type Dataset } from '../../src/engine/features/dataset';
import { computeIndicators } from '../../src/engine/features/features';
import { TrainingCancelled } from '../../src/engine/neural';
import { readStrategy } from '../../src/research/readStrategy';
import type { StrategyData } from '../../src/research/strategyData';
import { readWalkForwardSummary, walkForwardDir, type WalkForwardSummary } from '../../src/research/walkForward';
import { foldLayout } from '../../src/research/walkForwardFolds';
import { foldDataset, walkForward, type WalkForwardOptions } from '../../src/research/walkForwardRun';
import { MARKET_DATA_DIR, STRATEGIES_DIR } from '../support/folders';

/** The shipped EURUSD strategy, trained for a few epochs so that three folds take a second or two. */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-walk-forward-'));
const strategyPath = path.join(root, 'wf_rsi_adx.yaml');
fs.writeFileSync(
  strategyPath,
  fs
    .readFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), 'utf8')
    .replace('name: rsi_adx_trend_filter', 'name: wf_rsi_adx')
    .replace('epochs: 60', 'epochs: 4'),
);
const options = (reportsDir: string, more: Partial<WalkForwardOptions> = {}): WalkForwardOptions => ({
  dataDir: MARKET_DATA_DIR,
  reportsDir,
  folds: 3,
  mode: 'anchored',
  ...more,
});
const { strategy, data } = readStrategy(fs.readFileSync(strategyPath, 'utf8'), 'wf_rsi_adx.yaml', MARKET_DATA_DIR);
const holdoutStart = splitBars(data.series[0], strategy).ranges.test.start;

let anchored: WalkForwardSummary;
beforeAll(async () => {
  anchored = (await walkForward(strategyPath, options(path.join(root, 'a')))).summary;
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const withoutTime = ({ createdAt: _, ...rest }: WalkForwardSummary) => rest;

describe('walk-forward on shipped data', () => {
  test('every fold tests on the bars right after its training window, and the last one ends before the holdout', () => {
    const { folds } = anchored;
    expect(folds.map((f) => f.index)).toEqual([1, 2, 3]);
    for (const [i, fold] of folds.entries()) {
      expect(fold.train.start).toBe(folds[0].train.start);
      expect(Date.parse(fold.test.start)).toBeGreaterThan(Date.parse(fold.train.end));
      if (i > 0) expect(Date.parse(fold.test.start)).toBeGreaterThan(Date.parse(folds[i - 1].test.end));
      expect(fold.metrics.total_trades).toBeGreaterThanOrEqual(0);
    }
    expect(folds.at(-1)!.test.end).toBe(new Date(data.series[0].time[holdoutStart - 1]).toISOString());
    expect(anchored.touchesHoldout).toBe(false);
  });

  test('the spread is the mean, sd, min and max of the folds', () => {
    const sharpes = anchored.folds.map((f) => f.metrics.sharpe_ratio);
    const mean = sharpes.reduce((a, b) => a + b) / 3;
    expect(anchored.spread.sharpe_ratio.mean).toBeCloseTo(mean, 12);
    expect(anchored.spread.sharpe_ratio.sd).toBeCloseTo(Math.sqrt(sharpes.reduce((s, x) => s + (x - mean) ** 2, 0) / 2), 12);
    expect(anchored.spread.sharpe_ratio.min).toBe(Math.min(...sharpes));
    expect(anchored.spread.total_return_pct.max).toBe(Math.max(...anchored.folds.map((f) => f.metrics.total_return_pct)));
  });

  test('each fold is a backtest report of its test window, and the summary reads back', () => {
    const dir = walkForwardDir('wf_rsi_adx', path.join(root, 'a'));
    expect(fs.readdirSync(dir).sort()).toEqual(['fold-1', 'fold-2', 'fold-3', 'summary.json']);
    for (const fold of anchored.folds) {
      const metrics = BacktestSummarySchema.parse(JSON.parse(fs.readFileSync(path.join(dir, `fold-${fold.index}`, 'metrics.json'), 'utf8')));
      expect(metrics.metrics.totalTrades).toBe(fold.metrics.total_trades);
      expect(metrics.buyAndHold.totalReturn * 100).toBe(fold.buy_and_hold_return_pct);
    }
    expect(readWalkForwardSummary('wf_rsi_adx', path.join(root, 'a'))).toEqual(anchored);
    expect(readWalkForwardSummary('wf_rsi_adx', path.join(root, 'none'))).toBeUndefined();
  });

  test('is deterministic: the same strategy and data give the same folds', async () => {
    const again = await walkForward(strategyPath, options(path.join(root, 'again')));
    expect(withoutTime(again.summary)).toEqual(withoutTime(anchored));
  });

  test('rolling windows keep the first training window’s length and test the same windows as anchored ones', async () => {
    const { summary } = await walkForward(strategyPath, options(path.join(root, 'rolling'), { mode: 'rolling' }));
    expect(summary.mode).toBe('rolling');
    expect(summary.folds.map((f) => f.test)).toEqual(anchored.folds.map((f) => f.test));
    expect(summary.folds[0]).toEqual(anchored.folds[0]);
    expect(Date.parse(summary.folds[2].train.start)).toBeGreaterThan(Date.parse(summary.folds[1].train.start));
  });

  test('--include-holdout runs the folds to the end of the training data, and says so', async () => {
    const { summary } = await walkForward(strategyPath, options(path.join(root, 'holdout'), { includeHoldout: true }));
    expect(summary.touchesHoldout).toBe(true);
    const series = data.series[0];
    expect(summary.folds.at(-1)!.test.end).toBe(new Date(series.time[series.time.length - 1]).toISOString());
  });

  test('Ctrl+C stops it between epochs, and nothing is written', async () => {
    const controller = new AbortController();
    const reportsDir = path.join(root, 'cancelled');
    const run = walkForward(strategyPath, {
      ...options(reportsDir),
      signal: controller.signal,
      onProgress: (p) => p.fold === 2 && p.step === 'training' && p.training?.epoch === 1 && controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(TrainingCancelled);
    expect(fs.existsSync(reportsDir)).toBe(false);
  });
});

/** Index of the first value that differs, -1 when none does (a deep-equality failure on 10⁵ floats takes minutes to print). */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

function expectSameRows(after: Dataset, before: Dataset): void {
  for (const split of ['train', 'validation'] as const) {
    expect(firstDifference(after[split].x, before[split].x), `${split} features`).toBe(-1);
    expect(firstDifference(after[split].y, before[split].y), `${split} labels`).toBe(-1);
  }
  expect(after.scaler).toEqual(before.scaler);
}

describe('no look-ahead across a fold boundary', () => {
  /** The same data with every price after bar `from` of the traded series scaled, its indicators recomputed. */
  function shocked(from: number): StrategyData {
    const bars = data.series[0];
    const scale = (column: Float64Array) => column.map((v, t) => (t >= from ? v * (t % 2 ? 1.07 : 0.93) : v));
    const changed: Bars = { ...bars, open: scale(bars.open), high: scale(bars.high), low: scale(bars.low), close: scale(bars.close) };
    return { bars: [changed], series: [changed], indicators: [computeIndicators(strategy, changed)] };
  }
  const limits = [holdoutStart];
  const layout = foldLayout({ first: 200, end: holdoutStart, folds: 3, mode: 'rolling', describe: String });

  test.each(layout.map((fold) => [fold.index, fold] as const))(
    'fold %i: its rows, labels and scaler are the same whatever follows its training window',
    (_, fold) => {
      const before = foldDataset(strategy, data, fold, limits);
      const after = foldDataset(strategy, shocked(fold.train.end), fold, limits);
      expectSameRows(after, before);
    },
  );

  test('nor does a second symbol reach past the traded one’s training window', () => {
    const text = fs
      .readFileSync(path.join(STRATEGIES_DIR, 'money_flow_nasdaq.yaml'), 'utf8')
      .replace('symbols: {mode: single, list: [NASDAQ]}', 'symbols: {mode: multi_symbol, list: [NASDAQ, GOOG]}');
    const multi = readStrategy(text, 'multi.yaml', MARKET_DATA_DIR);
    const [nasdaq, goog] = multi.data.series;
    const multiLimits = multi.data.series.map((bars) => splitBars(bars, multi.strategy).ranges.test.start);
    const fold = foldLayout({ first: 200, end: multiLimits[0], folds: 3, mode: 'anchored', describe: String })[1];
    const end = nasdaq.time[fold.train.end - 1];
    const scale = (column: Float64Array) => column.map((v, t) => (goog.time[t] > end ? v * (t % 2 ? 1.07 : 0.93) : v));
    const changed: Bars = { ...goog, open: scale(goog.open), high: scale(goog.high), low: scale(goog.low), close: scale(goog.close) };
    const shockedData = { ...multi.data, series: [nasdaq, changed], indicators: [multi.data.indicators[0], computeIndicators(multi.strategy, changed)] };
    const before = foldDataset(multi.strategy, multi.data, fold, multiLimits);
    const after = foldDataset(multi.strategy, shockedData, fold, multiLimits);
    expectSameRows(after, before);
    expect(before.splits.map((split) => split.symbol)).toEqual(['NASDAQ', 'GOOG']);
  });

  test('while a change inside the training window does change them (the check can fail)', () => {
    const fold = layout[1];
    const before = foldDataset(strategy, data, fold, limits);
    const after = foldDataset(strategy, shocked(fold.train.end - 50), fold, limits);
    expect(firstDifference(after.train.x, before.train.x)).toBe(-1);
    expect(firstDifference(after.validation.x, before.validation.x)).toBeGreaterThanOrEqual(0);
  });
});
