/**
 * What a request says about thinking and effort, per model.
 *
 * Thinking: nothing. The 5.5 models think adaptively by default and some refuse to stop (Opus 5.5
 * and Sonnet 5.5 answer `thinking: {type: 'disabled'}` with a 400; Haiku 5.5 takes it only at
 * effort high or lower); the 4.x models think only when asked. Sending no setting is the one
 * choice every model accepts (platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting).
 * What thinking costs is budgeted instead: it counts against max_tokens (see the caps).
 *
 * Effort (`output_config.effort`) steers how much a model thinks and writes; every model of the
 * price table takes it but Haiku 4.5 (platform.claude.com/docs/en/build-with-claude/effort,
 * supported models, read 2026-12-06), so it is sent only where it is understood.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type { ModelId } from '../../domain/models';

export type Effort = NonNullable<Anthropic.OutputConfig['effort']>;

const TAKES_EFFORT: Record<ModelId, boolean> = {
  'claude-opus-5-5': true,
  'claude-sonnet-5-5': true,
  'claude-haiku-5-5': true,
  'claude-opus-4-8': true,
  'claude-opus-4-7': true,
  'claude-opus-4-6': true,
  'claude-opus-4-5': true,
  'claude-sonnet-4-6': true,
  'claude-haiku-4-5': false,
};

export function outputConfig(model: ModelId, effort: Effort): Anthropic.OutputConfig | undefined {
  return TAKES_EFFORT[model] ? { effort } : undefined;
}

/**
 * The longest a reply of `maxTokens` may take, at the rate the SDK assumes when it decides a
 * non-streaming request is too long (an hour for 128,000 tokens: sdk client.ts,
 * calculateNonstreamingTimeout), and never less than the client's own timeout.
 */
export const replyTimeoutMs = (maxTokens: number, clientTimeoutMs: number): number => Math.max(clientTimeoutMs, Math.ceil((3_600_000 * maxTokens) / 128_000));
