import type { CycleStatus, CycleSummary } from './cycle';

/** Every token a cycle paid for: cache reads and writes are billed beside input and output. */
export const totalTokens = (u: CycleStatus['usage']) => u.inputTokens + u.outputTokens + u.cacheReadTokens + u.cacheWriteTokens;

/** The model as people read it: the offline designer and assessor are not a model id. */
export const modelLabel = (model: string) => (model === 'offline' ? 'offline designer and assessor (no Claude)' : model);

/**
 * The cycle as markdown, for the Web UI's "current details" (User Metadata tab):
 * phase, strategy, each phase's timing and each gate's verdict.
 */
export function cycleDetailsMarkdown(s: CycleStatus): string {
  const lines = [`**Phase:** ${s.phase}${s.strategy ? ` · **Strategy:** \`${s.strategy}\`` : ''}${s.model ? ` · **Model:** ${modelLabel(s.model)}` : ''}`];
  if (s.failure) lines.push('', `**Failed:** ${s.failure.reason}`);
  if (s.verdict) lines.push('', `**Verdict:** ${s.verdict}`);
  if (s.phases.length) {
    lines.push('', '| phase | started | duration |', '|---|---|---|');
    for (const p of s.phases) {
      const duration = p.durationMs === undefined ? 'running' : `${(p.durationMs / 1000).toFixed(1)} s`;
      lines.push(`| ${p.phase} | ${p.startedAt} | ${duration} |`);
    }
  }
  for (const gate of [s.gates.training, s.gates.backtest]) {
    if (gate) lines.push('', `**${gate.gate} gate:** ${gate.reason}`);
  }
  if (totalTokens(s.usage) > 0) {
    const u = s.usage;
    lines.push('', `**LLM:** ${u.inputTokens} in / ${u.outputTokens} out / ${u.cacheReadTokens} cache-read / ${u.cacheWriteTokens} cache-write tokens, $${u.costUsd.toFixed(4)}`);
  }
  return lines.join('\n');
}

export function cycleSummary(s: CycleStatus): CycleSummary {
  return {
    phase: s.phase,
    lastPhase: s.phases.at(-1)?.phase,
    strategy: s.strategy,
    verdict: s.verdict,
    failure: s.failure?.reason,
    model: s.model,
    costUsd: s.usage.costUsd,
    tokens: totalTokens(s.usage),
  };
}
