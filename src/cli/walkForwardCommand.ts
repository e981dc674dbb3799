/**
 * `backtest <strategy> --walk-forward [--folds N] [--window anchored|rolling] [--include-holdout]`:
 * runs the folds under a progress bar (Ctrl+C stops it, nothing written) and prints one row a
 * fold and the spread over them.
 */
import type { SingleBar } from 'cli-progress';
import { UserError } from '../errors';
import type { Folders } from '../folders';
import { shownPath } from '../paths';
import { holdoutLooksText, readHoldoutLooks, recordHoldoutLook } from '../research/holdoutLooks';
import type { Spread, WalkForwardSummary, WINDOW_KINDS } from '../research/walkForward';
import { walkForward, type WalkForwardProgress } from '../research/walkForwardRun';
import { withCancel } from './cancellable';
import { columns } from './format';

export const DEFAULT_FOLDS = 5;

export interface WalkForwardFlags {
  walkForward?: true;
  folds?: number;
  window?: (typeof WINDOW_KINDS)[number];
  includeHoldout?: true;
  json?: true;
}

/** The walk-forward flags were given: run one (or say that they need --walk-forward). */
export const wantsWalkForward = (flags: WalkForwardFlags) =>
  flags.walkForward === true || flags.folds !== undefined || flags.window !== undefined || flags.includeHoldout === true;

export async function walkForwardCommand(file: string, flags: WalkForwardFlags, folders: Folders): Promise<void> {
  if (!flags.walkForward) throw new UserError('--folds, --window and --include-holdout go with --walk-forward');
  const { summary, dir } = await withCancel((signal, bar) =>
    walkForward(file, {
      dataDir: folders.marketData,
      reportsDir: folders.reports,
      folds: flags.folds ?? DEFAULT_FOLDS,
      mode: flags.window ?? 'anchored',
      includeHoldout: flags.includeHoldout,
      signal,
      onProgress: (p) => showProgress(bar, p),
    }),
  );
  if (summary.touchesHoldout) recordHoldoutLook(summary.strategy, { why: 'walk_forward', by: 'cli' }, folders.reports);
  const holdoutLooks = readHoldoutLooks(summary.strategy, folders.reports).length;
  console.log(flags.json ? JSON.stringify({ ...summary, holdoutLooks }, null, 2) : renderWalkForward(summary, shownPath(dir), holdoutLooks));
}

/** The bar restarts at each fold; off a terminal, where the bar is silent, each fold's start is a line. */
function showProgress(bar: SingleBar, p: WalkForwardProgress): void {
  const fold = `fold ${p.fold}/${p.folds}`;
  if (p.step === 'backtest') return bar.update(bar.getTotal(), { step: `${fold} · backtest` });
  if (!p.training) {
    if (!process.stderr.isTTY) console.error(`${fold} · training`);
    bar.setTotal(1);
    return bar.update(0, { step: `${fold} · preparing` });
  }
  const t = p.training;
  bar.setTotal(t.totalEpochs);
  bar.update(t.epoch, { step: `${fold} · epoch ${t.epoch}/${t.totalEpochs} · loss ${t.loss.toFixed(4)}` });
}

/** Two decimals, for hourly folds whose returns are fractions of a percent; a figure that rounds to zero has no sign. */
function pct(x: number): string {
  const shown = x.toFixed(2);
  return Number(shown) === 0 ? '0.00%' : `${x > 0 ? '+' : ''}${shown}%`;
}
const ratio = (x: number) => x.toFixed(2);

function renderWalkForward(s: WalkForwardSummary, dir: string, holdoutLooks: number): string {
  const daily = /^\d+[dw]$/.test(s.timeframe);
  const when = (iso: string) => (daily ? iso.slice(0, 10) : iso.slice(0, 16).replace('T', ' '));
  const span = (w: { start: string; end: string }) => `${when(w.start)} → ${when(w.end)}`;
  const rows = s.folds.map((f) => [
    String(f.index).padStart(4),
    span(f.train),
    span(f.test),
    String(f.metrics.total_trades).padStart(6),
    pct(f.metrics.total_return_pct).padStart(8),
    ratio(f.metrics.sharpe_ratio).padStart(6),
    `${f.metrics.max_drawdown_pct.toFixed(2)}%`.padStart(8),
    pct(f.buy_and_hold_return_pct).padStart(10),
  ]);
  const spreadLine = (name: string, x: Spread, fmt: (v: number) => string) =>
    `  ${name}  mean ${fmt(x.mean)} · sd ${fmt(x.sd).replace('+', '')} · min ${fmt(x.min)} · max ${fmt(x.max)}`;
  return [
    `Walk-forward ${s.strategy} on ${s.symbol} ${s.timeframe} · ${s.folds.length} ${s.mode} folds, each retrained on its training window · reports in ${dir}/`,
    s.touchesHoldout
      ? `The folds run into the holdout (--include-holdout): this run counts as a look at it (${holdoutLooksText(holdoutLooks)}).`
      : 'The folds end where the holdout starts: the holdout stays sealed.',
    '',
    columns(['fold', 'trained on', 'tested on', 'trades', 'return', 'Sharpe', 'drawdown', 'buy & hold'], rows),
    '',
    `Spread over the ${s.folds.length} folds (Sharpe annualised)`,
    spreadLine('return', s.spread.total_return_pct, pct),
    spreadLine('Sharpe', s.spread.sharpe_ratio, ratio),
  ].join('\n');
}
