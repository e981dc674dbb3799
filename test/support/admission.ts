import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AdmissionSettings, BudgetSnapshot } from '../../src/domain/admission';
import type { CycleRequest, CycleStatus } from '../../src/domain/cycle';
import { admissionWorkflowId, budgetQuery } from '../../src/temporal/definitions';
import { createWorker, type ResearchWorker } from '../../src/worker';
import { fakeActivities, goodTraining, runUntilCancelled, usage, type CallLog, type Fakes } from './fakeActivities';
import { startResearchCycle, workflowBundle } from './temporal';

/**
 * Task queues for tests of admission on the time-skipping server, each with a worker that has
 * the real admission activities, so each its own admission workflow. Every worker runs until
 * `close`: an admission workflow whose workers are gone would keep time from skipping for
 * the tests after it.
 */
export class AdmissionQueues {
  private readonly workers: { worker: ResearchWorker; running: Promise<void> }[] = [];

  constructor(private readonly env: TestWorkflowEnvironment) {}

  /** A worker on a fresh task queue with fake research activities and the real admission activities, starting the admission with `settings`. */
  async queueWith(settings: AdmissionSettings, overrides?: (calls: CallLog) => Partial<Fakes>): Promise<{ queue: string; fakes: Fakes }> {
    const fakes = fakeActivities({ admission: { settings, claude: true }, overrides });
    const queue = `admission-${randomUUID()}`;
    const worker = await createWorker({ connection: this.env.nativeConnection, taskQueue: queue, activities: fakes, workflowBundle: await workflowBundle() });
    this.workers.push({ worker, running: worker.run() });
    return { queue, fakes };
  }

  budget(queue: string): Promise<BudgetSnapshot> {
    return this.env.client.workflow.getHandle(admissionWorkflowId(queue)).query(budgetQuery);
  }

  async run(queue: string, request: CycleRequest = {}): Promise<CycleStatus> {
    return (await startResearchCycle(this.env, queue, request)).result();
  }

  async close(): Promise<void> {
    for (const { worker } of this.workers) worker.shutdown();
    await Promise.all(this.workers.map((w) => w.running));
  }
}

/**
 * Skips the time-skipping server to 06:00 UTC (today's, or tomorrow's when it is past), so that no
 * skip on the way crosses midnight before the test does; returns the 00:00 UTC after it.
 */
export async function sixInTheMorningUtc(env: TestWorkflowEnvironment): Promise<string> {
  const now = await env.currentTimeMs();
  const six = new Date(now).setUTCHours(6, 0, 0, 0);
  const start = six > now ? six : six + 86_400_000;
  await env.sleep(start - now);
  return new Date(new Date(start).setUTCHours(24, 0, 0, 0)).toISOString();
}

/**
 * Training holds until cancelled when the brief says "hold", the design when it says "design
 * hangs", and fails to be retried in an hour when it says "design retries"; a Claude design costs what the brief says after "costs" (else $0.05), an assessment $0.009; offline, nothing.
 */
export const scripted = (calls: CallLog): Partial<Fakes> => ({
  async designStrategy(input) {
    calls.design.push(input);
    if (input.brief?.includes('design hangs')) return runUntilCancelled('design', calls);
    // between attempts, no activity runs: the time-skipping server mishandles a termination while one does (sdk-java#3088)
    if (input.brief?.includes('design retries')) throw ApplicationFailure.create({ message: 'overloaded', type: 'LlmOverloaded', nextRetryDelay: '1 hour' });
    const cost = Number(/costs ([\d.]+)/.exec(input.brief ?? '')?.[1] ?? 0.05);
    return {
      strategyName: 'rsi_adx_trend_filter',
      strategyPath: 'strategies/rsi_adx_trend_filter.yaml',
      symbol: 'EURUSD',
      timeframe: '1h',
      offline: input.offline ?? false,
      usage: usage({ model: input.model, costUsd: input.offline ? 0 : cost }),
    };
  },
  async trainModel(input) {
    calls.train.push(input);
    if (calls.design.at(-1)?.brief?.includes('hold')) return runUntilCancelled('training', calls);
    return { operationId: 'op_training', modelPath: `models/${input.strategyName}/model.json`, metrics: goodTraining };
  },
  assessStrategy(input) {
    calls.assess.push(input);
    const offline = input.offline ?? false;
    return Promise.resolve({
      verdict: 'promising',
      assessmentPath: 'strategies/x/assessment.json',
      offline,
      usage: offline ? usage({ model: 'offline', costUsd: 0 }) : usage({ model: input.model, costUsd: 0.009 }),
    });
  },
});
