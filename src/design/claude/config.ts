/**
 * How a worker reaches Claude. Read once, when the worker starts, from the environment the
 * SDK documents (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL). No key means no Claude: the
 * offline designer and assessor run and every result says so. The key stays in this
 * object and the SDK's headers; nothing here is ever logged or written.
 */
import Anthropic from '@anthropic-ai/sdk';

export interface ClaudeConfig {
  apiKey: string;
  baseURL?: string;
  /** Longest wait for one reply; the SDK refuses large non-streaming requests without one. */
  timeoutMs: number;
}

export function claudeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ClaudeConfig | undefined {
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) return undefined;
  // eslint-disable-next-line @typescript-eslint/prefer-nullish-coalescing -- a blank ANTHROPIC_BASE_URL is unset
  return { apiKey, baseURL: env.ANTHROPIC_BASE_URL?.trim() || undefined, timeoutMs: 300_000 };
}

/**
 * The SDK's own retries are off: Temporal retries the activity with backoff, so waits show in
 * the cycle's history and the two retry loops do not multiply. Each call is an OpenTelemetry span
 * when the process traces (model, tokens, stop reason: the SDK's), never with the prompt or the
 * reply in it, whatever ANTHROPIC_OPEN_TELEMETRY_* says.
 */
export function createClaudeClient(config: ClaudeConfig): Anthropic {
  return new Anthropic({
    apiKey: config.apiKey,
    baseURL: config.baseURL,
    maxRetries: 0,
    timeout: config.timeoutMs,
    openTelemetry: { traces: { contentMode: 'metadata_only' } },
  });
}

/** The line a worker prints at start: whether its cycles get Claude. */
export function claudeMode(config: ClaudeConfig | undefined): string {
  if (!config) return 'Claude: off (no ANTHROPIC_API_KEY): the offline designer and assessor design and assess.';
  return `Claude: on (ANTHROPIC_API_KEY set${config.baseURL ? `, API at ${config.baseURL}` : ''}); cycles started with --offline use the offline designer and assessor.`;
}
