import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DesignResultSchema, StrategyNameSchema, type DesignResult } from '../../src/domain/activities';
import { findIndicator, INDICATORS } from '../../src/engine/features/indicators/catalog';
import { classBalance, zigzagLabels } from '../../src/engine/features/labels';
import { loadBars } from '../../src/engine/data/marketData';
import { materializeSyntheticMarket } from '../../src/engine/data/syntheticMarkets';
import { Random } from '../../src/engine/random';
import { writeAssessment, type Assessment } from '../../src/design/assessmentFile';
import { readDesignRecord } from '../../src/design/designRecord';
import { DesignError } from '../../src/design/errors';
import { fuzzySetsAtPercentiles, zigzagForSwing } from '../../src/design/offline/fitToData';
import { designOffline } from '../../src/design/offline/designer';
import { choosePair, lessonsFor, refinedPair, usableIndicator } from '../../src/design/offline/picks';
import { validateStrategyFile } from '../../src/research/validate';
import { MARKET_DATA_DIR } from '../support/folders';

const temps: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-offline-design-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const design = (cycleId: string, options: { brief?: string; symbol?: string; timeframe?: '1h' | '1d'; strategiesDir?: string } = {}) =>
  designOffline({ cycleId, model: 'sonnet', ...options, strategiesDir: options.strategiesDir ?? tempDir(), dataDir: MARKET_DATA_DIR });

interface Designed {
  text: string;
  doc: {
    name: string;
    description: string;
    indicators: { name: string }[];
    model: { training: { seed: number } };
  };
  indicators: string[];
  families: string[];
}

function read(result: DesignResult): Designed {
  const text = fs.readFileSync(result.strategyPath, 'utf8');
  const doc = parseYaml(text) as Designed['doc'];
  const specs = doc.indicators.map((i) => findIndicator(i.name)!);
  return { text, doc, indicators: specs.map((s) => s.name), families: specs.map((s) => s.family) };
}

function errorsOf(file: string): string[] {
  return validateStrategyFile(file, { dataDir: MARKET_DATA_DIR }).problems.map((p) => `${p.severity} ${p.path}: ${p.message}`);
}

/** The failure a call throws, checked to be a designer's error that no retry can fix. */
function failureOf(run: () => unknown): DesignError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DesignError);
    expect((error as DesignError).retry.retryable).toBe(false);
    return error as DesignError;
  }
  throw new Error('expected the design to fail');
}

const SHIPPED = [
  ['EURUSD', '1h'],
  ['GOOG', '1d'],
  ['SP500', '1d'],
  ['NASDAQ', '1d'],
] as const;

describe('valid strategies on every shipped series', () => {
  test.each(SHIPPED)('%s %s: two designs pass the one validator without a warning', (symbol, timeframe) => {
    const strategiesDir = tempDir();
    for (const cycleId of [`${symbol}-a`, `${symbol}-b`]) {
      const result = designOffline({ cycleId, model: 'sonnet', symbol, timeframe, strategiesDir, dataDir: MARKET_DATA_DIR });
      expect(DesignResultSchema.parse(result)).toEqual(result);
      expect(result).toMatchObject({ symbol, timeframe, offline: true });
      expect(result.usage).toEqual({ model: 'offline', inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 });
      expect(path.dirname(result.strategyPath)).toBe(path.join(strategiesDir, 'designed'));
      expect(errorsOf(result.strategyPath)).toEqual([]);

      const { doc, families } = read(result);
      expect(doc.name).toBe(result.strategyName);
      expect(result.strategyName).toMatch(new RegExp(`^[a-z]+_[a-z]+_${symbol.toLowerCase()}_[0-9a-f]{6}$`));
      expect(StrategyNameSchema.safeParse(result.strategyName).success).toBe(true);
      expect(new Set(families).size).toBe(2);
      expect(result.strategyName.startsWith(`${families[0]}_${families[1]}_`)).toBe(true);
      expect(doc.description).toMatch(/designed offline/i);
      expect(doc.description).toContain(cycleId);
      expect(readDesignRecord(result.strategyName, strategiesDir)).toMatchObject({ cycle_id: cycleId, offline: true, model: 'offline', symbol, timeframe });
    }
  });

  test('every indicator it may use fits every kind of series when the brief names it', () => {
    const usable = INDICATORS.filter(usableIndicator);
    // never a scale-dependent one, save moving averages read as a ratio to price
    expect(
      usable
        .filter((s) => s.tier === 3)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['ema', 'sma']);
    const strategiesDir = tempDir();
    usable.forEach((spec, i) => {
      const [symbol, timeframe] = SHIPPED[i % SHIPPED.length];
      const brief = `try ${spec.name.replace(/_/g, ' ')} here`;
      const result = designOffline({ cycleId: `each-${spec.name}`, model: 'sonnet', brief, symbol, timeframe, strategiesDir, dataDir: MARKET_DATA_DIR });
      const { doc, indicators } = read(result);
      expect(indicators, brief).toContain(spec.name);
      expect(errorsOf(result.strategyPath), `${spec.name} on ${symbol}`).toEqual([]);
      const sets = (parseYaml(fs.readFileSync(result.strategyPath, 'utf8')) as { fuzzy_sets: Record<string, Record<string, unknown>> }).fuzzy_sets;
      const featureId = (doc.indicators as { name: string; feature_id: string }[]).find((ind) => ind.name === spec.name)!.feature_id;
      expect(Object.keys(sets[featureId])).toEqual(spec.tier === 3 ? ['input_transform', 'low', 'mid', 'high'] : ['low', 'mid', 'high']);
    });
  });
});

describe('the trigger and the brief steer it', () => {
  test('a symbol or a timeframe alone picks the series that has it', () => {
    expect(design('only-symbol', { symbol: 'goog' })).toMatchObject({ symbol: 'GOOG', timeframe: '1d' });
    expect(design('only-timeframe', { timeframe: '1h' })).toMatchObject({ symbol: 'EURUSD', timeframe: '1h' });
  });

  test('the trigger overrides the brief', () => {
    expect(design('override', { brief: 'momentum on EURUSD hourly', symbol: 'SP500', timeframe: '1d' })).toMatchObject({ symbol: 'SP500', timeframe: '1d' });
  });

  test('a series without data is refused, non-retryably, naming what exists; nothing is written', () => {
    const strategiesDir = tempDir();
    for (const [options, asked] of [
      [{ symbol: 'GOOG', timeframe: '1h' as const }, 'GOOG 1h'],
      [{ symbol: 'TSLA' }, 'TSLA'],
    ] as const) {
      const failure = failureOf(() => design('missing', { ...options, strategiesDir }));
      expect(failure.type).toBe('NoData');
      expect(failure.message).toBe(`No market data for ${asked}; available: EURUSD 1h, GOOG 1d, NASDAQ 1d, SP500 1d`);
    }
    expect(fs.readdirSync(strategiesDir)).toEqual([]);
  });

  test.each([
    ['volume flow on NASDAQ', 'NASDAQ', '1d', 'volume'],
    ['momentum on EURUSD hourly', 'EURUSD', '1h', 'momentum'],
    ['S&P 500 trend following', 'SP500', '1d', 'trend'],
    ['how volatile is Google', 'GOOG', '1d', 'volatility'],
  ])('"%s" → %s %s with a %s indicator, whatever the cycle', (brief, symbol, timeframe, family) => {
    const strategiesDir = tempDir();
    for (const cycleId of ['one', 'two', 'three', 'four']) {
      const result = design(`${brief}-${cycleId}`, { brief, strategiesDir });
      expect(result).toMatchObject({ symbol, timeframe });
      expect(read(result).families).toContain(family);
    }
  });

  test.each([
    ['cci on EURUSD', 'EURUSD', 'cci'],
    ['rsi on EURUSD', 'EURUSD', 'rsi'],
    ['macd on SP500', 'SP500', 'macd_percent'],
    ['money flow on GOOG', 'GOOG', 'mfi'],
    ['bollinger on EURUSD', 'EURUSD', 'bb_percent_b'],
    ['commodity channel index on the S&P', 'SP500', 'cci'],
    ['stochastics and williams on NASDAQ', 'NASDAQ', 'stochastic'],
  ])('"%s" designs on %s with %s, whatever the cycle', (brief, symbol, indicator) => {
    const strategiesDir = tempDir();
    for (const cycleId of ['one', 'two', 'three', 'four', 'five']) {
      const result = design(`${brief}-${cycleId}`, { brief, strategiesDir });
      expect(result.symbol).toBe(symbol);
      expect(read(result).indicators[0], `${brief} (${cycleId})`).toBe(indicator);
    }
  });

  test('a brief naming two indicators of different families gets both', () => {
    expect(read(design('two-named', { brief: 'cci with aroon on EURUSD' })).indicators).toEqual(['cci', 'aroon']);
    expect(read(design('two-everyday', { brief: 'bollinger and money flow' })).indicators).toEqual(['bb_percent_b', 'mfi']);
  });

  test('an hourly design trades only confident signals, at most once a day; a daily one keeps 0.5 and one bar', () => {
    const decisions = (result: DesignResult) =>
      (parseYaml(fs.readFileSync(result.strategyPath, 'utf8')) as { decisions: { confidence_threshold: number; filters: { min_signal_separation: number } } })
        .decisions;
    expect(decisions(design('hourly', { symbol: 'EURUSD', timeframe: '1h' }))).toMatchObject({
      confidence_threshold: 0.6,
      filters: { min_signal_separation: 24 },
    });
    expect(decisions(design('daily', { symbol: 'GOOG', timeframe: '1d' }))).toMatchObject({
      confidence_threshold: 0.5,
      filters: { min_signal_separation: 24 },
    });
  });

  test('a symbol’s name is no wish: the trend in SYN_TREND3_1 does not ask for a trend indicator', () => {
    const dataDir = tempDir();
    materializeSyntheticMarket('SYN_TREND3_1', '1h', dataDir);
    const strategiesDir = tempDir();
    const seconds = ['one', 'two', 'three', 'four', 'five', 'six'].map((cycleId) => {
      const result = designOffline({ cycleId, model: 'sonnet', brief: 'rsi on SYN_TREND3_1 hourly', strategiesDir, dataDir });
      expect(result).toMatchObject({ symbol: 'SYN_TREND3_1', timeframe: '1h' });
      const { indicators, families } = read(result);
      expect(indicators[0]).toBe('rsi');
      return families[1];
    });
    expect(seconds.filter((family) => family !== 'trend').length).toBeGreaterThan(0);
  });

  test('named indicators are used; scale-dependent ones through their bounded form', () => {
    expect(read(design('named', { brief: 'RSI with ADX on the euro' })).indicators).toEqual(['rsi', 'adx']);
    expect(read(design('stand-in', { brief: 'ATR and OBV', symbol: 'SP500' })).indicators).toEqual(['atr_percent', 'obv_zscore']);
  });

  test('asset classes: forex means EURUSD, equities never it', () => {
    const strategiesDir = tempDir();
    for (const cycleId of ['a', 'b', 'c', 'd', 'e']) {
      expect(design(`fx-${cycleId}`, { brief: 'a forex idea', strategiesDir }).symbol).toBe('EURUSD');
      expect(design(`eq-${cycleId}`, { brief: 'equities, daily', strategiesDir }).symbol).not.toBe('EURUSD');
    }
  });
});

describe('seeded by the cycle', () => {
  test('one cycle id designs the same strategy in any folder', () => {
    const first = read(design('cycle-deterministic', { brief: 'anything' }));
    const second = read(design('cycle-deterministic', { brief: 'anything' }));
    expect(second.text).toBe(first.text);
  });

  test('another cycle designs something else', () => {
    const on = (cycleId: string) => read(design(cycleId, { symbol: 'EURUSD', timeframe: '1h' }));
    const body = (d: Designed) =>
      d.text
        .split('\n')
        .filter((l) => !/^(name|description):/.test(l))
        .join('\n');
    const a = on('cycle-a');
    const b = on('cycle-b');
    expect(body(b)).not.toBe(body(a));
    expect(b.doc.model.training.seed).not.toBe(a.doc.model.training.seed);
    const pairs = new Set(
      ['cycle-c', 'cycle-d', 'cycle-e', 'cycle-f'].map((id) => on(id).indicators.join('+')).concat([a, b].map((d) => d.indicators.join('+'))),
    );
    expect(pairs.size).toBeGreaterThanOrEqual(3);
  });
});

describe('idempotent, and never overwriting', () => {
  test('a retried cycle gets its strategy back: same file, no second strategy', () => {
    const strategiesDir = tempDir();
    const first = design('retried', { strategiesDir });
    const text = fs.readFileSync(first.strategyPath, 'utf8');
    const record = readDesignRecord(first.strategyName, strategiesDir);
    // a retry after other cycles saved strategies (memory changed) still returns the first design
    design('someone-else', { strategiesDir });
    const again = design('retried', { strategiesDir });
    expect(again).toEqual(first);
    expect(fs.readFileSync(first.strategyPath, 'utf8')).toBe(text);
    expect(readDesignRecord(first.strategyName, strategiesDir)).toEqual(record);
    expect(fs.readdirSync(path.join(strategiesDir, 'designed')).filter((f) => f.endsWith('.yaml'))).toHaveLength(2);
  });

  test('a cycle that died between claiming the name and writing the YAML writes it under that name', () => {
    const strategiesDir = tempDir();
    const first = design('interrupted', { strategiesDir });
    fs.rmSync(first.strategyPath);
    expect(design('interrupted', { strategiesDir })).toEqual(first);
    expect(errorsOf(first.strategyPath)).toEqual([]);
  });

  test.each([
    [
      'a strategy of that name without a record (hand-written)',
      (dir: string, name: string) => fs.writeFileSync(path.join(dir, `${name}.yaml`), 'name: theirs\n'),
    ],
    [
      'a name another cycle has claimed and not yet written',
      (dir: string, name: string) => {
        fs.mkdirSync(path.join(dir, name));
        const record = {
          cycle_id: 'other',
          strategy: name,
          symbol: 'GOOG',
          timeframe: '1d',
          designed_at: new Date().toISOString(),
          model: 'offline',
          offline: true,
        };
        fs.writeFileSync(path.join(dir, name, 'design.json'), JSON.stringify(record));
      },
    ],
  ])('%s is left alone: the cycle takes a longer name', (_, occupy) => {
    const wanted = design('colliding');
    const strategiesDir = tempDir();
    occupy(strategiesDir, wanted.strategyName);
    const before = fs.readdirSync(strategiesDir, { recursive: true }).map((f) => [f, fs.statSync(path.join(strategiesDir, String(f))).mtimeMs]);
    const result = design('colliding', { strategiesDir });
    expect(result.strategyName).not.toBe(wanted.strategyName);
    expect(result.strategyName.startsWith(wanted.strategyName)).toBe(true);
    for (const [file, mtime] of before) expect(fs.statSync(path.join(strategiesDir, String(file))).mtimeMs).toBe(mtime);
    expect(errorsOf(result.strategyPath)).toEqual([]);
  });
});

describe('memory of earlier cycles', () => {
  function assessAs(verdict: Assessment['verdict'], name: string, strategiesDir: string, sharpe = -1): void {
    writeAssessment(
      name,
      {
        verdict,
        strengths: ['a', 'b'],
        weaknesses: ['c', 'd'],
        suggestions: ['e', 'f'],
        assessed_at: new Date().toISOString(),
        cycle_id: 'earlier',
        model: 'offline',
        offline: true,
        metrics: {
          training: {
            validation_accuracy_pct: 40,
            chance_accuracy_pct: 41,
            lift_pp: -1,
            validation_loss: 1.1,
            initial_train_loss: 1.1,
            final_train_loss: 1.09,
            train_loss_decrease_pct: 0.9,
            epochs_trained: 10,
          },
          validation_backtest: { total_return_pct: Math.sign(sharpe) * 3, sharpe_ratio: sharpe, max_drawdown_pct: 9, win_rate_pct: 30, total_trades: 20 },
        },
      },
      strategiesDir,
    );
  }

  /** An earlier cycle's strategy: the given design saved under another name, assessed as given, optionally on another series. */
  function earlierStrategy(like: DesignResult, verdict: Assessment['verdict'], strategiesDir: string, symbol?: string): void {
    let text = fs.readFileSync(like.strategyPath, 'utf8').replace(/^name: .*$/m, 'name: earlier');
    if (symbol) text = text.replaceAll(like.symbol, symbol);
    fs.writeFileSync(path.join(strategiesDir, 'earlier.yaml'), text);
    assessAs(verdict, 'earlier', strategiesDir);
  }

  test('a pair assessed poor on this market is not designed again, even when the brief names it', () => {
    const input = { brief: 'RSI with ADX', symbol: 'EURUSD', timeframe: '1h' as const };
    const unaware = design('memory', input);
    expect(read(unaware).indicators).toEqual(['rsi', 'adx']);
    const strategiesDir = tempDir();
    earlierStrategy(unaware, 'poor', strategiesDir);
    const aware = design('memory', { ...input, strategiesDir });
    expect(errorsOf(aware.strategyPath)).toEqual([]);
    expect(read(aware).indicators[0]).toBe('rsi');
    expect(read(aware).indicators[1]).not.toBe('adx');
  });

  test('a pair assessed poor elsewhere, or assessed mediocre, may be designed again', () => {
    const input = { brief: 'RSI with ADX', symbol: 'EURUSD', timeframe: '1h' as const };
    const unaware = design('memory', input);
    const elsewhere = tempDir();
    earlierStrategy(unaware, 'poor', elsewhere, 'SP500');
    expect(read(design('memory', { ...input, strategiesDir: elsewhere })).indicators).toEqual(['rsi', 'adx']);
    const mediocre = tempDir();
    earlierStrategy(unaware, 'mediocre', mediocre);
    expect(read(design('memory', { ...input, strategiesDir: mediocre })).indicators).toEqual(['rsi', 'adx']);
  });

  test('drawing never returns a pair assessed poor on the market', () => {
    const wishes = { symbols: [], timeframes: [], families: ['volume' as const, 'momentum' as const], indicators: [] };
    const volume = INDICATORS.filter((s) => usableIndicator(s) && s.family === 'volume').map((s) => s.name);
    const momentum = INDICATORS.filter((s) => usableIndicator(s) && s.family === 'momentum').map((s) => s.name);
    const pairs = volume.flatMap((v) => momentum.map((m) => [v, m] as const));
    const [spared, ...poor] = pairs;
    const lessons = lessonsFor(
      { symbol: 'EURUSD', timeframe: '1h' },
      poor.map(([v, m], i) => ({
        name: `poor_${i}`,
        created_at: new Date().toISOString(),
        symbols: ['EURUSD'],
        timeframe: '1h',
        indicators: [v, m],
        families: ['volume', 'momentum'],
        verdict: 'poor',
      })),
    );
    const rejected = { pairs: new Set<string>(), indicators: new Set<string>() };
    for (let seed = 0; seed < 100; seed++) {
      expect(choosePair(wishes, lessons, rejected, new Random(seed))!.map((s) => s.name)).toEqual(spared);
    }
  });

  test('with an open brief, about half the designs refine the best pair on this market so far; a brief that names anything, none', () => {
    const recent = (name: string, indicators: [string, string], sharpe: number, verdict: 'promising' | 'mediocre' | 'poor', symbol = 'EURUSD') => ({
      name,
      created_at: new Date().toISOString(),
      symbols: [symbol],
      timeframe: '1h' as const,
      indicators,
      families: indicators.map((i) => findIndicator(i)!.family),
      verdict,
      validation: { accuracy_pct: 45, sharpe_ratio: sharpe, total_return_pct: 2, max_drawdown_pct: 3, win_rate_pct: 55, total_trades: 8 },
    });
    const lessons = lessonsFor({ symbol: 'EURUSD', timeframe: '1h' }, [
      recent('good', ['rsi', 'adx'], 1.5, 'mediocre'),
      recent('better_elsewhere', ['cci', 'mfi'], 3, 'promising', 'SP500'),
      recent('better_but_poor', ['roc', 'cmf'], 2, 'poor'),
      recent('worse', ['stochastic', 'aroon'], 1, 'promising'),
    ]);
    expect(lessons.bestPair).toEqual({ strategy: 'good', indicators: ['rsi', 'adx'] });
    const open = { symbols: [], timeframes: [], families: [], indicators: [] };
    const refined = Array.from({ length: 400 }, (_, seed) => refinedPair(open, lessons, new Random(seed), 0.5));
    const share = refined.filter((p) => p !== undefined).length / refined.length;
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.6);
    for (const pair of refined) if (pair) expect(pair.map((s) => s.name)).toEqual(['rsi', 'adx']);
    for (const named of [
      { ...open, families: ['volume' as const] },
      { ...open, indicators: ['mfi'] },
    ]) {
      expect(Array.from({ length: 50 }, (_, seed) => refinedPair(named, lessons, new Random(seed), 0.5)).every((p) => p === undefined)).toBe(true);
    }
    // nothing that made money on this market: nothing to refine
    expect(lessonsFor({ symbol: 'EURUSD', timeframe: '1h' }, [recent('flat', ['rsi', 'adx'], 0, 'mediocre')]).bestPair).toBeUndefined();
  });

  test('a refining design says which strategy it refines', () => {
    const strategiesDir = tempDir();
    const first = design('refine-first', { symbol: 'EURUSD', timeframe: '1h', strategiesDir });
    assessAs('mediocre', first.strategyName, strategiesDir, 1.2);
    const pair = read(first).indicators;
    const later = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => read(design(`refine-${id}`, { symbol: 'EURUSD', timeframe: '1h', strategiesDir })));
    const refining = later.filter((d) => d.doc.description.includes(`refines the pair of ${first.strategyName}`));
    expect(refining.length).toBeGreaterThan(0);
    for (const d of refining) expect(d.indicators).toEqual(pair);
  });

  test('families of promising strategies are drawn more often', () => {
    const wishes = { symbols: [], timeframes: [], families: [], indicators: [] };
    const rejected = { pairs: new Set<string>(), indicators: new Set<string>() };
    const count = (promising: boolean) => {
      const lessons = lessonsFor({ symbol: 'EURUSD', timeframe: '1h' }, [
        {
          name: 'earlier',
          created_at: new Date().toISOString(),
          symbols: ['GOOG'],
          timeframe: '1d',
          indicators: ['mfi', 'bb_width'],
          families: ['volume', 'volatility'],
          verdict: promising ? 'promising' : 'mediocre',
        },
      ]);
      let withVolume = 0;
      for (let seed = 0; seed < 400; seed++) if (choosePair(wishes, lessons, rejected, new Random(seed))!.some((s) => s.family === 'volume')) withVolume++;
      return withVolume;
    };
    expect(count(true)).toBeGreaterThan(count(false) * 1.3);
  });
});

test('a series no indicator can be fitted to ends the design, non-retryably, with the last problems', () => {
  const dataDir = tempDir();
  const day = 86_400_000;
  const rows = Array.from({ length: 1500 }, (_, i) => `${new Date(Date.UTC(2000, 0, 1) + i * day).toISOString().replace('.000', '')},10,10,10,10,1000`);
  fs.writeFileSync(path.join(dataDir, 'FLAT_1d.csv'), `timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`);
  const strategiesDir = tempDir();
  const failure = failureOf(() => designOffline({ cycleId: 'flat', model: 'sonnet', dataDir, strategiesDir }));
  expect(failure.type).toBe('DesignGaveUp');
  expect(failure.message).toMatch(/^The offline designer found no valid strategy for FLAT 1d in 5 attempts; last problems: .*too concentrated on FLAT 1d/);
  expect(fs.readdirSync(strategiesDir)).toEqual([]);
});

describe('numbers fitted to the training data', () => {
  const oneToThousand = Float64Array.from({ length: 1000 }, (_, i) => i + 1);

  test('three sets at the 10th, 50th and 90th percentiles, shoulders a full range beyond the extremes', () => {
    expect(fuzzySetsAtPercentiles(oneToThousand)).toEqual({
      low: { type: 'trapezoidal', parameters: [-998, -998, 100, 500] },
      mid: { type: 'triangular', parameters: [100, 500, 900] },
      high: { type: 'trapezoidal', parameters: [500, 900, 1999, 1999] },
    });
  });

  test("a bounded indicator's shoulders stop at its bounds; warm-up NaNs are ignored", () => {
    const withWarmUp = Float64Array.from([NaN, NaN, ...oneToThousand]);
    expect(fuzzySetsAtPercentiles(withWarmUp, [0, 1000])).toMatchObject({
      low: { parameters: [0, 0, 100, 500] },
      high: { parameters: [500, 900, 1000, 1000] },
    });
  });

  test('no sets for values stuck at one level so long that the median shares it with the 10th or 90th percentile', () => {
    const stuckLow = Float64Array.from({ length: 1000 }, (_, i) => (i < 600 ? 0 : i));
    const stuckHigh = Float64Array.from({ length: 1000 }, (_, i) => (i < 400 ? i / 4 : 100));
    expect(fuzzySetsAtPercentiles(stuckLow, [0, 1000])).toBeUndefined();
    expect(fuzzySetsAtPercentiles(stuckHigh, [0, 100])).toBeUndefined();
    const spreadOut = Float64Array.from({ length: 1000 }, (_, i) => (i < 150 ? 0 : i < 850 ? 50 + i / 100 : 100));
    expect(fuzzySetsAtPercentiles(spreadOut, [0, 100])?.mid.parameters).toEqual([0, 55, 100]);
  });

  test.each(SHIPPED)('%s %s: the zigzag threshold labels a balanced set of swings (spec §8 #14)', (symbol, timeframe) => {
    const close = loadBars(symbol, timeframe, { dir: MARKET_DATA_DIR }).close;
    const training = close.subarray(100, Math.floor(close.length * 0.7));
    for (const swing of [6, 16]) {
      const { zigzag_threshold, label_lookahead } = zigzagForSwing(training, swing);
      const { shares } = classBalance(zigzagLabels(training, zigzag_threshold, label_lookahead));
      const [buy, hold, sell] = shares;
      expect(Math.min(buy, sell), `${symbol} swing ${swing}`).toBeGreaterThan(0.2);
      expect(hold, `${symbol} swing ${swing}`).toBeGreaterThan(0.05);
      expect(Math.max(...shares), `${symbol} swing ${swing}`).toBeLessThan(0.5);
    }
  });
});
