import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { readWalkForwardSummary, spread, walkForwardSummaryFile } from '../../src/research/walkForward';

test('spread: mean, sample standard deviation, min and max', () => {
  expect(spread([1, 2, 3, 6])).toEqual({ mean: 3, sd: Math.sqrt(14 / 3), min: 1, max: 6 });
});

test('a summary that does not read is one line naming the file and what to run', () => {
  const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-wf-summary-'));
  const file = walkForwardSummaryFile('broken', reportsDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '{"mode": "anchored", "folds": [');
  expect(() => readWalkForwardSummary('broken', reportsDir)).toThrow(`${file} is not JSON: run ktrdr-agent backtest broken --walk-forward again`);
  fs.writeFileSync(file, JSON.stringify({ strategy: 'broken', symbol: 'EURUSD', timeframe: '1h', mode: 'sideways' }));
  expect(() => readWalkForwardSummary('broken', reportsDir)).toThrow(
    `${file} is not a walk-forward summary (mode: Invalid option: expected one of "anchored"|"rolling"): run ktrdr-agent backtest broken --walk-forward again`,
  );
  fs.rmSync(reportsDir, { recursive: true, force: true });
});
