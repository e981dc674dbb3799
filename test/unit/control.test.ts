import { InvalidArgumentError } from '@commander-js/extra-typings';
import { describe, expect, test } from 'vitest';
import { controlOption } from '../../src/cli/controlCycle';
import { renderControl } from '../../src/cli/controlFormat';
import { CycleStatusSchema, type CycleStatus } from '../../src/domain/cycle';
import { NO_USAGE } from '../../src/domain/models';
import { goodBacktest, goodTraining } from '../support/fakeActivities';

function status(symbol: string, strategy: string, extra: Record<string, unknown>): CycleStatus {
  return CycleStatusSchema.parse({
    cycleId: `cycle-${symbol}`,
    phase: 'completed',
    outcome: 'completed',
    model: 'offline',
    bypassGates: false,
    startedAt: '2026-12-07T09:00:00.000Z',
    phases: [],
    gates: {},
    strategy,
    design: {
      strategyName: strategy,
      strategyPath: `strategies/designed/${strategy}.yaml`,
      symbol,
      timeframe: '1h',
      offline: true,
      usage: { ...NO_USAGE, model: 'offline' },
    },
    training: { operationId: 'op_t', modelPath: `models/${strategy}/model.json`, metrics: goodTraining },
    usage: { ...NO_USAGE },
    ...extra,
  });
}

/** Each row of the side-by-side table: its name, then the real market's value and the control's. */
const rows = (text: string) => Object.fromEntries(text.split('\n').map((line) => [line.split(/ {2,}/)[0], line.split(/ {2,}/).slice(1)]));

describe('trigger --control', () => {
  test('the real cycle and its synthetic control side by side, on validation; why a cycle failed below', () => {
    const real = status('EURUSD', 'momentum_trend_eurusd_1a2b3c', { verdict: 'promising', backtest: { operationId: 'op_b', validation: goodBacktest } });
    const control = status('SYN_RW_1', 'momentum_trend_synrw1_4d5e6f', {
      phase: 'failed',
      outcome: 'failed',
      backtest: { operationId: 'op_b2', validation: { ...goodBacktest, totalReturn: -0.004, sharpeRatio: -0.3, totalTrades: 7 } },
      failure: { phase: 'backtesting', kind: 'gate', reason: 'Backtest gate failed: return_too_low (return -0.40% < 0%)' },
    });
    const text = renderControl(real, control);
    const table = rows(text);
    expect(table.validation).toEqual(['real market', 'synthetic control']);
    expect(table.market).toEqual(['EURUSD 1h', 'SYN_RW_1 1h']);
    expect(table.strategy).toEqual(['momentum_trend_eurusd_1a2b3c', 'momentum_trend_synrw1_4d5e6f']);
    expect(table.outcome).toEqual(['completed', 'failed (why: below)']);
    expect(table['accuracy (chance)']).toEqual(['58.0% (50.0%)', '58.0% (50.0%)']);
    expect(table.return).toEqual([`${(goodBacktest.totalReturn * 100).toFixed(1)}%`, '-0.4%']);
    expect(table.Sharpe).toEqual([goodBacktest.sharpeRatio.toFixed(2), '-0.30']);
    expect(table.trades).toEqual([String(goodBacktest.totalTrades), '7']);
    expect(table.verdict).toEqual(['promising', '—']);
    expect(table['may remember']).toEqual(['—', '—']);
    expect(text.split('\n').at(-1)).toBe('synthetic control: Backtest gate failed: return_too_low (return -0.40% < 0%)');
  });

  test("a Claude design on a period its model may remember says so; the control's cannot", () => {
    const warning = 'the designer (claude-sonnet-5-5, trained on data to 2026-06-30) may have seen this period';
    const assessed = (memoryWarning?: string) => ({
      verdict: 'promising',
      assessmentPath: 'strategies/designed/x/assessment.json',
      offline: false,
      usage: { ...NO_USAGE, model: 'claude-sonnet-5-5' },
      ...(memoryWarning && { memoryWarning }),
    });
    const real = status('EURUSD', 'momentum_trend_eurusd_1a2b3c', { model: 'claude-sonnet-5-5', assessment: assessed(warning) });
    const control = status('SYN_RW_1', 'momentum_trend_synrw1_4d5e6f', { model: 'claude-sonnet-5-5', assessment: assessed() });
    const text = renderControl(real, control);
    expect(rows(text)['may remember']).toEqual(['yes (below)', 'no']);
    expect(text.split('\n').at(-1)).toBe(`real market: ${warning}`);
  });

  test('--control takes a synthetic market only, and says how they are named', () => {
    expect(controlOption('syn_trend2_7')).toBe('SYN_TREND2_7');
    expect(() => controlOption('EURUSD')).toThrow(
      new InvalidArgumentError("'EURUSD' is not a synthetic market: the control runs on one (e.g. SYN_RW_1, SYN_TREND2_7), where no memory can help."),
    );
    expect(() => controlOption('SYN_X_1')).toThrow("'SYN_X_1' is not a synthetic market: synthetic markets are named SYN_RW_<seed>");
  });
});
