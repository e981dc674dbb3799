import { z } from 'zod';
import { BacktestMetricsSchema, ProposedHypothesesSchema, VerdictSchema } from './activities';
import { AdmitRefusalSchema } from './admission';
import { OutcomeSchema } from './cycle';

/**
 * What the research loop reads of a cycle that ended: its outcome, what it spent, its validation
 * figures, its verdict and the hypotheses its assessment proposed. Only these fields, and loosely:
 * unknown keys are dropped (the holdout among them: the loop never reads it), so a status that
 * grew a field still reads.
 */

const CycleEndSchema = z.object({
  outcome: OutcomeSchema,
  /** Who designed (or assessed) it: a Claude model id, or 'offline'. */
  model: z.string().optional(),
  strategy: z.string().optional(),
  verdict: VerdictSchema.optional(),
  assessmentFailure: z.string().optional(),
  failure: z.object({ kind: z.string(), phase: z.string().optional(), reason: z.string() }).optional(),
  usage: z.object({ costUsd: z.number().min(0) }).optional(),
  training: z.object({ metrics: z.object({ accuracy: z.number(), chanceAccuracy: z.number().optional() }) }).optional(),
  backtest: z.object({ validation: BacktestMetricsSchema }).optional(),
  assessment: z.object({ hypotheses: ProposedHypothesesSchema.optional() }).optional(),
  refusal: AdmitRefusalSchema.optional(),
});
export type CycleEnd = z.infer<typeof CycleEndSchema>;

/** A cycle's status as it ended (its result, or its failure's details); one that does not read is a failed cycle that says so. */
export function readCycleEnd(raw: unknown): CycleEnd {
  const parsed = CycleEndSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'status'}: ${i.message}`).join('; ');
  return { outcome: 'failed', failure: { kind: 'unreadable', reason: `its status could not be read: ${problems}` } };
}

const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** A cycle's validation figures in one line: `validation Sharpe 1.10, return +8.0%, 40 trades`. */
export function validationLine(end: CycleEnd): string | undefined {
  const v = end.backtest?.validation;
  return v && `validation Sharpe ${v.sharpeRatio.toFixed(2)}, return ${signedPct(v.totalReturn)}, ${v.totalTrades} trades`;
}
