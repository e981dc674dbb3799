/**
 * Backtests a trained strategy on the periods its model never trained on (spec §5): the
 * validation split (what the gate and the assessment read) and the holdout (the `test`
 * split, reported apart for the researcher), plus the strategy's own `backtest.date_range`
 * when it gives one (it must lie after the training data). The first symbol is traded,
 * as in KTRDR.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BacktestReport } from '../engine/backtest/result';
import { writeBacktestReport } from '../engine/backtest/report';
import { barsBetween, type Bars } from '../engine/data/bars';
import { featureColumns } from '../engine/features/features';
import { Mlp } from '../engine/neural';
import { loadModelFile, sha256, type ModelFile } from '../engine/neural/modelFile';
import { predictSteps } from '../engine/neural/predict';
import { abortCheck, runChecked } from '../engine/steps';
import { UserError } from '../errors';
import { modelDir, reportDir } from './files';
import { backtestPeriod } from './periodBacktest';
import { readStrategy } from './readStrategy';
import { strategyMarkets, type Strategy } from './schema';

type PeriodName = 'validation' | 'holdout' | 'out_of_sample';

export interface BacktestRun {
  strategy: string;
  symbol: string;
  timeframe: string;
  modelPath: string;
  reportDir: string;
  periods: Partial<Record<PeriodName, BacktestReport>>;
}

export interface BacktestOptions {
  /** The market data it scores. */
  dataDir: string;
  /** The model is read from `<modelsDir>/<strategy>/` unless `modelPath` names another. */
  modelsDir: string;
  /** The reports go to `<reportsDir>/<strategy>/`. */
  reportsDir: string;
  /** A model other than the strategy's own models/<name>/model.json. */
  modelPath?: string;
  /**
   * Stops the backtest between its steps — loading, each chunk of 256 predicted bars, each
   * period, each report — with the signal's reason; nothing is written once it has fired.
   */
  signal?: AbortSignal;
}

/** The model was trained on the columns the strategy builds now, or it must be retrained. */
function checkColumns(strategy: Strategy, model: Pick<ModelFile, 'columns'>): void {
  if (featureColumns(strategy).join() !== model.columns.join()) {
    throw new UserError(`the model was trained on other features than the strategy now builds: retrain ${strategy.name}`);
  }
}

export async function backtestStrategy(strategyPath: string, options: BacktestOptions): Promise<BacktestRun> {
  const check = abortCheck(options.signal);
  await check();
  const text = fs.readFileSync(strategyPath, 'utf8');
  const { strategy, data } = readStrategy(text, path.basename(strategyPath), options.dataDir);
  await check();
  const modelPath = options.modelPath ?? path.join(modelDir(strategy.name, options.modelsDir), 'model.json');
  const model = loadModelFile(modelPath);
  if (model.strategySha256 !== sha256(text)) {
    throw new UserError(`${path.basename(strategyPath)} changed since its model was trained: retrain it (ktrdr-agent train ${strategy.name})`);
  }
  const network = Mlp.fromJSON(model.network);
  const { symbols, timeframe } = strategyMarkets(strategy);
  const symbol = symbols[0];
  const split = model.splits.find((s) => s.symbol === symbol);
  if (!split) throw new UserError(`the model has no split for ${symbol}: retrain ${strategy.name}`);

  // The traded symbol's bars: whole, and within the training dates (where its indicators were computed).
  const [all] = data.bars;
  const [bars] = data.series;
  if (bars.time.length !== split.bars || bars.time[split.ranges.test.start] !== split.ranges.test.startTime) {
    throw new UserError(`the market data for ${symbol} ${timeframe} changed since the model was trained: retrain ${strategy.name}`);
  }
  checkColumns(strategy, model);
  const probabilities = await runChecked(predictSteps(strategy, model, network, bars, data.indicators[0]), check);
  const run = (from: number, to: number, source: Bars, probs: Float32Array): BacktestReport => backtestPeriod(strategy, source, probs, from, to);

  await check();
  const validation = run(split.ranges.validation.start, split.ranges.validation.end, bars, probabilities);
  await check();
  const periods: BacktestRun['periods'] = { validation, holdout: run(split.ranges.test.start, split.ranges.test.end, bars, probabilities) };
  const outOfSample = strategy.backtest?.date_range;
  if (outOfSample) {
    // features warm up on the bars before the period, which is why the whole series is scored
    const upTo = barsBetween(all, undefined, outOfSample.end);
    const from = barsBetween(upTo, outOfSample.start).time[0];
    const start = upTo.time.indexOf(from);
    if (start < 0) throw new UserError(`no ${symbol} ${timeframe} bars in backtest.date_range`);
    const outOfSampleProbabilities = await runChecked(predictSteps(strategy, model, network, upTo), check);
    await check();
    periods.out_of_sample = run(start, upTo.time.length, upTo, outOfSampleProbabilities);
  }

  const dir = reportDir(strategy.name, options.reportsDir);
  for (const [name, report] of Object.entries(periods)) {
    await check();
    await writeBacktestReport(report, path.join(dir, name));
  }
  return { strategy: strategy.name, symbol, timeframe, modelPath, reportDir: dir, periods };
}
