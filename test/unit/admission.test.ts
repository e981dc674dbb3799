import { describe, expect, test } from 'vitest';
import {
  admissionSettingsFromEnv,
  admit,
  budgetSnapshot,
  configure,
  cycleEstimateUsd,
  DEFAULT_CYCLE_ESTIMATE_USD,
  endedHolders,
  initialAdmissionState,
  MAX_EVENTS,
  nextResetMs,
  NOT_STARTED_GRACE_MS,
  phaseEstimateUsd,
  release,
  remainingUsd,
  reserve,
  rollOver,
  settle,
  type AdmissionState,
} from '../../src/domain/admission';

const at = (iso: string) => Date.parse(iso);
const NOON = at('2026-12-07T12:00:00Z');
const fresh = (dailyBudgetUsd = 5, maxConcurrentCycles = 1) => initialAdmissionState({ dailyBudgetUsd, maxConcurrentCycles }, NOON);

/** A state after `cycleId` was admitted and its design settled at `costUsd`. */
function spent(state: AdmissionState, cycleId: string, costUsd: number, now = NOON): AdmissionState {
  const admitted = admit(state, { cycleId, offline: false, estimateUsd: 0 }, now).state;
  return settle(admitted, { cycleId, reservationId: `${cycleId}/designing`, costUsd, model: 'claude-sonnet-5-5', phase: 'designing' }, now);
}

describe('settings', () => {
  test('default to $5 a day and one cycle at a time, and come from the environment', () => {
    expect(admissionSettingsFromEnv({})).toEqual({ ok: true, settings: { dailyBudgetUsd: 5, maxConcurrentCycles: 1 } });
    expect(admissionSettingsFromEnv({ KTRDR_DAILY_BUDGET_USD: '0.5', KTRDR_MAX_CONCURRENT_CYCLES: '3' })).toEqual({
      ok: true,
      settings: { dailyBudgetUsd: 0.5, maxConcurrentCycles: 3 },
    });
  });

  test.each([
    [{ KTRDR_DAILY_BUDGET_USD: 'five' }, 'KTRDR_DAILY_BUDGET_USD=five is not a number of US dollars, 0 or more.'],
    [{ KTRDR_DAILY_BUDGET_USD: '-1' }, 'KTRDR_DAILY_BUDGET_USD=-1 is not a number of US dollars, 0 or more.'],
    [{ KTRDR_MAX_CONCURRENT_CYCLES: '1.5' }, 'KTRDR_MAX_CONCURRENT_CYCLES=1.5 is not a whole number of cycles, 1 or more.'],
    [{ KTRDR_MAX_CONCURRENT_CYCLES: '0' }, 'KTRDR_MAX_CONCURRENT_CYCLES=0 is not a whole number of cycles, 1 or more.'],
  ])('%o is refused in one line', (env, problem) => {
    expect(admissionSettingsFromEnv(env)).toEqual({ ok: false, problem });
  });
});

describe('the day', () => {
  test('resets at 00:00 UTC: the next reset is the coming midnight, even one millisecond before it', () => {
    expect(new Date(nextResetMs(at('2026-12-07T23:59:59.999Z'))).toISOString()).toBe('2026-12-08T00:00:00.000Z');
    expect(new Date(nextResetMs(at('2026-12-08T00:00:00.000Z'))).toISOString()).toBe('2026-12-09T00:00:00.000Z');
    expect(new Date(nextResetMs(at('2026-12-31T18:00:00Z'))).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  test('a new day starts with nothing spent and no events; the reservations of running cycles carry over', () => {
    let state = spent(fresh(), 'c1', 1.25);
    state = reserve(state, { cycleId: 'c1', phase: 'assessing', estimateUsd: 0.03 }, NOON).state;
    expect(rollOver(state, at('2026-12-07T23:59:59Z'))).toBe(state);
    const tomorrow = rollOver(state, at('2026-12-08T00:00:00Z'));
    expect(tomorrow).toMatchObject({ day: '2026-12-08', spentUsd: 0, events: [] });
    expect(tomorrow.reservations.map((r) => r.reservationId)).toEqual(['c1/assessing']);
    expect(tomorrow.active.map((h) => h.cycleId)).toEqual(['c1']);
  });
});

describe('admit', () => {
  test('admits up to the limit of cycles at once, then refuses naming the running ones and how to cancel', () => {
    const one = admit(fresh(5, 2), { cycleId: 'c1', offline: false }, NOON);
    const two = admit(one.state, { cycleId: 'c2', offline: true }, NOON);
    const three = admit(two.state, { cycleId: 'c3', offline: false }, NOON);
    expect([one.result, two.result]).toEqual([{ admitted: true }, { admitted: true }]);
    expect(three.result).toEqual({
      admitted: false,
      reason: 'active_cycle_exists',
      activeCycles: ['c1', 'c2'],
      message:
        '2 cycles already running (c1, c2), at most 2 at a time: wait for one to end, or cancel it with `ktrdr-agent cancel c1` (`ktrdr-agent budget --set-concurrency N` allows more).',
    });
    expect(three.state).toBe(two.state);
  });

  test('is idempotent per cycle id: a cycle admitted by the CLI admits itself again', () => {
    const first = admit(fresh(), { cycleId: 'c1', offline: false }, NOON);
    const again = admit(first.state, { cycleId: 'c1', offline: false }, NOON + 1000);
    expect(again.result).toEqual({ admitted: true });
    expect(again.state.active).toHaveLength(1);
  });

  test('refuses a Claude cycle the remaining budget cannot pay for, with the spend, the limit and the reset', () => {
    const state = spent(fresh(0.2), 'c0', 0.15);
    const released = release(state, 'c0');
    const { result } = admit(released, { cycleId: 'c1', offline: false, estimateUsd: 0.12 }, NOON);
    expect(result).toMatchObject({ admitted: false, reason: 'budget_exhausted', spentUsd: 0.15, limitUsd: 0.2, resetsAt: '2026-12-08T00:00:00.000Z' });
    expect(result.admitted || result.message).toContain('$0.1500 of $0.2000 spent today (UTC)');
    expect(result.admitted || result.message).toContain('a Claude cycle needs about $0.1200');
  });

  test('checks the budget before the slots, as KTRDR does (spec §1.10)', () => {
    const state = spent(fresh(0.1), 'c0', 0.1);
    expect(admit(state, { cycleId: 'c1', offline: false }, NOON).result).toMatchObject({ reason: 'budget_exhausted' });
  });

  test('never refuses an offline cycle for budget; it still takes a slot', () => {
    const exhausted = release(spent(fresh(0.1), 'c0', 0.1), 'c0');
    const offline = admit(exhausted, { cycleId: 'c1', offline: true }, NOON);
    expect(offline.result).toEqual({ admitted: true });
    expect(admit(offline.state, { cycleId: 'c2', offline: true }, NOON).result).toMatchObject({ reason: 'active_cycle_exists', activeCycles: ['c1'] });
  });
});

describe('reservations', () => {
  test('hold the estimate of a phase against the budget, so two cycles at once cannot overshoot it together', () => {
    let state = admit(fresh(0.15, 2), { cycleId: 'c1', offline: false, estimateUsd: 0.05 }, NOON).state;
    state = admit(state, { cycleId: 'c2', offline: false, estimateUsd: 0.05 }, NOON).state;
    const first = reserve(state, { cycleId: 'c1', phase: 'designing', estimateUsd: 0.1 }, NOON);
    expect(first.result).toEqual({ granted: true, reservationId: 'c1/designing' });
    // c1 holds its reservation, more than its admission estimate; c2 its estimate
    expect(remainingUsd(first.state)).toBeCloseTo(0, 10);
    const second = reserve(first.state, { cycleId: 'c2', phase: 'designing', estimateUsd: 0.1 }, NOON);
    expect(second.result).toMatchObject({ granted: false, reason: 'budget_exhausted', resetsAt: '2026-12-08T00:00:00.000Z' });
    expect(second.result.granted || second.result.message).toContain('the design needs about $0.1000');
  });

  test('Claude cycles admitted at the same instant are not promised more than the budget: each holds its estimate, less what it spent, until released', () => {
    let state = fresh(0.25, 50);
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const decided = admit(state, { cycleId: `c${i}`, offline: false, estimateUsd: 0.1 }, NOON);
      state = decided.state;
      answers.push(decided.result.admitted || decided.result.reason);
    }
    expect(answers).toEqual([true, true, 'budget_exhausted', 'budget_exhausted', 'budget_exhausted']);
    expect(budgetSnapshot(state, NOON)).toMatchObject({ reservedUsd: 0.2 });
    // a design's reservation does not free what the assessment will need
    state = reserve(state, { cycleId: 'c0', phase: 'designing', estimateUsd: 0.07 }, NOON).state;
    expect(remainingUsd(state)).toBeCloseTo(0.05, 10);
    state = settle(state, { cycleId: 'c0', reservationId: 'c0/designing', costUsd: 0.02, model: 'm', phase: 'designing' }, NOON);
    expect(remainingUsd(state)).toBeCloseTo(0.05, 10);
    // released, it holds nothing: what it did not spend is free again
    expect(remainingUsd(release(state, 'c0'))).toBeCloseTo(0.25 - 0.02 - 0.1, 10);
  });

  test('a retried reservation finds the first', () => {
    const state = admit(fresh(), { cycleId: 'c1', offline: false }, NOON).state;
    const first = reserve(state, { cycleId: 'c1', phase: 'assessing', estimateUsd: 0.03 }, NOON);
    const again = reserve(first.state, { cycleId: 'c1', phase: 'assessing', estimateUsd: 0.03 }, NOON);
    expect(again.result).toEqual(first.result);
    expect(again.state.reservations).toHaveLength(1);
  });

  test('are settled with the real cost (a failed phase too), once, and the event recorded', () => {
    let state = admit(fresh(), { cycleId: 'c1', offline: false }, NOON).state;
    state = reserve(state, { cycleId: 'c1', phase: 'designing', estimateUsd: 0.09 }, NOON).state;
    const settlement = { cycleId: 'c1', reservationId: 'c1/designing', costUsd: 0.069, model: 'claude-sonnet-5-5', phase: 'designing' as const };
    const settled = settle(state, settlement, NOON + 5000);
    expect(settled.reservations).toEqual([]);
    expect(settled.spentUsd).toBeCloseTo(0.069, 10);
    expect(settled.events).toEqual([{ ...settlement, at: '2026-12-07T12:00:05.000Z' }]);
    expect(settle(settled, settlement, NOON + 6000)).toBe(settled);
  });

  test('keep at most MAX_EVENTS events a day, while the day total counts them all', () => {
    let state = admit(fresh(1000), { cycleId: 'c', offline: false }, NOON).state;
    for (let i = 0; i < MAX_EVENTS + 5; i++)
      state = settle(state, { cycleId: 'c', reservationId: `r${i}`, costUsd: 0.01, model: 'm', phase: 'designing' }, NOON);
    expect(state.events).toHaveLength(MAX_EVENTS);
    expect(state.events[0].reservationId).toBe('r5');
    expect(state.spentUsd).toBeCloseTo((MAX_EVENTS + 5) * 0.01, 8);
  });
});

describe('release', () => {
  test("gives back the slot and the open reservations; a Claude cycle's cost joins the recent average, an offline one's does not", () => {
    let state = spent(fresh(5, 2), 'c1', 0.12);
    state = reserve(state, { cycleId: 'c1', phase: 'assessing', estimateUsd: 0.03 }, NOON).state;
    state = admit(state, { cycleId: 'c2', offline: true }, NOON).state;
    state = release(release(state, 'c1'), 'c2');
    expect(state.active).toEqual([]);
    expect(state.reservations).toEqual([]);
    expect(state.recentCycleCosts).toEqual([0.12]);
    expect(release(state, 'never-admitted')).toEqual(state);
  });
});

describe('holders that are gone', () => {
  const holders = admit(
    admit(admit(fresh(5, 3), { cycleId: 'a', offline: true }, NOON).state, { cycleId: 'b', offline: true }, NOON).state,
    { cycleId: 'c', offline: true },
    NOON,
  ).state;

  test('a closed workflow gives its slot back; a running one keeps it', () => {
    const gone = endedHolders(
      holders,
      [
        { cycleId: 'a', found: 'closed', status: 'TERMINATED' },
        { cycleId: 'b', found: 'running', status: 'RUNNING' },
      ],
      NOON + 1000,
    );
    expect(gone.map((g) => g.cycleId)).toEqual(['a']);
  });

  test('an id admitted whose workflow has not started counts as alive for the grace, then gives its slot back', () => {
    const lookup = [{ cycleId: 'c', found: 'not_found' as const }];
    expect(endedHolders(holders, lookup, NOON + NOT_STARTED_GRACE_MS)).toEqual([]);
    expect(endedHolders(holders, lookup, NOON + NOT_STARTED_GRACE_MS + 1)).toEqual(lookup);
  });
});

describe('estimates and the snapshot', () => {
  test('a phase is priced by its model; a cycle given its strategy has no design to pay for', () => {
    expect(phaseEstimateUsd('sonnet', 'designing')).toBeCloseTo((20_000 * 2 + 5_000 * 10) / 1e6, 10);
    expect(phaseEstimateUsd('claude-opus-5-5', 'assessing')).toBeCloseTo((6_000 * 4 + 2_000 * 20) / 1e6, 10);
    expect(phaseEstimateUsd('gpt-4', 'assessing')).toBe(phaseEstimateUsd('claude-opus-4-8', 'assessing'));
    expect(cycleEstimateUsd({ model: 'haiku', strategy: 'mine' })).toBe(phaseEstimateUsd('haiku', 'assessing'));
  });

  test('says what is left, how many cycles it affords at the recent average, and when it resets', () => {
    let state = spent(fresh(1), 'c1', 0.1);
    state = release(state, 'c1');
    state = release(spent(state, 'c2', 0.3), 'c2');
    state = admit(state, { cycleId: 'c3', offline: false }, NOON).state;
    state = reserve(state, { cycleId: 'c3', phase: 'designing', estimateUsd: 0.09 }, NOON).state;
    const snapshot = budgetSnapshot(state, NOON);
    expect(snapshot).toMatchObject({
      date: '2026-12-07',
      limitUsd: 1,
      reservedUsd: 0.122,
      averageCycleCostUsd: 0.2,
      cycleCostUsd: 0.2,
      resetsAt: '2026-12-08T00:00:00.000Z',
      maxConcurrentCycles: 1,
      activeCycles: [{ cycleId: 'c3', admittedAt: '2026-12-07T12:00:00.000Z', offline: false }],
    });
    expect(snapshot.spentUsd).toBeCloseTo(0.4, 10);
    // c3 holds its admission estimate (a cycle of the default model), more than its design's reservation
    expect(snapshot.remainingUsd).toBeCloseTo(0.478, 10);
    expect(snapshot.cyclesAffordable).toBe(2);
    expect(snapshot.events.map((e) => e.cycleId)).toEqual(['c1', 'c2']);
  });

  test('before any Claude cycle has ended, affordability is at the estimate for the default model; after midnight the day is new', () => {
    const state = spent(fresh(1), 'c1', 0.5);
    expect(budgetSnapshot(state, NOON)).toMatchObject({
      cycleCostUsd: DEFAULT_CYCLE_ESTIMATE_USD,
      cyclesAffordable: Math.floor(0.5 / DEFAULT_CYCLE_ESTIMATE_USD),
    });
    expect(budgetSnapshot(state, NOON).averageCycleCostUsd).toBeUndefined();
    expect(budgetSnapshot(state, at('2026-12-08T00:00:01Z'))).toMatchObject({
      date: '2026-12-08',
      spentUsd: 0,
      remainingUsd: 1,
      events: [],
      resetsAt: '2026-12-09T00:00:00.000Z',
    });
  });

  test('configure changes the limit and the slots, keeping what was spent', () => {
    const state = configure(spent(fresh(), 'c1', 0.2), { dailyBudgetUsd: 10 });
    expect(state.settings).toEqual({ dailyBudgetUsd: 10, maxConcurrentCycles: 1 });
    expect(state.spentUsd).toBe(0.2);
  });
});
