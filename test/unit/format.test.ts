import { describe, expect, test } from 'vitest';
import { renderCycle } from '../../src/cli/format';
import type { BacktestMetrics } from '../../src/domain/activities';
import { CycleStatusSchema } from '../../src/domain/cycle';
import { NO_USAGE } from '../../src/domain/models';
import { goodBacktest, goodTraining } from '../support/fakeActivities';

/** `status` of a completed cycle, as a researcher reads it: each row's value by its name. */
function rendered(validation: BacktestMetrics = goodBacktest): Record<string, string> {
  const status = CycleStatusSchema.parse({
    cycleId: 'cycle-1',
    phase: 'completed',
    outcome: 'completed',
    bypassGates: false,
    startedAt: '2026-12-06T09:00:00.000Z',
    endedAt: '2026-12-06T09:00:03.000Z',
    phases: [],
    gates: {},
    training: { operationId: 'op_t', modelPath: 'models/x/model.json', metrics: goodTraining },
    backtest: { operationId: 'op_b', validation },
    usage: { ...NO_USAGE },
  });
  const view = { cycleId: 'cycle-1', execution: 'COMPLETED', startTime: new Date('2026-12-06T09:00:00Z'), closeTime: new Date('2026-12-06T09:00:03Z'), status };
  return Object.fromEntries(renderCycle(view).split('\n').map((line) => line.split(/ {2,}/)));
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
