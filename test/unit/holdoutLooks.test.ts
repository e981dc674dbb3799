import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { holdoutLooksText, readHoldoutLooks, recordHoldoutLook } from '../../src/research/holdoutLooks';

let reportsDir: string;
beforeEach(() => {
  reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'holdout-looks-'));
});
afterEach(() => fs.rmSync(reportsDir, { recursive: true, force: true }));

describe('holdout looks', () => {
  test('a strategy nobody looked at has no looks', () => {
    expect(readHoldoutLooks('never_seen', reportsDir)).toEqual([]);
  });

  test('each look is appended to reports/<name>/holdout-looks.jsonl with when, why and by whom, oldest first', () => {
    recordHoldoutLook('rsi_trend', { why: 'backtest', by: 'cycle c-1', at: new Date('2026-12-01T10:00:00Z') }, reportsDir);
    recordHoldoutLook('rsi_trend', { why: 'holdout', by: 'cli', at: new Date('2026-12-02T11:30:00Z') }, reportsDir);
    recordHoldoutLook('other', { why: 'report', by: 'cli' }, reportsDir);

    expect(readHoldoutLooks('rsi_trend', reportsDir)).toEqual([
      { at: '2026-12-01T10:00:00.000Z', why: 'backtest', by: 'cycle c-1' },
      { at: '2026-12-02T11:30:00.000Z', why: 'holdout', by: 'cli' },
    ]);
    const lines = fs
      .readFileSync(path.join(reportsDir, 'rsi_trend', 'holdout-looks.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { why: string }).why)).toEqual(['backtest', 'holdout']);
    expect(readHoldoutLooks('other', reportsDir)).toHaveLength(1);
  });

  test('a look records the time it was taken', () => {
    const before = Date.now();
    const look = recordHoldoutLook('rsi_trend', { why: 'report', by: 'cli' }, reportsDir);
    expect(Date.parse(look.at)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(look.at)).toBeLessThanOrEqual(Date.now());
  });

  test('a line that does not read is skipped, the others still count', () => {
    recordHoldoutLook('rsi_trend', { why: 'backtest', by: 'cli' }, reportsDir);
    fs.appendFileSync(path.join(reportsDir, 'rsi_trend', 'holdout-looks.jsonl'), '{"at": "yesterday"\nnot json\n');
    recordHoldoutLook('rsi_trend', { why: 'holdout', by: 'cli' }, reportsDir);
    expect(readHoldoutLooks('rsi_trend', reportsDir).map((l) => l.why)).toEqual(['backtest', 'holdout']);
  });

  test('an unsafe strategy name is refused before anything is written', () => {
    expect(() => recordHoldoutLook('../escape', { why: 'backtest', by: 'cli' }, reportsDir)).toThrow(/not a strategy name/);
    expect(fs.readdirSync(reportsDir)).toEqual([]);
  });

  test('the count reads as people say it', () => {
    expect(holdoutLooksText(1)).toBe('holdout looked at 1 time');
    expect(holdoutLooksText(3)).toBe('holdout looked at 3 times');
  });
});
