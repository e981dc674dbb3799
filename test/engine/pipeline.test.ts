import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BacktestSummarySchema } from '../../src/engine/backtest/result';
import { loadModelFile } from '../../src/engine/neural/modelFile';
import { backtestStrategy, type BacktestRun } from '../../src/research/backtesting';
import { readHoldoutLooks } from '../../src/research/holdoutLooks';
import { trainStrategy } from '../../src/research/training';
import type { TrainingReport } from '../../src/research/trainingReport';
import { ktrdrAgent, ktrdrAgentWith } from '../support/cli';
import { MARKET_DATA_DIR, STRATEGIES_DIR } from '../support/folders';

/** train → backtest on shipped data (EURUSD hourly), as a researcher runs it by hand. */
const strategyPath = path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml');
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-pipeline-'));
const options = { dataDir: MARKET_DATA_DIR, modelsDir: path.join(root, 'models'), reportsDir: path.join(root, 'reports') };
let training: TrainingReport;
let run: BacktestRun;

beforeAll(async () => {
  training = await trainStrategy(strategyPath, options);
  run = await backtestStrategy(strategyPath, options);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const readSummary = (file: string) => BacktestSummarySchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));

describe('training on shipped data', () => {
  test('reports validation metrics the gate can read, beside the chance baseline', () => {
    const m = training.metrics;
    expect(m.accuracy).toBeGreaterThan(0);
    expect(m.accuracy).toBeLessThanOrEqual(1);
    expect(m.chanceAccuracy).toBeGreaterThan(0.25);
    // three classes, none dominant: the chance losses sit a little under ln 3
    expect(m.chanceLoss).toBeGreaterThan(0.8);
    expect(m.chanceLoss).toBeLessThan(Math.log(3) + 0.05);
    expect(m.chanceTrainLoss).toBeGreaterThan(0.8);
    expect(m.chanceTrainLoss).toBeLessThanOrEqual(Math.log(3));
    expect(m.finalTrainLoss).toBeLessThan(m.initialTrainLoss);
    expect(m.epochsTrained).toBeGreaterThanOrEqual(training.bestEpoch);
    expect(training.validation.classBalance.reduce((a, b) => a + b)).toBeCloseTo(1, 9);
    expect(training.rows.train).toBeGreaterThan(training.rows.validation);
  });

  test('saves the model with its columns, scaler and split boundaries', () => {
    const model = loadModelFile(training.modelPath);
    expect(model.columns).toHaveLength(training.features);
    expect(model.scaler?.mean).toHaveLength(training.features);
    const [split] = model.splits;
    expect(split.ranges.train.end).toBe(split.ranges.validation.start);
    expect(split.ranges.validation.end).toBe(split.ranges.test.start);
    expect(split.ranges.test.end).toBe(split.bars);
    expect(fs.existsSync(path.join(path.dirname(training.modelPath), 'training.json'))).toBe(true);
  });

  test('is deterministic: the same strategy and data train the same model', async () => {
    const again = await trainStrategy(strategyPath, { ...options, modelsDir: path.join(root, 'again') });
    expect(again.metrics).toEqual(training.metrics);
    expect(again.history).toEqual(training.history);
  });
});

describe('backtest of the trained model', () => {
  test('scores the validation period and, apart, the holdout — never the training bars', () => {
    const { validation, test: holdout } = loadModelFile(training.modelPath).splits[0].ranges;
    expect(run.periods.validation!.period.startTime).toBeGreaterThanOrEqual(validation.startTime);
    expect(run.periods.validation!.period.endTime).toBeLessThanOrEqual(validation.endTime);
    expect(run.periods.holdout!.period.startTime).toBeGreaterThanOrEqual(holdout.startTime);
  });

  test('writes trades, equity against buy-and-hold, and metrics for each period', () => {
    for (const period of ['validation', 'holdout'] as const) {
      const dir = path.join(run.reportDir, period);
      const metrics = readSummary(path.join(dir, 'metrics.json'));
      expect(metrics.metrics.totalTrades).toBe(run.periods[period]!.metrics.totalTrades);
      const equity = fs.readFileSync(path.join(dir, 'equity.csv'), 'utf8').trim().split('\n');
      expect(equity).toHaveLength(run.periods[period]!.period.bars + 1);
      expect(fs.existsSync(path.join(dir, 'trades.csv'))).toBe(true);
    }
  });

  test('charges hourly EURUSD forex costs, and metrics.json says which costs applied and where from', () => {
    const metrics = readSummary(path.join(run.reportDir, 'validation', 'metrics.json'));
    expect(metrics.execution).toMatchObject({ commission: 0.00008, slippage: 0.00005 });
    expect(metrics.execution.costs).toMatchObject({ assetClass: 'forex_major', classifiedBy: 'pair of major currencies' });
    expect(metrics.execution.costs.commission).toMatch(/^forex_major default: IBKR spot FX.*https:\/\//);
    expect(metrics.execution.costs.slippage).toMatch(/^forex_major default: half a 1-pip EUR\/USD spread.*https:\/\//);
  });

  test('refuses a model trained on another version of the strategy', async () => {
    const copy = path.join(root, 'pipeline_changed_copy.yaml');
    const text = fs.readFileSync(strategyPath, 'utf8').replace('name: rsi_adx_trend_filter', 'name: pipeline_changed_copy');
    fs.writeFileSync(copy, text);
    try {
      await trainStrategy(copy, options);
      fs.writeFileSync(copy, text.replace('confidence_threshold: 0.6', 'confidence_threshold: 0.7'));
      await expect(backtestStrategy(copy, options)).rejects.toThrow('pipeline_changed_copy.yaml changed since its model was trained: retrain it');
    } finally {
      fs.rmSync(copy, { force: true });
    }
  });
});

describe('stopping a backtest', () => {
  // Mid-way, from another thread: test/services/backtestCancel.test.ts.
  test('an aborted signal stops it with its reason before anything is written', async () => {
    const elsewhere = { ...options, reportsDir: path.join(root, 'stopped-reports') };
    const reason = new Error('cycle cancelled');
    await expect(backtestStrategy(strategyPath, { ...elsewhere, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fs.existsSync(elsewhere.reportsDir)).toBe(false);
  });
});

describe('the CLI', () => {
  test('validate exits 0 for a valid strategy and 1 with every problem for a broken one', async () => {
    const ok = await ktrdrAgent('127.0.0.1:1', 'validate', 'rsi_adx_trend_filter');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('strategies/rsi_adx_trend_filter.yaml: valid');
    const strategies = path.join(root, 'strategies');
    fs.mkdirSync(strategies, { recursive: true });
    const text = fs.readFileSync(strategyPath, 'utf8').replace('name: rsi_adx_trend_filter', 'name: cli_broken');
    fs.writeFileSync(
      path.join(strategies, 'cli_broken.yaml'),
      text.replace('optimizer: adam', 'optimizer: adamw').replace('period: 14, source', 'period: 400, source'),
    );
    const bad = await ktrdrAgentWith({ KTRDR_STRATEGIES_DIR: strategies }, 'validate', 'cli_broken');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/cli_broken.yaml:14: error: indicators.0.period: period must be between 2 and 100, got 400/);
    expect(bad.stdout).toMatch(/cli_broken.yaml:\d+: error: model.training.optimizer/);
    expect(bad.stderr).toContain('2 errors');
  });

  test('holdout prints the holdout metrics of the model, only when asked, and counts the look', async () => {
    const run = await ktrdrAgentWith({ KTRDR_MODELS_DIR: options.modelsDir, KTRDR_REPORTS_DIR: options.reportsDir }, 'holdout', 'rsi_adx_trend_filter');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Holdout\s+\d+ rows · accuracy \d+\.\d% vs chance \d+\.\d% · loss \d\.\d{4} · holdout looked at 1 time\n/);
    expect(readHoldoutLooks('rsi_adx_trend_filter', options.reportsDir).map(({ why, by }) => [why, by])).toEqual([['holdout', 'cli']]);
  });

  test('backtest prints the costs it charged and buy-and-hold at the same stake, per period', async () => {
    const out = await ktrdrAgentWith({ KTRDR_MODELS_DIR: options.modelsDir, KTRDR_REPORTS_DIR: options.reportsDir }, 'backtest', 'rsi_adx_trend_filter');
    expect(out.code).toBe(0);
    const costs = out.stdout.split('\n').filter((line) => line.trim().startsWith('costs'));
    expect(costs).toHaveLength(2);
    for (const line of costs) {
      expect(line).toContain('commission 0.8 bp (forex_major default) + slippage 0.5 bp (forex_major default) a side · forex_major (pair of major currencies)');
    }
    expect(out.stdout).toMatch(/same stake\s+buy & hold at the strategy's average exposure \(\d+\.\d%\): return -?\d+\.\d% · strategy's excess t -?\d+\.\d\d/);
    // the holdout's heading counts every look, this one included; the validation's says nothing of it
    expect(out.stdout).toMatch(/\nholdout \(.+\) — for you, not for tuning · holdout looked at 2 times\n/);
    expect(out.stdout).toMatch(/\nvalidation \([^)]+\)\n/);
    const json = await ktrdrAgentWith(
      { KTRDR_MODELS_DIR: options.modelsDir, KTRDR_REPORTS_DIR: options.reportsDir },
      'backtest',
      'rsi_adx_trend_filter',
      '--json',
    );
    expect((JSON.parse(json.stdout) as { holdoutLooks: number }).holdoutLooks).toBe(3);
    expect(readHoldoutLooks('rsi_adx_trend_filter', options.reportsDir).map(({ why }) => why)).toEqual(['holdout', 'backtest', 'backtest']);
  });

  test('a strategy file that is not there is one clear line', async () => {
    const run = await ktrdrAgent('127.0.0.1:1', 'train', '/etc/passwd.yaml');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('error: no file /etc/passwd.yaml');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
