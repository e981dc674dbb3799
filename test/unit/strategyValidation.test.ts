import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { sliceBars } from '../../src/engine/data/bars';
import { loadBars } from '../../src/engine/data/marketData';
import { UserError } from '../../src/errors';
import { findStrategy, strategyFile, strategyNames } from '../../src/research/files';
import { validateStrategyFile, validateStrategyText, type Validation } from '../../src/research/validate';
import { MARKET_DATA_DIR, STRATEGIES_DIR } from '../support/folders';
import { match } from '../support/matchers';

/** The §2.2 shape on shipped EURUSD hourly data: valid as written. */
const example = fs.readFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), 'utf8');

/** The example with text replaced (each replacement must apply, so a test cannot silently test nothing). */
function edited(...edits: [string | RegExp, string][]): string {
  let text = example;
  for (const [from, to] of edits) {
    const next = text.replace(from, to);
    expect(next, `edit ${String(from)} did not apply`).not.toBe(text);
    text = next;
  }
  return text;
}

/** The validator's options for the shipped market data. */
const shipped = { dataDir: MARKET_DATA_DIR };
const errors = (v: Validation) => v.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.path}: ${p.message}`);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('the example strategies', () => {
  const files = fs.readdirSync(STRATEGIES_DIR).filter((f) => f.endsWith('.yaml'));

  test('there are at least five, on different indicator families', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  test.each(files)('%s is valid on the shipped data', (file) => {
    const v = validateStrategyFile(path.join(STRATEGIES_DIR, file), shipped);
    expect(errors(v)).toEqual([]);
    expect(v.strategy?.name).toBe(file.replace('.yaml', ''));
  });
});

describe('every problem at once, each with its path and line', () => {
  test('a misspelt key is an error, not silently ignored', () => {
    const text = edited(['  method: supervised', '  method: supervised\n  labelz: {}']);
    expect(errors(validateStrategyText(text, shipped))).toEqual([`${lineOf(text, 'labelz')}: training.labelz: unknown key 'labelz' (did you mean labels?)`]);
  });

  test.each([
    ['learning_rate: 0.001', 'learnng_rate: 0.001', 'model.training.learnng_rate', "unknown key 'learnng_rate' (did you mean learning_rate?)"],
    ['hypothesis:', 'hypothsis:', 'hypothsis', "unknown key 'hypothsis' (did you mean hypothesis?)"],
    [
      'neutral:    {type: triangular, parameters:',
      'neutral:    {type: triangular, paramters:',
      'fuzzy_sets.rsi_14.neutral.paramters',
      "unknown key 'paramters' (did you mean parameters?)",
    ],
  ])('an unknown key says which key was meant, and only that: %s → %s', (from, to, at, message) => {
    const text = edited([from, to]);
    // a misspelt required key is not reported missing as well
    expect(errors(validateStrategyText(text, shipped))).toEqual([`${lineOf(text, to)}: ${at}: ${message}`]);
  });

  test('a key nothing is close to gets no guess', () => {
    const text = edited(['  method: supervised', '  method: supervised\n  zzzzzz: 1']);
    expect(errors(validateStrategyText(text, shipped))).toEqual([`${lineOf(text, 'zzzzzz')}: training.zzzzzz: unknown key 'zzzzzz'`]);
  });

  test('unknown indicator, unknown and out-of-range parameters, with did-you-mean', () => {
    const text = edited(
      ['{name: rsi, feature_id: rsi_14, period: 14, source: close}', '{name: rsi, feature_id: rsi_14, period: 1, sorce: close}'],
      ['{name: adx, feature_id: adx_14, period: 14}', '{name: adxx, feature_id: adx_14, period: 14}'],
    );
    const line = lineOf(text, 'sorce');
    expect(errors(validateStrategyText(text, shipped))).toEqual([
      `${line}: indicators.0.sorce: unknown parameter 'sorce' (did you mean 'source'?); rsi takes period, source`,
      `${line}: indicators.0.period: period must be between 2 and 100, got 1`,
      `${line + 1}: indicators.1.name: unknown indicator 'adxx' (did you mean adx?)`,
    ]);
  });

  test('membership functions: wrong arity, out of order, a type the runtime cannot compute', () => {
    const text = edited(
      ['oversold:   {type: triangular, parameters: [0, 25, 40]}', 'oversold:   {type: triangular, parameters: [0, 25]}'],
      ['neutral:    {type: triangular, parameters: [35, 50, 65]}', 'neutral:    {type: triangular, parameters: [50, 35, 65]}'],
      ['strong:   {type: gaussian,    parameters: [65, 12]}', 'strong:   {type: sigmoid,    parameters: [65, 12]}'],
    );
    expect(errors(validateStrategyText(text, shipped))).toEqual([
      `${lineOf(text, 'oversold:')}: fuzzy_sets.rsi_14.oversold.parameters: triangular takes 3 parameters, got 2`,
      `${lineOf(text, 'neutral:')}: fuzzy_sets.rsi_14.neutral.parameters: triangular parameters must be in order (a ≤ b ≤ c), got [50, 35, 65]`,
      `${lineOf(text, 'strong:')}: fuzzy_sets.adx_14.strong.type: 'sigmoid' is not a membership type the engine computes: use triangular, trapezoidal or gaussian`,
    ]);
  });

  test('a feature_id without a fuzzy set, and a fuzzy set without an indicator (case matters)', () => {
    const text = edited(['  adx_14:\n', '  ADX_14:\n']);
    expect(errors(validateStrategyText(text, shipped))).toEqual([
      `${lineOf(text, 'feature_id: adx_14')}: indicators.1.feature_id: feature_id 'adx_14' has no fuzzy set: add fuzzy_sets.adx_14`,
      `${lineOf(text, 'ADX_14:')}: fuzzy_sets.ADX_14: fuzzy set 'ADX_14' matches no indicator's feature_id (did you mean adx_14? feature_ids are case-sensitive)`,
    ]);
  });

  test('a symbol or timeframe without data names what is available', () => {
    const text = edited(['symbol: EURUSD, list: [EURUSD]', 'symbol: GBPUSD, list: [GBPUSD]']);
    const [message] = errors(validateStrategyText(text, shipped));
    expect(message).toContain('training_data.symbols: no market data for GBPUSD 1h; available: EURUSD 1h, GOOG 1d, NASDAQ 1d, SP500 1d');
  });

  test('an inverted date range', () => {
    const text = edited(['  history_required: 200', '  history_required: 200\n  date_range: {start: "2018-01-01", end: "2017-06-01"}']);
    expect(errors(validateStrategyText(text, shipped))).toEqual([
      `${lineOf(text, 'date_range')}: training_data.date_range: the date range is empty or inverted: start must be before end`,
    ]);
  });

  test('a date range too short for the splits', () => {
    const text = edited(['  history_required: 200', '  history_required: 200\n  date_range: {start: "2017-06-01", end: "2017-06-20"}']);
    expect(errors(validateStrategyText(text, shipped))[0]).toMatch(
      /training_data: EURUSD 1h has \d+ bars between 2017-06-01 and 2017-06-20: .* the smallest split gets \d+ bars; it needs at least 50/,
    );
  });

  test('bars a caller has already loaded are checked instead of the file read again', () => {
    const few = sliceBars(loadBars('EURUSD', '1h', { dir: MARKET_DATA_DIR }), 0, 300);
    const found = errors(validateStrategyText(example, { ...shipped, bars: [few] }));
    // 300 bars, 200 of them history: the smallest split (15 %) gets 15 of the other 100
    expect(found).toEqual([
      expect.stringMatching(
        /training_data: EURUSD 1h has 300 bars: after 200 bars of history_required, the smallest split gets 15 bars; it needs at least 50$/,
      ),
    ]);
  });

  test('fuzzy ranges that do not fit the indicator on the real data (spec §8 #9)', () => {
    // ATR in price units is about 0.0014 on EURUSD hourly; sets written for 0..1 never fire
    const text = edited(
      ['{name: adx, feature_id: adx_14, period: 14}', '{name: ATR, feature_id: adx_14, period: 14}'],
      ['weak:     {type: trapezoidal, parameters: [0, 0, 15, 25]}', 'weak:     {type: triangular, parameters: [0, 0.2, 0.4]}'],
      ['moderate: {type: triangular,  parameters: [20, 35, 50]}', 'moderate: {type: triangular,  parameters: [0.3, 0.5, 0.7]}'],
      ['strong:   {type: gaussian,    parameters: [65, 12]}', 'strong:   {type: gaussian,    parameters: [0.8, 0.1]}'],
    );
    const found = errors(validateStrategyText(text, shipped));
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(
      /fuzzy_sets\.adx_14: no set of adx_14 says anything on 100% of bars: the sets do not cover the indicator's values; adx_14 on EURUSD 1h: p1 0\.000\d+, median 0\.00\d+, p99 0\.00\d+ \(atr is in the instrument's own units/,
    );
    expect(found[1]).toMatch(/fuzzy_sets\.adx_14\.weak: weak \[0, 0\.2, 0\.4\] never fires \(highest membership 0\.0\d\)/);
  });

  test('a YAML syntax error is one problem, quoting its line', () => {
    const text = edited(['    learning_rate: 0.001', '    learning_rate: 0.001\n   batch_size 32']);
    const v = validateStrategyText(text, shipped);
    expect(v.valid).toBe(false);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]).toMatchObject({ line: lineOf(text, '   batch_size 32'), message: match.stringMatching(/^YAML: .+: `batch_size 32`$/) });
  });

  test.each([
    ['scope: universal', 'scope: [universal', 'scope: [universal'],
    [
      'oversold:   {type: triangular, parameters: [0, 25, 40]}',
      'oversold:   {type: triangular, parameters: [0, 25, 40}',
      'oversold:   {type: triangular, parameters: [0, 25, 40}',
    ],
    [
      'oversold:   {type: triangular, parameters: [0, 25, 40]}',
      'oversold:   {type: triangular, parameters: [0, 25, 40]',
      'oversold:   {type: triangular, parameters: [0, 25, 40]',
    ],
    ['description: ', 'description: "', 'description: "'],
  ])('an unclosed bracket or quote is quoted where it was opened, not where the parser noticed: %s', (from, to, culprit) => {
    const text = edited([from, to]);
    const v = validateStrategyText(text, shipped);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0]).toMatchObject({ line: lineOf(text, culprit), message: match.stringMatching(/^YAML: .+: `.+`$/) });
  });

  test('a duplicated key is a YAML error at the second one', () => {
    const text = edited(['scope: universal', 'scope: universal\nscope: symbol_specific']);
    const v = validateStrategyText(text, shipped);
    expect(v.problems).toEqual([
      { severity: 'error', path: '', line: lineOf(text, 'scope: symbol_specific'), message: 'YAML: Map keys must be unique: `scope: symbol_specific`' },
    ]);
  });

  test('sections KTRDR keeps but never uses are kept, with a warning', () => {
    const v = validateStrategyText(`${example}risk_management: {max_position: 0.1}\n`, shipped);
    expect(v.valid).toBe(true);
    expect(v.problems).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'risk_management', message: 'kept, but this engine does not use risk_management' }),
    ]);
  });

  test('descriptive fields are kept', () => {
    const v = validateStrategyText(example, shipped);
    expect(v.strategy).toMatchObject({ version: '1.0', scope: 'universal', hypothesis: match.stringContaining('ADX') });
    expect(v.strategy?.deployment.target_symbols.mode).toBe('universal');
  });
});

describe('finding a strategy', () => {
  test('a name is looked up in strategies/, then in strategies/designed/', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-find-'));
    fs.copyFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), path.join(dir, 'rsi_adx_trend_filter.yaml'));
    fs.mkdirSync(path.join(dir, 'designed'));
    fs.writeFileSync(path.join(dir, 'designed', 'momentum_eurusd_a1b2c3.yaml'), 'name: momentum_eurusd_a1b2c3\n');
    expect(findStrategy('rsi_adx_trend_filter', dir)).toBe(path.join(dir, 'rsi_adx_trend_filter.yaml'));
    expect(findStrategy('momentum_eurusd_a1b2c3', dir)).toBe(path.join(dir, 'designed', 'momentum_eurusd_a1b2c3.yaml'));
    expect(strategyFile('momentum_eurusd_a1b2c3', dir)).toBe(path.join(dir, 'designed', 'momentum_eurusd_a1b2c3.yaml'));
    expect(strategyNames(dir)).toEqual(['momentum_eurusd_a1b2c3', 'rsi_adx_trend_filter']);
  });

  test('an unknown name is one line: where strategies are read from, and the names closest to it', () => {
    expect(() => findStrategy('nosuch', STRATEGIES_DIR)).toThrow(
      new UserError("no strategy 'nosuch' in strategies/ or strategies/designed/ (give a file path to read a strategy from elsewhere)"),
    );
    expect(() => findStrategy('rsi_adx_trend_filtr', STRATEGIES_DIR)).toThrow(
      new UserError("no strategy 'rsi_adx_trend_filtr' in strategies/ or strategies/designed/ (did you mean rsi_adx_trend_filter?)"),
    );
    expect(() => findStrategy('Robert; DROP', STRATEGIES_DIR)).toThrow(/^no strategy 'Robert; DROP' in strategies\/ or strategies\/designed\//);
  });

  test('a path is that file, wherever it is; a missing one says so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-downloaded-'));
    const file = path.join(dir, 'from_a_colleague.yaml');
    fs.writeFileSync(file, example);
    expect(findStrategy(file, STRATEGIES_DIR)).toBe(file);
    expect(() => findStrategy(path.join(dir, 'missing.yaml'), STRATEGIES_DIR)).toThrow(new UserError(`no file ${path.join(dir, 'missing.yaml')}`));
    expect(() => findStrategy(dir + '/', STRATEGIES_DIR)).toThrow(/is not a file/);
  });
});
