import { afterAll, beforeAll, expect, test } from 'vitest';
import type { BudgetSnapshot } from '../../src/domain/admission';
import { BEST_KEPT, type LoopStatus } from '../../src/domain/loop';
import type { LoopView } from '../../src/temporal/loopClient';
import { ktrdrAgentWith } from '../support/cli';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fakeAnthropic';
import { stackForTest } from '../support/faultChecks';
import { sleep, type FaultStack } from '../support/faultStack';
import { scriptedClaude } from '../support/scriptedClaude';
import { replayHistory } from '../support/replay';

/**
 * The Temporal server stopped (SIGTERM) or killed (SIGKILL) while a research loop runs Claude
 * cycles (the fake Messages API) two at a time, and restarted on the same SQLite file: the loop
 * goes on where it was — its counters, its best strategies and its hypotheses ledger whole — and
 * so does the admission — the limit and slots set with `budget --set-…`, today's spend and
 * its events, the cycles holding slots — and the loop runs its cycles to the end, none lost and
 * none run or charged twice.
 */
const CYCLES = 8;
const LIMIT_USD = 3;

let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic({ script: scriptedClaude });
});
afterAll(async () => {
  await fake?.close();
});

async function loopView(stack: FaultStack, loopId: string): Promise<LoopView | undefined> {
  const run = await ktrdrAgentWith(stack.env, 'loop', 'status', loopId, '--json');
  return run.code === 0 ? (JSON.parse(run.stdout) as LoopView) : undefined;
}

async function until(stack: FaultStack, loopId: string, done: (view: LoopView) => boolean, ms = 300_000): Promise<LoopView> {
  for (const deadline = Date.now() + ms; ; await sleep(500)) {
    const view = await loopView(stack, loopId);
    if (view && done(view)) return view;
    if (Date.now() > deadline) throw new Error(`loop ${loopId} did not get there within ${ms / 1000} s; last seen: ${JSON.stringify(view?.status?.cycles)}`);
  }
}

/** The loop's status and the admission's budget, read one after the other (the server may still be coming back). */
async function snapshot(stack: FaultStack, loopId: string): Promise<{ loop: LoopStatus; budget: BudgetSnapshot }> {
  for (const deadline = Date.now() + 60_000; ; await sleep(500)) {
    const view = await loopView(stack, loopId);
    const budget = await stack.budget().catch(() => undefined);
    if (view?.status && budget) return { loop: view.status, budget };
    if (Date.now() > deadline)
      throw new Error(`no answer within a minute: loop ${view?.execution ?? 'not found'}, admission ${budget ? 'answers' : 'not running'}`);
  }
}

/** What the loop knew, it still knows: the same loop, counters no lower, every hypothesis of the ledger, the best kept unless outranked. */
function expectLoopWhole(before: LoopStatus, after: LoopStatus): void {
  expect([after.startedAt, after.run, after.concurrency]).toEqual([before.startedAt, before.run, before.concurrency]);
  expect(after.cycles.started).toBeGreaterThanOrEqual(before.cycles.started);
  for (const [outcome, n] of Object.entries(before.cycles.byOutcome))
    expect(after.cycles.byOutcome[outcome as keyof LoopStatus['cycles']['byOutcome']]).toBeGreaterThanOrEqual(n);
  expect(after.spendUsd).toBeGreaterThanOrEqual(before.spendUsd);
  for (const h of before.hypotheses) expect(after.hypotheses.map((x) => [x.id, x.text, x.proposedBy])).toContainEqual([h.id, h.text, h.proposedBy]);
  for (const b of before.best) {
    const kept = after.best.some((x) => x.strategy === b.strategy);
    const outranked = after.best.length === BEST_KEPT && after.best.every((x) => x.validation.sharpeRatio >= b.validation.sharpeRatio);
    expect(kept || outranked, `${b.strategy} fell out of the best`).toBe(true);
  }
}

/** What the admission knew, it still knows: the same day and settings, every spend event in order, each cycle that held a slot still holding it or ended. */
async function expectBudgetWhole(stack: FaultStack, before: BudgetSnapshot, after: BudgetSnapshot): Promise<void> {
  expect(after.date, 'the test crossed 00:00 UTC: run it again').toBe(before.date);
  expect([after.limitUsd, after.maxConcurrentCycles]).toEqual([before.limitUsd, before.maxConcurrentCycles]);
  expect(after.events.slice(0, before.events.length)).toEqual(before.events);
  expect(after.spentUsd).toBeCloseTo(
    after.events.reduce((sum, e) => sum + e.costUsd, 0),
    10,
  );
  const client = await stack.client();
  for (const { cycleId } of before.activeCycles) {
    if (after.activeCycles.some((c) => c.cycleId === cycleId)) continue;
    expect((await client.workflow.getHandle(cycleId).describe()).status.name, `${cycleId} lost its slot while it ran`).not.toBe('RUNNING');
  }
}

test.each(['SIGTERM', 'SIGKILL'] as const)(
  'a loop of Claude cycles and the admission survive the Temporal server %s-ed and restarted mid-run, whole',
  { timeout: 400_000 },
  async (signal) => {
    const stack = await stackForTest({ workerEnv: { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url } });
    const set = await ktrdrAgentWith(stack.env, 'budget', '--set-limit', String(LIMIT_USD), '--set-concurrency', '2');
    expect(set.code, set.stderr).toBe(0);
    const loopId = `fault-loop-${signal.toLowerCase()}`;
    const start = await ktrdrAgentWith(
      stack.env,
      'loop',
      'start',
      '--model',
      'haiku',
      // every cycle assessed, so that each proposes a hypothesis for the ledger
      '--bypass-gates',
      '--concurrency',
      '2',
      '--max-cycles',
      String(CYCLES),
      '--brief',
      'EURUSD hourly',
      '--id',
      loopId,
    );
    expect(start.code, start.stderr).toBe(0);

    await until(stack, loopId, (v) => (v.status?.cycles.done ?? 0) >= 3 && (v.status?.running.length ?? 0) > 0 && (v.status?.hypotheses.length ?? 0) > 0);
    const before = await snapshot(stack, loopId);
    expect(before.budget).toMatchObject({ limitUsd: LIMIT_USD, maxConcurrentCycles: 2 });
    expect(before.budget.events.length).toBeGreaterThan(0);
    await stack.stopServer(signal);
    await sleep(5000);
    await stack.startServer();

    const back = await snapshot(stack, loopId);
    expectLoopWhole(before.loop, back.loop);
    await expectBudgetWhole(stack, before.budget, back.budget);

    const after = await until(stack, loopId, (v) => v.execution !== 'RUNNING');
    const s = after.status as LoopStatus;
    expect(after.execution).toBe('COMPLETED');
    // two slots for two at a time: none refused, each cycle started once
    expect(s.cycles).toEqual({ started: CYCLES, done: CYCLES, byOutcome: { completed: CYCLES, failed: 0, cancelled: 0, refused: 0 } });
    expectLoopWhole(before.loop, s);
    const end = await stack.budget();
    await expectBudgetWhole(stack, before.budget, end);
    expect(end).toMatchObject({ activeCycles: [], reservedUsd: 0 });
    // each cycle designed and assessed, each phase charged once: what the loop counted is what the admission recorded
    const ids = Array.from({ length: CYCLES }, (_, i) => `${loopId}-c${i + 1}`);
    expect(end.events.map((e) => `${e.cycleId} ${e.phase}`).sort()).toEqual(ids.flatMap((id) => [`${id} assessing`, `${id} designing`]).sort());
    expect(end.spentUsd).toBeCloseTo(s.spendUsd, 10);

    // each of its cycles ran once, to an end; the loop's history replays
    const client = await stack.client();
    for (const id of ids) expect((await client.workflow.getHandle(id).describe()).status.name).toBe('COMPLETED');
    const history = await client.workflow.getHandle(loopId).fetchHistory();
    await replayHistory(history, loopId);
  },
);
