import { ApplicationFailure } from '@temporalio/common';
import type { ResearchActivities } from '../domain/activities';

const notYet = (what: string) => () => {
  throw ApplicationFailure.nonRetryable(
    `${what} is not built yet: this worker runs the workflow, but the engine, services and Claude activities come with the next issues`,
    'NotImplemented',
  );
};

/** The activities this worker runs in production. */
export function createActivities(): ResearchActivities {
  return {
    designStrategy: notYet('The strategy designer'),
    trainModel: notYet('The training service client'),
    runBacktest: notYet('The backtest service client'),
    assessStrategy: notYet('The assessor'),
    cleanUpCycle: async () => ({ cancelledOperations: [] }),
  };
}
