import type { Command } from '@commander-js/extra-typings';
import { withCycles } from '../client';
import { idStamp } from '../domain/ids';
import { timingLabel } from '../domain/schedule';
import { UserError } from '../errors';
import { createSchedule, deleteSchedule, listSchedules, validateSchedule, type ScheduleRow } from '../temporal/scheduleClient';
import { columns, time } from './format';
import { loopInputOptions, loopRequest, type LoopStartOptions } from './loopCommand';
import { duration } from './options';

interface CreateOptions extends LoopStartOptions {
  every?: number;
  cron?: string;
  loop?: boolean;
  cycle?: boolean;
  id?: string;
  strategy?: string;
}

const LOOP_ONLY = [
  ['concurrency', '--concurrency'],
  ['maxCycles', '--max-cycles'],
  ['continueAsNewEvery', '--continue-as-new-every'],
] as const;

/** What `schedule create` starts, and with which input; every misuse of the flags at once. */
function scheduleRequest(opts: CreateOptions) {
  const problems: string[] = [];
  if ((opts.every === undefined) === (opts.cron === undefined)) problems.push('give one of --every (e.g. 6h) and --cron (e.g. "0 */6 * * *")');
  if (opts.loop && opts.cycle) problems.push('--loop and --cycle exclude each other');
  const kind = opts.loop ? 'loop' : 'cycle';
  if (kind === 'cycle') for (const [key, flag] of LOOP_ONLY) if (opts[key] !== undefined) problems.push(`${flag} is for --loop`);
  if (kind === 'loop' && opts.strategy !== undefined) problems.push('--strategy is for --cycle: a loop designs its strategies');
  if (problems.length > 0) throw new UserError(problems.join('; '));
  const input = kind === 'loop' ? loopRequest(opts) : { ...loopRequest(opts), ...(opts.strategy !== undefined && { strategy: opts.strategy }) };
  return validateSchedule({
    scheduleId: opts.id ?? `${kind}-${idStamp(new Date())}`,
    kind,
    timing: opts.every !== undefined ? { every: opts.every } : { cron: opts.cron },
    input,
  });
}

function renderSchedules(rows: ScheduleRow[]): string {
  if (rows.length === 0) return 'No schedules. Create one with `ktrdr-agent schedule create --every 6h` (or --cron, --loop).';
  const header = ['SCHEDULE', 'STARTS', 'WHEN', 'NEXT', 'LAST STARTED', 'INPUT'];
  const lines = rows.map((r) => [
    r.scheduleId,
    `${r.kind}${r.paused ? ' (paused)' : ''}`,
    r.timing,
    r.nextRuns[0] ? time(r.nextRuns[0]) : '-',
    r.recent.at(-1)?.workflowId ?? '-',
    JSON.stringify(r.input ?? {}),
  ]);
  return columns(header, lines);
}

export function scheduleCommands(cli: Command): void {
  const schedule = cli.command('schedule').description('Temporal Schedules that start research cycles or loops periodically');

  loopInputOptions(
    schedule
      .command('create')
      .description('start a cycle (or with --loop, a loop) every interval or on a cron line; a start is skipped while the last one still runs')
      .option('--every <duration>', 'the interval, e.g. 6h, 30m, 1d', duration('--every'))
      .option('--cron <expr>', 'a cron line (UTC), e.g. "0 */6 * * *"')
      .option('--cycle', 'start a research cycle each time (the default)')
      .option('--loop', 'start a research loop each time (give --max-cycles, or each loop runs until stopped and the later starts are skipped)')
      .option('--id <id>', 'the schedule id (default: cycle-<time> or loop-<time>)')
      .option('--strategy <name>', "with --cycle: a person's strategy to train, backtest and assess each time, no design"),
  ).action((opts: CreateOptions) => {
    const request = scheduleRequest(opts);
    return withCycles(async ({ client }) => {
      const row = await createSchedule(client, request);
      console.log(`Schedule created: ${row.scheduleId} starts a research ${row.kind}, ${timingLabel(request.timing)}`);
      if (row.nextRuns[0]) console.log(`  Next:   ${time(row.nextRuns[0])}`);
      if (row.kind === 'loop' && request.input.maxCycles === undefined)
        console.log('  Note:   without --max-cycles each loop runs until stopped, and the starts after it are skipped meanwhile');
      console.log(`  List:   ktrdr-agent schedule list`);
      console.log(`  Delete: ktrdr-agent schedule delete ${row.scheduleId}`);
    });
  });

  schedule
    .command('list')
    .description('the schedules that start research cycles or loops: when, the next start, the last one started, the input')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      withCycles(async ({ client }) => {
        const rows = await listSchedules(client);
        console.log(opts.json ? JSON.stringify(rows, null, 2) : renderSchedules(rows));
      }),
    );

  schedule
    .command('delete')
    .description('delete a schedule; what it started goes on')
    .argument('<id>', 'schedule id')
    .action((id: string) =>
      withCycles(async ({ client }) => {
        await deleteSchedule(client, id);
        console.log(`Deleted schedule ${id}. What it started goes on.`);
      }),
    );
}
