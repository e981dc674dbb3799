import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Bars } from '../../src/engine/data/bars';
import { buildDataset, splitBars } from '../../src/engine/features/dataset';
import { syntheticBars } from '../../src/engine/data/synthetic';
import { StrategySchema, type Strategy } from '../../src/research/schema';
import { parse } from 'yaml';
import { STRATEGIES_DIR } from '../support/folders';

const base: Strategy = StrategySchema.parse(parse(fs.readFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), 'utf8')));
const strategy = (over: Partial<Strategy['training']['data_split']> = {}): Strategy => ({
  ...base,
  training: { ...base.training, data_split: { ...base.training.data_split, ...over } },
});
const bars = (symbol: string, seed: number, n = 3000): Bars => syntheticBars({ symbol, timeframe: '1h', bars: n, seed });

describe('splits', () => {
  test('each symbol is split by time after the warm-up bars, from data_split', () => {
    const split = splitBars(bars('AAA', 1), strategy({ train: 0.6, validation: 0.2, test: 0.2 }));
    // 3000 bars − 200 of history_required = 2800 usable
    expect(split.ranges.train).toMatchObject({ start: 200, end: 200 + 1680 });
    expect(split.ranges.validation).toMatchObject({ start: 1880, end: 1880 + 560 });
    expect(split.ranges.test).toMatchObject({ start: 2440, end: 3000 });
    expect(split.ranges.train.endTime).toBeLessThan(split.ranges.validation.startTime);
  });

  test('with several symbols every split holds every symbol (no split made of the last symbol only)', () => {
    const s = strategy();
    const a = bars('AAA', 1);
    const b = bars('BBB', 2);
    const both = buildDataset(s, [a, b], { includeTest: true });
    const alone = [buildDataset(s, [a], { includeTest: true }), buildDataset(s, [b], { includeTest: true })];
    for (const name of ['train', 'validation', 'test'] as const) {
      expect(both[name]!.rows).toBe(alone[0][name]!.rows + alone[1][name]!.rows);
      expect(alone[0][name]!.rows).toBeGreaterThan(0);
      expect(alone[1][name]!.rows).toBeGreaterThan(0);
    }
  });
});

describe('no leakage across splits', () => {
  test('the training rows do not change when later prices change (labels are split-local, the scaler fitted on training rows)', () => {
    const s = strategy();
    const original = bars('AAA', 3);
    const split = splitBars(original, s);
    const changed: Bars = { ...original, close: original.close.slice(), high: original.high.slice(), low: original.low.slice() };
    for (let t = split.ranges.validation.start; t < changed.close.length; t++) {
      changed.close[t] *= 1.5;
      changed.high[t] *= 1.5;
      changed.low[t] *= 1.5;
    }
    const a = buildDataset(s, [original]);
    const b = buildDataset(s, [changed]);
    expect(b.train.rows).toBe(a.train.rows);
    expect(Array.from(b.train.y)).toEqual(Array.from(a.train.y));
    expect(b.train.x).toEqual(a.train.x);
    expect(b.scaler).toEqual(a.scaler);
    expect(Array.from(b.validation.x)).not.toEqual(Array.from(a.validation.x));
  });

  test('the holdout is built only when asked for', () => {
    expect(buildDataset(strategy(), [bars('AAA', 4)]).test).toBeUndefined();
  });

  test('scaled training columns have mean 0 and standard deviation 1', () => {
    const { train, columns } = buildDataset(strategy(), [bars('AAA', 5)]);
    const d = columns.length;
    for (let c = 0; c < d; c++) {
      let sum = 0;
      let sq = 0;
      for (let r = 0; r < train.rows; r++) {
        sum += train.x[r * d + c];
        sq += train.x[r * d + c] ** 2;
      }
      expect(sum / train.rows).toBeCloseTo(0, 4);
      expect(Math.sqrt(sq / train.rows)).toBeCloseTo(1, 3);
    }
  });
});
