/**
 * What a walk-forward backtest leaves behind (`backtest --walk-forward`): each fold's training
 * and test windows, its test window's metrics beside buy-and-hold, and the spread over the folds.
 * Written to reports/<name>/walk-forward/summary.json; the report and anything else that shows
 * walk-forward results read it through readWalkForwardSummary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors';
import { shownPath } from '../paths';
import { reportDir } from './files';

export const WINDOW_KINDS = ['anchored', 'rolling'] as const;

const WindowSchema = z.strictObject({
  /** Open time of the window's first and last bar, ISO 8601 UTC. */
  start: z.iso.datetime(),
  end: z.iso.datetime(),
});

/** Percentages are percent (12.5 is +12.5 %); the Sharpe ratio is annualised, as the backtest prints it. */
const FoldMetricsSchema = z.strictObject({
  total_return_pct: z.number(),
  sharpe_ratio: z.number(),
  max_drawdown_pct: z.number().min(0),
  total_trades: z.number().int().min(0),
  win_rate_pct: z.number().min(0).max(100),
});

const FoldSchema = z.strictObject({
  /** 1-based, in time order. */
  index: z.number().int().min(1),
  /** The bars the fold's model learnt from: its training rows and, at the end, its validation rows (early stopping). */
  train: WindowSchema,
  /** The bars it was backtested on, right after the training window. */
  test: WindowSchema,
  metrics: FoldMetricsSchema,
  buy_and_hold_return_pct: z.number(),
});

const SpreadSchema = z.strictObject({
  mean: z.number(),
  /** Sample standard deviation (n − 1). */
  sd: z.number().min(0),
  min: z.number(),
  max: z.number(),
});
export type Spread = z.infer<typeof SpreadSchema>;

export const WalkForwardSummarySchema = z.strictObject({
  strategy: z.string(),
  /** The traded symbol (the strategy's first) and its timeframe. */
  symbol: z.string(),
  timeframe: z.string(),
  /** anchored: every training window starts at the first bar; rolling: they all have the first one's length. */
  mode: z.enum(WINDOW_KINDS),
  folds: z.array(FoldSchema).min(2),
  spread: z.strictObject({ sharpe_ratio: SpreadSchema, total_return_pct: SpreadSchema }),
  /** The folds reach into the holdout (`--include-holdout`): the run counted as a look at it. */
  touchesHoldout: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type WalkForwardSummary = z.infer<typeof WalkForwardSummarySchema>;

/** reports/<name>/walk-forward/: summary.json and each fold's test window (fold-<i>/, like a backtest period). */
export const walkForwardDir = (name: string, reportsDir: string) => path.join(reportDir(name, reportsDir), 'walk-forward');

export const walkForwardSummaryFile = (name: string, reportsDir: string) => path.join(walkForwardDir(name, reportsDir), 'summary.json');

/** The strategy's last walk-forward summary; undefined when it has none. A file that does not parse is a UserError naming it. */
export function readWalkForwardSummary(name: string, reportsDir: string): WalkForwardSummary | undefined {
  const file = walkForwardSummaryFile(name, reportsDir);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${shownPath(file)} is not JSON: run ktrdr-agent backtest ${name} --walk-forward again`);
  }
  const parsed = WalkForwardSummarySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(
      `${shownPath(file)} is not a walk-forward summary (${issue.path.join('.')}: ${issue.message}): run ktrdr-agent backtest ${name} --walk-forward again`,
    );
  }
  return parsed.data;
}

/** Mean, sample standard deviation, min and max of the folds' figures (at least two). */
export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}
