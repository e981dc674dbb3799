import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { writeAssessment } from '../../src/design/assessmentFile';
import { recentStrategies } from '../../src/design/memory';
import { STRATEGIES_DIR } from '../support/folders';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temp strategies folder holding copies of the shipped examples. */
function folderWith(...examples: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-offline-memory-'));
  temps.push(dir);
  for (const example of examples) fs.copyFileSync(path.join(STRATEGIES_DIR, `${example}.yaml`), path.join(dir, `${example}.yaml`));
  return dir;
}

/** The record a designer leaves beside the strategy it saved. */
function designedAt(name: string, isoTime: string, dir: string): void {
  fs.mkdirSync(path.join(dir, name), { recursive: true });
  const record = { cycle_id: `cycle-${name}`, strategy: name, symbol: 'SP500', timeframe: '1d', designed_at: isoTime, model: 'offline', offline: true };
  fs.writeFileSync(path.join(dir, name, 'design.json'), JSON.stringify(record));
}

test('newest first by design time, at most n, with canonical indicator names and families', () => {
  const dir = folderWith('money_flow_nasdaq', 'bollinger_volatility_sp500', 'rsi_adx_trend_filter');
  designedAt('money_flow_nasdaq', '2020-01-02T00:00:00.000Z', dir);
  designedAt('bollinger_volatility_sp500', '2020-01-03T00:00:00.000Z', dir);
  // no design.json: its file time (now) makes it the newest
  const recent = recentStrategies(2, { strategiesDir: dir });
  expect(recent.map((r) => r.name)).toEqual(['rsi_adx_trend_filter', 'bollinger_volatility_sp500']);
  expect(recentStrategies(10, { strategiesDir: dir }).map((r) => r.name)).toEqual(['rsi_adx_trend_filter', 'bollinger_volatility_sp500', 'money_flow_nasdaq']);

  const money = recentStrategies(10, { strategiesDir: dir }).find((r) => r.name === 'money_flow_nasdaq')!;
  expect(money).toEqual({
    name: 'money_flow_nasdaq',
    created_at: '2020-01-02T00:00:00.000Z',
    symbols: ['NASDAQ'],
    timeframe: '1d',
    // written `ChaikinMoneyFlow` in the YAML
    indicators: ['mfi', 'cmf'],
    families: ['volume'],
  });
});

test('an assessed strategy carries its verdict and validation results', () => {
  const dir = folderWith('money_flow_nasdaq');
  writeAssessment(
    'money_flow_nasdaq',
    {
      verdict: 'mediocre',
      strengths: ['s1', 's2'],
      weaknesses: ['w1', 'w2'],
      suggestions: ['x1', 'x2'],
      assessed_at: '2026-01-05T10:00:00.000Z',
      cycle_id: 'c',
      model: 'offline',
      offline: true,
      metrics: {
        training: {
          validation_accuracy_pct: 47.5,
          chance_accuracy_pct: 41.2,
          lift_pp: 6.3,
          validation_loss: 1.01,
          initial_train_loss: 1.3,
          final_train_loss: 0.98,
          train_loss_decrease_pct: 24.62,
          epochs_trained: 30,
        },
        validation_backtest: {
          total_return_pct: 2.5,
          buy_and_hold_return_pct: 9.1,
          excess_return_pp: -6.6,
          sharpe_ratio: 0.4,
          max_drawdown_pct: 6.2,
          win_rate_pct: 52,
          total_trades: 25,
        },
      },
    },
    dir,
  );
  const [recent] = recentStrategies(1, { strategiesDir: dir });
  expect(recent.verdict).toBe('mediocre');
  expect(recent.validation).toEqual({
    accuracy_pct: 47.5,
    lift_pp: 6.3,
    sharpe_ratio: 0.4,
    total_return_pct: 2.5,
    max_drawdown_pct: 6.2,
    win_rate_pct: 52,
    total_trades: 25,
  });
});

test('files that are not strategies, or not readable ones, are left out rather than failing a design', () => {
  const dir = folderWith('aroon_trend_goog');
  fs.writeFileSync(path.join(dir, 'broken.yaml'), 'name: broken\nindicators: [');
  fs.writeFileSync(path.join(dir, 'not_a_strategy.yaml'), 'hello: world\n');
  fs.writeFileSync(path.join(dir, 'Bad Name.yaml'), fs.readFileSync(path.join(dir, 'aroon_trend_goog.yaml')));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not yaml at all');
  fs.mkdirSync(path.join(dir, 'aroon_trend_goog'));
  fs.writeFileSync(path.join(dir, 'aroon_trend_goog', 'assessment.json'), '{"verdict": "great"}');
  expect(recentStrategies(10, { strategiesDir: dir })).toEqual([
    expect.objectContaining({ name: 'aroon_trend_goog', verdict: undefined, validation: undefined }),
  ]);
  expect(recentStrategies(10, { strategiesDir: path.join(dir, 'missing') })).toEqual([]);
});
