/**
 * The memory control side by side: the cycle on the real market and the same cycle on a
 * synthetic one, figure by figure, on the validation split (what the loop and the gates read),
 * and whether the designer may remember the real market's period (the reason for the control).
 */
import type { CycleStatus } from '../domain/cycle';
import { pct } from '../domain/cycleDetails';

type Row = [string, string, string];

/** Why a cycle did not complete: its failure (a gate's reason names the metric and threshold) or refusal. */
const whyNot = (s: CycleStatus | undefined) => s?.failure?.reason ?? s?.refusal?.message;

function column(s: CycleStatus | undefined): Record<string, string> {
  if (!s) return { outcome: 'no result (cancelled)' };
  const t = s.training?.metrics;
  const v = s.backtest?.validation;
  return {
    market: s.design ? `${s.design.symbol} ${s.design.timeframe}` : '—',
    strategy: s.strategy ?? '—',
    'designed by': s.model ?? '—',
    outcome: `${s.outcome ?? s.phase}${whyNot(s) ? ' (why: below)' : ''}`,
    'accuracy (chance)': t ? `${pct(t.accuracy)}${t.chanceAccuracy === undefined ? '' : ` (${pct(t.chanceAccuracy)})`}` : '—',
    return: v ? pct(v.totalReturn) : '—',
    'buy & hold': v?.buyAndHoldReturn === undefined ? '—' : pct(v.buyAndHoldReturn),
    Sharpe: v ? v.sharpeRatio.toFixed(2) : '—',
    trades: v ? String(v.totalTrades) : '—',
    verdict: s.verdict ?? '—',
    'may remember': s.assessment ? (s.assessment.memoryWarning ? 'yes (below)' : 'no') : '—',
  };
}

const ROWS = ['market', 'strategy', 'designed by', 'outcome', 'accuracy (chance)', 'return', 'buy & hold', 'Sharpe', 'trades', 'verdict', 'may remember'];

/** Two columns, real and control; why a cycle failed (a gate's reason is long) and the memory warning follow on lines of their own. */
export function renderControl(real: CycleStatus | undefined, control: CycleStatus | undefined): string {
  const [a, b] = [column(real), column(control)];
  const rows: Row[] = [['validation', 'real market', 'synthetic control'], ...ROWS.map((k): Row => [k, a[k] ?? '—', b[k] ?? '—'])];
  const [w0, w1] = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map(([k, x, y]) => `${k.padEnd(w0)}  ${x.padEnd(w1)}  ${y}`);
  for (const [label, s] of [
    ['real market', real],
    ['synthetic control', control],
  ] as const) {
    const why = whyNot(s);
    if (why) lines.push(`${label}: ${why}`);
    if (s?.assessment?.memoryWarning) lines.push(`${label}: ${s.assessment.memoryWarning}`);
  }
  return lines.join('\n');
}
