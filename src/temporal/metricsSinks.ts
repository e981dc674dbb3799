/**
 * The worker's end of the cycle's metrics sink: each call lands in the process's AgentMetrics.
 * `callDuringReplay: false` (the SDK's default, said here because it is the point): a cycle
 * replayed after a restart, or on another worker, is not counted again.
 */
import type { InjectedSinks } from '@temporalio/worker';
import type { CycleMetricsSinks } from '../domain/cycleMetrics';
import type { AgentMetrics } from '../telemetry/agentMetrics';

export function cycleMetricsSinks(metrics: AgentMetrics): InjectedSinks<CycleMetricsSinks> {
  return {
    cycleMetrics: {
      phaseEnded: { fn: (_info, phase, seconds) => metrics.phaseEnded(phase, seconds), callDuringReplay: false },
      gateJudged: { fn: (_info, gate, passed) => metrics.gateJudged(gate, passed), callDuringReplay: false },
      claudeUsed: { fn: (_info, phase, tokens, costUsd) => metrics.claudeUsed(phase, tokens, costUsd), callDuringReplay: false },
      cycleEnded: { fn: (_info, outcome, seconds) => metrics.cycleEnded(outcome, seconds), callDuringReplay: false },
    },
  };
}
