import { describe, expect, test } from 'vitest';
import type { CycleEnd } from '../../src/domain/cycleEnd';
import { judgeTest, LEDGER_MAX, MAX_TEST_ATTEMPTS, propose, settle, takeNext, type Hypothesis } from '../../src/domain/hypotheses';
import { goodBacktest } from '../support/fakeActivities';

const hypothesis = (id: number, status: Hypothesis['status'], over: Partial<Hypothesis> = {}): Hypothesis => ({
  id: `h${id}`,
  text: `hypothesis ${id}`,
  status,
  proposedBy: 'l-c1',
  testedBy: [],
  ...over,
});

describe('proposing hypotheses', () => {
  test('adds each as untested under the next id, once: the same sentence however cased, spaced or ended is not added again', () => {
    const { ledger, next } = propose(
      [],
      ['RSI with a volume indicator beats chance', '  rsi with a   VOLUME indicator beats chance. ', 'ADX adds to RSI'],
      'l-c1',
      1,
    );
    expect(ledger).toEqual([
      { id: 'h1', text: 'RSI with a volume indicator beats chance', status: 'untested', proposedBy: 'l-c1', testedBy: [] },
      { id: 'h2', text: 'ADX adds to RSI', status: 'untested', proposedBy: 'l-c1', testedBy: [] },
    ]);
    expect(next).toBe(3);
    expect(propose(ledger, ['adx adds to rsi!'], 'l-c2', next)).toEqual({ ledger, next });
  });

  test(`a full ledger (${LEDGER_MAX}) makes room by dropping the oldest decided hypothesis; full of open ones, it takes no more`, () => {
    const full = Array.from({ length: LEDGER_MAX }, (_, i) => hypothesis(i + 1, i === 3 || i === 7 ? 'refuted' : 'untested'));
    const { ledger } = propose(full, ['new one'], 'l-c9', LEDGER_MAX + 1);
    expect(ledger).toHaveLength(LEDGER_MAX);
    expect(ledger.map((h) => h.id)).not.toContain('h4');
    expect(ledger.map((h) => h.id)).toContain('h8');
    expect(ledger.at(-1)).toMatchObject({ id: `h${LEDGER_MAX + 1}`, text: 'new one' });

    const open = Array.from({ length: LEDGER_MAX }, (_, i) => hypothesis(i + 1, 'untested'));
    expect(propose(open, ['one more'], 'l-c9', LEDGER_MAX + 1)).toEqual({ ledger: open, next: LEDGER_MAX + 1 });
  });
});

describe('taking the next hypothesis', () => {
  test('takes the oldest untested one, and marks it under test by the cycle', () => {
    const { ledger, taken } = takeNext([hypothesis(1, 'testing'), hypothesis(2, 'untested'), hypothesis(3, 'untested')], 'l-c5');
    expect(taken).toEqual(hypothesis(2, 'testing', { testedBy: ['l-c5'] }));
    expect(ledger.map((h) => h.status)).toEqual(['testing', 'testing', 'untested']);
    expect(takeNext([hypothesis(1, 'supported')], 'l-c6').taken).toBeUndefined();
  });
});

describe('deciding a hypothesis by the cycle that tested it', () => {
  const completed = (verdict: CycleEnd['verdict'], over: Partial<CycleEnd> = {}): CycleEnd => ({
    outcome: 'completed',
    verdict,
    backtest: { validation: goodBacktest },
    ...over,
  });
  const figures = '(validation Sharpe 1.10, return +8.0%, 40 trades)';

  test.each<[string, CycleEnd, string, string]>([
    ['a promising verdict supports it', completed('promising'), 'supported', `l-c2: verdict promising ${figures}`],
    ['a poor verdict refutes it', completed('poor'), 'refuted', `l-c2: verdict poor ${figures}`],
    ['a mediocre verdict leaves it inconclusive', completed('mediocre'), 'inconclusive', `l-c2: verdict mediocre ${figures}`],
    [
      'a failed assessment leaves it inconclusive',
      completed(undefined, { assessmentFailure: 'claude refused' }),
      'inconclusive',
      `l-c2: no verdict: claude refused ${figures}`,
    ],
    [
      'a failed gate refutes it',
      { outcome: 'failed', failure: { kind: 'gate', phase: 'training', reason: 'Training gate failed: accuracy_not_above_chance (accuracy 50% < 53%)' } },
      'refuted',
      'l-c2: Training gate failed: accuracy_not_above_chance (accuracy 50% < 53%)',
    ],
    [
      'a failure outside a gate did not test it',
      { outcome: 'failed', failure: { kind: 'activity', reason: 'Training failed: service down' } },
      'untested',
      'l-c2 could not test it (failed: Training failed: service down)',
    ],
    ['a cancelled cycle did not test it', { outcome: 'cancelled' }, 'untested', 'l-c2 could not test it (cancelled)'],
    [
      'a refused cycle did not test it',
      {
        outcome: 'refused',
        refusal: {
          admitted: false,
          reason: 'budget_exhausted',
          message: 'the budget is spent',
          spentUsd: 5,
          limitUsd: 5,
          resetsAt: '2026-12-08T00:00:00.000Z',
        },
      },
      'untested',
      'l-c2 could not test it (refused: the budget is spent)',
    ],
  ])('%s', (_, end, status, evidence) => {
    expect(judgeTest('l-c2', end)).toEqual({ status, evidence });
    const ledger = settle([hypothesis(1, 'testing', { testedBy: ['l-c2'] })], 'h1', 'l-c2', end);
    expect(ledger).toEqual([hypothesis(1, status as Hypothesis['status'], { testedBy: ['l-c2'], evidence })]);
  });

  test(`one that ${MAX_TEST_ATTEMPTS} cycles could not test is given up as inconclusive`, () => {
    const tried = hypothesis(1, 'testing', { testedBy: ['l-c2', 'l-c3'] });
    expect(settle([tried], 'h1', 'l-c3', { outcome: 'cancelled' })).toEqual([
      { ...tried, status: 'inconclusive', evidence: 'l-c3 could not test it (cancelled)' },
    ]);
  });

  test('only the hypothesis under test changes', () => {
    const ledger = [hypothesis(1, 'untested'), hypothesis(2, 'testing')];
    expect(settle(ledger, 'h1', 'l-c2', { outcome: 'completed', verdict: 'promising' })).toEqual(ledger);
  });
});
