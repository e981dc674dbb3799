/**
 * Tokens and dollars of a conversation, summed over its calls and priced by the model that
 * answered each one (spec §8 #18: KTRDR priced by an environment variable instead).
 */
import type Anthropic from '@anthropic-ai/sdk';
import { addUsage, costUsd, resolveModel, type LlmUsage } from '../../domain/models';

export function usageOfReply(reply: Pick<Anthropic.Message, 'model' | 'usage'>, requestedModel: string): LlmUsage {
  const model = resolveModel(reply.model) ?? resolveModel(requestedModel);
  const tokens = {
    inputTokens: reply.usage.input_tokens,
    outputTokens: reply.usage.output_tokens,
    cacheReadTokens: reply.usage.cache_read_input_tokens ?? 0,
    cacheWriteTokens: reply.usage.cache_creation_input_tokens ?? 0,
  };
  return { model: model ?? reply.model, ...tokens, costUsd: model ? costUsd(model, tokens) : 0 };
}

/**
 * Prompt tokens billed at the input price or above: what the input cap counts. Cache reads
 * (a tenth of the price or less) are left out, or the cached system prompt alone would use
 * up the cap in a handful of calls and caching would shorten the loop instead of cheapening it.
 */
export const fullPriceInputTokens = (u: Omit<LlmUsage, 'model'>) => u.inputTokens + u.cacheWriteTokens;

export const sumUsage = (a: LlmUsage, b: LlmUsage): LlmUsage => ({ model: b.model, ...addUsage(a, b) });
