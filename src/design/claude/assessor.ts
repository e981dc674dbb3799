/**
 * The assessment activity with Claude (spec §1.6, §7): one call that should end in a
 * `save_assessment` tool call (or, from a model that skips tools, the same JSON as text).
 * An answer with no usable verdict or list gets one repair round with what was wrong, then
 * the phase fails for good (`InvalidAssessment`); a refusal fails it at once (`LlmRefused`).
 * An empty reply, or one cut off at max_tokens, is no answer yet and gets a follow-up
 * instead. The assessment is saved with the model that answered.
 */
import fs from 'node:fs';
import type Anthropic from '@anthropic-ai/sdk';
import type { z } from 'zod';
import { AssessResultSchema, HYPOTHESIS_MAX_CHARS, MAX_PROPOSED_HYPOTHESES, type AssessInput, type AssessResult } from '../../domain/activities';
import { strategyFile } from '../../research/files';
import { AssessmentContentSchema, KEPT_PER_LIST, writeAssessment, type AssessmentContent } from '../assessmentFile';
import { designerMemoryCaveat } from '../memoryCaveat';
import { InvalidAssessment } from '../errors';
import { recentStrategies } from '../memory';
import { metricsWithUnits } from '../metricsWithUnits';
import { AssessmentReplySchema, assessSystemPrompt, assessUserPrompt, SAVE_ASSESSMENT_TOOL, type AssessmentReply } from './assessPrompt';
import { CapReached, continuePrompt, Conversation, cutOff, type Caps } from './conversation';
import { refusal } from './apiErrors';
import type { Effort } from './modelSettings';
import type { ClaudeRun } from './run';

export const ASSESS_CAPS: Caps = { maxTurns: 3, maxInputTokens: 30_000, maxOutputTokens: 8_000 };

/**
 * Medium effort: judging a handful of numbers needs some thought, not a long one. The answer is
 * a few hundred tokens; max_tokens leaves the thinking before it (a few thousand tokens at
 * medium) room twice over. A third call is for one follow-up beyond the repair round: an
 * empty reply, or one cut off at max_tokens.
 */
const ASSESS_EFFORT: Effort = 'medium';

const RECENT_FOR_COMPARISON = 5;

type Answer = { ok: true; content: AssessmentContent } | { ok: false; problems: string[] };

/** The first JSON object in a text: what a model that answers in prose around its JSON means. */
function jsonInText(reply: Anthropic.Message): unknown {
  const text = reply.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    return JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

const problemsOf = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || 'assessment'}: ${i.message}`);

/**
 * What the file keeps of an answer: the first KEPT_PER_LIST non-blank sentences of each list, and
 * the first hypotheses, each cut to a short sentence (they travel in the loop's state).
 */
function kept({ verdict, strengths, weaknesses, suggestions, hypotheses }: AssessmentReply): unknown {
  const keep = (list: string[], n = KEPT_PER_LIST) =>
    list
      .map((s) => s.trim())
      .filter(Boolean)
      .slice(0, n);
  const short = (s: string) => (s.length > HYPOTHESIS_MAX_CHARS ? `${s.slice(0, HYPOTHESIS_MAX_CHARS - 1)}…` : s);
  return {
    verdict,
    strengths: keep(strengths),
    weaknesses: keep(weaknesses),
    suggestions: keep(suggestions),
    ...(hypotheses && { hypotheses: keep(hypotheses, MAX_PROPOSED_HYPOTHESES).map(short) }),
  };
}

function answerOf(reply: Anthropic.Message): Answer {
  const call = reply.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use' && b.name === SAVE_ASSESSMENT_TOOL.name);
  const raw = call ? call.input : jsonInText(reply);
  if (raw === undefined) return { ok: false, problems: ['no save_assessment call and no JSON assessment in the reply'] };
  const answer = AssessmentReplySchema.safeParse(raw);
  if (!answer.success) return { ok: false, problems: problemsOf(answer.error) };
  // what kept() leaves can only fail by a list left without a non-blank sentence
  const content = AssessmentContentSchema.safeParse(kept(answer.data));
  if (!content.success) return { ok: false, problems: content.error.issues.map((i) => `${i.path.join('.')}: no sentence that is not blank`) };
  return { ok: true, content: content.data };
}

/** A reply that is no answer yet, rather than a wrong one: it gets a follow-up, not the repair round. */
const unanswered = (reply: Anthropic.Message) => reply.stop_reason === 'max_tokens' || reply.content.length === 0;

/**
 * The turn after a reply that saved no assessment: every tool call answered (the API requires
 * it); an empty reply is asked to continue, a reply cut off at max_tokens is asked for the call,
 * any other is told what was wrong.
 */
function followUp(reply: Anthropic.Message, problems: string[], caps: Caps): Anthropic.MessageParam['content'] {
  const request =
    reply.stop_reason === 'max_tokens'
      ? `${cutOff(caps)} before the assessment was saved. Call save_assessment now, with less deliberation.`
      : reply.content.length === 0
        ? continuePrompt('record your judgement by calling save_assessment.')
        : `The assessment was not saved: ${problems.join('; ')}. Call save_assessment again with a verdict (promising, mediocre or poor) and 2–4 non-empty sentences each for strengths, weaknesses and suggestions.`;
  const calls = reply.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  if (calls.length === 0) return request;
  return calls.map((call) => ({ type: 'tool_result' as const, tool_use_id: call.id, content: request, is_error: true }));
}

export async function assessWithClaude(
  input: AssessInput,
  run: ClaudeRun,
  options: { strategiesDir: string; dataDir: string; caps?: Caps },
): Promise<AssessResult> {
  const { strategiesDir, dataDir, caps = ASSESS_CAPS } = options;
  const { model } = run;
  const metrics = metricsWithUnits(input.training, input.backtest);
  const conversation = new Conversation(run, {
    cycleId: input.cycleId,
    phase: 'assessment',
    system: assessSystemPrompt(),
    tools: [SAVE_ASSESSMENT_TOOL],
    caps,
    effort: ASSESS_EFFORT,
  });
  let yaml: string | undefined;
  try {
    yaml = fs.readFileSync(strategyFile(input.strategyName, strategiesDir), 'utf8');
  } catch {
    yaml = undefined;
  }
  const recent = recentStrategies(RECENT_FOR_COMPARISON + 1, { strategiesDir })
    .filter((r) => r.name !== input.strategyName)
    .slice(0, RECENT_FOR_COMPARISON);

  const memoryWarning = designerMemoryCaveat(input.strategyName, { strategiesDir, dataDir });
  let next: Anthropic.MessageParam['content'] = assessUserPrompt({ strategyName: input.strategyName, strategyYaml: yaml, metrics, recent, memoryWarning });
  let problems: string[] = [];
  let repaired = false;
  const noAssessment = (why: string) => new InvalidAssessment(`${model} gave no valid assessment ${why}: ${problems.join('; ')}`, conversation.usage);
  try {
    for (;;) {
      const reply = await conversation.ask(next);
      if (reply.stop_reason === 'refusal')
        throw refusal(reply, `assess ${input.strategyName}`, 'assess it with another --model, or offline', conversation.usage);
      const answer = answerOf(reply);
      if (answer.ok) {
        const assessmentPath = writeAssessment(
          input.strategyName,
          {
            ...answer.content,
            assessed_at: new Date().toISOString(),
            cycle_id: input.cycleId,
            model: conversation.usage.model,
            offline: false,
            metrics,
            ...(memoryWarning && { memory_warning: memoryWarning }),
          },
          strategiesDir,
        );
        return AssessResultSchema.parse({
          verdict: answer.content.verdict,
          assessmentPath,
          offline: false,
          usage: conversation.usage,
          hypotheses: answer.content.hypotheses,
          memoryWarning,
        });
      }
      problems = answer.problems;
      // one repair round for a wrong answer; an empty or cut-off reply was no answer yet
      if (!unanswered(reply)) {
        if (repaired) throw noAssessment('after a repair round');
        repaired = true;
      }
      next = followUp(reply, problems, caps);
    }
  } catch (err) {
    if (!(err instanceof CapReached)) throw err;
    throw noAssessment(`within ${err.message}`);
  }
}
