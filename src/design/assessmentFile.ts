/**
 * `assessment.json` beside the strategy (`strategies/designed/<name>/` for a design; spec §7),
 * written by the offline assessor and by Claude's. The content an assessor decides is a schema
 * of its own, checked before anything is saved. A file keeps 1–4 sentences a list: a short
 * assessment is still an assessment, and files written before, with 2–4, still read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ProposedHypothesesSchema, VerdictSchema } from '../domain/activities';
import { strategyFolder } from '../research/files';
import { writeFileAtomic } from '../writeFileAtomic';
import { MetricsWithUnitsSchema } from './metricsWithUnits';

export const KEPT_PER_LIST = 4;
const Statement = z.string().trim().min(1);
const Statements = z.array(Statement).min(1).max(KEPT_PER_LIST);

export const AssessmentContentSchema = z.strictObject({
  verdict: VerdictSchema,
  strengths: Statements,
  weaknesses: Statements,
  suggestions: Statements,
  /** For later cycles of a research loop to test (spec §9); files written before have none. */
  hypotheses: ProposedHypothesesSchema.optional(),
});
export type AssessmentContent = z.infer<typeof AssessmentContentSchema>;

export const AssessmentSchema = AssessmentContentSchema.extend({
  assessed_at: z.iso.datetime(),
  cycle_id: z.string().min(1),
  /** 'offline' or the Claude model that answered. */
  model: z.string().min(1),
  offline: z.boolean(),
  /** What the assessor was shown: training metrics and the validation backtest, never the holdout. */
  metrics: MetricsWithUnitsSchema,
  /** Set when the model that designed the strategy may have seen the validation period (src/design/memoryCaveat.ts). */
  memory_warning: z.string().optional(),
});
export type Assessment = z.infer<typeof AssessmentSchema>;

const assessmentFile = (name: string, strategiesDir: string) => path.join(strategyFolder(name, strategiesDir), 'assessment.json');

/** Overwrites an earlier assessment of the strategy, as KTRDR does: the latest judgement stands. */
export function writeAssessment(name: string, assessment: Assessment, strategiesDir: string): string {
  const file = assessmentFile(name, strategiesDir);
  writeFileAtomic(file, `${JSON.stringify(AssessmentSchema.parse(assessment), null, 2)}\n`);
  return file;
}

/** The strategy's assessment, or undefined when it has none or the file is not one (memory must not fail a design). */
export function readAssessment(name: string, strategiesDir: string): Assessment | undefined {
  try {
    const parsed = AssessmentSchema.safeParse(JSON.parse(fs.readFileSync(assessmentFile(name, strategiesDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
