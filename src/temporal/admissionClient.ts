/**
 * The CLI's side of admission: `trigger` admits a cycle id before it starts anything, and
 * `budget` reads and changes the budget. The admission workflow is answered by the workers,
 * so each call waits for one only so long.
 */
import type { Client } from '@temporalio/client';
import {
  budgetSnapshot,
  cycleEstimateUsd,
  initialAdmissionState,
  type AdmissionSettings,
  type AdmitRefusal,
  type BudgetSnapshot,
  type Configure,
} from '../domain/admission';
import type { CycleInput } from '../domain/cycle';
import { UserError } from '../errors';
import { TASK_QUEUE } from './definitions';
import { admissionSettings, admitThrough, budgetThrough, configureThrough, type AdmissionTarget } from './admission';

/** Exit codes of a refused `trigger`: one for each reason (KTRDR answered every refusal with 409, spec §8 #24). */
export const REFUSAL_EXIT_CODES: Record<AdmitRefusal['reason'], number> = { budget_exhausted: 3, active_cycle_exists: 4 };

/** A refusal as the CLI reports it: its reason first, then what it means and what to do. */
export class AdmissionRefused extends UserError {
  constructor(readonly refusal: AdmitRefusal) {
    super(`Cannot start a cycle (${refusal.reason}): ${refusal.message}`, REFUSAL_EXIT_CODES[refusal.reason]);
  }
}

/** How long the CLI waits for a worker to answer the admission workflow. */
const ANSWER_WITHIN_MS = 30_000;

/** The admission workflow of `taskQueue`, with the settings of this process's environment for a first start. */
const admissionTarget = (taskQueue: string): AdmissionTarget => ({ taskQueue, settings: admissionSettings() });

async function answered<T>(client: Client, taskQueue: string, call: () => Promise<T>): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + ANSWER_WITHIN_MS, call);
  } catch (err) {
    const grpc = err as { code?: number };
    if (grpc?.code === 4 || /deadline/i.test((err as Error)?.message ?? '')) {
      throw new UserError(
        `No worker answered the admission workflow within ${ANSWER_WITHIN_MS / 1000} s: start one on task queue '${taskQueue}' (\`ktrdr-agent worker\` or \`ktrdr-agent dev\`).`,
      );
    }
    throw err;
  }
}

/**
 * Admits `cycleId` before the CLI starts it, so a refusal comes before anything has started;
 * the cycle admits itself again as its first step, which finds it admitted. A cycle that will
 * run offline (asked to, or every worker polling lacks Claude) is not refused for budget.
 */
export async function admitBeforeStart(
  client: Client,
  cycleId: string,
  input: CycleInput,
  { offline, taskQueue = TASK_QUEUE }: { offline: boolean; taskQueue?: string },
): Promise<void> {
  const target = admissionTarget(taskQueue);
  const result = await answered(client, taskQueue, () => admitThrough(client, target, { cycleId, offline, estimateUsd: cycleEstimateUsd(input) }));
  if (!result.admitted) throw new AdmissionRefused(result);
}

export interface BudgetView {
  snapshot: BudgetSnapshot;
  /** False until the first cycle is admitted: the figures are then the settings the admission workflow will start with. */
  started: boolean;
}

export async function readBudget(client: Client, taskQueue = TASK_QUEUE, now = Date.now()): Promise<BudgetView> {
  const snapshot = await answered(client, taskQueue, () => budgetThrough(client, taskQueue));
  if (snapshot) return { snapshot, started: true };
  return { snapshot: budgetSnapshot(initialAdmissionState(admissionTarget(taskQueue).settings, now), now), started: false };
}

export async function configureBudget(client: Client, changes: Configure, taskQueue = TASK_QUEUE): Promise<AdmissionSettings> {
  return answered(client, taskQueue, () => configureThrough(client, admissionTarget(taskQueue), changes));
}
