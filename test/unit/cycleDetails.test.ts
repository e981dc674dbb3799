import { describe, expect, test } from 'vitest';
import { CycleStatusSchema, CycleSummarySchema, type CycleStatus } from '../../src/domain/cycle';
import type { AssessResult } from '../../src/domain/activities';
import { cycleDetailsMarkdown, cycleStartDetails, cycleStartSummary, cycleSummary, verdictLabel } from '../../src/domain/cycleDetails';
import { forecastDesigner } from '../../src/domain/designer';
import { CycleInputSchema } from '../../src/domain/cycle';
import { evaluateBacktestGate, evaluateTrainingGate, GateThresholdsSchema } from '../../src/domain/gates';
import { NO_USAGE } from '../../src/domain/models';
import { goodTraining } from '../support/fakeActivities';

const thresholds = GateThresholdsSchema.parse({});
/** Design's usage so far (the status sums usage over calls, so it carries no model). */
const usage = { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 800, cacheWriteTokens: 0, costUsd: 0.00548 };
const validation = {
  totalReturn: -0.04,
  sharpeRatio: -0.9,
  maxDrawdown: 0.31,
  winRate: 0.38,
  totalTrades: 52,
  buyAndHoldReturn: 0.03,
  averageExposure: 0.12,
  sameStakeTStat: -2.6,
};
const backtestFailure =
  'Backtest gate failed: return_too_low (return -4% < 0%); behind_buy_and_hold (excess over buy-and-hold at the same stake, t -2.6 < -2 (return -4% vs 0.36% = buy-and-hold 3% × average exposure 12%))';
const backtestGate = evaluateBacktestGate(validation, thresholds.backtest);

/** A status as the workflow builds it, checked against the schema so the fixture cannot drift from it. */
function status(over: Partial<CycleStatus> = {}): CycleStatus {
  return CycleStatusSchema.parse({
    cycleId: 'cycle-2026-11-25-eurusd',
    phase: 'designing',
    bypassGates: false,
    startedAt: '2026-11-25T09:00:00.000Z',
    phases: [],
    gates: {},
    usage: { ...NO_USAGE },
    ...over,
  });
}

/** Designed and trained, failed at the backtest gate. */
const failedAtBacktest = () =>
  status({
    phase: 'failed',
    outcome: 'failed',
    model: 'claude-sonnet-5-5',
    endedAt: '2026-11-25T09:14:05.000Z',
    strategy: 'rsi_adx_trend_filter',
    phases: [
      { phase: 'designing', startedAt: '2026-11-25T09:00:00.000Z', endedAt: '2026-11-25T09:00:42.300Z', durationMs: 42_300 },
      { phase: 'training', startedAt: '2026-11-25T09:00:42.300Z', endedAt: '2026-11-25T09:12:02.300Z', durationMs: 680_000 },
      { phase: 'backtesting', startedAt: '2026-11-25T09:12:02.300Z', endedAt: '2026-11-25T09:14:04.360Z', durationMs: 122_060 },
    ],
    gates: {
      training: evaluateTrainingGate(goodTraining, thresholds.training),
      backtest: backtestGate,
    },
    // The workflow copies a failed gate's reason into the failure.
    failure: { phase: 'backtesting', kind: 'gate', reason: backtestGate.reason },
    usage,
  });

/** Designed, trained, backtested and assessed, gates passed. */
const completed = (over: Partial<CycleStatus> = {}) =>
  status({
    phase: 'completed',
    outcome: 'completed',
    model: 'offline',
    endedAt: '2026-11-25T09:00:03.000Z',
    strategy: 'rsi_adx_trend_filter',
    phases: [
      { phase: 'designing', startedAt: '2026-11-25T09:00:00.000Z', endedAt: '2026-11-25T09:00:00.400Z', durationMs: 400 },
      { phase: 'training', startedAt: '2026-11-25T09:00:00.400Z', endedAt: '2026-11-25T09:00:01.600Z', durationMs: 1200 },
      { phase: 'backtesting', startedAt: '2026-11-25T09:00:01.600Z', endedAt: '2026-11-25T09:00:02.200Z', durationMs: 600 },
      { phase: 'assessing', startedAt: '2026-11-25T09:00:02.200Z', endedAt: '2026-11-25T09:00:02.300Z', durationMs: 100 },
    ],
    training: { operationId: 'op_t', modelPath: 'models/x/model.json', metrics: goodTraining },
    backtest: {
      operationId: 'op_b',
      validation: {
        totalReturn: 0.08,
        sharpeRatio: 1.1,
        maxDrawdown: 0.12,
        winRate: 0.55,
        totalTrades: 40,
        buyAndHoldReturn: -0.031,
        averageExposure: 0.2,
        sameStakeTStat: 1.52,
      },
    },
    assessment: {
      verdict: 'promising',
      assessmentPath: 'strategies/x/assessment.json',
      offline: true,
      usage: { model: 'offline', ...NO_USAGE },
    } satisfies AssessResult,
    verdict: 'promising',
    ...over,
  });

const assessmentFailed = () =>
  completed({ assessment: undefined, verdict: undefined, assessmentFailure: 'claude-sonnet-5-5 refused to assess this strategy (stop_reason refusal)' });

describe('the report', () => {
  test("a backtested cycle's details say how to make its report and where it goes, beside the backtest's files", () => {
    const lines = cycleDetailsMarkdown(completed()).split('\n');
    expect(lines).toContain('**Report:** `ktrdr-agent report rsi_adx_trend_filter` writes `reports/rsi_adx_trend_filter/report.html`');
    const elsewhere = completed({ backtest: { ...completed().backtest!, reportPath: '/srv/ktrdr/reports/rsi_adx_trend_filter' } });
    expect(cycleDetailsMarkdown(elsewhere).split('\n')).toContain(
      '**Report:** `ktrdr-agent report rsi_adx_trend_filter` writes `/srv/ktrdr/reports/rsi_adx_trend_filter/report.html`',
    );
  });

  test('a cycle with no backtest has no report line', () => {
    expect(cycleDetailsMarkdown(status({ phase: 'training', strategy: 'x' }))).not.toContain('**Report:**');
  });
});

describe('the key figures: was it any good?', () => {
  test('a completed cycle opens its details with a table of the figures that answer it', () => {
    const lines = cycleDetailsMarkdown(completed()).split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '| key figure (validation) | value |',
      '|---|---|',
      '| accuracy | 58.0% vs 50.0% chance |',
      '| return | +8.0% vs -3.1% buy-and-hold |',
      '| same stake | buy-and-hold at its 20.0% average exposure: -0.6%, t 1.52 |',
      '| Sharpe | 1.10 |',
      '| trades | 40 |',
      '| verdict | promising |',
      '',
    ]);
    expect(lines[9]).toMatch(/^\*\*Phase:\*\* completed/);
  });

  test('the table fills in as the figures arrive: after training, accuracy only', () => {
    const trained = status({ phase: 'backtesting', strategy: 'x', training: completed().training });
    const markdown = cycleDetailsMarkdown(trained);
    expect(markdown.split('\n').slice(0, 4)).toEqual(['| key figure (validation) | value |', '|---|---|', '| accuracy | 58.0% vs 50.0% chance |', '']);
  });

  test('without a chance baseline or buy-and-hold the figure stands alone', () => {
    const { chanceAccuracy: _chance, ...withoutChance } = goodTraining;
    const { buyAndHoldReturn: _buyAndHold, ...withoutBuyAndHold } = validation;
    const bare = completed({
      training: { operationId: 'op_t', modelPath: 'm', metrics: withoutChance },
      backtest: { operationId: 'op_b', validation: withoutBuyAndHold },
    });
    const lines = cycleDetailsMarkdown(bare).split('\n');
    expect(lines).toContain('| accuracy | 58.0% |');
    expect(lines).toContain('| return | -4.0% |');
  });

  test('no table before there is a figure', () => {
    expect(cycleDetailsMarkdown(status())).not.toContain('| key figure');
  });
});

describe('a cycle whose assessment alone failed', () => {
  const plainly = 'training and backtest completed; only the assessment failed: claude-sonnet-5-5 refused to assess this strategy (stop_reason refusal)';

  test('its details say so plainly and keep the training and backtest figures', () => {
    const lines = cycleDetailsMarkdown(assessmentFailed()).split('\n');
    expect(lines).toContain(`**Assessment failed:** ${plainly}`);
    expect(lines).toContain('| accuracy | 58.0% vs 50.0% chance |');
    expect(lines).toContain('| verdict | none: the assessment failed |');
    expect(lines.some((l) => l.startsWith('**Failed:**'))).toBe(false);
  });

  test('its summary carries the reason, for list and status', () => {
    const summary = cycleSummary(assessmentFailed());
    expect(summary).toMatchObject({ phase: 'completed', verdict: undefined, failure: undefined, assessmentFailure: assessmentFailed().assessmentFailure });
    expect(CycleSummarySchema.parse(summary)).toEqual(summary);
    expect(verdictLabel(summary)).toBe('assessment failed');
    expect(verdictLabel(cycleSummary(completed()))).toBe('promising');
  });
});

describe('what the Web UI shows from the start (static summary and details)', () => {
  const input = (over = {}) => CycleInputSchema.parse({ brief: 'cci on EURUSD', ...over });
  const noWorkers = { claude: 0, offline: 0, unknown: 0 };

  test('an offline cycle names no Claude model, whether asked for or because the worker has no key', () => {
    for (const designer of [forecastDesigner(input({ offline: true }), { ...noWorkers, claude: 1 }), forecastDesigner(input(), { ...noWorkers, offline: 2 })]) {
      expect(designer.kind).toBe('offline');
      const summary = cycleStartSummary(input(), designer);
      const details = cycleStartDetails(input(), designer);
      expect(summary).toBe('Research cycle · offline designer and assessor · cci on EURUSD');
      expect(`${summary}\n${details}`).not.toMatch(/claude-/i);
      expect(details).toContain('"brief": "cci on EURUSD"');
    }
  });

  test('a cycle for workers with a key names the model', () => {
    const designer = forecastDesigner(input({ model: 'haiku' }), { ...noWorkers, claude: 1 });
    expect(designer).toEqual({ kind: 'claude', model: 'claude-haiku-5-5' });
    expect(cycleStartSummary(input({ model: 'haiku' }), designer)).toBe('Research cycle · claude-haiku-5-5 · cci on EURUSD');
  });

  test('when the workers disagree, none polls or they cannot be listed, the summary names no model: the worker that picks it up decides', () => {
    for (const workers of [noWorkers, { ...noWorkers, claude: 1, offline: 1 }, { ...noWorkers, unknown: 1 }, undefined]) {
      const designer = forecastDesigner(input(), workers);
      expect(designer.kind).toBe('unknown');
      expect(cycleStartSummary(input(), designer)).toBe('Research cycle · cci on EURUSD');
    }
  });
});

describe('cycleDetailsMarkdown', () => {
  test('a fresh cycle shows only its phase', () => {
    expect(cycleDetailsMarkdown(status())).toBe('**Phase:** designing');
  });

  test('the first line names the phase and, once designed, the strategy and the model', () => {
    const [first] = cycleDetailsMarkdown(failedAtBacktest()).split('\n');
    expect(first).toBe('**Phase:** failed · **Strategy:** `rsi_adx_trend_filter` · **Model:** claude-sonnet-5-5');
  });

  test('an offline cycle says that no Claude designed or assessed it', () => {
    const [first] = cycleDetailsMarkdown({ ...failedAtBacktest(), model: 'offline' }).split('\n');
    expect(first).toContain('**Model:** offline designer and assessor (no Claude)');
  });

  test('a failed cycle says why', () => {
    expect(cycleDetailsMarkdown(failedAtBacktest()).split('\n')).toContain(`**Failed:** ${backtestFailure}`);
  });

  test('one table row per phase, with its start and duration in seconds', () => {
    const lines = cycleDetailsMarkdown(failedAtBacktest()).split('\n');
    const header = lines.indexOf('| phase | started | duration |');
    expect(header).toBeGreaterThan(0);
    expect(lines.slice(header, header + 5)).toEqual([
      '| phase | started | duration |',
      '|---|---|---|',
      '| designing | 2026-11-25T09:00:00.000Z | 42.3 s |',
      '| training | 2026-11-25T09:00:42.300Z | 680.0 s |',
      '| backtesting | 2026-11-25T09:12:02.300Z | 122.1 s |',
    ]);
  });

  test('a phase still running says so instead of a duration', () => {
    const running = status({
      phase: 'training',
      strategy: 'rsi_adx_trend_filter',
      phases: [
        { phase: 'designing', startedAt: '2026-11-25T09:00:00.000Z', endedAt: '2026-11-25T09:00:42.300Z', durationMs: 42_300 },
        { phase: 'training', startedAt: '2026-11-25T09:00:42.300Z' },
      ],
    });
    expect(cycleDetailsMarkdown(running).split('\n')).toContain('| training | 2026-11-25T09:00:42.300Z | running |');
  });

  test('each evaluated gate gets a line with its verdict, training first', () => {
    const lines = cycleDetailsMarkdown(failedAtBacktest()).split('\n');
    const gateLines = lines.filter((l) => l.includes(' gate:**'));
    expect(gateLines).toEqual(['**training gate:** passed', `**backtest gate:** ${backtestFailure}`]);
  });

  test('a bypassed gate shows what was let through', () => {
    const bypassed = status({
      phase: 'backtesting',
      bypassGates: true,
      gates: { training: evaluateTrainingGate({ ...goodTraining, accuracy: 0.423 }, thresholds.training, true) },
    });
    expect(cycleDetailsMarkdown(bypassed).split('\n')).toContain(
      '**training gate:** bypassed: accuracy_not_above_chance (accuracy 42.3% < 53% (chance 50% + 3 pp))',
    );
  });

  test('a completed cycle shows its verdict', () => {
    expect(cycleDetailsMarkdown(status({ phase: 'completed', outcome: 'completed', verdict: 'promising' })).split('\n')).toContain('**Verdict:** promising');
  });

  test('LLM tokens and cost appear once tokens were used', () => {
    expect(cycleDetailsMarkdown(failedAtBacktest()).split('\n').at(-1)).toBe('**LLM:** 1200 in / 300 out / 800 cache-read / 0 cache-write tokens, $0.0055');
  });

  test('no LLM line while no tokens were used', () => {
    const markdown = cycleDetailsMarkdown(status({ phase: 'training', strategy: 'rsi_adx_trend_filter' }));
    expect(markdown).not.toContain('**LLM:**');
  });

  test('blocks are separated by blank lines', () => {
    const markdown = cycleDetailsMarkdown(failedAtBacktest());
    expect(markdown).not.toMatch(/\n\n\n/);
    expect(markdown).toContain('claude-sonnet-5-5\n\n**Failed:**');
    expect(markdown).toContain('122.1 s |\n\n**training gate:**');
  });
});

describe('cycleSummary', () => {
  test('a failed cycle keeps the fields list and status show', () => {
    const summary = cycleSummary(failedAtBacktest());
    expect(summary).toEqual({
      phase: 'failed',
      lastPhase: 'backtesting',
      strategy: 'rsi_adx_trend_filter',
      verdict: undefined,
      failure: backtestFailure,
      model: 'claude-sonnet-5-5',
      costUsd: 0.00548,
      tokens: 2300,
    });
    expect(CycleSummarySchema.safeParse(summary).success).toBe(true);
  });

  test('tokens count every billed token: input, output, cache reads and writes', () => {
    const s = status({ usage: { inputTokens: 5000, outputTokens: 1234, cacheReadTokens: 9000, cacheWriteTokens: 100, costUsd: 0.03 } });
    expect(cycleSummary(s).tokens).toBe(15334);
  });

  test('a cycle cancelled in training remembers it was training', () => {
    const cancelled = status({
      phase: 'cancelled',
      outcome: 'cancelled',
      phases: [
        { phase: 'designing', startedAt: '2026-11-25T09:00:00.000Z', endedAt: '2026-11-25T09:00:42.300Z', durationMs: 42_300 },
        { phase: 'training', startedAt: '2026-11-25T09:00:42.300Z', endedAt: '2026-11-25T09:03:00.000Z', durationMs: 137_700 },
      ],
    });
    expect(cycleSummary(cancelled)).toMatchObject({ phase: 'cancelled', lastPhase: 'training', failure: undefined });
  });

  test('a cycle that never started a phase has no last phase and costs nothing', () => {
    expect(cycleSummary(status())).toMatchObject({ phase: 'designing', lastPhase: undefined, costUsd: 0, tokens: 0 });
  });

  test('a completed cycle carries its verdict', () => {
    expect(cycleSummary(status({ phase: 'completed', outcome: 'completed', verdict: 'mediocre' })).verdict).toBe('mediocre');
  });
});

describe('a cycle whose operations died with their service', () => {
  test('its details say which were replaced and why, and how the one that finished began', () => {
    const retried = completed({
      training: {
        ...completed().training!,
        operationId: 'op_t3',
        replacedOperations: [
          { operationId: 'op_t1', errorCode: 'service_stopped' },
          { operationId: 'op_t2', errorCode: 'thread_crashed' },
        ],
        resumedFrom: { operationId: 'op_t2', epoch: 12 },
      },
      backtest: { ...completed().backtest!, operationId: 'op_b2', replacedOperations: [{ operationId: 'op_b1', errorCode: 'service_stopped' }] },
    });
    const lines = cycleDetailsMarkdown(retried).split('\n');
    expect(lines).toContain(
      '**Training retried:** 2 of 3 retries: replaced op_t1 (its service stopped), op_t2 (its worker thread crashed); finished as op_t3, resumed after epoch 12 of op_t2',
    );
    expect(lines).toContain('**Backtest retried:** 1 of 3 retries: replaced op_b1 (its service stopped); finished as op_b2');
  });

  test('a training that could not resume says why it started over; nothing is said when nothing was replaced', () => {
    const startedOver = completed({
      training: { ...completed().training!, replacedOperations: [{ operationId: 'op_t0', errorCode: 'service_stopped' }], startedOver: 'no checkpoint yet' },
    });
    expect(cycleDetailsMarkdown(startedOver)).toContain(
      '**Training retried:** 1 of 3 retries: replaced op_t0 (its service stopped); finished as op_t, started over: no checkpoint yet',
    );
    expect(cycleDetailsMarkdown(completed())).not.toContain('retried');
  });
});
