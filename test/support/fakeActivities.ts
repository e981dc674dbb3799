/**
 * Test doubles for the research activities: they honour the activity contract (typed
 * results, heartbeats, cancellation) without the engine, services or Claude behind it.
 */
import { Context } from '@temporalio/activity';
import type {
  ActivityProgress,
  AssessInput,
  BacktestInput,
  BacktestMetrics,
  CleanupInput,
  DesignInput,
  ResearchActivities,
  StrategyCheckInput,
  TrainInput,
  TrainingMetrics,
} from '../../src/domain/activities';
import { createAdmissionActivities, type AdmissionActivityOptions } from '../../src/activities/admissionActivities';
import { reservationIdFor, type AdmissionActivities, type AdmitCycleRequest, type Release, type ReserveRequest, type Settle } from '../../src/domain/admission';
import type { BacktestGateInput, TrainingGateInput } from '../../src/domain/gates';
import type { LlmUsage } from '../../src/domain/models';
import { cycleNumber } from './gate';

export const usage = (over: Partial<LlmUsage> = {}): LlmUsage => ({
  model: 'claude-sonnet-5-5',
  inputTokens: 1200,
  outputTokens: 300,
  cacheReadTokens: 800,
  cacheWriteTokens: 0,
  costUsd: 0.00548,
  ...over,
});

/** Clears each default check of the training gate with room to spare (chance 50 %, chance losses 1.05 and 1.04). */
export const goodTraining: TrainingGateInput = {
  accuracy: 0.58,
  loss: 0.62,
  initialTrainLoss: 1.1,
  finalTrainLoss: 0.6,
  epochsTrained: 30,
  chanceAccuracy: 0.5,
  chanceLoss: 1.05,
  chanceTrainLoss: 1.04,
};

/** Clears each default check of the backtest gate with room to spare (buy-and-hold at the same stake: +0.75 %, led with t 1.4). */
export const goodBacktest: BacktestGateInput = {
  totalReturn: 0.08,
  sharpeRatio: 1.1,
  maxDrawdown: 0.12,
  winRate: 0.55,
  totalTrades: 40,
  buyAndHoldReturn: 0.03,
  buyAndHoldSharpe: 0.9,
  averageExposure: 0.25,
  sameStakeTStat: 1.4,
};

export interface CallLog {
  design: DesignInput[];
  check: StrategyCheckInput[];
  train: TrainInput[];
  backtest: BacktestInput[];
  assess: AssessInput[];
  cleanup: CleanupInput[];
  cancelled: string[];
  admit: AdmitCycleRequest[];
  reserve: ReserveRequest[];
  settle: Settle[];
  release: Release[];
}

/**
 * Admission that admits every cycle and grants every reservation, without an admission
 * workflow. The real one is an entity that outlives the test's worker: on the time-skipping
 * server, one left behind with a timer on a queue nobody polls stops time from skipping for
 * the tests after it. Tests of admission itself, and tests through the CLI (which admits
 * against the real one), pass `admission` for the real activities.
 */
const admitsAll: AdmissionActivities = {
  admitCycle: ({ designEstimateUsd, ...request }) =>
    Promise.resolve({
      admission: { admitted: true },
      offline: request.offline,
      ...(designEstimateUsd !== undefined && !request.offline && { design: { granted: true, reservationId: reservationIdFor(request.cycleId, 'designing') } }),
    }),
  reserveSpend: (request) => Promise.resolve({ granted: true, reservationId: reservationIdFor(request.cycleId, request.phase) }),
  settleSpend: () => Promise.resolve(),
  releaseCycle: () => Promise.resolve(),
  describeCycles: ({ cycleIds }) => Promise.resolve(cycleIds.map((cycleId) => ({ cycleId, found: 'running' as const }))),
};

export interface Fakes extends ResearchActivities {
  calls: CallLog;
}

/** Heartbeats the same progress until the activity is cancelled, then records it and rethrows. */
export async function runUntilCancelled(
  name: string,
  calls: CallLog,
  progress: ActivityProgress = { percent: 42, step: `${name} in progress`, operationId: `op-${name}` },
): Promise<never> {
  const ctx = Context.current();
  const beat = setInterval(() => ctx.heartbeat(progress), 100);
  ctx.heartbeat(progress);
  try {
    return await ctx.cancelled;
  } catch (err) {
    calls.cancelled.push(name);
    throw err;
  } finally {
    clearInterval(beat);
  }
}

export function fakeActivities(
  opts: {
    training?: TrainingMetrics;
    backtest?: BacktestMetrics;
    /** The real admission activities with these settings (a worker with Claude has them); by default, admission that admits all. */
    admission?: AdmissionActivityOptions;
    overrides?: (calls: CallLog) => Partial<ResearchActivities>;
  } = {},
): Fakes {
  const calls: CallLog = {
    design: [],
    check: [],
    train: [],
    backtest: [],
    assess: [],
    cleanup: [],
    cancelled: [],
    admit: [],
    reserve: [],
    settle: [],
    release: [],
  };
  const admission = opts.admission ? createAdmissionActivities(opts.admission) : admitsAll;
  const base: ResearchActivities = {
    admitCycle(request) {
      calls.admit.push(request);
      return admission.admitCycle(request);
    },
    reserveSpend(request) {
      calls.reserve.push(request);
      return admission.reserveSpend(request);
    },
    settleSpend(settlement) {
      calls.settle.push(settlement);
      return admission.settleSpend(settlement);
    },
    releaseCycle(released) {
      calls.release.push(released);
      return admission.releaseCycle(released);
    },
    describeCycles: (input) => admission.describeCycles(input),
    designStrategy(input) {
      calls.design.push(input);
      return Promise.resolve({
        strategyName: 'rsi_adx_trend_filter',
        strategyPath: 'strategies/rsi_adx_trend_filter.yaml',
        symbol: input.symbol ?? 'EURUSD',
        timeframe: input.timeframe ?? '1h',
        offline: false,
        usage: usage({ model: input.model }),
      });
    },
    checkStrategy(input) {
      calls.check.push(input);
      return Promise.resolve({ strategyName: input.strategyName, strategyPath: `strategies/${input.strategyName}.yaml` });
    },
    trainModel(input) {
      calls.train.push(input);
      return Promise.resolve({ operationId: 'op_training_1', modelPath: `models/${input.strategyName}/model.json`, metrics: opts.training ?? goodTraining });
    },
    runBacktest(input) {
      calls.backtest.push(input);
      return Promise.resolve({
        operationId: 'op_backtesting_1',
        validation: opts.backtest ?? goodBacktest,
        holdout: { ...goodBacktest, totalReturn: 0.01, sharpeRatio: 0.2 },
      });
    },
    assessStrategy(input) {
      calls.assess.push(input);
      return Promise.resolve({
        verdict: 'promising',
        assessmentPath: `strategies/${input.strategyName}/assessment.json`,
        offline: false,
        usage: usage({ model: input.model, inputTokens: 2000, outputTokens: 500, costUsd: 0.009 }),
      });
    },
    cleanUpCycle(input) {
      calls.cleanup.push(input);
      return Promise.resolve({ cancelledOperations: [] });
    },
  };
  return { ...base, ...opts.overrides?.(calls), calls };
}

/** The cycle's design is named after its number, so each cycle has a strategy of its own. */
export function numberedDesigns(calls: Fakes['calls']) {
  return {
    designStrategy(input: Parameters<Fakes['designStrategy']>[0]) {
      calls.design.push(input);
      const name = `strategy_c${cycleNumber(input.cycleId)}`;
      return Promise.resolve({
        strategyName: name,
        strategyPath: `strategies/${name}.yaml`,
        symbol: 'EURUSD',
        timeframe: '1h' as const,
        offline: false,
        usage: usage({ model: input.model }),
      });
    },
  };
}
