/**
 * A research cycle as the workflow sees it: its input (what a caller may send, checked with every
 * problem at once), its phases and outcome, and the status it reports while it runs and once it
 * has ended.
 */
import { z } from 'zod';
import {
  BacktestResultSchema,
  DesignResultSchema,
  StrategyNameSchema,
  SymbolSchema,
  TimeframeSchema,
  TrainResultSchema,
  VerdictSchema,
  AssessResultSchema,
} from './activities';
import { AdmitRefusalSchema } from './admission';
import { GateResultSchema, GateThresholdsSchema } from './gates';
import { DEFAULT_MODEL, LlmUsageSchema, ModelSchema } from './models';

/** What steers a design only: a cycle given its strategy has no design to steer. */
const DESIGN_ONLY_FIELDS = ['brief', 'symbol', 'timeframe'] as const;

/**
 * The one argument of `researchCycle`. The CLI, `scripts/trigger.sh` and the Web UI's
 * start form all send this JSON object; the workflow parses it again, so every way of
 * starting a cycle gets the same checks. Unknown keys are errors, not silently ignored.
 */
export const CycleInputSchema = z
  .strictObject({
    brief: z.string().trim().min(1).max(4000).optional(),
    symbol: SymbolSchema.optional(),
    timeframe: TimeframeSchema.optional(),
    /** A person's strategy (a name in strategies/ or strategies/designed/): the cycle skips the design and trains it. */
    strategy: StrategyNameSchema.optional(),
    model: ModelSchema.default(DEFAULT_MODEL),
    /** Design and assess with the offline designer and assessor even when the worker has an API key. */
    offline: z.boolean().default(false),
    bypassGates: z.boolean().default(false),
    gates: GateThresholdsSchema.prefault({}),
  })
  .superRefine(
    (input, ctx) => {
      if (input.strategy === undefined) return;
      for (const field of DESIGN_ONLY_FIELDS) {
        if (input[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: `steers a design, and a cycle given a strategy has none: drop ${field} or strategy` });
      }
    },
    // checked beside the other problems, so that every problem is told at once
    { when: () => true },
  );
/** What a caller may send (every field optional). */
export type CycleRequest = z.input<typeof CycleInputSchema>;
/** What the workflow runs with (defaults filled, model resolved to a full id). */
export type CycleInput = z.infer<typeof CycleInputSchema>;

export type ParsedInput = { ok: true; input: CycleInput } | { ok: false; problems: string[] };

/** Every problem of an input at once, each with the path of the offending field. */
export const issueLines = (error: z.ZodError): string[] =>
  error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : 'input'}: ${issue.message}`);

export function parseCycleInput(raw: unknown): ParsedInput {
  const result = CycleInputSchema.safeParse(raw ?? {});
  return result.success ? { ok: true, input: result.data } : { ok: false, problems: issueLines(result.error) };
}

export const RESEARCH_PHASES = ['designing', 'training', 'backtesting', 'assessing'] as const;
const ResearchPhaseSchema = z.enum(RESEARCH_PHASES);
export type ResearchPhase = z.infer<typeof ResearchPhaseSchema>;

/** `refused`: the admission turned the cycle away (budget or concurrency) and it ended at once, having done nothing. */
export const OutcomeSchema = z.enum(['completed', 'failed', 'cancelled', 'refused']);
export type Outcome = z.infer<typeof OutcomeSchema>;

export const CyclePhaseSchema = z.enum([...RESEARCH_PHASES, ...OutcomeSchema.options]);
export type CyclePhase = z.infer<typeof CyclePhaseSchema>;

const PhaseTimingSchema = z.strictObject({
  phase: ResearchPhaseSchema,
  /** Why the phase did not run: a cycle given a strategy skips the design (its time is the strategy's check). */
  skipped: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
});
export type PhaseTiming = z.infer<typeof PhaseTimingSchema>;

const FailureSchema = z.strictObject({
  phase: ResearchPhaseSchema.optional(),
  kind: z.enum(['invalid_input', 'gate', 'activity', 'invalid_result']),
  reason: z.string(),
});
export type Failure = z.infer<typeof FailureSchema>;

/** What the status query returns and, once the cycle ends, its result. */
export const CycleStatusSchema = z.strictObject({
  cycleId: z.string(),
  phase: CyclePhaseSchema,
  outcome: OutcomeSchema.optional(),
  /** Who designed: a Claude model id, or 'offline'; unset until the design (or its failure) says. */
  model: z.string().optional(),
  bypassGates: z.boolean(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  strategy: z.string().optional(),
  phases: z.array(PhaseTimingSchema),
  gates: z.strictObject({ training: GateResultSchema.optional(), backtest: GateResultSchema.optional() }),
  design: DesignResultSchema.optional(),
  training: TrainResultSchema.optional(),
  backtest: BacktestResultSchema.optional(),
  assessment: AssessResultSchema.optional(),
  verdict: VerdictSchema.optional(),
  /**
   * Why the assessment failed, when it alone did: the cycle still completes with its training,
   * backtest and gates, and no verdict. `failure` is for a cycle that failed.
   */
  assessmentFailure: z.string().optional(),
  usage: LlmUsageSchema.omit({ model: true }),
  failure: FailureSchema.optional(),
  /** Why the admission refused the cycle (outcome `refused`): budget_exhausted or active_cycle_exists, with what the loop and the CLI need. */
  refusal: AdmitRefusalSchema.optional(),
  /** Remote operations that clean-up cancelled after a failure or cancellation. */
  cancelledOperations: z.array(z.string()).optional(),
});
export type CycleStatus = z.infer<typeof CycleStatusSchema>;

/**
 * A few fields of the status kept in the workflow's memo, so `list` and `status` can show a
 * closed cycle (a cancelled one has no result) without a worker to answer a query.
 */
export const CycleSummarySchema = z.object({
  phase: CyclePhaseSchema,
  lastPhase: ResearchPhaseSchema.optional(),
  strategy: z.string().optional(),
  verdict: VerdictSchema.optional(),
  assessmentFailure: z.string().optional(),
  failure: z.string().optional(),
  /** Why the admission refused the cycle. */
  refusal: z.object({ reason: z.string(), message: z.string() }).optional(),
  model: z.string().optional(),
  costUsd: z.number(),
  tokens: z.number(),
});
export type CycleSummary = z.infer<typeof CycleSummarySchema>;
