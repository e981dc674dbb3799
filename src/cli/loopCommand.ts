import { InvalidArgumentError, type Command } from '@commander-js/extra-typings';
import { taskQueuePollers, withCycles, type Client, type Cycles } from '../client';
import { designerLine, forecastDesigner } from '../domain/designer';
import { LOOP_BRIEF_MAX, MAX_LOOP_CONCURRENCY, stateLine, type LoopStatus } from '../domain/loop';
import { UserError } from '../errors';
import { TASK_QUEUE } from '../temporal/definitions';
import { readBudget } from '../temporal/admissionClient';
import { cancelLoop, defaultLoopId, describeLoop, startLoop, updateLoop, validateLoopRequest, type LoopCommand } from '../temporal/loopClient';
import { tallyModes } from '../temporal/workers';
import { renderLoop } from './loopFormat';
import { integer } from '../numberOptions';
import { webUiLink } from './webUi';

/** `--input '{"…": …}'`: a loop input as the Web UI's form takes it; the flags given beside it win. */
function jsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`--input is not JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new InvalidArgumentError('--input must be one JSON object, e.g. \'{"brief": "momentum", "concurrency": 2}\'');
  return parsed as Record<string, unknown>;
}

const concurrency = integer('--concurrency', 1, MAX_LOOP_CONCURRENCY);

export interface LoopStartOptions {
  input?: Record<string, unknown>;
  brief?: string;
  concurrency?: number;
  maxCycles?: number;
  continueAsNewEvery?: number;
  model?: string;
  symbol?: string;
  timeframe?: string;
  offline?: boolean;
  bypassGates?: boolean;
}

/** The loop's one argument from `loop start`'s (and `schedule create --loop`'s) options. */
export function loopRequest(opts: LoopStartOptions): Record<string, unknown> {
  return {
    ...opts.input,
    ...(opts.brief !== undefined && { brief: opts.brief }),
    ...(opts.concurrency !== undefined && { concurrency: opts.concurrency }),
    ...(opts.maxCycles !== undefined && { maxCycles: opts.maxCycles }),
    ...(opts.continueAsNewEvery !== undefined && { continueAsNewEvery: opts.continueAsNewEvery }),
    ...(opts.model !== undefined && { model: opts.model }),
    ...(opts.symbol !== undefined && { symbol: opts.symbol }),
    ...(opts.timeframe !== undefined && { timeframe: opts.timeframe }),
    ...(opts.offline && { offline: true }),
    ...(opts.bypassGates && { bypassGates: true }),
  };
}

/** The options a loop's input takes, for `loop start` and `schedule create --loop`. */
export function loopInputOptions(command: Command): Command {
  return command
    .option('--brief <text>', `what the cycles research (up to ${LOOP_BRIEF_MAX} characters); each cycle also gets the hypothesis it tests`)
    .option('--concurrency <n>', `cycles at once, 1–${MAX_LOOP_CONCURRENCY} (default 1)`, concurrency)
    .option('--max-cycles <n>', 'end after this many cycles (default: until stopped)', integer('--max-cycles', 1))
    .option('--continue-as-new-every <n>', 'hand the state on to a fresh run after this many cycles (default 50)', integer('--continue-as-new-every', 1, 1000))
    .option('--model <model>', 'Claude model of its cycles: opus, sonnet, haiku or a full id')
    .option('--symbol <symbol>', 'market of its cycles, e.g. EURUSD')
    .option('--timeframe <tf>', 'bar size of its cycles, e.g. 1h or 1d')
    .option('--offline', 'design and assess offline, even on workers with an ANTHROPIC_API_KEY')
    .option('--bypass-gates', 'record gate verdicts but never stop a cycle on them')
    .option('--input <json>', "the loop input as one JSON object (the Web UI form's), e.g. for gates; flags win", jsonObject);
}

function printState(verb: string, s: LoopStatus): void {
  console.log(
    `${verb} ${s.loopId}: ${stateLine(s)} · ${s.cycles.done} cycles done · ${s.running.length} running${s.running.length ? ` (${s.running.map((r) => r.cycleId).join(', ')})` : ''}`,
  );
}

/** Runs `fn` on the loop the user named, else the running one, else the latest. */
const onLoop = <T>(id: string | undefined, fn: (client: Cycles['client'], loopId: string) => Promise<T>) =>
  withCycles(async ({ client }) => fn(client, id ?? (await defaultLoopId(client))));

function updateCommand(loop: Command, name: 'pause' | 'resume' | 'stop', description: string, verb: string): void {
  loop
    .command(name)
    .description(description)
    .argument('[id]', 'loop id (default: the running loop)')
    .action((id: string | undefined) => onLoop(id, async (client, loopId) => printState(verb, await updateLoop(client, loopId, { update: name }))));
}

/**
 * Every cycle of a loop is admitted like any other: with fewer slots than the loop's concurrency,
 * the rest of its cycles are refused `active_cycle_exists` and it runs fewer at once. Said once,
 * at the start, rather than discovered in the loop's refusals.
 */
async function warnIfFewerSlots(client: Client, concurrency: number): Promise<void> {
  const budget = await readBudget(client).catch(() => undefined);
  const slots = budget?.snapshot.maxConcurrentCycles;
  if (slots !== undefined && slots < concurrency)
    console.error(
      `warning: the admission lets ${slots} cycle${slots === 1 ? '' : 's'} run at a time, for every way of starting one: this loop runs at most ${slots} at once. Raise it with \`ktrdr-agent budget --set-concurrency ${concurrency}\`.`,
    );
}

export function loopCommands(cli: Command): void {
  const loop = cli
    .command('loop')
    .description('research that goes on by itself: cycles one after another, or N at once, until stopped (see the README, "Leave it running")');

  loopInputOptions(loop.command('start').description('start a research loop'))
    .option('--id <id>', "the loop's workflow id (default: loop-<time>-<random>); its cycles are <id>-c1, <id>-c2, …")
    .action((opts: LoopStartOptions & { id?: string }) => {
      const valid = validateLoopRequest(loopRequest(opts));
      return withCycles(async ({ client, namespace, address }) => {
        const { handle, input } = await startLoop(client, valid, { ...(opts.id !== undefined && { loopId: opts.id }) });
        const workers = await taskQueuePollers(client, TASK_QUEUE, ['activity']).then(tallyModes, () => undefined);
        console.log(`Research loop started: ${handle.workflowId}`);
        console.log(
          `  Cycles: up to ${input.concurrency} at a time, ${input.maxCycles ? `${input.maxCycles} in all` : 'until stopped'}; each is ${handle.workflowId}-c<N>`,
        );
        console.log(`  Model:  ${designerLine(forecastDesigner(input, workers), input.model)}`);
        console.log(`  Status: ktrdr-agent loop status ${handle.workflowId}`);
        console.log(`  Pause:  ktrdr-agent loop pause ${handle.workflowId}   (resume, stop: the same)`);
        console.log(`  Web UI: ${webUiLink(address, namespace, handle.workflowId)}`);
        await warnIfFewerSlots(client, input.concurrency);
      });
    });

  loop
    .command('status')
    .description('state, cycles done by outcome, spend, running cycles, the best strategies by validation, the hypotheses ledger')
    .argument('[id]', 'loop id (default: the running loop, else the latest)')
    .option('--json', 'print the status as JSON')
    .action((id: string | undefined, opts: { json?: boolean }) =>
      onLoop(id, async (client, loopId) => {
        const view = await describeLoop(client, loopId);
        console.log(opts.json ? JSON.stringify(view, null, 2) : renderLoop(view));
      }),
    );

  updateCommand(loop, 'pause', 'start no new cycle until resumed; running cycles go on', 'Paused');
  updateCommand(loop, 'resume', 'start cycles again after a pause', 'Resumed');
  updateCommand(loop, 'stop', 'start no new cycle; the loop ends once its running cycles have', 'Stopping');

  loop
    .command('set')
    .description('change the brief or the concurrency of the cycles that start from now on')
    .argument('[id]', 'loop id (default: the running loop)')
    .option('--brief <text>', 'the new brief')
    .option('--concurrency <n>', `cycles at once, 1–${MAX_LOOP_CONCURRENCY}`, concurrency)
    .action((id: string | undefined, opts: { brief?: string; concurrency?: number }) => {
      const commands: LoopCommand[] = [
        ...(opts.brief !== undefined ? [{ update: 'setBrief' as const, brief: opts.brief }] : []),
        ...(opts.concurrency !== undefined ? [{ update: 'setConcurrency' as const, concurrency: opts.concurrency }] : []),
      ];
      if (commands.length === 0) throw new UserError('Nothing to set: pass --brief and/or --concurrency.');
      return onLoop(id, async (client, loopId) => {
        let status: LoopStatus | undefined;
        for (const command of commands) status = await updateLoop(client, loopId, command);
        printState('Changed', status!);
        if (opts.concurrency !== undefined) await warnIfFewerSlots(client, opts.concurrency);
      });
    });

  loop
    .command('cancel')
    .description('cancel the loop now: its running cycles are cancelled (their remote work stops), then the loop ends cancelled')
    .argument('[id]', 'loop id (default: the running loop)')
    .action((id: string | undefined) =>
      onLoop(id, async (client, loopId) => {
        await cancelLoop(client, loopId);
        console.log(`Cancellation requested for ${loopId}. \`ktrdr-agent loop status ${loopId}\` shows when it has stopped.`);
      }),
    );
}
