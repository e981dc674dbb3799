import type { BudgetSnapshot } from './admission';

const dollars = (x: number) => `$${x.toFixed(4)}`;

/** The admission workflow's current details in the Web UI: today's budget and who holds a slot. */
export function budgetDetailsMarkdown(b: BudgetSnapshot): string {
  const lines = [
    `**Budget ${b.date} (UTC):** ${dollars(b.spentUsd)} spent, ${dollars(b.reservedUsd)} reserved, ${dollars(b.remainingUsd)} left of ${dollars(b.limitUsd)} · resets ${b.resetsAt}`,
    '',
    `**Cycles:** ${b.activeCycles.length} of ${b.maxConcurrentCycles} running${b.activeCycles.length ? `: ${b.activeCycles.map((c) => `\`${c.cycleId}\`${c.offline ? ' (offline)' : ''}`).join(', ')}` : ''}`,
  ];
  if (b.events.length) {
    lines.push('', '| at | cycle | phase | model | cost |', '|---|---|---|---|---|');
    for (const e of b.events.slice(-20)) lines.push(`| ${e.at} | ${e.cycleId} | ${e.phase} | ${e.model} | ${dollars(e.costUsd)} |`);
  }
  return lines.join('\n');
}
