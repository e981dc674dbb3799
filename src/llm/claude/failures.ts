import Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import type { LlmUsage } from '../../domain/models';

/**
 * Turns what the SDK throws into the failure Temporal should see. Overload, rate limits,
 * server errors and lost connections are retried by the activity's policy, after the wait
 * the API asked for; a request the API refuses (bad key, no access, unknown model, a request
 * it cannot read) is final, with what to do about it. The usage spent so far rides along in
 * the details, so a failed phase still shows what it cost.
 */
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

function refusal(status: number, model: string, apiMessage: string): string {
  switch (status) {
    case 401:
      return `Anthropic refused the API key (401: ${apiMessage}). Set a valid ANTHROPIC_API_KEY in the worker's environment and restart the worker, or start the cycle with --offline`;
    case 403:
      return `The API key may not use ${model} (403: ${apiMessage}). Pick a model the key may use with --model, or ask the key's admin`;
    case 404:
      return `Model ${model} is not available (404: ${apiMessage}). Pick another with --model (opus, sonnet, haiku or a full id)`;
    case 402:
      return `The Anthropic account cannot pay for more requests (402: ${apiMessage}). Add credit in the Anthropic console`;
    default:
      return `Anthropic rejected the request (${status}: ${apiMessage}). This is a bug in ktrdr-agent's request; the transcript is in the worker's transcripts folder`;
  }
}

export function claudeFailure(err: unknown, model: string, spent: LlmUsage): Error {
  if (err instanceof Anthropic.APIUserAbortError) return err;
  if (err instanceof Anthropic.APIConnectionError) {
    return ApplicationFailure.create({ message: `Cannot reach the Anthropic API: ${err.message}`, type: 'LlmUnavailable', details: [spent] });
  }
  if (!(err instanceof Anthropic.APIError) || err.status === undefined) return err instanceof Error ? err : new Error(String(err));
  const apiMessage = err.apiMessage ?? err.message;
  if (RETRYABLE_STATUS.has(err.status) || err.status >= 500) {
    const wait = retryAfterMs(err.headers);
    const what = err.status === 429 ? 'rate limited' : err.status === 529 ? 'overloaded' : `unavailable (${err.status})`;
    return ApplicationFailure.create({
      message: `Anthropic API ${what}: ${apiMessage}`,
      type: err.status === 429 ? 'LlmRateLimited' : 'LlmUnavailable',
      details: [spent],
      ...(wait !== undefined && { nextRetryDelay: Math.max(wait, 1) }),
    });
  }
  return ApplicationFailure.nonRetryable(refusal(err.status, model, apiMessage), 'LlmRejected', spent);
}

/**
 * The model declined (stop_reason 'refusal'). Final: a turn appended to a refused conversation
 * is refused again, and the docs' remedies are another context or another model
 * (platform.claude.com/docs/en/build-with-claude/handling-stop-reasons, "refusal"). The reason
 * is the API's own, from stop_details.
 */
export function refusalFailure(reply: Anthropic.Message, what: string, advice: string, spent: LlmUsage): ApplicationFailure {
  const why = [reply.stop_details?.category, reply.stop_details?.explanation].filter(Boolean).join(': ');
  return ApplicationFailure.nonRetryable(`${reply.model} declined to ${what}${why ? ` (${why})` : ''}; ${advice}`, 'LlmRefused', spent);
}
