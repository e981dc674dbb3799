import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { checkNamedStrategy } from '../../src/research/check';
import { MARKET_DATA_DIR, STRATEGIES_DIR } from '../support/folders';

/** A strategies folder of its own: a person's strategy at the top, the agent's in designed/. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-check-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const example = fs.readFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), 'utf8');
fs.mkdirSync(path.join(dir, 'designed'));
fs.writeFileSync(path.join(dir, 'mine.yaml'), example.replace(/^name: .*$/m, 'name: mine'));
fs.writeFileSync(path.join(dir, 'designed', 'their_design.yaml'), example.replace(/^name: .*$/m, 'name: their_design'));
fs.writeFileSync(
  path.join(dir, 'broken.yaml'),
  example.replace('period: 14, source: close', 'period: 0, source: close').replace('name: adx, feature_id: adx_14', 'name: adxx, feature_id: adx_14'),
);

describe('checkNamedStrategy: the check of a strategy given to a cycle', () => {
  test("finds a person's strategy, then the agent's designs, and passes a valid one", () => {
    expect(checkNamedStrategy('mine', { strategiesDir: dir, dataDir: MARKET_DATA_DIR })).toEqual({ ok: true, file: path.join(dir, 'mine.yaml') });
    expect(checkNamedStrategy('their_design', { strategiesDir: dir, dataDir: MARKET_DATA_DIR })).toEqual({
      ok: true,
      file: path.join(dir, 'designed', 'their_design.yaml'),
    });
  });

  test('an unknown name says where it looked and the closest names', () => {
    const check = checkNamedStrategy('mien', { strategiesDir: dir, dataDir: MARKET_DATA_DIR });
    expect(check).toEqual({ ok: false, problems: [`no strategy 'mien' in ${dir}/ or ${dir}/designed/ (did you mean mine?)`] });
  });

  test("an invalid strategy gives every one of the validator's errors, each with its file and line", () => {
    const check = checkNamedStrategy('broken', { strategiesDir: dir, dataDir: MARKET_DATA_DIR });
    expect(check.ok).toBe(false);
    const problems = check.ok ? [] : check.problems;
    expect(problems).toHaveLength(2);
    const line = (needle: string) => example.split('\n').findIndex((l) => l.includes(needle)) + 1;
    expect(problems[0]).toBe(`${dir}/broken.yaml:${line('{name: rsi,')}: error: indicators.0.period: period must be between 2 and 100, got 0`);
    expect(problems[1]).toMatch(new RegExp(`^${dir}/broken\\.yaml:${line('{name: adx,')}: error: indicators\\.1\\.name: unknown indicator 'adxx'`));
  });
});
