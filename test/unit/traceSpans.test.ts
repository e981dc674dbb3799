import { describe, expect, test } from 'vitest';
import type { CycleStatus } from '../../src/domain/cycle';
import { evaluateBacktestGate, evaluateTrainingGate, GateThresholdsSchema } from '../../src/domain/gates';
import { cycleEndAttributes, phaseSpans } from '../../src/domain/traceSpans';
import { goodBacktest, goodTraining, usage } from '../support/fakeActivities';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 6, 0, s)).toISOString();
const thresholds = GateThresholdsSchema.parse({});

/** A cycle that designed, trained (gate passed), backtested (gate failed: it lost money) and ended failed. */
function failedAtBacktest(): CycleStatus {
  const design = usage({ inputTokens: 1500, outputTokens: 500, costUsd: 0.012 });
  return {
    cycleId: 'research-1',
    phase: 'failed',
    outcome: 'failed',
    model: 'claude-sonnet-5-5',
    bypassGates: false,
    startedAt: at(0),
    endedAt: at(9),
    strategy: 'rsi_swings',
    phases: [
      { phase: 'designing', startedAt: at(0), endedAt: at(2), durationMs: 2000 },
      { phase: 'training', startedAt: at(2), endedAt: at(5), durationMs: 3000 },
      { phase: 'backtesting', startedAt: at(5), endedAt: at(8), durationMs: 3000 },
    ],
    gates: {
      training: evaluateTrainingGate(goodTraining, thresholds.training, false),
      backtest: evaluateBacktestGate({ ...goodBacktest, totalReturn: -0.04 }, thresholds.backtest, false),
    },
    design: {
      strategyName: 'rsi_swings',
      strategyPath: 'strategies/designed/rsi_swings.yaml',
      symbol: 'EURUSD',
      timeframe: '1h',
      offline: false,
      usage: design,
    },
    training: { operationId: 'op_training_1', modelPath: 'models/rsi_swings', metrics: goodTraining },
    backtest: { operationId: 'op_backtesting_1', validation: { ...goodBacktest, totalReturn: -0.04 } },
    usage: { inputTokens: 1500, outputTokens: 500, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.012 },
    failure: { phase: 'backtesting', kind: 'gate', reason: 'Backtest gate failed: return -4% < 0%' },
  };
}

describe("a cycle's spans, in KTRDR's names", () => {
  test('one span per phase that ran, in order, timed as the cycle timed it', () => {
    const spans = phaseSpans(failedAtBacktest(), Date.parse(at(9)));
    expect(spans.map((s) => s.name)).toEqual(['agent.phase.design', 'agent.phase.training', 'agent.phase.backtest']);
    expect(spans.map((s) => [s.startTime, s.endTime])).toEqual([
      [Date.parse(at(0)), Date.parse(at(2))],
      [Date.parse(at(2)), Date.parse(at(5))],
      [Date.parse(at(5)), Date.parse(at(8))],
    ]);
  });

  test("the design span has the strategy and the tokens, the gates' spans their verdicts and metrics, and the failing phase the reason", () => {
    const [design, training, backtest] = phaseSpans(failedAtBacktest(), Date.parse(at(9)));
    expect(design.attributes).toMatchObject({ strategy_name: 'rsi_swings', 'tokens.input': 1500, 'tokens.output': 500, 'tokens.total': 2000, offline: false });
    expect(training.attributes).toMatchObject({ 'gate.name': 'training', 'gate.passed': true, 'training.accuracy': 0.58, 'training.chance_accuracy': 0.5 });
    expect(training.error).toBeUndefined();
    expect(backtest.attributes).toMatchObject({
      'gate.name': 'backtest',
      'gate.passed': false,
      'backtest.total_return': -0.04,
      'operation.id': 'op_backtesting_1',
    });
    expect(backtest.attributes['gate.reason']).toMatch(/return/);
    expect(backtest.error).toBe('Backtest gate failed: return -4% < 0%');
  });

  test('a phase still running when the cycle ended (cancelled, say) ends with the cycle; a skipped design says why', () => {
    const status = failedAtBacktest();
    status.phases = [
      { phase: 'designing', skipped: 'strategy rsi_swings given', startedAt: at(0), endedAt: at(1) },
      { phase: 'training', startedAt: at(1) },
    ];
    const [check, training] = phaseSpans(status, Date.parse(at(4)));
    expect(check.attributes.skipped).toBe('strategy rsi_swings given');
    expect(training.endTime).toBe(Date.parse(at(4)));
  });

  test('the cycle span ends with the outcome, the reason of a failure and what the cycle spent', () => {
    expect(cycleEndAttributes('failed', failedAtBacktest(), 'GateFailed')).toMatchObject({
      outcome: 'failed',
      error: 'Backtest gate failed: return -4% < 0%',
      strategy_name: 'rsi_swings',
      'tokens.total': 2000,
      cost_usd: 0.012,
    });
    expect(cycleEndAttributes('cancelled', undefined, 'Workflow cancelled')).toEqual({ outcome: 'cancelled', error: 'Workflow cancelled' });
  });
});
