/**
 * A cycle told to people — labels, key figures, the Markdown details and the one-line summaries
 * the Web UI shows — written once, so that the CLI and the Web UI say the same thing.
 */
import { MAX_REPLACEMENTS, type ReplacedOperation, type TrainResult } from './activities';
import type { CycleInput, CycleStatus, CycleSummary, PhaseTiming } from './cycle';
import type { DesignerForecast } from './designer';

/** Every token a cycle paid for: cache reads and writes are billed beside input and output. */
export const totalTokens = (u: CycleStatus['usage']) => u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;

/** The model as people read it: the offline designer and assessor are not a model id. */
export const modelLabel = (model: string) => (model === 'offline' ? 'offline designer and assessor (no Claude)' : model);

/** How a completed cycle whose assessment alone failed is told, wherever it is shown. */
export const assessmentFailedSentence = (reason: string) => `training and backtest completed; only the assessment failed: ${reason}`;

/** The verdict column of `list`: the verdict, that the assessment failed, or why the cycle was refused. */
export const verdictLabel = (s: Pick<CycleSummary, 'verdict' | 'assessmentFailure' | 'refusal'>) =>
  s.verdict ?? (s.assessmentFailure ? 'assessment failed' : s.refusal ? `refused: ${s.refusal.reason}` : undefined);

const ENDED_WITH: Record<ReplacedOperation['errorCode'], string> = {
  service_stopped: 'its service stopped',
  thread_crashed: 'its worker thread crashed',
  instance_unreachable: 'its services instance could not be reached',
};

/** A replaced operation and why it had to be: `op_1 (its service stopped)`. */
export const replacedLabel = (o: ReplacedOperation) => `${o.operationId} (${ENDED_WITH[o.errorCode]})`;

/**
 * What it took to finish a training or backtest whose operations died with their service:
 * which were replaced and why, and whether the one that finished resumed (after which epoch)
 * or started over (and why). Undefined when nothing was replaced.
 */
export function replacementsLine(r: Pick<TrainResult, 'operationId' | 'replacedOperations' | 'resumedFrom' | 'startedOver'>): string | undefined {
  const replaced = r.replacedOperations;
  if (!replaced?.length) return undefined;
  const how = r.resumedFrom
    ? `, resumed after epoch ${r.resumedFrom.epoch} of ${r.resumedFrom.operationId}`
    : r.startedOver
      ? `, started over: ${r.startedOver}`
      : '';
  return `${replaced.length} of ${MAX_REPLACEMENTS} retries: replaced ${replaced.map(replacedLabel).join(', ')}; finished as ${r.operationId}${how}`;
}

/** A strategy's HTML report, beside its backtest's files (`ktrdr-agent report` writes it). */
export const REPORT_FILE = 'report.html';

/**
 * How to get a backtested strategy's report and where it goes: the backtest's folder as the
 * services wrote it, else the reports folder's layout. A cycle does not write the report itself
 * (README, "Reports"), so this names the command.
 */
export const reportLine = (strategy: string, reportPath = `reports/${strategy}`) =>
  `\`ktrdr-agent report ${strategy}\` writes \`${reportPath}/${REPORT_FILE}\``;

/** A phase as people read it, and why it was skipped when it was: `designing skipped (strategy x given)`. */
export const phaseLabel = (p: Pick<PhaseTiming, 'phase' | 'skipped'>) => (p.skipped ? `${p.phase} skipped (${p.skipped})` : p.phase);

/** A fraction as people read it: 0.583 → 58.3%. */
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;

/**
 * "Was it any good?": the figures that answer it, on the validation split, as they arrive —
 * accuracy against always guessing the class prior, return against buy-and-hold (and, for a
 * strategy that is partly in cash, against buy-and-hold with its stake), Sharpe, trades, and
 * the verdict.
 */
function keyFigures(s: CycleStatus): string[] {
  const t = s.training?.metrics;
  const b = s.backtest?.validation;
  const rows: [string, string][] = [];
  if (t) rows.push(['accuracy', `${pct(t.accuracy)}${t.chanceAccuracy === undefined ? '' : ` vs ${pct(t.chanceAccuracy)} chance`}`]);
  if (b) {
    rows.push(['return', `${signedPct(b.totalReturn)}${b.buyAndHoldReturn === undefined ? '' : ` vs ${signedPct(b.buyAndHoldReturn)} buy-and-hold`}`]);
    if (b.buyAndHoldReturn !== undefined && b.averageExposure !== undefined) {
      const t = b.sameStakeTStat === undefined ? '' : `, t ${b.sameStakeTStat.toFixed(2)}`;
      rows.push(['same stake', `buy-and-hold at its ${pct(b.averageExposure)} average exposure: ${signedPct(b.buyAndHoldReturn * b.averageExposure)}${t}`]);
    }
    rows.push(['Sharpe', b.sharpeRatio.toFixed(2)], ['trades', String(b.totalTrades)]);
  }
  if (s.verdict) rows.push(['verdict', s.verdict]);
  else if (s.assessmentFailure) rows.push(['verdict', 'none: the assessment failed']);
  if (!rows.length) return [];
  return ['| key figure (validation) | value |', '|---|---|', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
}

/**
 * The cycle as markdown, for the Web UI's "current details" (User Metadata tab): the key
 * figures first, then phase, strategy, each phase's timing and each gate's verdict.
 */
export function cycleDetailsMarkdown(s: CycleStatus): string {
  const figures = keyFigures(s);
  const lines = figures.length ? [...figures, ''] : [];
  lines.push(`**Phase:** ${s.phase}${s.strategy ? ` · **Strategy:** \`${s.strategy}\`` : ''}${s.model ? ` · **Model:** ${modelLabel(s.model)}` : ''}`);
  if (s.failure) lines.push('', `**Failed:** ${s.failure.reason}`);
  if (s.refusal) lines.push('', `**Refused (${s.refusal.reason}):** ${s.refusal.message}`);
  if (s.assessmentFailure) lines.push('', `**Assessment failed:** ${assessmentFailedSentence(s.assessmentFailure)}`);
  if (s.verdict) lines.push('', `**Verdict:** ${s.verdict}`);
  if (s.strategy && s.backtest) lines.push('', `**Report:** ${reportLine(s.strategy, s.backtest.reportPath)}`);
  if (s.phases.length) {
    lines.push('', '| phase | started | duration |', '|---|---|---|');
    for (const p of s.phases) {
      const duration = p.durationMs === undefined ? 'running' : `${(p.durationMs / 1000).toFixed(1)} s`;
      lines.push(`| ${phaseLabel(p)} | ${p.startedAt} | ${duration} |`);
    }
  }
  for (const gate of [s.gates.training, s.gates.backtest]) {
    if (gate) lines.push('', `**${gate.gate} gate:** ${gate.reason}`);
  }
  for (const [title, result] of [
    ['Training', s.training],
    ['Backtest', s.backtest],
  ] as const) {
    const retries = result && replacementsLine(result);
    if (retries) lines.push('', `**${title} retried:** ${retries}`);
  }
  if (totalTokens(s.usage) > 0) {
    const u = s.usage;
    lines.push(
      '',
      `**LLM:** ${u.inputTokens} in / ${u.outputTokens} out / ${u.cacheReadTokens} cache-read / ${u.cacheWriteTokens} cache-write tokens, $${u.costUsd.toFixed(4)}`,
    );
  }
  return lines.join('\n');
}

export function cycleSummary(s: CycleStatus): CycleSummary {
  return {
    phase: s.phase,
    lastPhase: s.phases.at(-1)?.phase,
    strategy: s.strategy,
    verdict: s.verdict,
    assessmentFailure: s.assessmentFailure,
    failure: s.failure?.reason,
    ...(s.refusal && { refusal: { reason: s.refusal.reason, message: s.refusal.message } }),
    model: s.model,
    costUsd: s.usage.costUsd,
    tokens: totalTokens(s.usage),
  };
}

/**
 * The Web UI's static summary, fixed when the cycle starts. It names a Claude model only when
 * every worker polling the task queue has one; otherwise the current details tell who designed.
 */
export function cycleStartSummary(input: CycleInput, designer: DesignerForecast): string {
  const who = designer.kind === 'claude' ? designer.model : designer.kind === 'offline' ? 'offline designer and assessor' : undefined;
  return ['Research cycle', who, input.strategy && `strategy ${input.strategy} given`, input.brief?.slice(0, 80)].filter(Boolean).join(' · ');
}

/** The Web UI's static details: who designs and assesses, and the input with its defaults (the model only for Claude). */
export function cycleStartDetails(input: CycleInput, designer: DesignerForecast): string {
  const { model, ...rest } = input;
  const who =
    designer.kind === 'claude'
      ? `Claude, ${designer.model}`
      : designer.kind === 'offline'
        ? `offline (${designer.why})`
        : `decided by the worker that picks the cycle up, Claude with an ANTHROPIC_API_KEY, else offline (${designer.why}); the current details say which`;
  const shown = designer.kind === 'claude' ? { ...rest, model } : rest;
  return [`**Designer and assessor:** ${who}`, '', '```json', JSON.stringify(shown, null, 2), '```'].join('\n');
}
