import { describe, expect, test } from 'vitest';
import { progressText, renderCycle } from '../../src/cli/format';
import type { BacktestMetrics } from '../../src/domain/activities';
import { CycleStatusSchema } from '../../src/domain/cycle';
import { NO_USAGE } from '../../src/domain/models';
import { goodBacktest, goodTraining } from '../support/fakeActivities';

/** The status of a completed cycle, with `over` laid on top. */
const completedStatus = (over: Record<string, unknown> = {}) =>
  CycleStatusSchema.parse({
    cycleId: 'cycle-1',
    phase: 'completed',
    outcome: 'completed',
    bypassGates: false,
    startedAt: '2026-12-06T09:00:00.000Z',
    endedAt: '2026-12-06T09:00:03.000Z',
    phases: [],
    gates: {},
    training: { operationId: 'op_t', modelPath: 'models/x/model.json', metrics: goodTraining },
    backtest: { operationId: 'op_b', validation: goodBacktest },
    usage: { ...NO_USAGE },
    ...over,
  });

/** `status` of a completed cycle, as a researcher reads it: each row's value by its name. */
function rendered(validation: BacktestMetrics = goodBacktest, training: Record<string, unknown> = {}): Record<string, string> {
  const status = completedStatus({
    training: { operationId: 'op_t', modelPath: 'models/x/model.json', metrics: goodTraining, ...training },
    backtest: { operationId: 'op_b', validation },
  });
  const view = {
    cycleId: 'cycle-1',
    execution: 'COMPLETED' as const,
    startTime: new Date('2026-12-06T09:00:00Z'),
    closeTime: new Date('2026-12-06T09:00:03Z'),
    status,
  };
  return Object.fromEntries(
    renderCycle(view)
      .split('\n')
      .map((line) => {
        const [name, value] = line.split(/ {2,}/);
        return [name, value] as const;
      }),
  );
}

describe('status says what the figures are measured against', () => {
  test('training beside its chance figures, the backtest beside buy-and-hold whole and at the same stake', () => {
    const rows = rendered();
    expect(rows.Training).toBe('accuracy 58.0% (validation; chance 50.0%), loss 0.620 (chance 1.050), train loss 1.100 → 0.600, 30 epochs');
    expect(rows['Buy & hold']).toBe("return 3.0%; at the strategy's 25.0% average exposure 0.8% (the strategy's excess: t 1.40)");
  });

  test('a backtest recorded before the same-stake figures shows buy-and-hold alone', () => {
    const { averageExposure: _, sameStakeTStat: __, ...older } = goodBacktest;
    expect(rendered(older)['Buy & hold']).toBe('return 3.0%');
  });
});

describe('status shows operations that died with their service', () => {
  test('while the replacement runs: which retry, what it replaces, and where it resumed', () => {
    const progress = {
      percent: 40,
      step: 'Epoch 14/30 · Batch 3/20',
      operationId: 'op_t2',
      epoch: 14,
      totalEpochs: 30,
      replacedOperations: [{ operationId: 'op_t1', errorCode: 'service_stopped' as const }],
      resumedFrom: { operationId: 'op_t1', epoch: 12 },
    };
    expect(progressText(progress)).toBe('40% · Epoch 14/30 · Batch 3/20 · retry 1 of 3, replacing op_t1 (its service stopped) · resumed after epoch 12');
  });

  test('once done, a row under the training says what it took', () => {
    const rows = rendered(goodBacktest, {
      replacedOperations: [{ operationId: 'op_t0', errorCode: 'service_stopped' }],
      resumedFrom: { operationId: 'op_t0', epoch: 7 },
    });
    expect(rows['Training retries']).toBe('1 of 3 retries: replaced op_t0 (its service stopped); finished as op_t, resumed after epoch 7 of op_t0');
    expect(rendered()['Training retries']).toBeUndefined();
  });
});

describe('status beside holdout figures and the assessment', () => {
  const status = completedStatus({
    cycleId: 'cycle-2',
    strategy: 'rsi_claude_abc123',
    backtest: { operationId: 'op_b', validation: goodBacktest, holdout: { ...goodBacktest, totalReturn: 0.01 } },
    assessment: {
      verdict: 'mediocre',
      assessmentPath: 'strategies/designed/rsi_claude_abc123/assessment.json',
      offline: false,
      usage: { model: 'claude-haiku-4-5', ...NO_USAGE },
      memoryWarning: 'the designer (claude-haiku-4-5, trained on data to 2025-07-31) may have seen this period',
    },
  });
  const view = { cycleId: 'cycle-2', execution: 'COMPLETED' as const, startTime: new Date('2026-12-06T09:00:00Z'), status };
  const row = (text: string, name: string) =>
    text
      .split('\n')
      .find((line) => line.startsWith(`${name} `))
      ?.replace(/^\S+( \S+)?\s{2,}/, '');

  test('the holdout row says how often the holdout was looked at', () => {
    expect(row(renderCycle(view, 3), 'Holdout')).toMatch(/^return 1\.0%, .* trades · holdout looked at 3 times$/);
    expect(row(renderCycle(view), 'Holdout')).toMatch(/trades$/);
  });

  test('a period the designer may remember is a caveat under the assessment', () => {
    expect(row(renderCycle(view), 'Caveat')).toBe('the designer (claude-haiku-4-5, trained on data to 2025-07-31) may have seen this period');
  });
});
