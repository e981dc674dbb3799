import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CycleStatus } from '../domain/cycle';
import type { LoopStatus } from '../domain/loop';

/** Names shared by the worker, the clients, the trigger script and the Web UI's start form. */
export const TASK_QUEUE = 'ktrdr-research';
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
