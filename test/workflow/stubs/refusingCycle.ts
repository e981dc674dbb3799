import * as wf from '@temporalio/workflow';

/**
 * A workflow bundle for the loop's tests of refusals: the real researchLoop, and in place of
 * researchCycle a stub that ends as the test's activity says — refused too, as a cycle the
 * admission workflow turns away ends (outcome 'refused' and the admission's refusal), at the
 * moment the test chooses.
 */
export { researchLoop } from '../../../src/workflows/researchLoop';

export type Script =
  | { outcome: 'completed'; costUsd: number }
  | { outcome: 'refused'; reason: 'budget_exhausted'; resetsInMs: number }
  | { outcome: 'refused'; reason: 'active_cycle_exists'; activeCycles: string[] };

export interface ScriptActivities {
  /** What the cycle with this id does: it may hold the cycle running until the test lets it end. */
  script(input: { cycleId: string }): Promise<Script>;
}

const { script } = wf.proxyActivities<ScriptActivities>({ startToCloseTimeout: '10 minutes' });

export async function researchCycle(): Promise<unknown> {
  const cycleId = wf.workflowInfo().workflowId;
  const ended = await script({ cycleId });
  const usage = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: ended.outcome === 'completed' ? ended.costUsd : 0 };
  if (ended.outcome === 'completed') return { cycleId, phase: 'completed', outcome: 'completed', strategy: `strategy_${cycleId.split('-').at(-1)}`, usage };
  const refusal =
    ended.reason === 'budget_exhausted'
      ? {
          admitted: false,
          reason: ended.reason,
          message: 'the daily budget of $5.00 is spent',
          spentUsd: 5,
          limitUsd: 5,
          resetsAt: new Date(Date.now() + ended.resetsInMs).toISOString(),
        }
      : { admitted: false, reason: ended.reason, message: `a cycle is running: ${ended.activeCycles.join(', ')}`, activeCycles: ended.activeCycles };
  return { cycleId, phase: 'refused', outcome: 'refused', refusal, usage };
}
