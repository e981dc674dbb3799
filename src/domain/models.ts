/**
 * The Claude models a cycle may name (aliases, list prices, the default) and what a conversation
 * spent with them, in tokens and dollars.
 */
import { z } from 'zod';

/**
 * Claude models a cycle may use, with their list prices in USD per million tokens
 * (input / output / 5-minute cache write / cache read), read on 2026-11-25 from
 * platform.claude.com/docs/en/about-claude/pricing. One table: the model a trigger
 * names is validated against it and the cost of a call is priced from it.
 */
export const MODEL_PRICES = {
  'claude-opus-5-5': { input: 4, output: 20, cacheWrite: 5, cacheRead: 0.2 },
  'claude-sonnet-5-5': { input: 2, output: 10, cacheWrite: 2.5, cacheRead: 0.1 },
  'claude-haiku-5-5': { input: 0.1, output: 0.5, cacheWrite: 0.125, cacheRead: 0.01 },
  'claude-opus-4-8': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-7': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-6': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-sonnet-4-6': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
} as const;

export type ModelId = keyof typeof MODEL_PRICES;

export const MODEL_ALIASES: Record<string, ModelId> = {
  opus: 'claude-opus-5-5',
  sonnet: 'claude-sonnet-5-5',
  haiku: 'claude-haiku-5-5',
};

export const DEFAULT_MODEL: ModelId = 'claude-sonnet-5-5';

export function resolveModel(idOrAlias: string): ModelId | undefined {
  const key = idOrAlias.trim().toLowerCase();
  if (Object.hasOwn(MODEL_ALIASES, key)) return MODEL_ALIASES[key];
  return Object.hasOwn(MODEL_PRICES, key) ? (key as ModelId) : undefined;
}

/** A model named by alias or full id; unknown ids are rejected before a cycle starts (spec §8 #18). */
export const ModelSchema = z.string().transform((value, ctx) => {
  const model = resolveModel(value);
  if (model) return model;
  ctx.addIssue({
    code: 'custom',
    message: `unknown model '${value}': use ${Object.keys(MODEL_ALIASES).join(', ')} or one of ${Object.keys(MODEL_PRICES).join(', ')}`,
  });
  return z.NEVER;
});

export const LlmUsageSchema = z.strictObject({
  model: z.string(),
  inputTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  cacheReadTokens: z.number().int().min(0),
  cacheWriteTokens: z.number().int().min(0),
  costUsd: z.number().min(0),
});
export type LlmUsage = z.infer<typeof LlmUsageSchema>;

export function costUsd(model: ModelId, tokens: Omit<LlmUsage, 'model' | 'costUsd'>): number {
  const price = MODEL_PRICES[model];
  return (
    (tokens.inputTokens * price.input +
      tokens.outputTokens * price.output +
      tokens.cacheWriteTokens * price.cacheWrite +
      tokens.cacheReadTokens * price.cacheRead) /
    1_000_000
  );
}

export const NO_USAGE = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };

/** Nothing spent yet by `model` ('offline' for the offline designer and assessor). */
export const noUsage = (model: string): LlmUsage => ({ model, ...NO_USAGE });

/** Sums tokens and cost over several calls (a phase, a cycle). */
export function addUsage(total: Omit<LlmUsage, 'model'>, more: LlmUsage): Omit<LlmUsage, 'model'> {
  return {
    inputTokens: total.inputTokens + more.inputTokens,
    outputTokens: total.outputTokens + more.outputTokens,
    cacheReadTokens: total.cacheReadTokens + more.cacheReadTokens,
    cacheWriteTokens: total.cacheWriteTokens + more.cacheWriteTokens,
    costUsd: total.costUsd + more.costUsd,
  };
}
