/**
 * What a designer or an assessor (Claude's or the offline one) throws when its phase cannot end
 * well: the kind of failure, whether another attempt may help and after how long, and what the
 * phase spent. The activity turns each into the failure Temporal records
 * (src/activities/failures.ts); a kind's name is the failure type the workflow, its retry
 * policies (NON_RETRYABLE_ERRORS in src/domain/activities.ts) and recorded histories know.
 */
import type { LlmUsage } from '../domain/models';

/** Whether another attempt may succeed, and how long the API asked it to wait first. */
export interface RetryAdvice {
  retryable: boolean;
  afterMs?: number;
}

const FINAL: RetryAdvice = { retryable: false };

export abstract class DesignError extends Error {
  abstract readonly type: string;

  constructor(
    message: string,
    /** Tokens and dollars the phase spent before it failed, so a failed phase still shows its cost. */
    readonly usage?: LlmUsage,
    readonly retry: RetryAdvice = FINAL,
  ) {
    super(message);
    // the stack's first line then names the kind, as the failure it becomes does
    this.name = new.target.name;
  }
}

/** The API cannot answer now: overloaded, a server error, no connection. */
export class LlmUnavailable extends DesignError {
  readonly type = 'LlmUnavailable';
}

/** The API's rate limit: retried after the wait it asks for. */
export class LlmRateLimited extends DesignError {
  readonly type = 'LlmRateLimited';
}

/** The organization reached a spend limit: no wait clears it. */
export class LlmSpendLimit extends DesignError {
  readonly type = 'LlmSpendLimit';
}

/** The API refused the request: a bad key, no access to the model, an unknown model, a wrong base URL. */
export class LlmRejected extends DesignError {
  readonly type = 'LlmRejected';
}

/** The model declined the task (stop_reason 'refusal'). */
export class LlmRefused extends DesignError {
  readonly type = 'LlmRefused';
}

/** No valid strategy was saved within the caps or attempts, or its name belongs to another cycle. */
export class DesignGaveUp extends DesignError {
  readonly type = 'DesignGaveUp';
}

/** No usable assessment came back. */
export class InvalidAssessment extends DesignError {
  readonly type = 'InvalidAssessment';
}

/** There is no market data for what the cycle asked for. */
export class NoData extends DesignError {
  readonly type = 'NoData';
}
