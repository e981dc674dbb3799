/**
 * What the cycle's history records when a designer or an assessor fails: each kind of error the
 * designers throw, through the one mapping the design activities use, then through Temporal's
 * own failure converter, as the worker sends it. The types, retryability, waits and details are
 * the ones the workflow, its retry policies and the recorded histories depend on.
 */
import Anthropic from '@anthropic-ai/sdk';
import { DefaultFailureConverter, defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, test } from 'vitest';
import { claudePhaseFailure, designFailure, invalidStrategyFailure, offlinePhaseFailure } from '../../src/activities/failures';
import { DesignGaveUp, InvalidAssessment, LlmRateLimited, LlmRefused, LlmRejected, LlmSpendLimit, LlmUnavailable, NoData } from '../../src/design/errors';
import { noUsage, type LlmUsage } from '../../src/domain/models';
import { UserError } from '../../src/errors';

const spent: LlmUsage = { model: 'claude-sonnet-5-5', inputTokens: 1200, outputTokens: 300, cacheReadTokens: 800, cacheWriteTokens: 0, costUsd: 0.0084 };
const offline = noUsage('offline');

/** The failure as the worker records it in the cycle's history (its stack trace aside). */
function recorded(error: unknown) {
  const failure = new DefaultFailureConverter().errorToFailure(error, defaultPayloadConverter);
  const info = failure.applicationFailureInfo!;
  const delay = info.nextRetryDelay;
  return {
    message: failure.message,
    type: info.type,
    nonRetryable: info.nonRetryable,
    details: (info.details?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p)),
    nextRetryDelayMs: delay ? Number(delay.seconds ?? 0) * 1000 + (delay.nanos ?? 0) / 1e6 : undefined,
    cause: failure.cause?.message ?? undefined,
  };
}

describe('a Claude phase', () => {
  test('LlmUnavailable is retried, with what was spent; a wait the API asked for is the next retry delay, at least 1 ms', () => {
    expect(recorded(designFailure(new LlmUnavailable('Cannot reach the Anthropic API: Connection error.', spent, { retryable: true })))).toEqual({
      message: 'Cannot reach the Anthropic API: Connection error.',
      type: 'LlmUnavailable',
      nonRetryable: false,
      details: [spent],
      nextRetryDelayMs: undefined,
      cause: undefined,
    });
    expect(recorded(designFailure(new LlmUnavailable('Anthropic API overloaded: Overloaded', spent, { retryable: true, afterMs: 0 })))).toMatchObject({
      type: 'LlmUnavailable',
      nonRetryable: false,
      nextRetryDelayMs: 1,
    });
  });

  test('LlmRateLimited is retried after the retry-after wait, or final when the API says a retry will not help', () => {
    expect(recorded(designFailure(new LlmRateLimited('Anthropic API rate limited: rate limited', spent, { retryable: true, afterMs: 7000 })))).toEqual({
      message: 'Anthropic API rate limited: rate limited',
      type: 'LlmRateLimited',
      nonRetryable: false,
      details: [spent],
      nextRetryDelayMs: 7000,
      cause: undefined,
    });
    expect(recorded(designFailure(new LlmRateLimited('Anthropic API rate limited: no', spent, { retryable: false })))).toMatchObject({
      type: 'LlmRateLimited',
      nonRetryable: true,
      nextRetryDelayMs: undefined,
    });
  });

  test('LlmSpendLimit is final, with what was spent', () => {
    expect(recorded(designFailure(new LlmSpendLimit('The Anthropic organization reached a spend limit', spent)))).toEqual({
      message: 'The Anthropic organization reached a spend limit',
      type: 'LlmSpendLimit',
      nonRetryable: true,
      details: [spent],
      nextRetryDelayMs: undefined,
      cause: undefined,
    });
  });

  test('LlmRejected is final; one raised before any call (an unknown model) has no details', () => {
    expect(recorded(designFailure(new LlmRejected('Anthropic refused the API key (401: invalid x-api-key)', spent)))).toMatchObject({
      type: 'LlmRejected',
      nonRetryable: true,
      details: [spent],
    });
    const unknownModel = designFailure(new LlmRejected("Unknown model 'gpt-9'"));
    expect(unknownModel.details).toEqual([]);
    expect(recorded(unknownModel)).toEqual({
      message: "Unknown model 'gpt-9'",
      type: 'LlmRejected',
      nonRetryable: true,
      details: [],
      nextRetryDelayMs: undefined,
      cause: undefined,
    });
  });

  test('LlmRefused is final, with what was spent', () => {
    expect(
      recorded(designFailure(new LlmRefused('claude-sonnet-5-5 declined to design a strategy for this brief (cyber); rephrase the brief', spent))),
    ).toEqual({
      message: 'claude-sonnet-5-5 declined to design a strategy for this brief (cyber); rephrase the brief',
      type: 'LlmRefused',
      nonRetryable: true,
      details: [spent],
      nextRetryDelayMs: undefined,
      cause: undefined,
    });
  });

  test('DesignGaveUp is final, with what was spent', () => {
    expect(recorded(designFailure(new DesignGaveUp('claude-sonnet-5-5 did not save a valid strategy within the cap of 10 calls', spent)))).toMatchObject({
      type: 'DesignGaveUp',
      nonRetryable: true,
      details: [spent],
    });
  });

  test('InvalidAssessment is final, with what was spent', () => {
    expect(
      recorded(designFailure(new InvalidAssessment('claude-sonnet-5-5 gave no valid assessment after a repair round: verdict: Invalid option', spent))),
    ).toMatchObject({
      type: 'InvalidAssessment',
      nonRetryable: true,
      details: [spent],
    });
  });

  test('the failure keeps the stack of the place that threw, whose first line names the kind', () => {
    const error = new LlmRefused('declined', spent);
    const failure = designFailure(error);
    expect(failure.stack).toBe(error.stack);
    expect(failure.stack).toMatch(/^LlmRefused: declined\n/);
  });

  test('an error that is not a designer error goes on as it is: an aborted request is read as a cancellation, a bug keeps its own name', () => {
    const aborted = new Anthropic.APIUserAbortError();
    expect(claudePhaseFailure(aborted)).toBe(aborted);
    const bug = new TypeError('x is undefined');
    expect(claudePhaseFailure(bug)).toBe(bug);
    expect(recorded(claudePhaseFailure(new LlmRefused('declined', spent)))).toMatchObject({ type: 'LlmRefused', nonRetryable: true, details: [spent] });
  });
});

describe('an offline phase: every failure carries the offline usage', () => {
  test('NoData is final', () => {
    expect(recorded(offlinePhaseFailure(new NoData('No market data for TSLA; available: EURUSD 1h'), 'DesignGaveUp'))).toEqual({
      message: 'No market data for TSLA; available: EURUSD 1h',
      type: 'NoData',
      nonRetryable: true,
      details: [offline],
      nextRetryDelayMs: undefined,
      cause: undefined,
    });
  });

  test('DesignGaveUp is final', () => {
    expect(recorded(offlinePhaseFailure(new DesignGaveUp('The offline designer found no valid strategy for FLAT 1d in 5 attempts'), 'DesignGaveUp'))).toEqual({
      message: 'The offline designer found no valid strategy for FLAT 1d in 5 attempts',
      type: 'DesignGaveUp',
      nonRetryable: true,
      details: [offline],
      nextRetryDelayMs: undefined,
      cause: undefined,
    });
  });

  test("a problem the user can fix is final, as the phase's failure type", () => {
    const problem = new UserError('data/GOOG_1d.csv: line 7 has 5 columns; expected 6');
    expect(recorded(offlinePhaseFailure(problem, 'DesignGaveUp'))).toMatchObject({
      message: problem.message,
      type: 'DesignGaveUp',
      nonRetryable: true,
      details: [offline],
      cause: undefined,
    });
    expect(recorded(offlinePhaseFailure(problem, 'InvalidAssessment'))).toMatchObject({ type: 'InvalidAssessment', nonRetryable: true, details: [offline] });
  });

  test('anything else is retried under its own name, with the error as its cause', () => {
    const error = Object.assign(new Error('EBUSY: resource busy or locked'), { name: 'SystemError' });
    expect(recorded(offlinePhaseFailure(error, 'InvalidAssessment'))).toEqual({
      message: 'EBUSY: resource busy or locked',
      type: 'SystemError',
      nonRetryable: false,
      details: [offline],
      nextRetryDelayMs: undefined,
      cause: 'EBUSY: resource busy or locked',
    });
    expect(recorded(offlinePhaseFailure('thrown text', 'DesignGaveUp'))).toMatchObject({
      message: 'thrown text',
      type: 'Error',
      nonRetryable: false,
      details: [offline],
    });
  });
});

test("a person's strategy that fails the check is final, InvalidStrategy, with the validator's problems", () => {
  const problems = ['fuzzy_sets.rsi_14.low: never fires on EURUSD 1h', 'training_data: no data for TSLA 1h'];
  expect(recorded(invalidStrategyFailure(problems))).toEqual({
    message: problems.join('; '),
    type: 'InvalidStrategy',
    nonRetryable: true,
    details: [problems],
    nextRetryDelayMs: undefined,
    cause: undefined,
  });
});
