import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import type { Bars } from '../../src/engine/data/bars';
import { writeBacktestReport } from '../../src/engine/backtest/report';
import { BacktestSummarySchema } from '../../src/engine/backtest/result';
import { backtest } from '../../src/engine/backtest/run';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-backtest-report-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

const START = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

/** Five hourly bars, fully invested, no costs: BUY at bar 0 fills at 100, SELL at bar 2 fills at 110. */
function smallBacktest() {
  const open = [100, 100, 110, 110, 99];
  const close = [100, 120, 110, 99, 99];
  const bars: Bars = {
    symbol: 'TEST',
    timeframe: '1h',
    time: Float64Array.from(open.map((_, i) => START + i * HOUR)),
    open: Float64Array.from(open),
    high: Float64Array.from(open.map((o, i) => Math.max(o, close[i]))),
    low: Float64Array.from(open.map((o, i) => Math.min(o, close[i]))),
    close: Float64Array.from(close),
    volume: new Float64Array(5).fill(1000),
  };
  const rows = [
    [0.75, 0.125, 0.125],
    [0.125, 0.75, 0.125],
    [0.125, 0.125, 0.75],
    [0.125, 0.75, 0.125],
    [0.125, 0.75, 0.125],
  ];
  return backtest(bars, Float32Array.from(rows.flat()), {
    decisions: { filters: { min_signal_separation: 0 } },
    execution: { commission: 0, slippage: 0, positionSize: 1 },
  });
}

test('writes trades.csv, equity.csv and metrics.json, leaving no temporary files', async () => {
  const report = smallBacktest();
  const dir = path.join(tmp, 'reports', 'run-1');
  const files = await writeBacktestReport(report, dir);

  expect(files).toEqual({
    trades: path.join(dir, 'trades.csv'),
    equity: path.join(dir, 'equity.csv'),
    metrics: path.join(dir, 'metrics.json'),
  });
  expect(fs.readdirSync(dir).sort()).toEqual(['equity.csv', 'metrics.json', 'trades.csv']);

  expect(fs.readFileSync(files.trades, 'utf8')).toBe(
    'entryTime,exitTime,entryPrice,exitPrice,quantity,pnl,return,fees,barsHeld,forced\n' +
      '2024-01-01T01:00:00.000Z,2024-01-01T03:00:00.000Z,100,110,1000,10000,0.1,0,2,false\n',
  );
  // Fully invested: 1 000 units. Buy-and-hold buys at the same open and is closed at the last close 99.
  expect(fs.readFileSync(files.equity, 'utf8')).toBe(
    'time,equity,buyAndHold,drawdown\n' +
      '2024-01-01T00:00:00.000Z,100000,100000,0\n' +
      '2024-01-01T01:00:00.000Z,120000,120000,0\n' +
      '2024-01-01T02:00:00.000Z,110000,110000,0.08333333333333337\n' +
      '2024-01-01T03:00:00.000Z,110000,99000,0.08333333333333337\n' +
      '2024-01-01T04:00:00.000Z,110000,99000,0.08333333333333337\n',
  );

  const summary = BacktestSummarySchema.parse(JSON.parse(fs.readFileSync(files.metrics, 'utf8')));
  expect(summary.metrics.totalTrades).toBe(1);
  expect(summary.metrics.totalReturn).toBeCloseTo(0.1, 12);
  expect(summary.buyAndHold.totalReturn).toBeCloseTo(-0.01, 12);
  expect(summary.execution.fill).toBe('next_bar_open');
});

test('a second report replaces the first', async () => {
  const report = smallBacktest();
  fs.writeFileSync(path.join(tmp, 'metrics.json'), 'stale');
  await writeBacktestReport(report, tmp);
  await writeBacktestReport(report, tmp);
  expect(BacktestSummarySchema.parse(JSON.parse(fs.readFileSync(path.join(tmp, 'metrics.json'), 'utf8'))).metrics.totalTrades).toBe(1);
  expect(fs.readdirSync(tmp).filter((name) => name.endsWith('.tmp'))).toEqual([]);
});

test('a failed write leaves the previous file and no temporary file', async () => {
  const report = smallBacktest();
  // A directory where equity.csv should go makes the rename fail.
  fs.mkdirSync(path.join(tmp, 'equity.csv'));
  fs.writeFileSync(path.join(tmp, 'equity.csv', 'keep'), 'x');
  await expect(writeBacktestReport(report, tmp)).rejects.toThrow();
  expect(fs.readFileSync(path.join(tmp, 'equity.csv', 'keep'), 'utf8')).toBe('x');
  expect(fs.readdirSync(tmp).filter((name) => name.endsWith('.tmp'))).toEqual([]);
});
