/**
 * One conversation with Claude inside an activity: each call heartbeats while it waits (so
 * the activity can be cancelled, which aborts the HTTP request), counts tokens and dollars,
 * keeps the transcript, and stops at the caps of spec §1.9 — turns, cumulative prompt
 * tokens, output tokens per call — instead of spending without bound.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { LlmUsage } from '../../domain/models';
import { apiError } from './apiErrors';
import { outputConfig, replyTimeoutMs, type Effort } from './modelSettings';
import type { ClaudeRun } from './run';
import { Transcript } from './transcript';
import { fullPriceInputTokens, sumUsage, usageOfReply } from './usage';

/** What a conversation may spend before it stops (spec §1.9). */
export interface Caps {
  maxTurns: number;
  /**
   * Input tokens over all calls, cache writes included, cache reads not (see fullPriceInputTokens).
   * With the conversation cached, this is about the length the conversation grew to.
   */
  maxInputTokens: number;
  /** max_tokens of each call: thinking counts against it, so it leaves room for thinking and the answer. */
  maxOutputTokens: number;
}

/** What one phase asks Claude with; the activity's side (client, spend so far, heartbeat, signal) comes in the ClaudeRun. */
export interface ConversationOptions {
  cycleId: string;
  phase: 'design' | 'assessment';
  system: Anthropic.TextBlockParam[];
  tools: Anthropic.Tool[];
  caps: Caps;
  effort: Effort;
}

/** What an empty reply gets: the docs' continuation prompt (see ask), with what is still to do. */
export const continuePrompt = (task: string): string => `Please continue: ${task}`;

/** The start of what a follow-up says about a reply that ended at max_tokens. */
export const cutOff = (caps: Caps): string => `Your reply was cut off at the limit of ${caps.maxOutputTokens} output tokens`;

/** A cap stopped the conversation; the caller says what was left undone. */
export class CapReached extends Error {}

/**
 * How often a waiting call heartbeats. A cancellation reaches the activity only in the answer
 * to a heartbeat, and the worker sends at most one per throttle interval (see src/worker.ts):
 * beating more often than that makes every interval send one, so a cancel is noticed within
 * an interval instead of on a slower beat of its own.
 */
const HEARTBEAT_MS = 250;

export class Conversation {
  readonly messages: Anthropic.MessageParam[] = [];
  usage: LlmUsage;
  turns = 0;
  private inputTokensSpent = 0;
  private readonly transcript: Transcript;

  constructor(
    private readonly run: ClaudeRun,
    private readonly options: ConversationOptions,
  ) {
    this.usage = run.spent;
    this.transcript = new Transcript(run.transcriptsDir, { cycleId: options.cycleId, phase: options.phase, attempt: run.attempt });
  }

  /** Sends a user turn and returns Claude's reply, which becomes part of the conversation. */
  async ask(content: Anthropic.MessageParam['content']): Promise<Anthropic.Message> {
    const { system, tools, caps, effort } = this.options;
    const { client, model, heartbeat, signal } = this.run;
    const { transcript } = this;
    if (this.turns >= caps.maxTurns) throw new CapReached(`the cap of ${caps.maxTurns} calls`);
    if (this.inputTokensSpent >= caps.maxInputTokens) throw new CapReached(`the cap of ${caps.maxInputTokens} input tokens (${this.inputTokensSpent} used)`);
    this.messages.push({ role: 'user', content });
    this.turns++;
    // a copy of the turns so far: the transcript keeps each request as it was sent
    const config = outputConfig(model, effort);
    const request: Anthropic.MessageCreateParamsNonStreaming = {
      model,
      max_tokens: caps.maxOutputTokens,
      ...(config && { output_config: config }),
      // The conversation so far is cached (automatic caching: the breakpoint moves to the last
      // block), so each call pays full price only for what the previous reply and this turn
      // added. Thinking that comes back with a tool loop's replies is input too: re-sent at full
      // price, a ten-call design would pay for the first turns ten times.
      cache_control: { type: 'ephemeral' },
      system,
      tools,
      messages: [...this.messages],
    };
    const step = `turn ${this.turns}/${caps.maxTurns}: waiting for ${model}`;
    heartbeat(step, this.usage);
    const beat = setInterval(() => heartbeat(step, this.usage), HEARTBEAT_MS);
    let reply: Anthropic.Message;
    try {
      reply = await client.messages.create(request, { signal, timeout: replyTimeoutMs(caps.maxOutputTokens, client.timeout) });
    } catch (err) {
      transcript.record(request, { error: err instanceof Error ? err.message : String(err) });
      throw apiError(err, model, this.usage, client.baseURL);
    } finally {
      clearInterval(beat);
    }
    transcript.record(request, { reply });
    const used = usageOfReply(reply, model);
    this.usage = sumUsage(this.usage, used);
    this.inputTokensSpent += fullPriceInputTokens(used);
    heartbeat(`turn ${this.turns}/${caps.maxTurns}: answered (${reply.stop_reason})`, this.usage);
    // An empty reply (content [] with end_turn, most often right after tool results) is not
    // kept: the API refuses an empty assistant turn anywhere but last. The docs' remedy is a
    // continuation prompt in a new user message, never the empty turn sent back as it was
    // (platform.claude.com/docs/en/build-with-claude/handling-stop-reasons, "Empty responses
    // with end_turn"); the API merges that message with the user turn before it.
    if (reply.content.length > 0) this.messages.push({ role: 'assistant', content: reply.content });
    return reply;
  }
}
