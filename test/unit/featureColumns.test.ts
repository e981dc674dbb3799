import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { buildFeatures, eachFeatureColumn, featureColumns } from '../../src/engine/features/features';
import { syntheticBars } from '../../src/engine/data/synthetic';
import { StrategySchema } from '../../src/research/schema';
import { STRATEGIES_DIR } from '../support/folders';

describe('eachFeatureColumn', () => {
  // Every example strategy: other indicators, membership types, transforms and lookbacks.
  const names = fs.readdirSync(STRATEGIES_DIR).filter((name) => name.endsWith('.yaml'));

  test.each(names)('%s: the columns of buildFeatures, to the bit, one at a time', (name) => {
    const strategy = StrategySchema.parse(parse(fs.readFileSync(path.join(STRATEGIES_DIR, name), 'utf8')));
    const bars = syntheticBars({ symbol: 'AAA', timeframe: '1h', bars: 600, seed: 3 });
    const built = buildFeatures(strategy, bars);
    expect(featureColumns(strategy)).toEqual(built.columns);
    const seen = new Set<number>();
    eachFeatureColumn(strategy, bars, (c, values, lag) => {
      seen.add(c);
      const column = Float64Array.from(values, (_, t) => (t < lag ? NaN : values[t - lag]));
      expect(column).toEqual(built.values[c]);
    });
    expect(seen.size).toBe(built.columns.length);
  });
});
