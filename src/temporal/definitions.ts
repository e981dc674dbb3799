/** Names shared by the worker, the clients, the trigger script and the Web UI's start form. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery } from '@temporalio/workflow';
import type { CycleStatus } from '../domain/cycle';

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

/** Typed search attributes, so the Web UI list and `temporal workflow list --query` filter cycles. */
export const PhaseAttribute = defineSearchAttributeKey('ResearchPhase', SearchAttributeType.KEYWORD);
export const StrategyAttribute = defineSearchAttributeKey('ResearchStrategy', SearchAttributeType.KEYWORD);
export const OutcomeAttribute = defineSearchAttributeKey('ResearchOutcome', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [PhaseAttribute, StrategyAttribute, OutcomeAttribute];
