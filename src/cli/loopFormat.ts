import { modelLabel, pct } from '../domain/cycleDetails';
import { cappedNote, stateLine, type LoopStatus } from '../domain/loop';
import type { LoopView } from '../temporal/loopClient';
import { columns, formatDuration, table, time, usd } from './format';

const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;

function cyclesLine(s: LoopStatus): string {
  const o = s.cycles.byOutcome;
  const refused = o.refused ? ` · ${o.refused} refused` : '';
  const limit = s.maxCycles ? ` of ${s.maxCycles}` : '';
  return `${s.cycles.done}${limit} done: ${o.completed} completed, ${o.failed} failed, ${o.cancelled} cancelled${refused} · up to ${s.concurrency} at a time${cappedNote(s)}`;
}

function modelLine(s: LoopStatus): string {
  const asked = s.offline ? 'offline asked for' : `${s.model} asked for (a worker without an ANTHROPIC_API_KEY runs its cycles offline)`;
  return s.ranWith.length ? `${asked}; its cycles ran with ${s.ranWith.map(modelLabel).join(', ')}` : asked;
}

function bestTable(s: LoopStatus): string {
  if (s.best.length === 0) return '  none yet (only completed cycles count)';
  const header = ['STRATEGY', 'SHARPE', 'RETURN', 'DRAWDOWN', 'TRADES', 'ACCURACY', 'VERDICT', 'CYCLE'];
  const rows = s.best.map((b) => [
    b.strategy,
    b.validation.sharpeRatio.toFixed(2),
    signedPct(b.validation.totalReturn),
    pct(b.validation.maxDrawdown),
    String(b.validation.totalTrades),
    b.accuracy === undefined ? '-' : `${pct(b.accuracy)}${b.chanceAccuracy === undefined ? '' : ` vs ${pct(b.chanceAccuracy)}`}`,
    b.verdict ?? '-',
    b.cycleId,
  ]);
  return columns(header, rows, '  ');
}

function ledger(s: LoopStatus): string {
  if (s.hypotheses.length === 0) return '  none yet (assessments propose them)';
  const width = Math.max(...s.hypotheses.map((h) => h.status.length));
  return s.hypotheses
    .map((h) => `  ${h.id.padEnd(4)} ${h.status.padEnd(width)}  ${h.text}${h.evidence ? `\n       ${''.padEnd(width)}  ${h.evidence}` : ''}`)
    .join('\n');
}

/** `loop status`: the loop's state, counts, spend, running cycles, the best strategies by validation, and the ledger. */
export function renderLoop(view: LoopView): string {
  const s = view.status;
  const end = view.closeTime ?? new Date();
  const head: [string, string | undefined][] = [
    ['Loop', view.loopId],
    ['Status', s ? `${view.execution} · ${stateLine(s)}` : view.execution.toLowerCase()],
    [
      'Started',
      `${time(s?.startedAt ?? view.startTime)} (${formatDuration(end.getTime() - new Date(s?.startedAt ?? view.startTime).getTime())}${view.closeTime ? '' : ' so far'})`,
    ],
  ];
  if (!s) return table([...head, ['Ended', view.failureMessage]]);
  return [
    table([
      ...head,
      ['Brief', s.brief],
      ['Cycles', cyclesLine(s)],
      ['Running', s.running.map((r) => `${r.cycleId}${r.hypothesis ? ` (testing ${r.hypothesis})` : ''}`).join(', ') || 'none'],
      ['Spend', `${usd(s.spendUsd)}${s.ranWith.length > 0 && s.ranWith.every((m) => m === 'offline') ? ' (offline cycles cost nothing)' : ''}`],
      ['Model', modelLine(s)],
      ['Last refusal', s.lastRefusal && `${s.lastRefusal.reason}: ${s.lastRefusal.message} (${s.lastRefusal.cycleId}, ${time(s.lastRefusal.at)})`],
      ['Run', s.run > 1 ? `${s.run} (continues as new every ${s.continueAsNewEvery} cycles)` : undefined],
    ]),
    '',
    'Best strategies so far, by their validation backtest (the holdout is never read)',
    bestTable(s),
    '',
    'Hypotheses',
    ledger(s),
  ].join('\n');
}
