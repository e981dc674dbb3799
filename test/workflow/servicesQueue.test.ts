import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ResearchActivities } from '../../src/domain/activities';
import { createWorker } from '../../src/worker';
import { fakeActivities, runUntilCancelled, type Fakes } from '../support/fakeActivities';
import { startResearchCycle, timeSkippingEnv, waitFor, workflowBundle } from '../support/temporal';

/**
 * Training, backtests and clean-up — the activities that call the services — run on their own
 * task queue, `<research queue>-services`, polled by the workers beside the services instances;
 * the workflow and the Claude activities stay on the research queue. A research worker and a
 * services worker, as on two hosts, each run their role's activities only.
 */

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** The activities, each recording the task queue it ran from. */
function recording(fakes: Fakes, ran: [string, string][]): ResearchActivities {
  const record = (name: keyof ResearchActivities) => ran.push([name, Context.current().info.taskQueue]);
  return {
    ...fakes,
    designStrategy: (input) => (record('designStrategy'), fakes.designStrategy(input)),
    checkStrategy: (input) => (record('checkStrategy'), fakes.checkStrategy(input)),
    trainModel: (input) => (record('trainModel'), fakes.trainModel(input)),
    runBacktest: (input) => (record('runBacktest'), fakes.runBacktest(input)),
    assessStrategy: (input) => (record('assessStrategy'), fakes.assessStrategy(input)),
    cleanUpCycle: (input) => (record('cleanUpCycle'), fakes.cleanUpCycle(input)),
  };
}

/** A research worker and a services worker, as on two hosts, for the length of `fn`. */
async function withBothRoles<T>(activities: ResearchActivities, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `queues-${randomUUID()}`;
  const common = { connection: env.nativeConnection, taskQueue, activities, workflowBundle: await workflowBundle() };
  const research = await createWorker({ ...common, role: 'research' });
  const services = await createWorker({ ...common, role: 'services', servicesUrl: 'http://127.0.0.1:8000', maxServiceActivities: 2 });
  const work = fn(taskQueue);
  return (await Promise.all([research.runUntil(work), services.runUntil(work)]))[0];
}

describe('the task queues of a cycle', () => {
  test('training and backtest run on <queue>-services, the workflow, design and assessment on the research queue', async () => {
    const ran: [string, string][] = [];
    const status = await withBothRoles(recording(fakeActivities(), ran), async (taskQueue) => {
      const result = await (await startResearchCycle(env, taskQueue)).result();
      expect(ran).toEqual([
        ['designStrategy', taskQueue],
        ['trainModel', `${taskQueue}-services`],
        ['runBacktest', `${taskQueue}-services`],
        ['assessStrategy', taskQueue],
      ]);
      return result;
    });
    expect(status.outcome).toBe('completed');
  });

  test("a cancelled cycle's clean-up runs on <queue>-services too", async () => {
    const ran: [string, string][] = [];
    const fakes = fakeActivities({ overrides: (calls) => ({ trainModel: () => runUntilCancelled('trainModel', calls) }) });
    await withBothRoles(recording(fakes, ran), async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue);
      await waitFor(() => Promise.resolve(ran.some(([name]) => name === 'trainModel') || undefined), 'the training');
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      expect(ran.slice(1)).toEqual([
        ['trainModel', `${taskQueue}-services`],
        ['cleanUpCycle', `${taskQueue}-services`],
      ]);
    });
  });
});
