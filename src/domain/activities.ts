/**
 * The contract between the research-cycle workflow and its activities. Everything here
 * crosses workflow history, so it holds names, paths, ids and metrics — never datasets,
 * prompts or completions. The workflow parses every phase's result with these schemas: a
 * producer that "completes" without the fields a gate needs fails loudly (spec §8 #4, #25).
 * The inputs, which the workflow makes itself, and clean-up's list of ids are plain types:
 * nothing parses them.
 */
import { z } from 'zod';
import type { AdmissionActivities } from './admission';
import { LlmUsageSchema } from './models';

/** Safe identifier used as a file name under strategies/ and models/. */
export const StrategyNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'a strategy name is lowercase letters, digits and underscores, starting with a letter');

export const SymbolSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'a symbol like EURUSD or SP500');
export const TimeframeSchema = z.enum(['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w']);

export interface DesignInput {
  cycleId: string;
  model: string;
  brief?: string;
  symbol?: string;
  timeframe?: z.infer<typeof TimeframeSchema>;
  /** Forces the offline designer even when the worker could reach Claude. */
  offline?: boolean;
}

export const DesignResultSchema = z.strictObject({
  strategyName: StrategyNameSchema,
  strategyPath: z.string().min(1),
  symbol: SymbolSchema,
  timeframe: TimeframeSchema,
  offline: z.boolean(),
  usage: LlmUsageSchema,
});
export type DesignResult = z.infer<typeof DesignResultSchema>;

/** A strategy a person gave the cycle, to be checked in place of a design. */
export interface StrategyCheckInput {
  cycleId: string;
  strategyName: string;
}

/** The given strategy, found and valid: where the worker found it. */
export const StrategyCheckResultSchema = z.strictObject({
  strategyName: StrategyNameSchema,
  strategyPath: z.string().min(1),
});
export type StrategyCheckResult = z.infer<typeof StrategyCheckResultSchema>;

export interface TrainInput {
  cycleId: string;
  strategyName: string;
  strategyPath: string;
}

/**
 * Training metrics the gate and the assessment read. Accuracy and loss are on the validation
 * split, each beside what a model without features scores (spec §8 #14): the chance figures.
 * They are optional only so that results recorded before they existed still parse on replay.
 */
export const TrainingMetricsSchema = z.strictObject({
  accuracy: z.number().min(0).max(1),
  loss: z.number().min(0),
  initialTrainLoss: z.number().positive(),
  finalTrainLoss: z.number().min(0),
  epochsTrained: z.number().int().min(1),
  /** Accuracy of always guessing the validation split's most common class. */
  chanceAccuracy: z.number().min(0).max(1).optional(),
  /** Cross-entropy on the validation split of always predicting the training split's class shares. */
  chanceLoss: z.number().min(0).optional(),
  /** The same on the training split itself: the loss a model that learnt nothing but the class shares ends at. */
  chanceTrainLoss: z.number().min(0).optional(),
});
export type TrainingMetrics = z.infer<typeof TrainingMetricsSchema>;

/**
 * The error codes of an operation that died with its service (`service_stopped`: stopped or
 * crashed while it ran or waited) or its worker thread (`thread_crashed`), not of its own
 * failure: a new operation may replace it (and a training resume from its checkpoint).
 */
export const REPLACEABLE_ERROR_CODES = ['service_stopped', 'thread_crashed'] as const;

/**
 * A remote operation that died with its service or its worker thread, or whose services
 * instance a retry on another host could not reach (`instance_unreachable`: the host was lost),
 * and that the activity replaced with a new one (a task id ending `-r<N>`). A job's own failure
 * is final and never replaced.
 */
export const ReplacedOperationSchema = z.strictObject({
  operationId: z.string().min(1),
  errorCode: z.enum([...REPLACEABLE_ERROR_CODES, 'instance_unreachable']),
});
export type ReplacedOperation = z.infer<typeof ReplacedOperationSchema>;

/** At most this many replacements per activity: a service that keeps dying fails the phase. */
export const MAX_REPLACEMENTS = 3;

const replacedOperations = z.array(ReplacedOperationSchema).min(1).max(MAX_REPLACEMENTS);

/** A training that resumed from the checkpoint of the operation it replaced, taken after `epoch` whole epochs. */
export const ResumedFromSchema = z.strictObject({ operationId: z.string().min(1), epoch: z.number().int().min(0) });

/**
 * `replacedOperations`, `resumedFrom` and `startedOver` are set only when an operation had to be
 * replaced: the dead ones in order, and whether the training that replaced the last resumed
 * from its checkpoint (after how many whole epochs) or started over (and why).
 */
export const TrainResultSchema = z.strictObject({
  operationId: z.string().min(1),
  modelPath: z.string().min(1),
  metrics: TrainingMetricsSchema,
  replacedOperations: replacedOperations.optional(),
  resumedFrom: ResumedFromSchema.optional(),
  startedOver: z.string().optional(),
});
export type TrainResult = z.infer<typeof TrainResultSchema>;

export interface BacktestInput extends TrainInput {
  modelPath: string;
}

/**
 * Fractions, not percentages: totalReturn 0.12 is +12 %, maxDrawdown 0.3 is 30 % below the peak.
 * Returns are after the costs the backtest charged. The buy-and-hold figures and the average
 * exposure are optional only so that results recorded before they existed still parse on replay.
 */
export const BacktestMetricsSchema = z.strictObject({
  totalReturn: z.number().min(-1),
  sharpeRatio: z.number(),
  maxDrawdown: z.number().min(0).max(1),
  winRate: z.number().min(0).max(1),
  totalTrades: z.number().int().min(0),
  /** Fully invested over the same period, with the same costs. */
  buyAndHoldReturn: z.number().min(-1).optional(),
  buyAndHoldSharpe: z.number().optional(),
  /** Mean share of equity in the position: buyAndHoldReturn × this is what holding the market with the same stake earned. */
  averageExposure: z.number().min(0).max(1).optional(),
  /** t-statistic of the strategy's mean bar excess over that same-stake yardstick: how far beyond the period's noise it leads (> 0) or trails (< 0). */
  sameStakeTStat: z.number().optional(),
  profitFactor: z.number().min(0).optional(),
});
export type BacktestMetrics = z.infer<typeof BacktestMetricsSchema>;

/** The gate and the assessment read `validation`; `holdout` is for the researcher only. */
export const BacktestResultSchema = z.strictObject({
  operationId: z.string().min(1),
  validation: BacktestMetricsSchema,
  holdout: BacktestMetricsSchema.optional(),
  reportPath: z.string().optional(),
  /** As in TrainResultSchema: a backtest that died with its service is run again from the start. */
  replacedOperations: replacedOperations.optional(),
});
export type BacktestResult = z.infer<typeof BacktestResultSchema>;

export const VerdictSchema = z.enum(['promising', 'mediocre', 'poor']);
export type Verdict = z.infer<typeof VerdictSchema>;

export const AssessInputSchema = z.strictObject({
  cycleId: z.string().min(1),
  model: z.string(),
  strategyName: StrategyNameSchema,
  strategyPath: z.string().min(1),
  training: TrainingMetricsSchema,
  backtest: BacktestMetricsSchema,
  offline: z.boolean().optional(),
});
export type AssessInput = z.infer<typeof AssessInputSchema>;

/** A hypothesis an assessment proposes for later cycles to test (spec §9): one short sentence. */
export const HYPOTHESIS_MAX_CHARS = 300;
export const HypothesisTextSchema = z.string().trim().min(1).max(HYPOTHESIS_MAX_CHARS);
/** An assessment proposes none to this many. */
export const MAX_PROPOSED_HYPOTHESES = 3;
export const ProposedHypothesesSchema = z.array(HypothesisTextSchema).max(MAX_PROPOSED_HYPOTHESES);

export const AssessResultSchema = z.strictObject({
  verdict: VerdictSchema,
  assessmentPath: z.string().min(1),
  offline: z.boolean(),
  usage: LlmUsageSchema,
  /** Optional only so that results recorded before assessments proposed hypotheses still parse on replay. */
  hypotheses: ProposedHypothesesSchema.optional(),
  /** Set when the period the assessment judged ends before the designing model's training cutoff (src/design/modelMemory.ts). */
  memoryWarning: z.string().optional(),
});
export type AssessResult = z.infer<typeof AssessResultSchema>;

/** Heartbeat details of a long activity: what `status` and the Web UI's Pending Activities tab show. */
export const ActivityProgressSchema = z.object({
  percent: z.number().min(0).max(100),
  step: z.string(),
  operationId: z.string().optional(),
  /** The services instance that runs the operation (its address), shown raw in the Web UI's pending activity. */
  servicesUrl: z.string().optional(),
  epoch: z.number().int().optional(),
  totalEpochs: z.number().int().optional(),
  /** A training's mean loss over the current epoch's batches so far. */
  loss: z.number().optional(),
  /** A start waiting in the services' queue: how many are ahead of it. */
  queuedAhead: z.number().int().min(0).optional(),
  /** Operations of this activity that died with their service and were replaced, so far. */
  replacedOperations: z.array(ReplacedOperationSchema).optional(),
  resumedFrom: ResumedFromSchema.optional(),
});
export type ActivityProgress = z.infer<typeof ActivityProgressSchema>;

/** Every activity a research worker runs: the phases', and the calls to the admission workflow. */
export interface ResearchActivities extends AdmissionActivities {
  designStrategy(input: DesignInput): Promise<DesignResult>;
  /** Finds a given strategy and runs the one validator on it; an unknown or invalid one fails with every problem (InvalidStrategy). */
  checkStrategy(input: StrategyCheckInput): Promise<StrategyCheckResult>;
  trainModel(input: TrainInput): Promise<TrainResult>;
  runBacktest(input: BacktestInput): Promise<BacktestResult>;
  assessStrategy(input: AssessInput): Promise<AssessResult>;
  /** Cancels whatever remote work the cycle left running; runs when a cycle fails or is cancelled. */
  cleanUpCycle(input: CleanupInput): Promise<CleanupResult>;
}

/** Retryable failure type of a service activity whose remote operation is still running (see SERVICE_POLICY). */
export const OPERATION_RUNNING = 'OperationRunning';

/**
 * Failure types that a retry cannot fix. Activities throw them as non-retryable
 * ApplicationFailures; the retry policies list them too, as a second guard.
 */
export const NON_RETRYABLE_ERRORS = [
  'InvalidInput',
  'InvalidStrategy',
  'NoData',
  'ServiceRejected',
  'LlmRejected',
  'LlmRefused',
  'LlmSpendLimit',
  'DesignGaveUp',
  'InvalidAssessment',
  'ServiceProtocolError',
] as const;

export interface CleanupInput {
  cycleId: string;
  outcome: 'failed' | 'cancelled';
}

/** Ids of the remote operations that clean-up found still running for the cycle and cancelled. */
export interface CleanupResult {
  cancelledOperations: string[];
}
