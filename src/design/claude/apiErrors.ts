/**
 * Turns what the SDK throws into the designer's error of its kind. Overload, rate limits,
 * server errors and lost connections are retried by the activity's policy, after the wait
 * the API asked for; a request the API refuses (bad key, no access, unknown model, a request
 * it cannot read) is final, with what to do about it, and so is what no wait can fix: a spend
 * limit reached, or a response the API marks `x-should-retry: false`. The usage spent so far
 * rides along, so a failed phase still shows what it cost.
 */
import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import type { LlmUsage } from '../../domain/models';
import { LlmRateLimited, LlmRefused, LlmRejected, LlmSpendLimit, LlmUnavailable } from '../errors';

const RETRYABLE_STATUS = new Set([408, 409, 429]);

/** `retry-after-ms`, else `retry-after` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (headers?.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * The SDK's classes for 429s a wait does not clear (its core/error-classes.ts, picked by
 * `error.details.error_code`): a contract's spend limit, and a tier's monthly usage limit. Its
 * third 429 subclass, a ramp limit, says to retry after `retry-after`.
 */
const isSpendLimit = (err: APIError) => err instanceof Anthropic.ContractSpendLimitReachedError || err instanceof Anthropic.EnforcedSpendLimitReachedError;

/**
 * A 404 names the model only when the API's answer does ("model: <id>"); any other 404 — a
 * bare "Not Found", or a page that is no API error at all — means ANTHROPIC_BASE_URL points
 * somewhere that has no Messages API (often a base URL that ends in /v1, which the SDK adds).
 */
function notFound(err: APIError, model: string, baseURL: string): string {
  if (err.type === 'not_found_error' && err.apiMessage?.includes(model)) {
    return `Model ${model} is not available (404: ${err.apiMessage}). Pick another with --model (opus, sonnet, haiku or a full id)`;
  }
  const answer = err.apiMessage ? `404 ${err.apiMessage}` : '404, not an API error,';
  return `ANTHROPIC_BASE_URL ${baseURL} is not the Messages API (${answer} for POST ${baseURL.replace(/\/$/, '')}/v1/messages). Set it to the API's root (https://api.anthropic.com, with no /v1), or unset it`;
}

function rejection(err: APIError, status: number, model: string, apiMessage: string, baseURL: string): string {
  switch (status) {
    case 401:
      return `Anthropic refused the API key (401: ${apiMessage}). Set a valid ANTHROPIC_API_KEY in the worker's environment and restart the worker, or start the cycle with --offline`;
    case 403:
      return `The API key may not use ${model} (403: ${apiMessage}). Pick a model the key may use with --model, or ask the key's admin`;
    case 404:
      return notFound(err, model, baseURL);
    case 402:
      return `The Anthropic account cannot pay for more requests (402: ${apiMessage}). Add credit in the Anthropic console`;
    default:
      return `Anthropic rejected the request (${status}: ${apiMessage}). This is a bug in ktrdr-agent's request; the transcript is in the worker's transcripts folder`;
  }
}

/** `instanceof` alone narrows to the SDK's `APIError<any, any, any>`; this narrows to its typed default. */
const isApiError = (err: unknown): err is APIError => err instanceof Anthropic.APIError;

export function apiError(err: unknown, model: string, spent: LlmUsage, baseURL: string): Error {
  if (err instanceof Anthropic.APIUserAbortError) return err;
  if (err instanceof Anthropic.APIConnectionError) {
    return new LlmUnavailable(`Cannot reach the Anthropic API: ${err.message}`, spent, { retryable: true });
  }
  if (!isApiError(err) || err.status === undefined) return err instanceof Error ? err : new Error(String(err));
  const { status } = err;
  const apiMessage = err.apiMessage ?? err.message;
  if (isSpendLimit(err)) {
    return new LlmSpendLimit(
      `The Anthropic organization reached a spend limit (${status} ${err.errorCode}: ${apiMessage}). Raise the limit in the Anthropic console, or start cycles with --offline`,
      spent,
    );
  }
  // The API's own word on retrying comes first, as in the SDK's retry decision (client.ts, shouldRetry).
  const shouldRetry = err.headers?.get('x-should-retry');
  const transient = RETRYABLE_STATUS.has(status) || status >= 500;
  const Kind = status === 429 ? LlmRateLimited : LlmUnavailable;
  if (shouldRetry === 'true' || (transient && shouldRetry !== 'false')) {
    return new Kind(`Anthropic API ${unavailable(status)}: ${apiMessage}`, spent, { retryable: true, afterMs: retryAfterMs(err.headers) });
  }
  if (transient) {
    return new Kind(`Anthropic API ${unavailable(status)}: ${apiMessage}. The API says a retry will not help (x-should-retry: false)`, spent);
  }
  return new LlmRejected(rejection(err, status, model, apiMessage, baseURL), spent);
}

const unavailable = (status: number) => (status === 429 ? 'rate limited' : status === 529 ? 'overloaded' : `unavailable (${status})`);

/**
 * The model declined (stop_reason 'refusal'). Final: a turn appended to a refused conversation
 * is refused again, and the docs' remedies are another context or another model
 * (platform.claude.com/docs/en/build-with-claude/handling-stop-reasons, "refusal"). The reason
 * is the API's own, from stop_details.
 */
export function refusal(reply: Anthropic.Message, what: string, advice: string, spent: LlmUsage): LlmRefused {
  const why = [reply.stop_details?.category, reply.stop_details?.explanation].filter(Boolean).join(': ');
  return new LlmRefused(`${reply.model} declined to ${what}${why ? ` (${why})` : ''}; ${advice}`, spent);
}
