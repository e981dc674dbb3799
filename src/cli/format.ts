/**
 * The CLI's text for people: an activity's progress line, a cycle's view, the list of cycles and a
 * cycle's history.
 */
import type { CycleEvent, CycleListing, CycleView, LiveProgress } from '../client';
import { MAX_REPLACEMENTS, type ActivityProgress, type TrainingMetrics } from '../domain/activities';
import type { CycleStatus } from '../domain/cycle';
import { holdoutLooksText } from '../research/holdoutLooks';
import { assessmentFailedSentence, modelLabel, pct, phaseLabel, replacedLabel, replacementsLine, totalTokens, verdictLabel } from '../domain/cycleDetails';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${Math.round(s % 60)}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export const time = (d: Date | string) => new Date(d).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
export const usd = (x: number) => `$${x.toFixed(4)}`;

/**
 * A heartbeat as people read it: percent, step, and the epoch (when the step does not say it)
 * and loss of a training; then, for an operation that replaces one that died with its
 * service, which retry this is and whether it resumed.
 */
export function progressText(p: ActivityProgress): string {
  const epoch = p.epoch !== undefined && p.totalEpochs && !p.step.includes(`Epoch ${p.epoch}/`) ? ` · epoch ${p.epoch}/${p.totalEpochs}` : '';
  const loss = p.loss === undefined ? '' : ` · loss ${p.loss.toFixed(4)}`;
  const replaced = p.replacedOperations?.length
    ? ` · retry ${p.replacedOperations.length} of ${MAX_REPLACEMENTS}, replacing ${p.replacedOperations.map(replacedLabel).join(', ')}`
    : '';
  const resumed = p.resumedFrom ? ` · resumed after epoch ${p.resumedFrom.epoch}` : '';
  return `${p.percent.toFixed(0)}% · ${p.step}${epoch}${loss}${replaced}${resumed}`;
}

function progressLine(p: LiveProgress): string {
  const attempt = p.attempt > 1 ? ` · attempt ${p.attempt}` : '';
  return `${progressText(p)} (${p.activity}${attempt})`;
}

/** What a finished training did, for the line that closes its progress: epochs and loss, and how it scored. */
export function trainingDoneLine(t: TrainingMetrics): string {
  const chance = t.chanceAccuracy === undefined ? '' : ` (chance ${pct(t.chanceAccuracy)})`;
  return `trained ${t.epochsTrained} epochs · train loss ${t.initialTrainLoss.toFixed(4)} → ${t.finalTrainLoss.toFixed(4)} · validation loss ${t.loss.toFixed(4)}, accuracy ${pct(t.accuracy)}${chance}`;
}

export function table(rows: [string, string | undefined][]): string {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
  const width = Math.max(...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** Buy-and-hold over the validation period, and at the strategy's own average stake: what its timing is judged against. */
function yardstickLine(m: NonNullable<NonNullable<CycleStatus['backtest']>['validation']>): string | undefined {
  if (m.buyAndHoldReturn === undefined) return undefined;
  const whole = `return ${pct(m.buyAndHoldReturn)}`;
  if (m.averageExposure === undefined) return whole;
  const t = m.sameStakeTStat === undefined ? '' : ` (the strategy's excess: t ${m.sameStakeTStat.toFixed(2)})`;
  return `${whole}; at the strategy's ${pct(m.averageExposure)} average exposure ${pct(m.buyAndHoldReturn * m.averageExposure)}${t}`;
}

function results(s: CycleStatus, holdoutLooks?: number): [string, string | undefined][] {
  const t = s.training?.metrics;
  const b = s.backtest?.validation;
  const h = s.backtest?.holdout;
  const backtestLine = (m: NonNullable<typeof b>) =>
    `return ${pct(m.totalReturn)}, Sharpe ${m.sharpeRatio.toFixed(2)}, max drawdown ${pct(m.maxDrawdown)}, win rate ${pct(m.winRate)}, ${m.totalTrades} trades`;
  return [
    [
      'Training',
      t &&
        `accuracy ${pct(t.accuracy)} (validation${t.chanceAccuracy === undefined ? '' : `; chance ${pct(t.chanceAccuracy)}`}), loss ${t.loss.toFixed(3)}${t.chanceLoss === undefined ? '' : ` (chance ${t.chanceLoss.toFixed(3)})`}, train loss ${t.initialTrainLoss.toFixed(3)} → ${t.finalTrainLoss.toFixed(3)}, ${t.epochsTrained} epochs`,
    ],
    ['Training retries', s.training && replacementsLine(s.training)],
    ['Training gate', s.gates.training?.reason],
    ['Backtest', b && `${backtestLine(b)} (validation)`],
    ['Backtest retries', s.backtest && replacementsLine(s.backtest)],
    ['Buy & hold', b && yardstickLine(b)],
    ['Holdout', h && `${backtestLine(h)}${holdoutLooks ? ` · ${holdoutLooksText(holdoutLooks)}` : ''}`],
    ['Backtest gate', s.gates.backtest?.reason],
    [
      'Assessment',
      s.assessment
        ? `${s.assessment.verdict} — ${s.assessment.assessmentPath}${s.assessment.offline ? ' (offline assessor)' : ''}`
        : s.assessmentFailure && assessmentFailedSentence(s.assessmentFailure),
    ],
    ['Caveat', s.assessment?.memoryWarning],
  ];
}

function usageLine(u: CycleStatus['usage']): string | undefined {
  if (totalTokens(u) === 0) return undefined;
  return `${u.inputTokens} input + ${u.outputTokens} output tokens, cache ${u.cacheReadTokens} read / ${u.cacheWriteTokens} written, ${usd(u.costUsd)}`;
}

/** `holdoutLooks`: how often the strategy's holdout was looked at, shown beside its figures when known. */
export function renderCycle(view: CycleView, holdoutLooks?: number): string {
  const s = view.status;
  const model = s?.model ?? view.summary?.model;
  const phase = s?.phase ?? view.summary?.phase;
  const end = view.closeTime ?? new Date();
  const refusal = s?.refusal ?? view.summary?.refusal;
  const phases = s?.phases
    .map((p) => (p.skipped ? phaseLabel(p) : `${p.phase} ${p.durationMs === undefined ? 'running' : formatDuration(p.durationMs)}`))
    .join(' · ');
  return table([
    ['Cycle', view.cycleId],
    [
      'Status',
      `${view.execution}${phase ? ` · phase ${phase}` : ''}${view.summary?.lastPhase && phase === 'cancelled' ? ` (during ${view.summary.lastPhase})` : ''}`,
    ],
    ['Strategy', s?.strategy ?? view.summary?.strategy],
    ['Model', model && modelLabel(model)],
    ['Gates', s?.bypassGates ? 'BYPASSED' : undefined],
    ['Started', `${time(view.startTime)} (${formatDuration(end.getTime() - view.startTime.getTime())}${view.closeTime ? '' : ' so far'})`],
    ['Phases', phases],
    ['Progress', view.progress && progressLine(view.progress)],
    ['Last error', view.progress?.lastFailure],
    ...(s ? results(s, holdoutLooks) : []),
    ['Verdict', verdictLabel({ verdict: s?.verdict ?? view.summary?.verdict, assessmentFailure: s?.assessmentFailure ?? view.summary?.assessmentFailure })],
    ['Failed', s?.failure?.reason ?? view.summary?.failure ?? view.failureMessage],
    ['Refused', refusal && `${refusal.reason}: ${refusal.message}`],
    ['LLM usage', s ? usageLine(s.usage) : view.summary && view.summary.tokens > 0 ? `${view.summary.tokens} tokens, ${usd(view.summary.costUsd)}` : undefined],
  ]);
}

export function renderList(rows: CycleListing[]): string {
  if (rows.length === 0) return 'No research cycles yet. Start one with `ktrdr-agent trigger`.';
  const header = ['CYCLE', 'STATUS', 'PHASE', 'STRATEGY', 'VERDICT', 'MODEL', 'TOKENS', 'COST', 'DURATION', 'STARTED'];
  const lines = rows.map((r) => [
    r.workflowId,
    r.execution,
    r.phase ?? '-',
    r.strategy ?? '-',
    (r.summary && verdictLabel(r.summary)) ?? '-',
    r.summary?.model ?? '-',
    r.summary ? String(r.summary.tokens) : '-',
    r.summary ? usd(r.summary.costUsd) : '-',
    formatDuration((r.closeTime ?? new Date()).getTime() - r.startTime.getTime()),
    time(r.startTime),
  ]);
  return columns(header, lines);
}

/** Rows under their header, each column as wide as its widest cell, two spaces apart, `indent` before each line. */
export function columns(header: string[], rows: string[][], indent = ''): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((r) => `${indent}${r.map((c, i) => c.padEnd(widths[i])).join('  ')}`.trimEnd()).join('\n');
}

function eventDetail(e: CycleEvent): string {
  if (e.scheduled) return `${e.scheduled.activity} (${e.scheduled.activityId})`;
  const parts = [
    e.activity,
    e.attempt === undefined ? undefined : `attempt ${e.attempt}`,
    e.failure,
    e.phase === undefined ? undefined : `phase ${e.phase}`,
    e.cancelRequestedBy === undefined ? undefined : `by ${e.cancelRequestedBy || 'a client'}`,
  ];
  return parts.filter(Boolean).join(' · ');
}

export function renderHistory(events: CycleEvent[]): string {
  return events
    .map((e) => {
      const detail = eventDetail(e);
      return `${e.id.padStart(4)}  ${time(e.time)}  ${e.type}${detail ? `  ${detail}` : ''}`;
    })
    .join('\n');
}
