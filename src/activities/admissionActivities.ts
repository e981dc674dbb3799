/** Admission activities: a cycle admits itself, reserves, settles and releases; the admission workflow looks at holders. */
import { Context } from '@temporalio/activity';
import type { AdmissionActivities, AdmissionSettings } from '../domain/admission';
import { admitThrough, lookUpCycles, releaseThrough, reserveThrough, settleThrough } from '../temporal/admission';

export interface AdmissionActivityOptions {
  /** The settings this worker starts the admission workflow with, when it is the first to need it. */
  settings: AdmissionSettings;
  /** Whether this worker's design and assessment reach Claude: a cycle on a worker without it runs offline, and costs nothing. */
  claude: boolean;
}

/** The activities between research cycles and their task queue's admission workflow, through the worker's own Temporal client. */
export function createAdmissionActivities({ settings, claude }: AdmissionActivityOptions): AdmissionActivities {
  const current = () => {
    const ctx = Context.current();
    return { client: ctx.client, target: { taskQueue: ctx.info.taskQueue, settings } };
  };
  return {
    async admitCycle({ designEstimateUsd, ...request }) {
      const { client, target } = current();
      const offline = request.offline || !claude;
      const admission = await admitThrough(client, target, { ...request, offline });
      const design =
        admission.admitted && !offline && designEstimateUsd !== undefined
          ? await reserveThrough(client, target, { cycleId: request.cycleId, phase: 'designing', estimateUsd: designEstimateUsd })
          : undefined;
      return { admission, offline, ...(design && { design }) };
    },
    async reserveSpend(request) {
      const { client, target } = current();
      return reserveThrough(client, target, request);
    },
    async settleSpend(settlement) {
      const { client, target } = current();
      await settleThrough(client, target, settlement);
    },
    async releaseCycle(released) {
      const { client, target } = current();
      await releaseThrough(client, target.taskQueue, released);
    },
    async describeCycles({ cycleIds }) {
      return lookUpCycles(Context.current().client, cycleIds);
    },
  };
}
