/**
 * The assessment prompt (spec §7), built from typed results with their units (spec §8 #6):
 * the strategy, the training metrics and the validation backtest. Nothing of the held-out
 * test split is in it: the assessor judges what the designer may see.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { HYPOTHESIS_MAX_CHARS, MAX_PROPOSED_HYPOTHESES, VerdictSchema } from '../../domain/activities';
import { KEPT_PER_LIST } from '../assessmentFile';
import type { MetricsWithUnits } from '../metricsWithUnits';
import { recentText } from './discovery';
import type { RecentStrategy } from '../memory';
import { strictInputSchema } from './strictSchema';

const SYSTEM = `You assess trading strategies for ktrdr-agent, an autonomous research loop, as an objective and sceptical quant researcher. Each strategy is a neuro-fuzzy model: indicators, fuzzy memberships of their values, and a small MLP that classifies bars as BUY, HOLD or SELL from zigzag swing labels. You get the strategy, its training metrics and its backtest on the validation split (fills at the next bar's open, commission and slippage included), each field named with its unit: _pct is a percentage, _pp percentage points, sharpe_ratio is annualised by the timeframe's bars per year.

Judge:
- Is validation accuracy above chance (chance_accuracy_pct is what always predicting the most common class scores; lift_pp is the difference)? A lift of a few points on a few hundred bars can be noise.
- Did training learn (train_loss_decrease_pct), or stop early with a flat loss?
- Does the backtest make money after costs, and does its timing beat holding the market with the same stake (same_stake_buy_and_hold_pct is buy-and-hold's return at the strategy's average exposure; excess_over_same_stake_pp the difference; same_stake_excess_t its t-statistic, where anything between about -1 and 1 is the period's noise)? A long-only strategy that is mostly in cash is not expected to match a fully invested buy-and-hold (excess_return_pp). At what drawdown, over how many trades? Fewer than about 20 trades says little.
- Which design choices (indicators, fuzzy ranges, labels, network) plausibly explain the result?

Verdicts: promising = clearly above chance, profitable after costs and ahead of buy-and-hold at the same stake by more than the noise, with a tolerable drawdown, worth refining; mediocre = mixed or too little evidence; poor = no edge, or losses.

Record your judgement by calling save_assessment once: the verdict and 2–4 strengths, 2–4 weaknesses and 2–4 concrete suggestions for the next design (one where there is only one), each a sentence that cites the numbers it rests on. Add up to three hypotheses for the next cycles of the research loop to test, each one short sentence that a single new design can confirm or refute (which indicator or family to pair with which, on which symbol and timeframe); none when the results suggest none.`;

/**
 * What save_assessment takes, and zod checks: 1–6 sentences a list (a short answer is still an
 * answer); the assessor keeps the first KEPT_PER_LIST non-blank ones.
 */
const MAX_PER_LIST = 6;
const sentences = (what: string) =>
  z
    .array(z.string())
    .min(1)
    .max(MAX_PER_LIST)
    .describe(`${what}: 1–${MAX_PER_LIST} sentences (2–4 is best), each citing the numbers it rests on; the first ${KEPT_PER_LIST} are kept`);

export const AssessmentReplySchema = z.strictObject({
  verdict: VerdictSchema,
  strengths: sentences('What the results support'),
  weaknesses: sentences('What the results count against'),
  suggestions: sentences('Concrete changes for the next design'),
  hypotheses: z
    .array(z.string())
    .max(MAX_PER_LIST)
    .describe(
      `0–${MAX_PROPOSED_HYPOTHESES} hypotheses for later cycles to test, each one sentence under ${HYPOTHESIS_MAX_CHARS} characters that a single new design can confirm or refute; the first ${MAX_PROPOSED_HYPOTHESES} are kept`,
    )
    .optional(),
});
export type AssessmentReply = z.infer<typeof AssessmentReplySchema>;

export const SAVE_ASSESSMENT_TOOL: Anthropic.Tool = {
  name: 'save_assessment',
  description: `Records the assessment: the verdict, and strengths, weaknesses and suggestions (2–4 sentences each is best; 1–${MAX_PER_LIST} are accepted).`,
  input_schema: strictInputSchema(AssessmentReplySchema),
  strict: true,
};

export function assessSystemPrompt(): Anthropic.TextBlockParam[] {
  return [{ type: 'text', text: SYSTEM }];
}

export interface AssessContext {
  strategyName: string;
  strategyYaml: string | undefined;
  metrics: MetricsWithUnits;
  recent: RecentStrategy[];
  /** The model that designed the strategy may have seen the validation period (src/design/memoryCaveat.ts). */
  memoryWarning?: string;
}

export function assessUserPrompt({ strategyName, strategyYaml, metrics, recent, memoryWarning }: AssessContext): string {
  return [
    `# Assess strategy ${strategyName}`,
    ...(memoryWarning
      ? [`## Caveat\n${memoryWarning}: a model that knows how these prices went can design for them, so weigh the results with that doubt`]
      : []),
    `## Strategy\n${strategyYaml ? `\`\`\`yaml\n${strategyYaml.trim()}\n\`\`\`` : '(its YAML could not be read)'}`,
    `## Training (validation split)\n${JSON.stringify(metrics.training, null, 2)}`,
    `## Backtest (validation split)\n${JSON.stringify(metrics.validation_backtest, null, 2)}`,
    `## Recent strategies, for comparison (validation split)\n${recentText(recent)}`,
    '## Now\nCall save_assessment with your verdict, strengths, weaknesses and suggestions.',
  ].join('\n\n');
}
