import { afterEach, describe, expect, test } from 'vitest';
import type { Bars } from '../../src/engine/data/bars';
import { backtestStrategy } from '../../src/research/backtesting';
import { evaluateHoldout } from '../../src/research/holdout';
import { plantedPatternBars, randomWalkBars } from '../../src/engine/data/synthetic';
import { trainStrategy } from '../../src/research/training';
import { sandbox } from '../support/canary';

/**
 * The look-ahead canary: the whole pipeline (features, labels, splits, training, backtest
 * with fills at the next open) on data where the answer is known. On a random walk nothing
 * can be predicted, so a holdout that trades profitably with significance would betray a
 * leak of the future; on a random walk with a planted pattern the same pipeline must find it.
 */
const BARS = 40_000;

const strategy = (name: string) => `name: ${name}
version: "1"
scope: symbol_specific
training_data: {symbols: {mode: single, list: [CANARY]}, timeframes: {mode: single, list: ["1h"]}, history_required: 50}
deployment: {target_symbols: {mode: training_only}, target_timeframes: {mode: single, supported: ["1h"]}}
indicators:
  - {name: rsi, feature_id: rsi_3, period: 3}
  - {name: roc, feature_id: roc_3, period: 3}
fuzzy_sets:
  rsi_3:
    low: {type: trapezoidal, parameters: [0, 0, 15, 35]}
    mid: {type: triangular, parameters: [20, 50, 80]}
    high: {type: trapezoidal, parameters: [65, 85, 100, 100]}
  roc_3:
    down: {type: trapezoidal, parameters: [-5, -5, -0.3, -0.05]}
    flat: {type: triangular, parameters: [-0.15, 0, 0.15]}
    up: {type: trapezoidal, parameters: [0.05, 0.3, 5, 5]}
model:
  type: mlp
  architecture: {hidden_layers: [16, 8], activation: relu, output_activation: softmax, dropout: 0.1}
  features: {include_price_context: false, lookback_periods: 1, scale_features: true}
  training: {learning_rate: 0.003, batch_size: 64, epochs: 30, optimizer: adam, early_stopping: {enabled: true, patience: 5, min_delta: 0.0005}}
decisions: {output_format: classification, confidence_threshold: 0.4, position_awareness: true, filters: {min_signal_separation: 0}}
training:
  method: supervised
  labels: {source: zigzag, zigzag_threshold: 0.0015, label_lookahead: 10}
  data_split: {train: 0.6, validation: 0.2, test: 0.2}
backtest: {commission: 0, slippage: 0}
`;

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

async function runPipeline(name: string, bars: Bars) {
  const box = sandbox(bars, name, strategy(name));
  cleanup = box.cleanup;
  const training = await trainStrategy(box.strategyPath, box.options);
  const holdout = evaluateHoldout(box.strategyPath, box.options);
  const backtest = (await backtestStrategy(box.strategyPath, box.options)).periods.holdout!;
  // Sharpe's t-statistic: an annualised Sharpe ratio times the square root of the years behind it
  const tStat = (sharpe: number) => sharpe * Math.sqrt(backtest.period.years);
  return { training, holdout, backtest, tStat };
}

describe('look-ahead canary', () => {
  test('on a random walk the holdout does not trade significantly better than zero, nor beat validation', async () => {
    const { training, holdout, backtest, tStat } = await runPipeline(
      'canary_random_walk',
      randomWalkBars({ symbol: 'CANARY', timeframe: '1h', bars: BARS, seed: 7 }),
    );
    expect(backtest.metrics.totalTrades).toBeGreaterThan(100);
    expect(tStat(backtest.metrics.sharpeRatio)).toBeLessThan(2);
    // a holdout that scores far better than validation would mean it leaked into training
    expect(holdout.accuracy - holdout.chanceAccuracy).toBeLessThan(training.metrics.accuracy - training.metrics.chanceAccuracy! + 0.05);
  });

  test('on a random walk with a planted pattern the same pipeline finds it', async () => {
    const bars = plantedPatternBars({ symbol: 'CANARY', timeframe: '1h', bars: BARS, seed: 7, horizon: 6, mirror: true, upProbability: 0.85 });
    const { holdout, backtest, tStat } = await runPipeline('canary_planted_pattern', bars);
    expect(holdout.accuracy).toBeGreaterThan(holdout.chanceAccuracy + 0.05);
    expect(tStat(backtest.metrics.sharpeRatio)).toBeGreaterThan(3);
    // the series has no drift (the pattern is planted both ways), so the profit is the pattern's, not the market's
    expect(backtest.metrics.sharpeRatio).toBeGreaterThan(backtest.buyAndHold.sharpeRatio);
    expect(backtest.metrics.totalReturn).toBeGreaterThan(backtest.buyAndHold.totalReturn);
  });
});
