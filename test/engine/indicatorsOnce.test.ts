import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { findIndicator } from '../../src/engine/features/indicators/catalog';
import { backtestStrategy } from '../../src/research/backtesting';
import { evaluateHoldout } from '../../src/research/holdout';
import { trainStrategy } from '../../src/research/training';
import { MARKET_DATA_DIR, STRATEGIES_DIR } from '../support/folders';

/**
 * A run reads its strategy with the one validator, which loads the bars and computes every
 * indicator to check the fuzzy sets; the run then builds its features from those very values
 * instead of computing each indicator a second time. rsi_adx_trend_filter: RSI and ADX on one
 * symbol, EURUSD 1h (no out-of-sample period, which would need indicators on other bars).
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-indicators-once-'));
const strategyPath = path.join(root, 'rsi_adx_trend_filter.yaml');
const folders = { dataDir: MARKET_DATA_DIR, modelsDir: path.join(root, 'models'), reportsDir: path.join(root, 'reports') };

/** How often each of the strategy's indicators computes during `run`. */
async function computations(run: () => unknown): Promise<Record<string, number>> {
  const spies = Object.fromEntries(['rsi', 'adx'].map((name) => [name, vi.spyOn(findIndicator(name)!, 'compute')]));
  await run();
  return Object.fromEntries(Object.entries(spies).map(([name, spy]) => [name, spy.mock.calls.length]));
}

beforeAll(() => {
  const text = fs.readFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), 'utf8');
  fs.writeFileSync(strategyPath, text.replace(/epochs: \d+/, 'epochs: 2'));
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('each indicator computes once per symbol', () => {
  test('in a training', async () => {
    expect(await computations(() => trainStrategy(strategyPath, folders))).toEqual({ rsi: 1, adx: 1 });
  });

  test('in a backtest', async () => {
    expect(await computations(() => backtestStrategy(strategyPath, folders))).toEqual({ rsi: 1, adx: 1 });
  });

  test('in a holdout evaluation', async () => {
    expect(await computations(() => evaluateHoldout(strategyPath, folders))).toEqual({ rsi: 1, adx: 1 });
  });
});
