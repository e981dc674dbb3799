import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { STRATEGIES_DIR } from '../../src/paths';
import { strategyFile } from '../../src/strategy/files';
import { validateStrategyFile, validateStrategyText, type Validation } from '../../src/strategy/validate';

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

const errors = (v: Validation) => v.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}: ${p.path}: ${p.message}`);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('the example strategies', () => {
  const files = fs.readdirSync(STRATEGIES_DIR).filter((f) => f.endsWith('.yaml'));

  test('there are at least five, on different indicator families', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });

  test.each(files)('%s is valid on the shipped data', (file) => {
    const v = validateStrategyFile(path.join(STRATEGIES_DIR, file));
    expect(errors(v)).toEqual([]);
    expect(v.strategy?.name).toBe(file.replace('.yaml', ''));
  });
});

describe('every problem at once, each with its path and line', () => {
  test('a misspelt key is an error, not silently ignored', () => {
    const text = edited(['  method: supervised', '  method: supervised\n  labelz: {}']);
    expect(errors(validateStrategyText(text))).toEqual([`${lineOf(text, 'labelz')}: training.labelz: unknown key 'labelz'`]);
  });

  test('unknown indicator, unknown and out-of-range parameters, with did-you-mean', () => {
    const text = edited(
      ['{name: rsi, feature_id: rsi_14, period: 14, source: close}', '{name: rsi, feature_id: rsi_14, period: 1, sorce: close}'],
      ['{name: adx, feature_id: adx_14, period: 14}', '{name: adxx, feature_id: adx_14, period: 14}'],
    );
    const line = lineOf(text, 'sorce');
    expect(errors(validateStrategyText(text))).toEqual([
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
    expect(errors(validateStrategyText(text))).toEqual([
      `${lineOf(text, 'oversold:')}: fuzzy_sets.rsi_14.oversold.parameters: triangular takes 3 parameters, got 2`,
      `${lineOf(text, 'neutral:')}: fuzzy_sets.rsi_14.neutral.parameters: triangular parameters must be in order (a ≤ b ≤ c), got [50, 35, 65]`,
      `${lineOf(text, 'strong:')}: fuzzy_sets.adx_14.strong.type: 'sigmoid' is not a membership type the engine computes: use triangular, trapezoidal or gaussian`,
    ]);
  });

  test('a feature_id without a fuzzy set, and a fuzzy set without an indicator (case matters)', () => {
    const text = edited(['  adx_14:\n', '  ADX_14:\n']);
    expect(errors(validateStrategyText(text))).toEqual([
      `${lineOf(text, 'feature_id: adx_14')}: indicators.1.feature_id: feature_id 'adx_14' has no fuzzy set: add fuzzy_sets.adx_14`,
      `${lineOf(text, 'ADX_14:')}: fuzzy_sets.ADX_14: fuzzy set 'ADX_14' matches no indicator's feature_id (did you mean adx_14? feature_ids are case-sensitive)`,
    ]);
  });

  test('a symbol or timeframe without data names what is available', () => {
    const text = edited(['symbol: EURUSD, list: [EURUSD]', 'symbol: GBPUSD, list: [GBPUSD]']);
    const [message] = errors(validateStrategyText(text));
    expect(message).toContain('training_data.symbols: no market data for GBPUSD 1h; available: EURUSD 1h, GOOG 1d, NASDAQ 1d, SP500 1d');
  });

  test('an inverted date range', () => {
    const text = edited(['  history_required: 200', '  history_required: 200\n  date_range: {start: "2018-01-01", end: "2017-06-01"}']);
    expect(errors(validateStrategyText(text))).toEqual([
      `${lineOf(text, 'date_range')}: training_data.date_range: the date range is empty or inverted: start must be before end`,
    ]);
  });

  test('a date range too short for the splits', () => {
    const text = edited(['  history_required: 200', '  history_required: 200\n  date_range: {start: "2017-06-01", end: "2017-06-20"}']);
    expect(errors(validateStrategyText(text))[0]).toMatch(/training_data: EURUSD 1h has \d+ bars between 2017-06-01 and 2017-06-20: .* the smallest split gets \d+ bars; it needs at least 50/);
  });

  test('fuzzy ranges that do not fit the indicator on the real data (spec §8 #9)', () => {
    // ATR in price units is about 0.0014 on EURUSD hourly; sets written for 0..1 never fire
    const text = edited(
      ['{name: adx, feature_id: adx_14, period: 14}', '{name: ATR, feature_id: adx_14, period: 14}'],
      ['weak:     {type: trapezoidal, parameters: [0, 0, 15, 25]}', 'weak:     {type: triangular, parameters: [0, 0.2, 0.4]}'],
      ['moderate: {type: triangular,  parameters: [20, 35, 50]}', 'moderate: {type: triangular,  parameters: [0.3, 0.5, 0.7]}'],
      ['strong:   {type: gaussian,    parameters: [65, 12]}', 'strong:   {type: gaussian,    parameters: [0.8, 0.1]}'],
    );
    const found = errors(validateStrategyText(text));
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/fuzzy_sets\.adx_14: no set of adx_14 says anything on 100% of bars: the sets do not cover the indicator's values; adx_14 on EURUSD 1h: p1 0\.000\d+, median 0\.00\d+, p99 0\.00\d+ \(atr is in the instrument's own units/);
    expect(found[1]).toMatch(/fuzzy_sets\.adx_14\.weak: weak \[0, 0\.2, 0\.4\] never fires \(highest membership 0\.0\d\)/);
  });

  test('YAML syntax errors come with their line', () => {
    const text = edited(['scope: universal', 'scope: [universal']);
    const v = validateStrategyText(text);
    expect(v.valid).toBe(false);
    expect(v.problems[0].message).toMatch(/^YAML: /);
    expect(v.problems[0].line).toBeGreaterThan(0);
  });

  test('sections KTRDR keeps but never uses are kept, with a warning', () => {
    const v = validateStrategyText(`${example}risk_management: {max_position: 0.1}\n`);
    expect(v.valid).toBe(true);
    expect(v.problems).toEqual([expect.objectContaining({ severity: 'warning', path: 'risk_management', message: 'kept, but this engine does not use risk_management' })]);
  });

  test('descriptive fields are kept', () => {
    const v = validateStrategyText(example);
    expect(v.strategy).toMatchObject({ version: '1.0', scope: 'universal', hypothesis: expect.stringContaining('ADX') });
    expect(v.strategy?.deployment.target_symbols.mode).toBe('universal');
  });
});

describe('strategy files stay inside strategies/', () => {
  test.each(['../etc/passwd', '/tmp/x.yaml', 'strategies/../package.json', '../strategies/x.yaml'])('%s is refused', (given) => {
    expect(() => strategyFile(given)).toThrow(/outside strategies|is not a strategy name/);
  });

  test('a name resolves to strategies/<name>.yaml', () => {
    expect(strategyFile('rsi_adx_trend_filter')).toBe(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'));
    expect(() => strategyFile('Robert; DROP')).toThrow(/not a strategy name/);
  });
});
