/**
 * A backtest's report files in a strategy's reports folder: trades.csv, equity.csv and
 * metrics.json.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BacktestReport, BacktestSummary } from './result';

export interface BacktestReportFiles {
  trades: string;
  equity: string;
  metrics: string;
}

/** Rows per write: big enough to amortise the calls, small enough to keep 10⁶-bar curves out of one string. */
const ROWS_PER_CHUNK = 10_000;

/**
 * Writes trades.csv, equity.csv and metrics.json into `dir` (created if missing). The caller
 * owns the choice of `dir`. Each file appears whole or not at all (temporary file + rename),
 * so a reader never sees a half-written report. CSV times are ISO 8601 UTC; metrics.json is
 * the BacktestSummary, times in epoch milliseconds.
 */
export async function writeBacktestReport(report: BacktestReport, dir: string): Promise<BacktestReportFiles> {
  await fs.mkdir(dir, { recursive: true });
  const files = {
    trades: path.join(dir, 'trades.csv'),
    equity: path.join(dir, 'equity.csv'),
    metrics: path.join(dir, 'metrics.json'),
  };
  const summary: BacktestSummary = {
    period: report.period,
    execution: report.execution,
    decisions: report.decisions,
    metrics: report.metrics,
    buyAndHold: report.buyAndHold,
    ...(report.sameStake && { sameStake: report.sameStake }),
  };
  await writeAtomically(files.trades, tradeRows(report));
  await writeAtomically(files.equity, equityRows(report));
  await writeAtomically(files.metrics, [`${JSON.stringify(summary, null, 2)}\n`]);
  return files;
}

const iso = (ms: number) => new Date(ms).toISOString();

function* tradeRows({ trades }: BacktestReport): Generator<string> {
  yield 'entryTime,exitTime,entryPrice,exitPrice,quantity,pnl,return,fees,barsHeld,forced\n';
  for (let start = 0; start < trades.length; start += ROWS_PER_CHUNK) {
    let chunk = '';
    for (const t of trades.slice(start, start + ROWS_PER_CHUNK)) {
      chunk +=
        `${iso(t.entryTime)},${iso(t.exitTime)},${t.entryPrice},${t.exitPrice},${t.quantity},` + `${t.pnl},${t.return},${t.fees},${t.barsHeld},${t.forced}\n`;
    }
    yield chunk;
  }
}

/** Drawdown is the strategy's: the fraction below its running peak at that close. */
function* equityRows({ equity }: BacktestReport): Generator<string> {
  const { time, strategy, buyAndHold } = equity;
  yield 'time,equity,buyAndHold,drawdown\n';
  let peak = -Infinity;
  for (let start = 0; start < time.length; start += ROWS_PER_CHUNK) {
    let chunk = '';
    for (let t = start; t < Math.min(start + ROWS_PER_CHUNK, time.length); t++) {
      peak = Math.max(peak, strategy[t]);
      chunk += `${iso(time[t])},${strategy[t]},${buyAndHold[t]},${1 - strategy[t] / peak}\n`;
    }
    yield chunk;
  }
}

async function writeAtomically(file: string, chunks: Iterable<string>): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  const handle = await fs.open(temporary, 'wx');
  try {
    for (const chunk of chunks) await handle.write(chunk);
    // Flush before the rename, or a crash could leave the final name on an empty file.
    await handle.sync();
    await handle.close();
    await fs.rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
