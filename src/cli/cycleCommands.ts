/**
 * The commands on research cycles, through any Temporal service: `trigger` one, follow it with
 * `status`, stop it with `cancel`, and look back with `list` and `history`.
 */
import { InvalidArgumentError, type Command } from '@commander-js/extra-typings';
import { cancelCycle, checkGivenStrategy, cycleHistory, defaultCycleId, describeCycle, listCycles, startCycle, validateRequest, withCycles } from '../client';
import type { CyclePhase } from '../domain/cycle';
import { designerLine } from '../domain/designer';
import type { Folders } from '../folders';
import { readHoldoutLooks } from '../research/holdoutLooks';
import { REFUSAL_EXIT_CODES } from '../temporal/admissionClient';
import { TASK_QUEUE } from '../temporal/definitions';
import { controlOption, DEFAULT_CONTROL, runControl } from './controlCycle';
import { UserError } from '../errors';
import { renderCycle, renderHistory, renderList } from './format';
import { reportRow } from './reportCommand';
import { integer } from '../numberOptions';
import { watchCycle } from './watch';
import { webUiLink } from './webUi';

const EXIT_BY_OUTCOME: Partial<Record<CyclePhase, number>> = { completed: 0, failed: 1, cancelled: 2 };

type GateOptions = Partial<Record<'training' | 'backtest', Record<string, number>>>;

/** `--gate training.minAccuracy=0.5` → { training: { minAccuracy: 0.5 } }; the schema checks names and ranges. */
function gateOption(value: string, previous: GateOptions = {}): GateOptions {
  const match = /^(training|backtest)\.([A-Za-z]+)=(.+)$/.exec(value);
  const n = match ? Number(match[3]) : NaN;
  if (!match || !Number.isFinite(n)) {
    throw new InvalidArgumentError(`expected <training|backtest>.<threshold>=<number>, e.g. training.minAccuracy=0.5`);
  }
  const gate = match[1] as keyof GateOptions;
  return { ...previous, [gate]: { ...previous[gate], [match[2]]: n } };
}

export function triggerCommand(cli: Command, folders: Folders): void {
  cli
    .command('trigger')
    .description('start a research cycle')
    .option(
      '--strategy <name>',
      "a person's strategy (a name in strategies/ or strategies/designed/): skip the design, train, backtest and assess it; checked before the cycle starts",
    )
    .option('--brief <text>', 'research brief that steers the design')
    .option('--model <model>', 'Claude model: opus, sonnet, haiku or a full id')
    .option('--symbol <symbol>', 'market to research, e.g. EURUSD')
    .option('--timeframe <tf>', 'bar size, e.g. 1h or 1d')
    .option('--bypass-gates', 'record gate verdicts but never stop the cycle on them')
    .option('--offline', 'design and assess with the offline designer and assessor, even when the worker has an API key')
    .option(
      '--gate <name=value>',
      'gate threshold, e.g. backtest.minTrades=10, or KTRDR\'s training.minAccuracy=0.5 (repeatable; see the README, "Quality gates")',
      gateOption,
    )
    .option(
      '--control [symbol]',
      `then the same cycle on a synthetic market of its timeframe (default ${DEFAULT_CONTROL}), where no memory can help, and both side by side (implies --wait)`,
      controlOption,
    )
    .option(
      '--wait',
      'follow the cycle until it ends; the exit code tells the outcome (0 completed, 1 failed, 2 cancelled, 3 or 4 refused: budget_exhausted or active_cycle_exists)',
    )
    .action(async (opts) => {
      const request = {
        ...(opts.strategy !== undefined && { strategy: opts.strategy }),
        ...(opts.brief !== undefined && { brief: opts.brief }),
        ...(opts.model !== undefined && { model: opts.model }),
        ...(opts.symbol !== undefined && { symbol: opts.symbol }),
        ...(opts.timeframe !== undefined && { timeframe: opts.timeframe }),
        ...(opts.bypassGates && { bypassGates: true }),
        ...(opts.offline && { offline: true }),
        ...(opts.gate && { gates: opts.gate }),
      };
      const control = opts.control === true ? DEFAULT_CONTROL : opts.control;
      if (control && request.strategy)
        throw new UserError('--control designs again on a synthetic market; a given --strategy keeps its own market: drop one of them.');
      checkGivenStrategy(validateRequest(request).input, folders);
      await withCycles(async ({ client, namespace, address }) => {
        const { handle, input, workers, designer } = await startCycle(client, request);
        console.log(`Research cycle started: ${handle.workflowId}`);
        if (input.strategy) console.log(`  Design: skipped (strategy ${input.strategy} given)`);
        console.log(`  Model:  ${designerLine(designer, input.model)}${input.bypassGates ? '\n  Gates:  BYPASSED' : ''}`);
        if (workers && workers.claude + workers.offline + workers.unknown === 0) {
          console.error(
            `warning: no worker is polling task queue '${TASK_QUEUE}': the cycle waits until one starts (\`ktrdr-agent worker\`, or \`ktrdr-agent dev\`).`,
          );
        }
        console.log(`  Watch:  ktrdr-agent status ${handle.workflowId} --watch`);
        console.log(`  Cancel: ktrdr-agent cancel ${handle.workflowId}`);
        console.log(`  Web UI: ${webUiLink(address, namespace, handle.workflowId)}`);
        if (opts.wait || control) {
          const view = await watchCycle(client, handle.workflowId, { holdoutLooks: holdoutLooksIn(folders) });
          if (view.status?.backtest && view.status.strategy) console.log(`Report: ${reportRow(view.status.strategy, folders)}`);
          const refusal = view.status?.refusal;
          process.exitCode = refusal ? REFUSAL_EXIT_CODES[refusal.reason] : (EXIT_BY_OUTCOME[view.status?.outcome ?? view.summary?.phase ?? 'failed'] ?? 1);
          if (control && !refusal) await runControl({ client, namespace, address }, view, request, control, { holdoutLooks: holdoutLooksIn(folders) });
        }
      });
    });
}

/** How often a strategy's holdout was looked at, from the reports folder this CLI sees. */
export const holdoutLooksIn = (folders: Folders) => (strategy: string) => readHoldoutLooks(strategy, folders.reports).length;

export function statusCommand(cli: Command, folders: Folders): void {
  cli
    .command('status')
    .description('phase, strategy, gates, results and live progress of a cycle (default: the running or latest one)')
    .argument('[id]', 'cycle id')
    .option('--watch', 'follow the cycle until it ends, with a progress bar')
    .option('--json', 'print the full status as JSON')
    .action(async (id, opts) => {
      await withCycles(async ({ client }) => {
        const cycleId = id ?? (await defaultCycleId(client));
        if (opts.watch) {
          await watchCycle(client, cycleId, { holdoutLooks: holdoutLooksIn(folders) });
          return;
        }
        const view = await describeCycle(client, cycleId);
        const strategy = view.status?.strategy;
        const looks = strategy ? holdoutLooksIn(folders)(strategy) : undefined;
        if (opts.json) {
          // the look count goes wherever holdout figures go: a holdout looked at many times is no longer one
          console.log(JSON.stringify(view.status?.backtest?.holdout ? { ...view, holdoutLooks: looks } : view, null, 2));
          return;
        }
        console.log(renderCycle(view, looks, view.status?.backtest && strategy ? reportRow(strategy, folders) : undefined));
      });
    });
}

export function cancelCommand(cli: Command): void {
  cli
    .command('cancel')
    .description('cancel a running cycle (default: the running one); its activity stops and cleans up')
    .argument('[id]', 'cycle id')
    .action(async (id) => {
      await withCycles(async ({ client }) => {
        const cycleId = id ?? (await defaultCycleId(client));
        await cancelCycle(client, cycleId);
        console.log(`Cancellation requested for ${cycleId}. \`ktrdr-agent status ${cycleId}\` shows when it has stopped.`);
      });
    });
}

export function listCommand(cli: Command): void {
  cli
    .command('list')
    .description('recent cycles: id, status, phase, strategy, verdict, cost, duration')
    .option('--limit <n>', 'how many', integer('--limit', 1), 20)
    .option('--query <filter>', 'visibility filter, e.g. "ResearchOutcome = \'failed\'"')
    .option('--json', 'print JSON')
    .action(async (opts) => {
      await withCycles(async ({ client }) => {
        const rows = await listCycles(client, opts.limit, opts.query);
        console.log(opts.json ? JSON.stringify(rows, null, 2) : renderList(rows));
      });
    });
}

export function historyCommand(cli: Command): void {
  cli
    .command('history')
    .description("a cycle's event history (--json: the format `temporal workflow show` and replay tests use)")
    .argument('<id>', 'cycle id')
    .option('--json', 'print the history as JSON')
    .action(async (id, opts) => {
      await withCycles(async ({ client }) => {
        const history = await cycleHistory(client, id);
        console.log(opts.json ? history.json : renderHistory(history.events));
      });
    });
}
