/** Names shared by the worker, the clients, the trigger script and the Web UI's start form. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AdmissionSettings,
  AdmitRequest,
  AdmitResult,
  BudgetSnapshot,
  Configure,
  Release,
  ReserveRequest,
  ReserveResult,
  Settle,
} from '../domain/admission';
import type { CycleStatus } from '../domain/cycle';
import type { LoopStatus } from '../domain/loop';

export const TASK_QUEUE = 'ktrdr-research';

/**
 * The task queue of the activities that call the training/backtest services, beside a research
 * queue: `ktrdr-research-services`. A worker beside each services instance polls it with the
 * instance's own capacity, so Temporal hands each instance only what it can run at once.
 */
export const servicesTaskQueue = (researchQueue: string) => `${researchQueue}-services`;
export const RESEARCH_WORKFLOW = 'researchCycle';
export const CYCLE_ID_PREFIX = 'research-';

export const statusQuery = defineQuery<CycleStatus>('status');

/** The research loop: cycles as child workflows `<loop id>-c<N>`; its messages, each answered with the loop's status. */
export const LOOP_WORKFLOW = 'researchLoop';
export const LOOP_ID_PREFIX = 'loop-';
export const loopStatusQuery = defineQuery<LoopStatus>('loopStatus');
export const pauseUpdate = defineUpdate<LoopStatus, []>('pause');
export const resumeUpdate = defineUpdate<LoopStatus, []>('resume');
export const stopUpdate = defineUpdate<LoopStatus, []>('stop');
export const setBriefUpdate = defineUpdate<LoopStatus, [{ brief: string }]>('setBrief');
export const setConcurrencyUpdate = defineUpdate<LoopStatus, [{ concurrency: number }]>('setConcurrency');

/** Typed search attributes, so the Web UI list and `temporal workflow list --query` filter cycles. */
export const PhaseAttribute = defineSearchAttributeKey('ResearchPhase', SearchAttributeType.KEYWORD);
export const StrategyAttribute = defineSearchAttributeKey('ResearchStrategy', SearchAttributeType.KEYWORD);
export const OutcomeAttribute = defineSearchAttributeKey('ResearchOutcome', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [PhaseAttribute, StrategyAttribute, OutcomeAttribute];

/**
 * Names of the admission entity workflow and its messages, shared by the workflow, the
 * activities that call it and the CLI. One per namespace, on the research task queue,
 * started by update-with-start by whoever needs it first; never by hand.
 */
export const ADMISSION_WORKFLOW = 'admission';
const ADMISSION_WORKFLOW_ID = 'ktrdr-admission';

/**
 * The admission workflow of a research task queue: it runs on that queue's workers, so a
 * queue of its own (`worker --task-queue`, each test) has its own; the default queue's is
 * `ktrdr-admission`.
 */
export const admissionWorkflowId = (taskQueue: string) => (taskQueue === TASK_QUEUE ? ADMISSION_WORKFLOW_ID : `${ADMISSION_WORKFLOW_ID}@${taskQueue}`);

export const admitUpdate = defineUpdate<AdmitResult, [AdmitRequest]>('admit');
export const reserveUpdate = defineUpdate<ReserveResult, [ReserveRequest]>('reserve');
export const settleSignal = defineSignal<[Settle]>('settle');
export const releaseSignal = defineSignal<[Release]>('release');
export const configureUpdate = defineUpdate<AdmissionSettings, [Configure]>('configure');
export const budgetQuery = defineQuery<BudgetSnapshot>('budget');

/** Descriptions the Web UI lists beside each handler. */
export const ADMISSION_HANDLERS = {
  admit:
    'Admit a research cycle {cycleId, offline, estimateUsd?}: admitted, or refused with budget_exhausted (spend, limit, reset time) or active_cycle_exists (the running cycles). Idempotent per cycle id.',
  reserve: "Reserve the estimated cost of a Claude phase {cycleId, phase, estimateUsd} against today's budget: a reservation id, or budget_exhausted.",
  settle: 'Record what a Claude phase really cost {cycleId, reservationId, costUsd, model, phase}, failed phases too; replaces its reservation.',
  release: "Give back a cycle's slot and its open reservations {cycleId, outcome}, whatever way it ended.",
  configure: 'Change the daily budget in USD and/or the number of cycles that may run at once {dailyBudgetUsd?, maxConcurrentCycles?}; returns the settings.',
  budget: "Today's budget: limit, spent, reserved, remaining, cycles affordable, next reset, running cycles and today's spend events.",
} as const;
