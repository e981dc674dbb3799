import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CycleView } from '../../src/client';
import type { Leaderboard } from '../../src/design/leaderboard';
import type { LoopStatus } from '../../src/domain/loop';
import type { LoopView } from '../../src/temporal/loopClient';
import type { ScheduleRow } from '../../src/temporal/scheduleClient';
import { ktrdrAgentWith, runCommand, type Run } from '../support/cli';
import { FaultStack, sleep } from '../support/faultStack';
import { replayHistory } from '../support/replay';

/**
 * The loop and schedules as a person uses them: the built CLI against the official dev server,
 * `ktrdr-agent services` and `ktrdr-agent worker` as separate processes, with the real offline
 * designer and assessor, training and backtests.
 */
let stack: FaultStack;
beforeAll(async () => {
  stack = await FaultStack.start();
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const cli = (...args: string[]): Promise<Run> => ktrdrAgentWith(stack.env, ...args);

async function ok(...args: string[]): Promise<string> {
  const run = await cli(...args);
  expect(run.code, `${args.join(' ')}:\n${run.stdout}${run.stderr}`).toBe(0);
  return run.stdout;
}

/** `loop status --json` until `done` holds (the test's timeout bounds the wait). */
async function loopStatusUntil(loopId: string, done: (view: LoopView) => boolean): Promise<LoopView> {
  for (;;) {
    const view = JSON.parse(await ok('loop', 'status', loopId, '--json')) as LoopView;
    if (done(view)) return view;
    await sleep(500);
  }
}

describe('ktrdr-agent loop', () => {
  test(
    'loop start --offline --concurrency 2 runs its cycles two at a time to the end, and loop status tells what they found',
    { timeout: 300_000 },
    async () => {
      // a loop's cycles are admitted like any other: two at once need two slots
      expect(await ok('budget', '--set-concurrency', '2')).toContain('at most 2 cycles at a time');
      const start = await cli(
        'loop',
        'start',
        '--offline',
        '--concurrency',
        '2',
        '--max-cycles',
        '5',
        '--brief',
        'momentum on EURUSD hourly',
        '--id',
        'it-loop',
      );
      expect(start.code, start.stderr).toBe(0);
      expect(start.stderr).toBe('');
      const started = start.stdout;
      expect(started).toContain('Research loop started: it-loop');
      expect(started).toContain('up to 2 at a time, 5 in all');
      expect(started).toMatch(/Web UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/it-loop/);

      const most = { running: 0 };
      const view = await loopStatusUntil('it-loop', (v) => {
        most.running = Math.max(most.running, v.status?.running.length ?? 0);
        return v.execution !== 'RUNNING';
      });
      const s = view.status as LoopStatus;
      expect(view.execution).toBe('COMPLETED');
      expect(s).toMatchObject({ state: 'stopped', stopReason: '5 cycles run', concurrency: 2, offline: true, ranWith: ['offline'], spendUsd: 0, running: [] });
      expect(s.cycles.done).toBe(5);
      expect(s.cycles.byOutcome.completed + s.cycles.byOutcome.failed).toBe(5);
      expect(most.running).toBeLessThanOrEqual(2);
      // the best are completed cycles of this loop, best validation Sharpe first
      for (const b of s.best) expect(b.cycleId).toMatch(/^it-loop-c[1-5]$/);
      const sharpes = s.best.map((b) => b.validation.sharpeRatio);
      expect(sharpes).toEqual([...sharpes].sort((a, b) => b - a));
      expect(s.best.length).toBe(Math.min(5, s.cycles.byOutcome.completed));
      for (const h of s.hypotheses) expect(h.proposedBy).toMatch(/^it-loop-c[1-5]$/);

      // its cycles are ordinary cycles: `list` shows them, each with its outcome
      const listed = JSON.parse(await ok('list', '--json', '--limit', '50')) as { workflowId: string; execution: string }[];
      const cycles = listed.filter((r) => r.workflowId.startsWith('it-loop-c'));
      expect(cycles.map((r) => r.workflowId).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `it-loop-c${n}`));
      expect(cycles.filter((r) => r.execution === 'COMPLETED')).toHaveLength(s.cycles.byOutcome.completed);

      const text = await ok('loop', 'status', 'it-loop');
      expect(text).toMatch(/Status\s+COMPLETED · stopped \(5 cycles run\)/);
      expect(text).toMatch(/Cycles\s+5 of 5 done: \d completed, \d failed, 0 cancelled · up to 2 at a time/);
      expect(text).toContain('Spend    $0.0000 (offline cycles cost nothing)');
      expect(text).toContain('Best strategies so far, by their validation backtest (the holdout is never read)');
      expect(text).toContain('Hypotheses');

      // the leaderboard reads what the cycles left on disk: each of them a trial, gate failures included, judged as its cycle was
      const board = JSON.parse(await ok('leaderboard', '--json')) as Leaderboard;
      const trials = [...board.ranked, ...board.stopped].filter((t) => t.cycleId.startsWith('it-loop-c'));
      expect(trials.map((t) => t.cycleId).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `it-loop-c${n}`));
      let withHoldout = 0;
      for (const trial of trials) {
        const view = JSON.parse(await ok('status', trial.cycleId, '--json')) as CycleView & { holdoutLooks?: number };
        if (view.holdoutLooks) withHoldout++;
        const cycle = view.status!;
        // holdout figures come with how often that holdout was looked at: once, by the cycle's own backtest
        expect(view.holdoutLooks).toBe(cycle.backtest?.holdout ? 1 : undefined);
        expect(trial.gates.training?.reason).toBe(cycle.gates.training?.reason);
        expect(trial.gates.backtest?.reason).toBe(cycle.gates.backtest?.reason);
        expect(trial.stopped?.reason).toBe(cycle.failure?.reason);
        expect(trial.validation?.sharpeRatio).toBe(cycle.backtest?.validation.sharpeRatio);
      }
      expect(withHoldout).toBeGreaterThan(0);
      expect(board.ranked.filter((r) => r.cycleId.startsWith('it-loop-c')).map((r) => r.cycleId)).toEqual(
        trials
          .filter((t) => t.validation)
          .sort((a, b) => b.validation!.sharpeRatio - a.validation!.sharpeRatio)
          .map((t) => t.cycleId),
      );

      // the loop's history replays against the code the worker ran
      const history = await (await stack.client()).workflow.getHandle('it-loop').fetchHistory();
      await replayHistory(history, 'it-loop');
    },
  );

  test('pause, resume and stop from the CLI; a second pause after stop is refused in one line', { timeout: 300_000 }, async () => {
    await ok('loop', 'start', '--offline', '--id', 'it-updates');
    await loopStatusUntil('it-updates', (v) => (v.status?.cycles.started ?? 0) >= 1);
    expect(await ok('loop', 'pause', 'it-updates')).toMatch(/^Paused it-updates: paused · \d+ cycles done · [01] running/);
    const paused = await loopStatusUntil('it-updates', (v) => v.status?.running.length === 0);
    await sleep(2000);
    const still = await loopStatusUntil('it-updates', () => true);
    expect(still.status?.cycles.started).toBe(paused.status?.cycles.started);
    const set = await cli('loop', 'set', 'it-updates', '--brief', 'trend on SP500 daily', '--concurrency', '3');
    expect(set.stdout).toContain('Changed it-updates: paused');
    // more than the admission's two slots: said at once
    expect(set.stderr).toBe(
      'warning: the admission lets 2 cycles run at a time, for every way of starting one: this loop runs at most 2 at once. Raise it with `ktrdr-agent budget --set-concurrency 3`.\n',
    );
    expect(await ok('loop', 'resume', 'it-updates')).toContain('Resumed it-updates: running');
    await loopStatusUntil('it-updates', (v) => (v.status?.cycles.started ?? 0) > (paused.status?.cycles.started ?? 0));
    expect(await ok('loop', 'stop')).toMatch(/^Stopping it-updates: stopping \(stop requested\)/);
    const refused = await cli('loop', 'pause', 'it-updates');
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toMatch(
      /^error: (Loop it-updates refused: the loop is stopping \(stop requested\): it starts no more cycles|Loop it-updates is not running \(it is completed\)\.)$/,
    );
    const ended = await loopStatusUntil('it-updates', (v) => v.execution !== 'RUNNING');
    expect(ended.status).toMatchObject({ state: 'stopped', stopReason: 'stop requested', brief: 'trend on SP500 daily', concurrency: 3 });
  });

  test('a loop started as the Web UI form starts one (one JSON object, `temporal workflow start`) runs the same', { timeout: 300_000 }, async () => {
    const start = await runCommand(process.env.TEMPORAL_CLI_PATH!, [
      'workflow',
      'start',
      '--address',
      stack.address,
      '--type',
      'researchLoop',
      '--task-queue',
      'ktrdr-research',
      '--workflow-id',
      'it-form-loop',
      '--input',
      JSON.stringify({ brief: 'volume on NASDAQ daily', offline: true, maxCycles: 1 }),
    ]);
    expect(start.code, start.stderr).toBe(0);
    const view = await loopStatusUntil('it-form-loop', (v) => v.execution !== 'RUNNING');
    expect(view.status).toMatchObject({ state: 'stopped', brief: 'volume on NASDAQ daily', cycles: { done: 1 } });
  });

  test('bad input and unknown ids are one line each, and nothing starts', async () => {
    const bad = await cli('loop', 'start', '--input', '{"concurrency": 0, "strategy": "x"}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: Invalid loop input:\n  - concurrency: Too small: expected number to be >=1\n  - input: Unrecognized key: "strategy"\n');
    const unknown = await cli('loop', 'status', 'no-such-loop');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("error: No research loop with id 'no-such-loop'. `ktrdr-agent loop status` shows the latest.\n");
    const notALoop = await cli('loop', 'pause', 'it-loop-c1');
    expect(notALoop.code).toBe(1);
    expect(notALoop.stderr).toBe('error: it-loop-c1 is a researchCycle workflow, not a research loop.\n');
  });
});

describe('ktrdr-agent schedule', () => {
  test('create (every, cron, a cycle or a loop), list, a start it makes, and delete', { timeout: 300_000 }, async () => {
    expect(await ok('schedule', 'create', '--every', '6h', '--offline', '--brief', 'momentum on EURUSD hourly', '--id', 'it-every')).toContain(
      'Schedule created: it-every starts a research cycle, every 6h',
    );
    expect(await ok('schedule', 'create', '--cron', '30 2 * * 1-5', '--loop', '--max-cycles', '3', '--offline', '--id', 'it-nightly')).toContain(
      'Schedule created: it-nightly starts a research loop, cron "30 2 * * 1-5" (UTC)',
    );
    const rows = JSON.parse(await ok('schedule', 'list', '--json')) as ScheduleRow[];
    expect(rows.map((r) => [r.scheduleId, r.kind, r.timing, r.input, r.paused])).toEqual(
      expect.arrayContaining([
        ['it-every', 'cycle', 'every 6h', { brief: 'momentum on EURUSD hourly', offline: true }, false],
        ['it-nightly', 'loop', 'cron "30 2 * * 1-5" (UTC)', { maxCycles: 3, offline: true }, false],
      ]),
    );
    const nightly = rows.find((r) => r.scheduleId === 'it-nightly')!;
    for (const next of nightly.nextRuns) expect(new Date(next).toISOString()).toMatch(/T02:30:00\.000Z$/);

    // a start the schedule makes (triggered now rather than in six hours) is a cycle like any other
    await (await stack.client()).schedule.getHandle('it-every').trigger();
    const cycle = await (async () => {
      for (;;) {
        const listed = JSON.parse(await ok('list', '--json', '--query', "WorkflowId STARTS_WITH 'research-it-every-'")) as {
          workflowId: string;
          execution: string;
        }[];
        if (listed[0] && listed[0].execution !== 'RUNNING') return listed[0];
        await sleep(500);
      }
    })();
    expect(['COMPLETED', 'FAILED']).toContain(cycle.execution);
    expect(
      (JSON.parse(await ok('schedule', 'list', '--json')) as ScheduleRow[]).find((r) => r.scheduleId === 'it-every')?.recent.map((r) => r.workflowId),
    ).toEqual([cycle.workflowId]);

    expect(await ok('schedule', 'list')).toMatch(/^SCHEDULE\s+STARTS\s+WHEN\s+NEXT\s+LAST STARTED\s+INPUT\n/);
    expect(await ok('schedule', 'delete', 'it-every')).toBe('Deleted schedule it-every. What it started goes on.\n');
    expect((JSON.parse(await ok('schedule', 'list', '--json')) as ScheduleRow[]).map((r) => r.scheduleId)).toEqual(['it-nightly']);
    await ok('schedule', 'delete', 'it-nightly');
  });

  test('refuses what it cannot do, in one line, creating nothing', async () => {
    const cases: [string[], string | RegExp][] = [
      [['schedule', 'create', '--offline'], 'error: give one of --every (e.g. 6h) and --cron (e.g. "0 */6 * * *")\n'],
      [['schedule', 'create', '--every', '30s'], 'error: Invalid schedule:\n  - every: at least 1 minute apart\n'],
      [['schedule', 'create', '--every', '1h', '--concurrency', '2'], 'error: --concurrency is for --loop\n'],
      [['schedule', 'create', '--cron', '0 99 * * *', '--id', 'x'], 'error: The Temporal service refused the schedule: Hour is not in range [0-23]\n'],
      [['schedule', 'create', '--every', '1h', '--model', 'gpt'], /^error: Invalid schedule:\n {2}- model: unknown model 'gpt'.*\n$/],
      [['schedule', 'delete', 'nope'], "error: No schedule with id 'nope'. `ktrdr-agent schedule list` shows them.\n"],
    ];
    for (const [args, stderr] of cases) {
      const run = await cli(...args);
      expect(run.code, args.join(' ')).toBe(1);
      if (typeof stderr === 'string') expect(run.stderr, args.join(' ')).toBe(stderr);
      else expect(run.stderr, args.join(' ')).toMatch(stderr);
    }
    expect(JSON.parse(await ok('schedule', 'list', '--json'))).toEqual([]);
  });
});
