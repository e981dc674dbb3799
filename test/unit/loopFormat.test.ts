import { describe, expect, test } from 'vitest';
import { renderLoop } from '../../src/cli/loopFormat';
import { capAfterBusyRefusal, initialState, loopStatus, parseLoopInput, recordEnd, type LoopInput } from '../../src/domain/loop';
import { goodBacktest } from '../support/fakeActivities';

const input = (raw: unknown): LoopInput => {
  const parsed = parseLoopInput(raw);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.input;
};

const NOW = '2026-12-07T10:00:00.000Z';

describe('loop status as text', () => {
  test('a running loop: state, counts, running cycles, spend, who ran its cycles, the best by validation, the ledger with its evidence', () => {
    const i = input({ brief: 'EURUSD hourly', concurrency: 2, maxCycles: 10, model: 'haiku' });
    const state = initialState(i, NOW);
    recordEnd(
      state,
      'l-c1',
      undefined,
      {
        outcome: 'completed',
        model: 'claude-haiku-5-5',
        strategy: 'rsi_x',
        verdict: 'promising',
        usage: { costUsd: 0.0123 },
        training: { metrics: { accuracy: 0.55, chanceAccuracy: 0.42 } },
        backtest: { validation: goodBacktest },
        assessment: { hypotheses: ['ADX adds to RSI'] },
      },
      NOW,
    );
    recordEnd(
      state,
      'l-c2',
      undefined,
      {
        outcome: 'refused',
        refusal: {
          admitted: false,
          reason: 'budget_exhausted',
          message: 'the daily budget of $5.00 is spent',
          spentUsd: 5,
          limitUsd: 5,
          resetsAt: '2026-12-08T00:00:00.000Z',
        },
      },
      NOW,
    );
    state.waitingUntil = '2026-12-08T00:00:00.000Z';
    const text = renderLoop({
      loopId: 'l',
      execution: 'RUNNING',
      startTime: new Date(NOW),
      status: loopStatus(state, i, 'l', [{ cycleId: 'l-c3', hypothesis: 'h1', startedAt: NOW }], false),
    });
    const lines = text.split('\n');
    expect(lines[1]).toBe('Status        RUNNING · waiting for the budget until 2026-12-08T00:00:00.000Z');
    expect(lines).toContain('Cycles        1 of 10 done: 1 completed, 0 failed, 0 cancelled · 1 refused · up to 2 at a time');
    expect(lines).toContain('Running       l-c3 (testing h1)');
    expect(lines).toContain('Spend         $0.0123');
    expect(lines).toContain(
      'Model         claude-haiku-5-5 asked for (a worker without an ANTHROPIC_API_KEY runs its cycles offline); its cycles ran with claude-haiku-5-5',
    );
    expect(lines).toContain('Last refusal  budget_exhausted: the daily budget of $5.00 is spent (l-c2, 2026-12-07 10:00:00 UTC)');
    expect(text).toContain(
      '  STRATEGY  SHARPE  RETURN  DRAWDOWN  TRADES  ACCURACY        VERDICT    CYCLE\n  rsi_x     1.10    +8.0%   12.0%     40      55.0% vs 42.0%  promising  l-c1',
    );
    expect(text).toContain('Hypotheses\n  h1   untested  ADX adds to RSI');
  });

  test('a loop that starts fewer cycles at once than its concurrency, for the admission refused more, says so beside it', () => {
    const i = input({ concurrency: 3 });
    const state = initialState(i, NOW);
    state.slotCap = capAfterBusyRefusal(undefined, 2);
    const text = renderLoop({ loopId: 'l', execution: 'RUNNING', startTime: new Date(NOW), status: loopStatus(state, i, 'l', [], false) });
    expect(text).toMatch(
      /^Cycles +0 done: 0 completed, 0 failed, 0 cancelled · up to 3 at a time \(2 for now: the admission refused more, active_cycle_exists\)$/m,
    );
  });

  test('a cancelled loop has no status to show: it says how it ended', () => {
    const text = renderLoop({
      loopId: 'l',
      execution: 'CANCELLED',
      startTime: new Date(NOW),
      closeTime: new Date(Date.parse(NOW) + 90_000),
      failureMessage: 'Workflow cancelled',
    });
    expect(text).toBe(['Loop     l', 'Status   cancelled', 'Started  2026-12-07 10:00:00 UTC (1m 30s)', 'Ended    Workflow cancelled'].join('\n'));
  });
});
