import { describe, expect, test } from 'vitest';
import { readCycleEnd, type CycleEnd } from '../../src/domain/cycleEnd';
import { GateThresholdsSchema } from '../../src/domain/gates';
import {
  BEST_KEPT,
  budgetWaitUntil,
  capAfterBusyRefusal,
  capAfterOwnEnd,
  composeBrief,
  continuedInput,
  initialState,
  LOOP_BRIEF_MAX,
  loopDetailsMarkdown,
  loopStatus,
  FIRST_TRY_AFTER,
  MAX_FAILURES_IN_A_ROW,
  MAX_TRY_AFTER,
  MIN_BUDGET_WAIT_MS,
  nextCycle,
  parseLoopInput,
  rankBest,
  recordEnd,
  startLimit,
  type LoopInput,
  type SlotCap,
} from '../../src/domain/loop';
import { goodBacktest } from '../support/fakeActivities';

function accepted(raw: unknown): LoopInput {
  const parsed = parseLoopInput(raw);
  if (!parsed.ok) throw new Error(`expected the input to be accepted, got: ${parsed.problems.join('; ')}`);
  return parsed.input;
}

function problems(raw: unknown): string[] {
  const parsed = parseLoopInput(raw);
  if (parsed.ok) throw new Error(`expected the input to be rejected, got ${JSON.stringify(parsed.input)}`);
  return parsed.problems;
}

const NOW = '2026-12-07T10:00:00.000Z';
const completed = (over: Partial<CycleEnd> = {}): CycleEnd => ({
  outcome: 'completed',
  strategy: 's',
  verdict: 'mediocre',
  usage: { costUsd: 0.01 },
  backtest: { validation: goodBacktest },
  ...over,
});

describe('parseLoopInput', () => {
  test.each([
    ['an empty object', {}],
    ['no argument at all', undefined],
  ])('%s runs one cycle at a time, until stopped, continuing as new every 50, with the cycle defaults', (_, raw) => {
    expect(accepted(raw)).toEqual({
      concurrency: 1,
      continueAsNewEvery: 50,
      model: 'claude-sonnet-5-5',
      offline: false,
      bypassGates: false,
      gates: GateThresholdsSchema.parse({}),
    });
  });

  test('the Web UI form input of the README is accepted', () => {
    expect(accepted({ brief: 'momentum on EURUSD hourly', concurrency: 2, offline: true, maxCycles: 20 })).toMatchObject({
      brief: 'momentum on EURUSD hourly',
      concurrency: 2,
      offline: true,
      maxCycles: 20,
    });
  });

  test('every problem is told at once, with its field', () => {
    const found = problems({
      concurrency: 17,
      maxCycles: 0,
      model: 'gpt-4',
      brief: 'x'.repeat(LOOP_BRIEF_MAX + 1),
      strategy: 'rsi',
      gates: { training: { minAccuracy: 2 } },
    });
    expect(found).toEqual([
      expect.stringMatching(/^brief: Too big/),
      expect.stringMatching(/^concurrency: Too big: expected number to be <=16/),
      expect.stringMatching(/^maxCycles: Too small/),
      expect.stringMatching(/^model: unknown model 'gpt-4'/),
      expect.stringMatching(/^gates\.training\.minAccuracy: Too big/),
      expect.stringMatching(/^input: Unrecognized key: "strategy"/),
    ]);
  });
});

describe('the next cycle', () => {
  test('is <loop id>-c<N>, carries the loop brief and the cycle input, and takes the oldest untested hypothesis', () => {
    const input = accepted({ brief: 'EURUSD hourly', model: 'haiku', offline: true, symbol: 'EURUSD', gates: { backtest: { minTrades: 10 } } });
    const state = initialState(input, NOW);
    state.hypotheses = [
      { id: 'h1', text: 'RSI with a volume indicator beats chance', status: 'supported', proposedBy: 'l-c1', testedBy: ['l-c2'] },
      { id: 'h2', text: 'ADX adds to RSI', status: 'untested', proposedBy: 'l-c1', testedBy: [] },
      { id: 'h3', text: 'Daily bars beat hourly', status: 'untested', proposedBy: 'l-c2', testedBy: [] },
    ];
    const next = nextCycle(state, input, 'l');
    expect(next.cycleId).toBe('l-c1');
    expect(next.hypothesis?.id).toBe('h2');
    expect(next.request).toEqual({
      brief: "Design a strategy that tests hypothesis h2, proposed by an earlier assessment: ADX adds to RSI\n\nWithin the loop's brief: EURUSD hourly",
      symbol: 'EURUSD',
      model: 'claude-haiku-5-5',
      offline: true,
      bypassGates: false,
      gates: input.gates,
    });
    expect(state.hypotheses.map((h) => [h.id, h.status, h.testedBy])).toEqual([
      ['h1', 'supported', ['l-c2']],
      ['h2', 'testing', ['l-c1']],
      ['h3', 'untested', []],
    ]);
    expect(nextCycle(state, input, 'l')).toMatchObject({ cycleId: 'l-c2', hypothesis: { id: 'h3' } });
    // nothing left to test: the loop's brief alone
    expect(nextCycle(state, input, 'l')).toMatchObject({ cycleId: 'l-c3', hypothesis: undefined, request: { brief: 'EURUSD hourly' } });
  });

  test('without a loop brief, the hypothesis is the brief; without either, the designer chooses', () => {
    expect(composeBrief(undefined, { id: 'h4', text: 'ADX adds to RSI' })).toBe(
      'Design a strategy that tests hypothesis h4, proposed by an earlier assessment: ADX adds to RSI',
    );
    expect(composeBrief(undefined, undefined)).toBeUndefined();
  });
});

describe('reading a cycle that ended', () => {
  test('keeps what the loop needs and drops the rest, the holdout among it', () => {
    const end = readCycleEnd({
      cycleId: 'l-c1',
      phase: 'completed',
      outcome: 'completed',
      model: 'offline',
      strategy: 'rsi_x',
      verdict: 'promising',
      usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.02 },
      backtest: { operationId: 'op', validation: goodBacktest, holdout: { ...goodBacktest, sharpeRatio: 9 } },
      assessment: { verdict: 'promising', assessmentPath: 'a.json', offline: true, usage: {}, hypotheses: ['x'] },
    });
    expect(end).toEqual({
      outcome: 'completed',
      model: 'offline',
      strategy: 'rsi_x',
      verdict: 'promising',
      usage: { costUsd: 0.02 },
      backtest: { validation: goodBacktest },
      assessment: { hypotheses: ['x'] },
    });
  });

  test('reads a refusal as the admission workflow gives it, reset time included', () => {
    const refusal = { admitted: false, reason: 'budget_exhausted', message: 'spent', spentUsd: 5.1, limitUsd: 5, resetsAt: '2026-12-08T00:00:00.000Z' };
    expect(readCycleEnd({ cycleId: 'l-c1', phase: 'refused', outcome: 'refused', refusal })).toEqual({ outcome: 'refused', refusal });
  });

  test('a status that does not read is a failed cycle that says why', () => {
    const end = readCycleEnd({ outcome: 'exploded' });
    expect([end.outcome, end.failure?.kind]).toEqual(['failed', 'unreadable']);
    expect(end.failure?.reason).toMatch(/^its status could not be read: outcome: /);
  });
});

describe('the best strategies', () => {
  const end = (strategy: string, sharpeRatio: number, totalReturn = 0.05, over: Partial<CycleEnd> = {}) =>
    completed({ strategy, backtest: { validation: { ...goodBacktest, sharpeRatio, totalReturn } }, ...over });

  test('are ranked by validation Sharpe, then validation return, one entry a strategy, the best few kept', () => {
    let best = rankBest([], 'c1', end('a', 0.5));
    best = rankBest(best, 'c2', end('b', 1.5));
    best = rankBest(best, 'c3', end('c', 1.5, 0.09));
    best = rankBest(best, 'c4', end('a', 0.7));
    expect(best.map((b) => [b.strategy, b.cycleId])).toEqual([
      ['c', 'c3'],
      ['b', 'c2'],
      ['a', 'c4'],
    ]);
    for (let i = 0; i < 10; i++) best = rankBest(best, `d${i}`, end(`d${i}`, 2 + i));
    expect(best).toHaveLength(BEST_KEPT);
    expect(best[0].strategy).toBe('d9');
  });

  test('leave out cycles that did not complete', () => {
    expect(rankBest([], 'c1', end('a', 3, 0.1, { outcome: 'failed', failure: { kind: 'gate', reason: 'x' } }))).toEqual([]);
  });
});

describe('budget refusals', () => {
  const refusal = (resetsAt: string) => ({
    admitted: false as const,
    reason: 'budget_exhausted' as const,
    message: 'spent',
    spentUsd: 5,
    limitUsd: 5,
    resetsAt,
  });
  const now = Date.parse(NOW);

  test('wait until the reset the refusal names', () => {
    expect(budgetWaitUntil(refusal('2026-12-08T00:00:00.000Z'), now)).toBe('2026-12-08T00:00:00.000Z');
  });

  test('a reset already past: a minute at least', () => {
    expect(budgetWaitUntil(refusal('2026-12-07T09:00:00.000Z'), now)).toBe(new Date(now + MIN_BUDGET_WAIT_MS).toISOString());
  });
});

describe('slots learnt from refusals', () => {
  /**
   * A loop of `concurrency` on an admission of `slots` slots that nobody else uses, its cycles
   * ending one at a time: how many of its cycles are refused while `completed` run to an end. As
   * in the workflow, it starts as many as it may at once, and each refused one ends while the
   * others it started with still count as its own.
   */
  function refusedWhile(concurrency: number, slots: number, completed: number): number {
    let cap: SlotCap | undefined;
    let running = 0;
    let refused = 0;
    for (let done = 0; done < completed; done += 1) {
      const starting = Math.min(concurrency, cap?.cap ?? concurrency) - running;
      const turnedAway = Math.max(0, running + starting - slots);
      running += starting;
      for (let i = 0; i < turnedAway; i++) {
        running -= 1;
        refused += 1;
        cap = capAfterBusyRefusal(cap, running);
      }
      running -= 1;
      if (cap) cap = capAfterOwnEnd(cap, concurrency);
    }
    return refused;
  }

  test('a refusal while k of its own cycles run: no more than k at once', () => {
    expect(capAfterBusyRefusal(undefined, 3)).toEqual({ cap: 3, tryAfter: FIRST_TRY_AFTER, endedSince: 0, trying: false });
    // nothing of its own runs (other cycles hold every slot): one at a time, once the backoff is over
    expect(capAfterBusyRefusal(undefined, 0).cap).toBe(1);
  });

  test(`after ${FIRST_TRY_AFTER} of its own cycles ended at the cap, it tries one more; a try refused waits twice as long for the next, up to ${MAX_TRY_AFTER}`, () => {
    let cap = capAfterBusyRefusal(undefined, 1);
    cap = capAfterOwnEnd(cap, 2);
    expect(cap).toMatchObject({ cap: 1, endedSince: 1 });
    cap = capAfterOwnEnd(cap, 2);
    expect(cap).toEqual({ cap: 2, tryAfter: FIRST_TRY_AFTER, endedSince: 0, trying: true });
    cap = capAfterBusyRefusal(cap, 1);
    expect(cap).toEqual({ cap: 1, tryAfter: 2 * FIRST_TRY_AFTER, endedSince: 0, trying: false });
    for (let i = 0; i < 10; i++) cap = capAfterBusyRefusal(capAfterOwnEnd({ ...cap, endedSince: cap.tryAfter - 1 }, 2), 1);
    expect(cap.tryAfter).toBe(MAX_TRY_AFTER);
  });

  test('refusals of cycles started together lower the cap without making the next try later', () => {
    let cap = capAfterBusyRefusal(undefined, 3);
    cap = capAfterBusyRefusal(cap, 2);
    cap = capAfterBusyRefusal(cap, 1);
    expect(cap).toEqual({ cap: 1, tryAfter: FIRST_TRY_AFTER, endedSince: 0, trying: false });
  });

  test('the cap never goes above the concurrency, and a loop that has no cap starts as many as its concurrency', () => {
    const state = initialState(accepted({ concurrency: 3 }), NOW);
    expect(startLimit(state)).toBe(3);
    state.slotCap = capAfterBusyRefusal(undefined, 1);
    expect(startLimit(state)).toBe(1);
    let cap = { ...state.slotCap, cap: 3 };
    for (let i = 0; i < 2 * MAX_TRY_AFTER; i++) cap = capAfterOwnEnd(cap, 3);
    expect(cap.cap).toBe(3);
  });

  test.each([
    [2, 1, 5, 2],
    [2, 1, 50, 6],
    [4, 2, 50, 7],
    [4, 1, 50, 8],
  ])('concurrency %i on %i slots: %i cycles run with %i refused', (concurrency, slots, completed, refused) => {
    expect(refusedWhile(concurrency, slots, completed)).toBe(refused);
  });

  test('the cap is shown while it is below the concurrency', () => {
    const input = accepted({ concurrency: 2 });
    const state = initialState(input, NOW);
    expect(loopStatus(state, input, 'l', [], false).cappedAt).toBeUndefined();
    state.slotCap = capAfterBusyRefusal(undefined, 1);
    expect(loopStatus(state, input, 'l', [], false).cappedAt).toBe(1);
    expect(loopDetailsMarkdown(loopStatus(state, input, 'l', [], false))).toContain(
      '· concurrency 2 (1 for now: the admission refused more, active_cycle_exists)',
    );
  });
});

describe('counting a cycle that ended', () => {
  test('tallies outcomes and spend, and keeps the last refusal', () => {
    const state = initialState(accepted({}), NOW);
    recordEnd(state, 'l-c1', undefined, completed({ model: 'offline' }), NOW);
    recordEnd(
      state,
      'l-c2',
      undefined,
      { outcome: 'failed', model: 'claude-haiku-5-5', failure: { kind: 'gate', reason: 'g' }, usage: { costUsd: 0.005 } },
      NOW,
    );
    recordEnd(
      state,
      'l-c3',
      undefined,
      { outcome: 'refused', refusal: { admitted: false, reason: 'active_cycle_exists', message: 'busy', activeCycles: ['x'] } },
      NOW,
    );
    recordEnd(state, 'l-c4', undefined, { outcome: 'cancelled' }, NOW);
    expect(state.byOutcome).toEqual({ completed: 1, failed: 1, cancelled: 1, refused: 1 });
    expect(state.spendUsd).toBeCloseTo(0.015, 10);
    expect(state.lastRefusal).toEqual({ cycleId: 'l-c3', reason: 'active_cycle_exists', message: 'busy', at: NOW });
    // who designed, as the cycles said (a worker without a key runs a cycle that asked for Claude offline)
    expect(state.ranWith).toEqual(['offline', 'claude-haiku-5-5']);
  });

  test(`pauses the loop after ${MAX_FAILURES_IN_A_ROW} cycles in a row failed outside a gate, and says why`, () => {
    const state = initialState(accepted({}), NOW);
    const broken: CycleEnd = { outcome: 'failed', failure: { kind: 'activity', phase: 'designing', reason: 'Design failed: No market data for XAUUSD' } };
    for (let i = 1; i < MAX_FAILURES_IN_A_ROW; i++) recordEnd(state, `l-c${i}`, undefined, broken, NOW);
    // cancelled and refused cycles say nothing of whether cycles work
    recordEnd(state, 'l-cx', undefined, { outcome: 'cancelled' }, NOW);
    expect(state.paused).toBe(false);
    recordEnd(state, `l-c${MAX_FAILURES_IN_A_ROW}`, undefined, broken, NOW);
    expect(state.paused).toBe(true);
    expect(state.pausedBecause).toBe(`5 cycles in a row failed outside a gate, the last (l-c5) with: Design failed: No market data for XAUUSD`);
    expect(loopStatus(state, accepted({}), 'l', [], false)).toMatchObject({ state: 'paused', pausedBecause: state.pausedBecause });
  });

  test.each<[string, CycleEnd]>([
    ['a completed cycle', completed()],
    ['a cycle that failed a gate (it ran: research, not breakage)', { outcome: 'failed', failure: { kind: 'gate', reason: 'g' } }],
  ])('%s resets the count', (_, end) => {
    const state = initialState(accepted({}), NOW);
    for (let i = 1; i < MAX_FAILURES_IN_A_ROW; i++)
      recordEnd(state, `l-c${i}`, undefined, { outcome: 'failed', failure: { kind: 'activity', reason: 'x' } }, NOW);
    recordEnd(state, 'l-ok', undefined, end, NOW);
    recordEnd(state, 'l-c9', undefined, { outcome: 'failed', failure: { kind: 'activity', reason: 'x' } }, NOW);
    expect(state).toMatchObject({ paused: false, failuresInARow: 1 });
  });

  test('proposals of the assessment join the ledger; the tested hypothesis is decided', () => {
    const state = initialState(accepted({}), NOW);
    recordEnd(state, 'l-c1', undefined, completed({ assessment: { hypotheses: ['ADX adds to RSI', 'Daily bars beat hourly'] } }), NOW);
    const next = nextCycle(state, accepted({}), 'l');
    recordEnd(state, next.cycleId, next.hypothesis?.id, completed({ verdict: 'promising' }), NOW);
    expect(state.hypotheses.map((h) => [h.id, h.status])).toEqual([
      ['h1', 'supported'],
      ['h2', 'untested'],
    ]);
    expect(state.nextHypothesis).toBe(3);
  });
});

describe('continue-as-new', () => {
  test("the next run's input is the caller's, with the brief and concurrency as updated and the state carried, and it parses again", () => {
    const input = accepted({ brief: 'old', maxCycles: 100, offline: true });
    const state = initialState(input, NOW);
    recordEnd(state, 'l-c1', undefined, completed({ assessment: { hypotheses: ['ADX adds to RSI'] } }), NOW);
    state.brief = 'new';
    state.concurrency = 3;
    state.paused = true;
    const next = continuedInput({ brief: 'old', maxCycles: 100, offline: true }, state);
    const parsed = accepted(next);
    expect(parsed).toMatchObject({ brief: 'new', concurrency: 3, maxCycles: 100, offline: true });
    expect(parsed.carried).toMatchObject({
      run: 2,
      startedAt: NOW,
      paused: true,
      byOutcome: { completed: 1 },
      hypotheses: [{ id: 'h1', status: 'untested' }],
      nextHypothesis: 2,
    });
    const resumed = initialState(parsed, '2026-12-09T00:00:00.000Z');
    expect(loopStatus(resumed, parsed, 'l', [], false)).toMatchObject({ run: 2, startedAt: NOW, state: 'paused', brief: 'new', cycles: { done: 1 } });
  });
});

describe('the Web UI details', () => {
  test('say the state, the counts and spend, what runs, the best by validation and the ledger', () => {
    const input = accepted({ brief: 'EURUSD' });
    const state = initialState(input, NOW);
    recordEnd(state, 'l-c1', undefined, completed({ strategy: 'rsi_x', verdict: 'promising', assessment: { hypotheses: ['ADX adds to RSI'] } }), NOW);
    state.waitingUntil = '2026-12-08T00:00:00.000Z';
    const markdown = loopDetailsMarkdown(loopStatus(state, input, 'l', [{ cycleId: 'l-c2', hypothesis: 'h1', startedAt: NOW }], false));
    expect(markdown.split('\n')).toEqual([
      '**waiting for the budget until 2026-12-08T00:00:00.000Z** · 1 cycles done (1 completed, 0 failed, 0 cancelled; 0 refused) · spend $0.0100 · concurrency 1',
      '**Brief**: EURUSD',
      '**Running**: l-c2 (testing h1)',
      '',
      '| best by validation | Sharpe | return | drawdown | trades | verdict |',
      '|---|---|---|---|---|---|',
      '| rsi_x | 1.10 | +8.0% | 12.0% | 40 | promising |',
      '',
      '**Hypotheses**',
      '- h1 *untested*: ADX adds to RSI',
    ]);
  });
});
