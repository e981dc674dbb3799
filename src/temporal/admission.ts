/**
 * Calls to the admission workflow, for the activities (through the worker's client) and the
 * CLI alike. Each that may be the first starts it (update-with-start, or signal-with-start for
 * a settlement that must not be lost), with the settings of whoever starts it.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  admissionSettingsFromEnv,
  BudgetSnapshotSchema,
  type AdmissionSettings,
  type AdmitRequest,
  type AdmitResult,
  type BudgetSnapshot,
  type Configure,
  type CycleLookup,
  type Release,
  type ReserveRequest,
  type ReserveResult,
  type Settle,
} from '../domain/admission';
import { UserError } from '../errors';
import { ADMISSION_WORKFLOW, admissionWorkflowId, admitUpdate, budgetQuery, configureUpdate, releaseSignal, reserveUpdate, settleSignal } from './definitions';

/** Which admission workflow, and the settings for its first start (afterwards `configure` changes them). */
export interface AdmissionTarget {
  taskQueue: string;
  settings: AdmissionSettings;
}

/** The settings in this process's environment (KTRDR_DAILY_BUDGET_USD, KTRDR_MAX_CONCURRENT_CYCLES); a bad value is the user's to fix. */
export function admissionSettings(env: NodeJS.ProcessEnv = process.env): AdmissionSettings {
  const read = admissionSettingsFromEnv(env);
  if (!read.ok) throw new UserError(read.problem);
  return read.settings;
}

const SUMMARY = 'Admission: daily budget and concurrent research cycles';

function startOptions(target: AdmissionTarget) {
  return {
    workflowId: admissionWorkflowId(target.taskQueue),
    taskQueue: target.taskQueue,
    args: [{ settings: target.settings }] as const,
    staticSummary: SUMMARY,
  };
}

const withStart = (target: AdmissionTarget) =>
  new WithStartWorkflowOperation(ADMISSION_WORKFLOW, { ...startOptions(target), workflowIdConflictPolicy: 'USE_EXISTING' });

export function admitThrough(client: Client, target: AdmissionTarget, request: AdmitRequest): Promise<AdmitResult> {
  return client.workflow.executeUpdateWithStart(admitUpdate, { args: [request], startWorkflowOperation: withStart(target) });
}

export function reserveThrough(client: Client, target: AdmissionTarget, request: ReserveRequest): Promise<ReserveResult> {
  return client.workflow.executeUpdateWithStart(reserveUpdate, { args: [request], startWorkflowOperation: withStart(target) });
}

export function configureThrough(client: Client, target: AdmissionTarget, changes: Configure): Promise<AdmissionSettings> {
  return client.workflow.executeUpdateWithStart(configureUpdate, { args: [changes], startWorkflowOperation: withStart(target) });
}

export async function settleThrough(client: Client, target: AdmissionTarget, settlement: Settle): Promise<void> {
  await client.workflow.signalWithStart(ADMISSION_WORKFLOW, {
    ...startOptions(target),
    args: [{ settings: target.settings }],
    signal: settleSignal,
    signalArgs: [settlement],
  });
}

/** A release to an admission workflow that is not there has nothing to give back. */
export async function releaseThrough(client: Client, taskQueue: string, released: Release): Promise<void> {
  try {
    await client.workflow.getHandle(admissionWorkflowId(taskQueue)).signal(releaseSignal, released);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/** Today's budget, or undefined when no admission workflow runs yet (nothing admitted, nothing spent). */
export async function budgetThrough(client: Client, taskQueue: string): Promise<BudgetSnapshot | undefined> {
  const handle = client.workflow.getHandle(admissionWorkflowId(taskQueue));
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return undefined;
    return BudgetSnapshotSchema.parse(await handle.query(budgetQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** Whether each cycle's workflow still runs, has closed (and how), or does not exist. */
export async function lookUpCycles(client: Client, cycleIds: string[]): Promise<CycleLookup[]> {
  return Promise.all(
    cycleIds.map(async (cycleId): Promise<CycleLookup> => {
      try {
        const { status } = await client.workflow.getHandle(cycleId).describe();
        return { cycleId, found: status.name === 'RUNNING' ? 'running' : 'closed', status: status.name };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { cycleId, found: 'not_found' };
        throw err;
      }
    }),
  );
}
