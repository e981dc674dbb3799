import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { AssessInputSchema, AssessResultSchema, type BacktestMetrics, type TrainingMetrics } from '../../src/domain/activities';
import { AssessmentContentSchema, AssessmentSchema, type Assessment } from '../../src/design/assessmentFile';
import { composeBrief } from '../../src/domain/loop';
import { findIndicator } from '../../src/engine/features/indicators/catalog';
import { assessOffline } from '../../src/design/offline/assessor';
import { designOffline } from '../../src/design/offline/designer';
import { parse as parseYaml } from 'yaml';
import { MARKET_DATA_DIR, STRATEGIES_DIR } from '../support/folders';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temp strategies folder with the SP500 Bollinger example in it (its settings appear in suggestions). */
function strategiesDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-offline-assess-'));
  temps.push(dir);
  fs.copyFileSync(path.join(STRATEGIES_DIR, 'bollinger_volatility_sp500.yaml'), path.join(dir, 'bollinger_volatility_sp500.yaml'));
  return dir;
}

const GOOD_TRAINING: TrainingMetrics = { accuracy: 0.585, loss: 0.86, initialTrainLoss: 1.1, finalTrainLoss: 0.82, epochsTrained: 42, chanceAccuracy: 0.41 };
/** Buy-and-hold +5 % at an average exposure of 30 % is +1.5 %: the strategy's +12.4 % is 10.9 pp ahead. */
const GOOD_BACKTEST: BacktestMetrics = {
  totalReturn: 0.124,
  sharpeRatio: 1.8,
  maxDrawdown: 0.062,
  winRate: 0.57,
  totalTrades: 64,
  buyAndHoldReturn: 0.05,
  averageExposure: 0.3,
  profitFactor: 1.9,
};

const BAD_TRAINING: TrainingMetrics = { accuracy: 0.402, loss: 1.12, initialTrainLoss: 1.1, finalTrainLoss: 1.095, epochsTrained: 9, chanceAccuracy: 0.41 };
const BAD_BACKTEST: BacktestMetrics = {
  totalReturn: -0.083,
  sharpeRatio: -1.2,
  maxDrawdown: 0.27,
  winRate: 0.31,
  totalTrades: 48,
  buyAndHoldReturn: 0.05,
  averageExposure: 0.3,
  profitFactor: 0.6,
};

function assess(
  training: TrainingMetrics,
  backtest: BacktestMetrics,
  dir = strategiesDir(),
): { verdict: string; file: Assessment; raw: string; hypotheses?: string[] } {
  const input = AssessInputSchema.parse({
    cycleId: 'cycle-42',
    model: 'sonnet',
    strategyName: 'bollinger_volatility_sp500',
    strategyPath: path.join(dir, 'bollinger_volatility_sp500.yaml'),
    training,
    backtest,
  });
  const result = assessOffline({ ...input, strategiesDir: dir, dataDir: MARKET_DATA_DIR });
  expect(AssessResultSchema.parse(result)).toEqual(result);
  expect(result.offline).toBe(true);
  expect(result.usage).toEqual({ model: 'offline', inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 });
  expect(result.assessmentPath).toBe(path.join(dir, 'bollinger_volatility_sp500', 'assessment.json'));
  const raw = fs.readFileSync(result.assessmentPath, 'utf8');
  return { verdict: result.verdict, file: AssessmentSchema.parse(JSON.parse(raw)), raw, hypotheses: result.hypotheses };
}

const statements = (a: Assessment) => [...a.strengths, ...a.weaknesses, ...a.suggestions];

describe('verdict rules', () => {
  test('clearly good: promising, the good numbers as strengths', () => {
    const { verdict, file } = assess(GOOD_TRAINING, GOOD_BACKTEST);
    expect(verdict).toBe('promising');
    expect(file.verdict).toBe('promising');
    expect(file.strengths).toEqual([
      'Validation accuracy 58.5% beats chance by 17.5 percentage points (always guessing the most common class scores 41%)',
      'Sharpe ratio 1.8 (annualised) on the validation backtest: a solid risk-adjusted return',
      'Total return +12.4% after costs beats buy-and-hold at the same stake +1.5% (buy-and-hold +5% × average exposure 30%) by 10.9 percentage points',
      'Training loss fell 25.45% (1.1 → 0.82) over 42 epochs',
    ]);
    // nothing is bad, so the weaknesses say what the numbers cannot
    expect(file.weaknesses).toEqual([
      'Judged on the validation period only (64 trades, accuracy 58.5%); the holdout backtest, kept apart, has the last word',
      '64 trades bound what the 57% win rate can say: its 95% interval spans ±12.13 percentage points',
    ]);
    expect(file.suggestions[0]).toBe('Confirm on the holdout before trusting any of this: `ktrdr-agent backtest bollinger_volatility_sp500` reports it apart');
    expect(file.suggestions).toContain('Test the same indicators on another symbol than SP500 1d to see whether the edge is general');
  });

  test('clearly bad: poor, the bad numbers as weaknesses, suggestions from the strategy', () => {
    const { verdict, file } = assess(BAD_TRAINING, BAD_BACKTEST);
    expect(verdict).toBe('poor');
    expect(file.weaknesses).toEqual([
      'Validation accuracy 40.2% is no better than chance (always guessing the most common class scores 41%; minus 0.8 percentage points): no usable signal was learnt',
      'Sharpe ratio -1.2 (annualised) on the validation backtest: it lost money for the risk taken',
      'Total return -8.3% after costs on the validation period against buy-and-hold at the same stake +1.5% (buy-and-hold +5% × average exposure 30%)',
      'Training loss barely moved (1.1 → 1.095, -0.45% over 9 epochs): the fuzzy features hardly separate the classes',
    ]);
    // no weak figure passed off as a strength
    for (const s of file.strengths) expect(s).not.toMatch(/Sharpe|Total return|Win rate/);
    expect(file.strengths).toContain('A clear negative result (accuracy 40.2%, return -8.3%): this design can be ruled out on this market');
    expect(file.suggestions).toEqual([
      'Swap one of bb_percent_b and atr_percent for one from the momentum or trend or volume family: 0.8 percentage points over chance leaves little to trade on',
      'Check how often each fuzzy set fires (`ktrdr-agent features bollinger_volatility_sp500`): sets that rarely fire or overlap keep the training loss flat',
      "Raise decisions.confidence_threshold from 0.5 to 0.6 so only the model's confident signals trade",
      'Try labels.zigzag_threshold 0.045 instead of 0.03 so labels mark only larger swings',
    ]);
  });

  test('a real accuracy edge that lost money after costs is poor, and says both', () => {
    const { verdict, file } = assess(GOOD_TRAINING, { ...GOOD_BACKTEST, totalReturn: -0.021, sharpeRatio: -0.3, winRate: 0.44, profitFactor: 0.9 });
    expect(verdict).toBe('poor');
    expect(file.strengths[0]).toMatch(/^Validation accuracy 58.5% beats chance/);
    expect(file.weaknesses.slice(0, 2)).toEqual([
      'Sharpe ratio -0.3 (annualised) on the validation backtest: it lost money for the risk taken',
      'Total return -2.1% after costs on the validation period against buy-and-hold at the same stake +1.5% (buy-and-hold +5% × average exposure 30%)',
    ]);
  });

  test.each([
    ['a small loss after costs, Sharpe still positive', { totalReturn: -0.005, sharpeRatio: 0.2 }],
    ['a negative Sharpe, return still positive', { totalReturn: 0.004, sharpeRatio: -0.1 }],
    ['a loss after costs with a strong Sharpe and everything else good', { totalReturn: -0.001, sharpeRatio: 1.5 }],
  ])('%s is poor whatever the accuracy lift (17.5 pp)', (_, over) => {
    expect(assess(GOOD_TRAINING, { ...GOOD_BACKTEST, ...over }).verdict).toBe('poor');
  });

  test('promising needs the edge on fair terms: +12.4% behind buy-and-hold at the same stake (+60% × 30% = +18%) is mediocre', () => {
    const { verdict, file } = assess(GOOD_TRAINING, { ...GOOD_BACKTEST, buyAndHoldReturn: 0.6 });
    expect(verdict).toBe('mediocre');
    expect(file.weaknesses).toContain(
      'Total return +12.4% after costs trails buy-and-hold at the same stake +18% (buy-and-hold +60% × average exposure 30%) by 5.6 percentage points: the timing added nothing',
    );
  });

  test('ahead of a fully invested buy-and-hold is not needed: +12.4% against its +30% is promising at an exposure of 30%', () => {
    expect(assess(GOOD_TRAINING, { ...GOOD_BACKTEST, buyAndHoldReturn: 0.3 }).verdict).toBe('promising');
  });

  test("a lead within the period's noise is no edge: t 0.4 over buy-and-hold at the same stake is mediocre, t 1.5 promising", () => {
    const { verdict, file } = assess(GOOD_TRAINING, { ...GOOD_BACKTEST, sameStakeTStat: 0.4 });
    expect(verdict).toBe('mediocre');
    expect(statements(file)).toContain(
      "Total return +12.4% after costs leads buy-and-hold at the same stake +1.5% (buy-and-hold +5% × average exposure 30%) by 10.9 percentage points, within the period's noise (t 0.4): no edge shown yet",
    );
    const beyond = assess(GOOD_TRAINING, { ...GOOD_BACKTEST, sameStakeTStat: 1.5 });
    expect(beyond.verdict).toBe('promising');
    expect(beyond.file.strengths).toContain(
      'Total return +12.4% after costs beats buy-and-hold at the same stake +1.5% (buy-and-hold +5% × average exposure 30%) by 10.9 percentage points (t 1.5)',
    );
  });

  test('without the average exposure there is no fair comparison, so no promising', () => {
    const { verdict, file } = assess(GOOD_TRAINING, { ...GOOD_BACKTEST, averageExposure: undefined });
    expect(verdict).toBe('mediocre');
    expect(statements(file)).toContain(
      'Total return +12.4% after costs cannot be weighed against buy-and-hold at the same stake: the backtest reported no average exposure',
    );
  });

  test.each([
    ['no trades at all', 'poor', GOOD_TRAINING, { ...GOOD_BACKTEST, totalTrades: 0, winRate: 0, totalReturn: 0, sharpeRatio: 0 }],
    ['too few trades to trust', 'mediocre', GOOD_TRAINING, { ...GOOD_BACKTEST, totalTrades: 6 }],
    ['a deep drawdown', 'mediocre', GOOD_TRAINING, { ...GOOD_BACKTEST, maxDrawdown: 0.35 }],
    ['a small edge', 'mediocre', { ...GOOD_TRAINING, accuracy: 0.43 }, GOOD_BACKTEST],
    ['no chance baseline to judge the edge by', 'mediocre', { ...GOOD_TRAINING, chanceAccuracy: undefined }, GOOD_BACKTEST],
    ['good trading on no edge', 'mediocre', BAD_TRAINING, GOOD_BACKTEST],
  ] as const)('%s: %s', (_, expected, training, backtest) => {
    expect(assess(training, backtest).file.verdict).toBe(expected);
  });

  test('an unreported chance baseline is said, not guessed', () => {
    const { file } = assess({ ...GOOD_TRAINING, chanceAccuracy: undefined }, GOOD_BACKTEST);
    expect(statements(file)).toContain('Validation accuracy 58.5% cannot be weighed: training reported no chance baseline');
    expect(file.metrics.training).not.toHaveProperty('lift_pp');
  });

  test('few trades: a suggestion to trade more, none to trade less', () => {
    const { file } = assess(GOOD_TRAINING, { ...GOOD_BACKTEST, totalTrades: 6, sharpeRatio: -0.2, totalReturn: -0.01 });
    expect(file.suggestions).toContain(
      'Lower decisions.confidence_threshold from 0.5 (or filters.min_signal_separation) to get more than 6 trades to judge by',
    );
    expect(file.suggestions.join('\n')).not.toMatch(/Raise decisions.confidence_threshold/);
    expect(file.weaknesses).toContain('Only 6 trades on the validation period: too few to tell skill from luck');
    expect(statements(file).join('\n')).not.toMatch(/Win rate/);
  });
});

describe('the assessment file', () => {
  test('spec §7 shape, marked offline, with the metrics it used in their units — and no holdout', () => {
    const { file, raw } = assess(GOOD_TRAINING, GOOD_BACKTEST);
    expect(Object.keys(z.record(z.string(), z.unknown()).parse(JSON.parse(raw)))).toEqual([
      'verdict',
      'strengths',
      'weaknesses',
      'suggestions',
      'hypotheses',
      'assessed_at',
      'cycle_id',
      'model',
      'offline',
      'metrics',
    ]);
    expect(
      AssessmentContentSchema.safeParse({ verdict: file.verdict, strengths: file.strengths, weaknesses: file.weaknesses, suggestions: file.suggestions })
        .success,
    ).toBe(true);
    for (const list of [file.strengths, file.weaknesses, file.suggestions]) {
      expect(list.length).toBeGreaterThanOrEqual(2);
      expect(list.length).toBeLessThanOrEqual(4);
    }
    expect(file.model).toBe('offline');
    expect(file.offline).toBe(true);
    expect(file.cycle_id).toBe('cycle-42');
    expect(file.assessed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(Math.abs(Date.parse(file.assessed_at) - Date.now())).toBeLessThan(60_000);
    expect(file.metrics).toEqual({
      training: {
        validation_accuracy_pct: 58.5,
        chance_accuracy_pct: 41,
        lift_pp: 17.5,
        validation_loss: 0.86,
        initial_train_loss: 1.1,
        final_train_loss: 0.82,
        train_loss_decrease_pct: 25.45,
        epochs_trained: 42,
      },
      validation_backtest: {
        total_return_pct: 12.4,
        buy_and_hold_return_pct: 5,
        excess_return_pp: 7.4,
        average_exposure_pct: 30,
        same_stake_buy_and_hold_pct: 1.5,
        excess_over_same_stake_pp: 10.9,
        sharpe_ratio: 1.8,
        max_drawdown_pct: 6.2,
        win_rate_pct: 57,
        total_trades: 64,
        profit_factor: 1.9,
      },
    });
    expect(raw).not.toMatch(/holdout"/i);
  });

  test('every finding quotes its number with its unit; fractions never appear as percentages (spec §8 #6)', () => {
    for (const [training, backtest] of [
      [GOOD_TRAINING, GOOD_BACKTEST],
      [BAD_TRAINING, BAD_BACKTEST],
    ] as const) {
      const { file } = assess(training, backtest);
      for (const s of [...file.strengths, ...file.weaknesses]) expect(s, s).toMatch(/\d/);
      const text = statements(file).join('\n');
      for (const unitless of [
        /accuracy \d+(\.\d+)?(?![\d.%])/i,
        /return [+-]?\d+(\.\d+)?(?![\d.%])/i,
        /drawdown \d+(\.\d+)?(?![\d.%])/i,
        /win rate \d+(\.\d+)?(?![\d.%])/i,
      ]) {
        expect(text).not.toMatch(unitless);
      }
      // the fractions of the typed results (0.585 accuracy) never reach the text: only their percentages (58.5%)
      const fractions = [training.accuracy, training.chanceAccuracy!, backtest.totalReturn, backtest.maxDrawdown, backtest.winRate, backtest.buyAndHoldReturn!];
      for (const f of fractions) expect(text).not.toMatch(new RegExp(`(?<![\\d.])${String(f).replace('.', '\\.')}(?!\\d)`));
    }
  });

  test('a rerun overwrites the earlier assessment: the latest judgement stands', () => {
    const dir = strategiesDir();
    expect(assess(BAD_TRAINING, BAD_BACKTEST, dir).file.verdict).toBe('poor');
    expect(assess(GOOD_TRAINING, GOOD_BACKTEST, dir).file.verdict).toBe('promising');
    expect(fs.readdirSync(path.join(dir, 'bollinger_volatility_sp500'))).toEqual(['assessment.json']);
  });

  test('a strategy that cannot be read still gets an assessment, with general suggestions', () => {
    const dir = strategiesDir();
    fs.rmSync(path.join(dir, 'bollinger_volatility_sp500.yaml'));
    const { file } = assess(BAD_TRAINING, BAD_BACKTEST, dir);
    expect(file.verdict).toBe('poor');
    expect(file.suggestions[0]).toMatch(/^Swap one of the indicators for one from the momentum or trend or volatility or volume family/);
  });

  test('the schema refuses what an assessor must not save', () => {
    const { file } = assess(GOOD_TRAINING, GOOD_BACKTEST);
    expect(AssessmentSchema.safeParse({ ...file, verdict: 'great' }).success).toBe(false);
    expect(AssessmentSchema.safeParse({ ...file, strengths: [] }).success).toBe(false);
    expect(AssessmentSchema.safeParse({ ...file, weaknesses: ['1', '2', '3', '4', '5'] }).success).toBe(false);
    expect(AssessmentSchema.safeParse({ ...file, suggestions: ['fine', '  '] }).success).toBe(false);
    expect(AssessmentSchema.safeParse({ ...file, holdout: {} }).success).toBe(false);
    expect(AssessmentSchema.safeParse({ ...file, assessed_at: 'yesterday' }).success).toBe(false);
  });
});

describe('hypotheses for later cycles to test (spec §9)', () => {
  test('no edge and a flat loss: a family the strategy lacks beside its first indicator, and two other families, on its market', () => {
    const { file, hypotheses } = assess(BAD_TRAINING, BAD_BACKTEST);
    expect(hypotheses).toEqual([
      'A momentum indicator read with bb_percent_b lifts validation accuracy above chance on SP500 daily',
      'Indicators of the trend and volume families separate up-legs from down-legs on SP500 daily, where volatility ones did not',
    ]);
    expect(file.hypotheses).toEqual(hypotheses);
  });

  test('a promising result: whether it holds on other markets', () => {
    expect(assess(GOOD_TRAINING, GOOD_BACKTEST).hypotheses).toEqual(['bb_percent_b keeps its edge on other markets']);
  });

  test('a real edge that loses money proposes nothing the designer could change', () => {
    expect(assess(GOOD_TRAINING, { ...GOOD_BACKTEST, totalReturn: -0.021, sharpeRatio: -0.3 }).hypotheses).toEqual([]);
  });

  test('a strategy that cannot be read proposes none', () => {
    const dir = strategiesDir();
    fs.rmSync(path.join(dir, 'bollinger_volatility_sp500.yaml'));
    expect(assess(BAD_TRAINING, BAD_BACKTEST, dir).hypotheses).toEqual([]);
  });

  test('each steers the offline designer of the cycle that tests it to what it says, within the loop brief', () => {
    const designed = (text: string, loopBrief?: string) => {
      const dir = strategiesDir();
      const brief = composeBrief(loopBrief, { id: 'h1', text });
      const result = designOffline({ cycleId: `loop-x-c${text.length}`, model: 'sonnet', brief, strategiesDir: dir, dataDir: MARKET_DATA_DIR });
      const doc = parseYaml(fs.readFileSync(result.strategyPath, 'utf8')) as { indicators: { name: string }[] };
      return { market: `${result.symbol} ${result.timeframe}`, specs: doc.indicators.map((i) => findIndicator(i.name)!) };
    };
    const [first, second] = assess(BAD_TRAINING, BAD_BACKTEST).hypotheses!;
    const a = designed(first);
    expect(a.market).toBe('SP500 1d');
    expect(a.specs.map((s) => s.name)).toContain('bb_percent_b');
    expect(a.specs.map((s) => s.family)).toContain('momentum');
    // the loop's own brief names another family: the hypothesis under test still leads
    const b = designed(second, 'momentum on SP500 daily');
    expect(b.market).toBe('SP500 1d');
    expect(b.specs.map((s) => s.family).sort()).toEqual(['trend', 'volume']);
  });
});
