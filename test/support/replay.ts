import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { PROJECT_ROOT } from '../../src/paths';
import { AgentMetrics } from '../../src/telemetry/agentMetrics';
import { cycleMetricsSinks } from '../../src/temporal/metricsSinks';

/** The workflow bundle `npm run build` makes, which the CLI's workers run. */
const BUILT_BUNDLE = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');

/**
 * Replays a workflow's history as a worker would, with the cycle's metrics sink registered (a
 * replay does not call it) beside any `sinks` given, on the built bundle unless given another.
 */
export async function replayHistory(
  history: temporal.api.history.v1.IHistory,
  workflowId: string,
  { workflowBundle = { codePath: BUILT_BUNDLE }, sinks }: Pick<WorkerOptions, 'workflowBundle' | 'sinks'> = {},
): Promise<void> {
  await Worker.runReplayHistory({ workflowBundle, sinks: { ...sinks, ...cycleMetricsSinks(new AgentMetrics()) } }, history, workflowId);
}
