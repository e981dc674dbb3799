/**
 * What a research cycle's trace says about it, in KTRDR's span names and attributes (spec §1.8):
 * `agent.research_cycle` with the operation's id and outcome, and one span per phase that ran,
 * timed as the cycle timed it, with the phase's figures — the design's strategy and tokens, each
 * gate's verdict beside the metrics it read, the assessment's verdict and tokens. Pure: the
 * workflow interceptor (workflows/tracing.ts) turns these into spans.
 */
import type { CycleStatus, ResearchPhase } from './cycle';
import type { GateResult } from './gates';
import type { LlmUsage } from './models';

export type SpanAttributes = Record<string, string | number | boolean>;

export interface PhaseSpan {
  name: string;
  startTime: number;
  endTime: number;
  attributes: SpanAttributes;
  /** Why the cycle failed in this phase. */
  error?: string;
}

const PHASE_SPAN_NAMES: Record<ResearchPhase, string> = {
  designing: 'agent.phase.design',
  training: 'agent.phase.training',
  backtesting: 'agent.phase.backtest',
  assessing: 'agent.phase.assessment',
};

const defined = (attributes: Record<string, string | number | boolean | undefined>): SpanAttributes =>
  Object.fromEntries(Object.entries(attributes).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined));

const tokens = (usage: Omit<LlmUsage, 'model'> | undefined) =>
  usage && {
    'tokens.input': usage.inputTokens,
    'tokens.output': usage.outputTokens,
    'tokens.total': usage.inputTokens + usage.outputTokens,
    cost_usd: usage.costUsd,
  };

const gate = (result: GateResult | undefined) =>
  result && { 'gate.name': result.gate, 'gate.passed': result.passed, 'gate.bypassed': result.bypassed, 'gate.reason': result.reason };

function phaseAttributes(phase: ResearchPhase, s: CycleStatus): SpanAttributes {
  switch (phase) {
    case 'designing':
      return defined({ strategy_name: s.strategy, model: s.design?.usage.model, offline: s.design?.offline, ...tokens(s.design?.usage) });
    case 'training': {
      const m = s.training?.metrics;
      return defined({
        strategy_name: s.strategy,
        ...gate(s.gates.training),
        'operation.id': s.training?.operationId,
        'training.accuracy': m?.accuracy,
        'training.chance_accuracy': m?.chanceAccuracy,
        'training.loss': m?.loss,
        'training.chance_loss': m?.chanceLoss,
        'training.epochs': m?.epochsTrained,
      });
    }
    case 'backtesting': {
      const m = s.backtest?.validation;
      return defined({
        strategy_name: s.strategy,
        ...gate(s.gates.backtest),
        'operation.id': s.backtest?.operationId,
        'backtest.total_return': m?.totalReturn,
        'backtest.buy_and_hold_return': m?.buyAndHoldReturn,
        'backtest.sharpe_ratio': m?.sharpeRatio,
        'backtest.max_drawdown': m?.maxDrawdown,
        'backtest.total_trades': m?.totalTrades,
      });
    }
    case 'assessing':
      return defined({ strategy_name: s.strategy, verdict: s.verdict, model: s.assessment?.usage.model, ...tokens(s.assessment?.usage) });
  }
}

/** The spans of the phases the cycle ran, in order; a phase still running when the cycle ended ends with it. */
export function phaseSpans(s: CycleStatus, endTime: number): PhaseSpan[] {
  return s.phases.map((timing) => {
    const failedHere = s.failure?.phase === timing.phase;
    return {
      name: PHASE_SPAN_NAMES[timing.phase],
      startTime: Date.parse(timing.startedAt),
      endTime: timing.endedAt ? Date.parse(timing.endedAt) : endTime,
      attributes: { ...phaseAttributes(timing.phase, s), ...(timing.skipped && { skipped: timing.skipped }) },
      ...(failedHere && { error: s.failure!.reason }),
    };
  });
}

/** The cycle span's attributes once it has ended: its status when it reported one (completed, failed, refused), else only how it ended. */
export function cycleEndAttributes(outcome: string, s: CycleStatus | undefined, error: string | undefined): SpanAttributes {
  return defined({
    outcome,
    error: s?.failure?.reason ?? error,
    strategy_name: s?.strategy,
    model: s?.model,
    verdict: s?.verdict,
    ...tokens(s?.usage),
    refusal: s?.refusal?.reason,
  });
}
