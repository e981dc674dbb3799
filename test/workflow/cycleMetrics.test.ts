import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CycleRequest } from '../../src/domain/cycle';
import { servicesTaskQueue } from '../../src/temporal/definitions';
import { AgentMetrics } from '../../src/telemetry/agentMetrics';
import { cycleMetricsSinks } from '../../src/temporal/metricsSinks';
import { fakeActivities, goodTraining, type Fakes } from '../support/fakeActivities';
import { metricValue } from '../support/metrics';
import { startResearchCycle, timeSkippingEnv, workflowBundle } from '../support/temporal';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/**
 * Runs one cycle on a worker that keeps no workflow in its cache: every workflow task replays the
 * cycle's history from its start, so anything counted again on replay would show here.
 */
async function counted(fakes: Fakes, request: CycleRequest = {}, metrics = new AgentMetrics()) {
  const taskQueue = `test-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: fakes,
    sinks: cycleMetricsSinks(metrics),
    maxCachedWorkflows: 0,
  });
  // training and backtests run on the services' queue
  const services = await Worker.create({ connection: env.nativeConnection, taskQueue: servicesTaskQueue(taskQueue), activities: fakes });
  const servicesRunning = services.run();
  const handle = await worker.runUntil(async () => {
    const started = await startResearchCycle(env, taskQueue, request);
    await started.result().catch(() => undefined);
    return started;
  });
  services.shutdown();
  await servicesRunning;
  return { text: await metrics.registry.metrics(), handle, metrics };
}

describe("a cycle's metrics", () => {
  test('a completed cycle counts once: its outcome, each phase, both gates passed, tokens and dollars by Claude phase', async () => {
    const { text } = await counted(fakeActivities(), { model: 'haiku' });
    expect(metricValue(text, 'agent_cycles_total', { outcome: 'completed' })).toBe(1);
    expect(metricValue(text, 'agent_cycles_total', { outcome: 'failed' })).toBe(0);
    expect(metricValue(text, 'agent_cycle_duration_seconds_count')).toBe(1);
    for (const phase of ['designing', 'training', 'backtesting', 'assessing']) {
      expect(metricValue(text, 'agent_phase_duration_seconds_count', { phase }), phase).toBe(1);
    }
    expect(metricValue(text, 'agent_gate_results_total', { gate: 'training', result: 'pass' })).toBe(1);
    expect(metricValue(text, 'agent_gate_results_total', { gate: 'backtest', result: 'pass' })).toBe(1);
    expect(metricValue(text, 'agent_gate_results_total', { result: 'fail' })).toBe(0);
    // the fakes' usage: design 1200 in + 300 out + 800 cache read, assessment 2000 + 500 + 800
    expect(metricValue(text, 'agent_tokens_total', { phase: 'design' })).toBe(2300);
    expect(metricValue(text, 'agent_tokens_total', { phase: 'assessment' })).toBe(3300);
    expect(metricValue(text, 'agent_budget_spend_total')).toBeCloseTo(0.00548 + 0.009, 10);
  });

  test('a cycle stopped by its training gate counts as failed, with the gate failed and no backtest gate', async () => {
    const { text } = await counted(fakeActivities({ training: { ...goodTraining, accuracy: 0.4 } }));
    expect(metricValue(text, 'agent_cycles_total', { outcome: 'failed' })).toBe(1);
    expect(metricValue(text, 'agent_gate_results_total', { gate: 'training', result: 'fail' })).toBe(1);
    expect(metricValue(text, 'agent_gate_results_total', { gate: 'backtest' })).toBe(0);
    expect(metricValue(text, 'agent_phase_duration_seconds_count', { phase: 'backtesting' })).toBe(0);
  });

  test('a bypassed gate counts by its checks: failed, though the cycle goes on and completes', async () => {
    const { text } = await counted(fakeActivities({ training: { ...goodTraining, accuracy: 0.4 } }), { bypassGates: true });
    expect(metricValue(text, 'agent_cycles_total', { outcome: 'completed' })).toBe(1);
    expect(metricValue(text, 'agent_gate_results_total', { gate: 'training', result: 'fail' })).toBe(1);
  });

  test("replaying a cycle's history (a restarted worker, another worker) counts nothing", async () => {
    const { handle } = await counted(fakeActivities());
    const history = await handle.fetchHistory();
    const replayed = new AgentMetrics();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle(), sinks: cycleMetricsSinks(replayed) }, history, handle.workflowId);
    const text = await replayed.registry.metrics();
    expect(metricValue(text, 'agent_cycles_total')).toBe(0);
    expect(metricValue(text, 'agent_phase_duration_seconds_count')).toBe(0);
    expect(metricValue(text, 'agent_gate_results_total')).toBe(0);
  });
});
