/** `ktrdr-agent budget`: today's budget, and --set-limit / --set-concurrency to change it. */
import { InvalidArgumentError, type Command } from '@commander-js/extra-typings';
import { configureBudget, readBudget, type BudgetView } from '../temporal/admissionClient';
import { withCycles } from '../client';
import type { Configure } from '../domain/admission';
import { integer } from '../numberOptions';
import { columns, formatDuration } from './format';

/** US dollars, 0 or more: `--set-limit 5`, `--set-limit 0.5`. */
function dollarsOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1_000_000)
    throw new InvalidArgumentError('--set-limit must be a number of US dollars from 0 to 1000000, e.g. 5 or 0.5.');
  return n;
}

const usd = (x: number) => `$${x.toFixed(4)}`;

function table(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** The budget as `ktrdr-agent budget` prints it: the figures, who holds a slot, and today's spend events. */
function renderBudget({ snapshot: b, started }: BudgetView, now = Date.now()): string {
  const affordable =
    b.averageCycleCostUsd === undefined
      ? `${b.cyclesAffordable} Claude cycles at an estimated ${usd(b.cycleCostUsd)} a cycle (no Claude cycle has ended yet)`
      : `${b.cyclesAffordable} Claude cycles at the recent average of ${usd(b.averageCycleCostUsd)} a cycle`;
  const holders = b.activeCycles.map((c) => `${c.cycleId}${c.offline ? ' (offline)' : ''}`).join(', ');
  const lines = [
    table([
      ['Date', `${b.date} (UTC)`],
      ['Limit', `${usd(b.limitUsd)} a day`],
      ['Spent today', `${usd(b.spentUsd)} (${b.events.length} Claude phase${b.events.length === 1 ? '' : 's'})`],
      ['Reserved', `${usd(b.reservedUsd)} (estimates held for Claude phases running now)`],
      ['Remaining', usd(b.remainingUsd)],
      ['Affordable', affordable],
      ['Next reset', `${b.resetsAt} (in ${formatDuration(Date.parse(b.resetsAt) - now)})`],
      ['Cycles', `${b.activeCycles.length} of ${b.maxConcurrentCycles} running${holders ? `: ${holders}` : ''}`],
    ]),
    'Offline cycles (--offline, or a worker without ANTHROPIC_API_KEY) cost nothing: the budget never refuses them, only a full set of slots does.',
  ];
  if (!started)
    lines.push(
      'No cycle has been admitted yet: these are the settings the admission workflow starts with (KTRDR_DAILY_BUDGET_USD, KTRDR_MAX_CONCURRENT_CYCLES).',
    );
  if (b.events.length) {
    lines.push('', "Today's spend:");
    const rows = b.events.map((e) => [e.at.replace('T', ' ').slice(0, 19), e.cycleId, e.phase, e.model, usd(e.costUsd)]);
    const header = ['AT (UTC)', 'CYCLE', 'PHASE', 'MODEL', 'COST'];
    lines.push(columns(header, rows, '  '));
  }
  return lines.join('\n');
}

export function budgetCommand(cli: Command): void {
  cli
    .command('budget')
    .description(
      "today's budget: limit, spent, reserved, remaining, cycles affordable, next reset, running cycles, spend events; --set-limit and --set-concurrency change it",
    )
    .option('--set-limit <usd>', 'set the daily budget in US dollars (from now on, for every worker)', dollarsOption)
    .option('--set-concurrency <n>', 'set how many cycles may run at once', integer('--set-concurrency', 1, 1000))
    .option('--json', 'print the budget as JSON')
    .action(async (opts) => {
      await withCycles(async ({ client }) => {
        const changes: Configure = {
          ...(opts.setLimit !== undefined && { dailyBudgetUsd: opts.setLimit }),
          ...(opts.setConcurrency !== undefined && { maxConcurrentCycles: opts.setConcurrency }),
        };
        if (Object.keys(changes).length) {
          const settings = await configureBudget(client, changes);
          if (!opts.json)
            console.log(
              `Set: daily budget ${usd(settings.dailyBudgetUsd)}, at most ${settings.maxConcurrentCycles} cycle${settings.maxConcurrentCycles === 1 ? '' : 's'} at a time.\n`,
            );
        }
        const view = await readBudget(client);
        console.log(opts.json ? JSON.stringify({ ...view.snapshot, admissionStarted: view.started }, null, 2) : renderBudget(view));
      });
    });
}
