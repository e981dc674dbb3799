/**
 * What a research cycle tells the worker's metrics (spec §1.8), through a workflow sink: the
 * workflow cannot do I/O, and the SDK calls a sink only when the workflow runs for the first
 * time, never when it replays, so a cycle replayed on another worker is not counted twice.
 */
import type { ClaudePhase } from './admission';
import type { Outcome, ResearchPhase } from './cycle';
import type { GateResult } from './gates';

// A type, not an interface: the SDK's Sinks is a record, which an interface does not satisfy.
export type CycleMetricsSinks = {
  cycleMetrics: {
    phaseEnded(phase: ResearchPhase, seconds: number): void;
    /** `passed` is the checks' verdict: a bypassed gate whose checks failed counts as failed. */
    gateJudged(gate: GateResult['gate'], passed: boolean): void;
    claudeUsed(phase: ClaudePhase, tokens: number, costUsd: number): void;
    cycleEnded(outcome: Outcome, seconds: number): void;
  };
};
