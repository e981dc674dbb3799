import { ApplicationFailure } from '@temporalio/common';
import type { AssessInput, AssessResult, DesignInput, DesignResult } from '../domain/activities';
import { UserError } from '../errors';
import { assessOffline } from '../llm/offlineAssessor';
import { designOffline } from '../llm/offlineDesigner';

/**
 * The design and assessment activities. Without Claude (issue 6) they run the offline
 * designer and assessor, and say so in their results. A problem a retry cannot fix (no
 * data for the requested market, no valid design within the attempts) is final.
 */
function finalOnUserError<T>(type: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof UserError) throw ApplicationFailure.nonRetryable(err.message, type);
    throw err;
  }
}

export function createDesignActivities(options: { strategiesDir?: string; dataDir?: string } = {}) {
  return {
    async designStrategy(input: DesignInput): Promise<DesignResult> {
      return finalOnUserError('DesignGaveUp', () => designOffline({ ...input, ...options }));
    },
    async assessStrategy(input: AssessInput): Promise<AssessResult> {
      return finalOnUserError('InvalidAssessment', () => assessOffline({ ...input, strategiesDir: options.strategiesDir }));
    },
  };
}
