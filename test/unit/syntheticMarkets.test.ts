import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { assetClassOf, resolveCosts } from '../../src/engine/backtest/costs';
import { listAvailableData, loadBars } from '../../src/engine/data/marketData';
import { BLIND_CODE_LIMIT, blindCode, unblindCode } from '../../src/engine/data/blindCode';
import {
  blindSymbol,
  materializeSyntheticMarket,
  parseSyntheticSymbol,
  SYNTHETIC_BARS,
  syntheticMarketBars,
  syntheticSymbol,
} from '../../src/engine/data/syntheticMarkets';
import { validateStrategyText } from '../../src/research/validate';
import { designOffline } from '../../src/design/offline/designer';
import { NoData } from '../../src/design/errors';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-synmarkets-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Share of bars whose return has the sign of the previous `lookback` bars' return: 0.5 when nothing can be predicted. */
function momentumHitRate(symbol: string, lookback = 10): number {
  const { close } = syntheticMarketBars(symbol, '1h');
  let hits = 0;
  let count = 0;
  for (let i = lookback; i < close.length - 1; i++) {
    const past = close[i] - close[i - lookback];
    const next = close[i + 1] - close[i];
    if (past === 0 || next === 0) continue;
    count++;
    if (Math.sign(past) === Math.sign(next)) hits++;
  }
  return hits / count;
}

describe('synthetic market names', () => {
  test('each name says its kind, strength and seed, case-insensitively, and is written back the same', () => {
    expect(parseSyntheticSymbol('SYN_RW_7')).toEqual({ kind: 'random_walk', seed: 7 });
    expect(parseSyntheticSymbol('syn_trend3_42')).toEqual({ kind: 'trend', strength: 3, seed: 42 });
    expect(parseSyntheticSymbol('SYN_STREAK1_0')).toEqual({ kind: 'streak', strength: 1, seed: 0 });
    expect(parseSyntheticSymbol('SYN_REGIME_5')).toEqual({ kind: 'regimes', seed: 5 });
    for (const name of ['SYN_RW_7', 'SYN_TREND3_42', 'SYN_STREAK1_0', 'SYN_REGIME_5']) expect(syntheticSymbol(parseSyntheticSymbol(name)!)).toBe(name);
    expect(parseSyntheticSymbol('EURUSD')).toBeUndefined();
  });

  test('a SYN_ name of no market is refused in one line that says how they are named', () => {
    for (const name of ['SYN_FOO_1', 'SYN_TREND4_1', 'SYN_RW', 'SYN_RW_1234567890', 'SYN_RW_-1']) {
      expect(() => parseSyntheticSymbol(name)).toThrow(
        `'${name}' is not a synthetic market: synthetic markets are named SYN_RW_<seed>, SYN_TREND<1|2|3>_<seed>, SYN_STREAK<1|2|3>_<seed> or SYN_REGIME_<seed> (seed: up to 9 digits), or SYN_BLIND_<code>, one of them under a blind name (7 base-36 digits).`,
      );
    }
  });

  test('a blind name hides the kind and seed, neighbouring seeds included, and reads back to the same market and bars', () => {
    const markets = ['SYN_RW_1', 'SYN_RW_2', 'SYN_TREND3_1', 'SYN_TREND3_2', 'SYN_STREAK3_999999999', 'SYN_REGIME_0'].map((n) => parseSyntheticSymbol(n)!);
    const blind = markets.map(blindSymbol);
    for (const [i, name] of blind.entries()) {
      expect(name).toMatch(/^SYN_BLIND_[0-9A-Z]{7}$/);
      expect(name).not.toMatch(/RW|TREND|STREAK|REGIME/);
      expect(parseSyntheticSymbol(name)).toEqual(markets[i]);
      expect(parseSyntheticSymbol(name.toLowerCase())).toEqual(markets[i]);
    }
    // seeds 1 and 2 of one kind, or the same seed of two kinds, share no digit in place
    const differing = (a: string, b: string) => [...a].filter((c, k) => c !== b[k]).length;
    expect(differing(blind[0].slice(10), blind[1].slice(10))).toBeGreaterThanOrEqual(5);
    expect(differing(blind[0].slice(10), blind[2].slice(10))).toBeGreaterThanOrEqual(5);
    expect(Array.from(syntheticMarketBars(blind[2], '1h').close)).toEqual(Array.from(syntheticMarketBars('SYN_TREND3_1', '1h').close));
    // a code that hides no market (one past the last kind) is refused like any other name of none
    expect(() => parseSyntheticSymbol('SYN_BLIND_ZZZZZZZ')).toThrow('is not a synthetic market');
  });

  test('blind codes are a bijection on the numbers below 2^34', () => {
    for (const n of [0, 1, 2, 123_456_789, 7_999_999_999, BLIND_CODE_LIMIT - 1]) expect(unblindCode(blindCode(n))).toBe(n);
    const codes = new Set(Array.from({ length: 10_000 }, (_, n) => blindCode(n)));
    expect(codes.size).toBe(10_000);
    expect(unblindCode('not-a-code')).toBeUndefined();
  });
});

describe('synthetic markets in a market-data folder', () => {
  test('loading one writes its CSV on first use: the same bars for the same name, 5,000 of the timeframe asked, from 2030', () => {
    const bars = loadBars('syn_trend2_3', '4h', { dir });
    expect(fs.readdirSync(dir)).toEqual(['SYN_TREND2_3_4h.csv']);
    expect(bars.symbol).toBe('SYN_TREND2_3');
    expect(bars.time.length).toBe(SYNTHETIC_BARS);
    expect(bars.time[1] - bars.time[0]).toBe(4 * 3_600_000);
    expect(new Date(bars.time[0]).toISOString()).toBe('2030-01-01T00:00:00.000Z');
    expect(Array.from(bars.close)).toEqual(Array.from(syntheticMarketBars('SYN_TREND2_3', '4h').close));
    const other = loadBars('SYN_TREND2_4', '4h', { dir });
    expect(Array.from(other.close)).not.toEqual(Array.from(bars.close));
    expect(listAvailableData(dir).map((d) => `${d.symbol} ${d.timeframe} ${d.bars}`)).toEqual(['SYN_TREND2_3 4h 5000', 'SYN_TREND2_4 4h 5000']);
  });

  test('a file already there is used as it is, and real symbols are never generated', () => {
    expect(materializeSyntheticMarket('SYN_RW_1', '1d', dir)).toBe(true);
    const file = path.join(dir, 'SYN_RW_1_1d.csv');
    const before = fs.statSync(file).mtimeMs;
    expect(materializeSyntheticMarket('SYN_RW_1', '1d', dir)).toBe(false);
    expect(fs.statSync(file).mtimeMs).toBe(before);
    expect(materializeSyntheticMarket('EURUSD', '1h', dir)).toBe(false);
    expect(() => loadBars('EURUSD', '1h', { dir })).toThrow('No market data for EURUSD 1h');
    expect(() => materializeSyntheticMarket('SYN_RW_1', '2h', dir)).toThrow("'2h' is not a timeframe");
  });

  test('the planted trends are there to find, stronger with strength; a random walk has nothing', () => {
    const [rw, t1, t2, t3] = ['SYN_RW_1', 'SYN_TREND1_1', 'SYN_TREND2_1', 'SYN_TREND3_1'].map((s) => momentumHitRate(s));
    // 4 binomial standard errors at 0.5 over ~5,000 bars
    expect(Math.abs(rw - 0.5)).toBeLessThan(0.03);
    expect(t1).toBeGreaterThan(0.53);
    expect(t2).toBeGreaterThan(t1);
    expect(t3).toBeGreaterThan(t2);
    expect(t3).toBeGreaterThan(0.65);
  });

  test('they cost what a forex major does, and say why', () => {
    expect(assetClassOf('SYN_RW_1')).toEqual({ assetClass: 'forex_major', classifiedBy: 'synthetic market (SYN_…): priced as a forex major' });
    expect(resolveCosts({ initialCapital: 100_000, positionSize: 0.25 }, 'SYN_TREND3_1').execution).toMatchObject({ commission: 0.00008, slippage: 0.00005 });
  });

  test('a strategy naming one validates on a folder that does not have it yet; a SYN_ name of no market is one problem', () => {
    const strategy = (symbol: string) => `name: syn_check
version: "1"
scope: symbol_specific
training_data: {symbols: {mode: single, list: [${symbol}]}, timeframes: {mode: single, list: ["1h"]}, history_required: 50}
deployment: {target_symbols: {mode: training_only}, target_timeframes: {mode: single, supported: ["1h"]}}
indicators:
  - {name: rsi, feature_id: rsi_14, period: 14}
fuzzy_sets:
  rsi_14:
    low: {type: trapezoidal, parameters: [0, 0, 30, 45]}
    mid: {type: triangular, parameters: [35, 50, 65]}
    high: {type: trapezoidal, parameters: [55, 70, 100, 100]}
model:
  type: mlp
  architecture: {hidden_layers: [8], activation: relu, output_activation: softmax, dropout: 0.1}
  features: {include_price_context: false, lookback_periods: 1, scale_features: true}
  training: {learning_rate: 0.003, batch_size: 64, epochs: 5, optimizer: adam}
decisions: {output_format: classification, confidence_threshold: 0.5, position_awareness: true}
training:
  method: supervised
  labels: {source: zigzag, zigzag_threshold: 0.005, label_lookahead: 10}
  data_split: {train: 0.6, validation: 0.2, test: 0.2}
`;
    const good = validateStrategyText(strategy('SYN_TREND3_9'), { dataDir: dir });
    expect(good.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'SYN_TREND3_9_1h.csv'))).toBe(true);
    const bad = validateStrategyText(strategy('SYN_TREND9_9'), { dataDir: dir });
    expect(bad.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual([
      expect.stringContaining("'SYN_TREND9_9' is not a synthetic market"),
    ]);
  });

  test('a cycle that names one gets a design on it from an empty folder; a SYN_ name of no market is no data', () => {
    const strategiesDir = path.join(dir, 'strategies');
    const dataDir = path.join(dir, 'data');
    const design = designOffline({ cycleId: 'syn-cycle-1', model: 'offline', symbol: 'syn_trend1_2', strategiesDir, dataDir });
    expect(design).toMatchObject({ symbol: 'SYN_TREND1_2', timeframe: '1h', offline: true });
    expect(fs.readdirSync(dataDir)).toEqual(['SYN_TREND1_2_1h.csv']);
    expect(() => designOffline({ cycleId: 'syn-cycle-2', model: 'offline', symbol: 'SYN_TREND7_2', strategiesDir, dataDir })).toThrow(NoData);
  });
});
