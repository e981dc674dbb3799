/**
 * A walk-forward backtest (`backtest --walk-forward`): for each fold (walkForwardFolds.ts) a
 * model is trained from scratch on the fold's training window, with the strategy's own
 * settings, features and seed, then backtested on the test window that follows, with the
 * strategy's decisions and costs. What one fold learns comes from its training window only: its
 * labels are computed, its scaler fitted and its early stopping judged inside that window (the
 * strategy's train/validation shares of it), and no model is kept — models/<name>/ is untouched.
 * By default the folds lie before the holdout, which stays sealed; `includeHoldout` lets them
 * run to the end of the training data, and that counts as a look at the holdout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeBacktestReport } from '../engine/backtest/report';
import type { BacktestReport } from '../engine/backtest/result';
import { sliceBars, type Bars } from '../engine/data/bars';
import { buildDataset, splitBars, type Dataset } from '../engine/features/dataset';
import { train, type TrainingProgress } from '../engine/neural';
import { predictSteps } from '../engine/neural/predict';
import { abortCheck, runChecked } from '../engine/steps';
import { UserError } from '../errors';
import { writeFileAtomic } from '../writeFileAtomic';
import { fitSettings, strategyNetwork } from './fitSettings';
import { backtestPeriod } from './periodBacktest';
import { readStrategy } from './readStrategy';
import type { Strategy } from './schema';
import type { StrategyData } from './strategyData';
import { spread, walkForwardDir, walkForwardSummaryFile, WalkForwardSummarySchema, type WalkForwardSummary, type WINDOW_KINDS } from './walkForward';
import { foldLayout, type BarRange, type FoldLayout } from './walkForwardFolds';

export interface WalkForwardOptions {
  /** The market data it trains and tests on. */
  dataDir: string;
  /** The summary and each fold's report go to `<reportsDir>/<strategy>/walk-forward/`. */
  reportsDir: string;
  folds: number;
  mode: (typeof WINDOW_KINDS)[number];
  /** Let the folds run into the holdout (a look at it). */
  includeHoldout?: boolean;
  /** Stops between folds, epochs, prediction chunks and backtests; nothing is written once it has fired. */
  signal?: AbortSignal;
  onProgress?: (progress: WalkForwardProgress) => void;
}

/** Where a walk-forward is: the fold, and in it the training (epoch by epoch) or the backtest. */
export type WalkForwardProgress = { fold: number; folds: number } & ({ step: 'training'; training?: TrainingProgress } | { step: 'backtest' });

export interface WalkForwardRun {
  summary: WalkForwardSummary;
  /** reports/<name>/walk-forward/ */
  dir: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const day = (ms: number) => iso(ms).slice(0, 10);

export async function walkForward(strategyPath: string, options: WalkForwardOptions): Promise<WalkForwardRun> {
  const check = abortCheck(options.signal);
  const { strategy, data } = readStrategy(fs.readFileSync(strategyPath, 'utf8'), path.basename(strategyPath), options.dataDir);
  const traded = data.series[0];
  const limits = data.series.map((bars) => (options.includeHoldout ? bars.time.length : splitBars(bars, strategy).ranges.test.start));
  const { start: first } = splitBars(traded, strategy).ranges.train;
  const layout = foldLayout({
    first,
    end: limits[0],
    folds: options.folds,
    mode: options.mode,
    describe: (bars) =>
      `${bars} ${traded.symbol} ${traded.timeframe} bars ${options.includeHoldout ? 'to the end of the training data' : 'before the holdout'} (${day(traded.time[first])} → ${day(traded.time[limits[0] - 1])})`,
  });

  const folds: WalkForwardSummary['folds'] = [];
  const reports: BacktestReport[] = [];
  for (const fold of layout) {
    await check();
    const report = await runFold(strategy, data, fold, limits, options, check);
    reports.push(report);
    folds.push({
      index: fold.index,
      train: { start: iso(traded.time[fold.train.start]), end: iso(traded.time[fold.train.end - 1]) },
      test: { start: iso(traded.time[fold.test.start]), end: iso(traded.time[fold.test.end - 1]) },
      metrics: {
        total_return_pct: report.metrics.totalReturn * 100,
        sharpe_ratio: report.metrics.sharpeRatio,
        max_drawdown_pct: report.metrics.maxDrawdown * 100,
        total_trades: report.metrics.totalTrades,
        win_rate_pct: report.metrics.winRate * 100,
      },
      buy_and_hold_return_pct: report.buyAndHold.totalReturn * 100,
    });
  }
  const summary = WalkForwardSummarySchema.parse({
    strategy: strategy.name,
    symbol: traded.symbol,
    timeframe: traded.timeframe,
    mode: options.mode,
    folds,
    spread: {
      sharpe_ratio: spread(folds.map((f) => f.metrics.sharpe_ratio)),
      total_return_pct: spread(folds.map((f) => f.metrics.total_return_pct)),
    },
    touchesHoldout: Boolean(options.includeHoldout),
    createdAt: new Date().toISOString(),
  });

  await check();
  const dir = walkForwardDir(strategy.name, options.reportsDir);
  // the folds of an earlier run with more of them must not linger beside this one's
  fs.rmSync(dir, { recursive: true, force: true });
  for (const [i, report] of reports.entries()) await writeBacktestReport(report, path.join(dir, `fold-${i + 1}`));
  writeFileAtomic(walkForwardSummaryFile(strategy.name, options.reportsDir), `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, dir };
}

/** Trains the fold's model on its training window, then backtests its test window. */
async function runFold(
  strategy: Strategy,
  data: StrategyData,
  fold: FoldLayout,
  limits: number[],
  options: WalkForwardOptions,
  check: () => Promise<void>,
): Promise<BacktestReport> {
  const at = { fold: fold.index, folds: options.folds };
  options.onProgress?.({ ...at, step: 'training' });
  const dataset = foldDataset(strategy, data, fold, limits);
  const network = strategyNetwork(strategy, dataset.columns.length);
  await train(network, {
    xTrain: dataset.train.x,
    yTrain: dataset.train.y,
    xVal: dataset.validation.x,
    yVal: dataset.validation.y,
    ...fitSettings(strategy),
    signal: options.signal,
    onProgress: (training) => options.onProgress?.({ ...at, step: 'training', training }),
  });
  options.onProgress?.({ ...at, step: 'backtest' });
  // indicators and features at a bar use bars up to it only, so the test window's features warm up on the bars before it
  const upToTest = sliceBars(data.series[0], 0, fold.test.end);
  const probabilities = await runChecked(
    predictSteps(strategy, { scaler: dataset.scaler }, network, upToTest, sliceIndicators(data.indicators[0], { start: 0, end: fold.test.end })),
    check,
  );
  await check();
  return backtestPeriod(strategy, upToTest, probabilities, fold.test.start, fold.test.end);
}

/**
 * The rows a fold trains on: each symbol's bars within the time span of the traded symbol's
 * training window (and before its holdout unless included), with `history_required` bars
 * before for the warm-up, split into the strategy's train and validation shares of that
 * window. Labels and the scaler come from these bars alone, so nothing after the window reaches
 * the fold's model.
 */
export function foldDataset(strategy: Strategy, data: StrategyData, fold: Pick<FoldLayout, 'index' | 'train'>, limits: number[]): Dataset {
  const traded = data.series[0];
  const startTime = traded.time[fold.train.start];
  const endTime = traded.time[fold.train.end - 1];
  const warmUp = strategy.training_data.history_required;
  const series: Bars[] = [];
  const indicators: Map<string, Float64Array>[] = [];
  for (const [s, bars] of data.series.entries()) {
    const from = firstIndex(bars.time, (t) => t >= startTime);
    const range = {
      start: Math.max(0, from - warmUp),
      end: Math.min(
        firstIndex(bars.time, (t) => t > endTime),
        limits[s],
      ),
    };
    series.push(sliceBars(bars, range.start, range.end));
    indicators.push(sliceIndicators(data.indicators[s], range));
  }
  const { train: trainShare, validation } = strategy.training.data_split;
  const spec = {
    ...strategy,
    training: {
      ...strategy.training,
      data_split: { train: trainShare / (trainShare + validation), validation: validation / (trainShare + validation), test: 0 },
    },
  };
  try {
    return buildDataset(spec, series, { indicators });
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`fold ${fold.index} (training ${day(startTime)} → ${day(endTime)}): ${err.message}; use fewer folds`);
    throw err;
  }
}

function sliceIndicators(indicators: Map<string, Float64Array>, { start, end }: BarRange): Map<string, Float64Array> {
  return new Map([...indicators].map(([id, values]) => [id, values.subarray(start, end)]));
}

/** The first index whose time passes `test` (times are sorted), or the length when none does. */
function firstIndex(time: Float64Array, test: (t: number) => boolean): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (test(time[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
