/** How the budget reads in the Web UI: the admission workflow's current details. */
import type { BudgetSnapshot } from './admission';

const dollars = (x: number) => `$${x.toFixed(4)}`;

/** Today's budget and who holds a slot, as markdown. */
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
