import { describe, expect, test } from 'vitest';
import { AgentMetrics } from '../../src/telemetry/agentMetrics';
import { declaredMetrics, metricValue } from '../support/metrics';

describe("the agent's metrics", () => {
  test("exist from construction, each label value at zero, with KTRDR's buckets", async () => {
    const text = await new AgentMetrics().registry.metrics();
    expect(declaredMetrics(text).sort()).toEqual(
      [
        'agent_budget_remaining_dollars',
        'agent_budget_spend_total',
        'agent_cycle_duration_seconds',
        'agent_cycles_total',
        'agent_gate_results_total',
        'agent_phase_duration_seconds',
        'agent_tokens_total',
      ].sort(),
    );
    expect(text).toContain('# TYPE agent_cycle_duration_seconds histogram');
    for (const le of ['60', '300', '600', '900', '1200', '1800', '3600', '+Inf'])
      expect(metricValue(text, 'agent_cycle_duration_seconds_bucket', { le })).toBe(0);
    for (const le of ['10', '30', '60', '120', '300', '600'])
      expect(metricValue(text, 'agent_phase_duration_seconds_bucket', { le, phase: 'training' })).toBe(0);
    expect(metricValue(text, 'agent_gate_results_total', { gate: 'backtest', result: 'fail' })).toBe(0);
    expect(metricValue(text, 'agent_tokens_total', { phase: 'assessment' })).toBe(0);
  });

  test('the budget left is read at each scrape, and keeps its last value when a read fails', async () => {
    const reads: (() => Promise<number | undefined>)[] = [
      () => Promise.resolve(4.2),
      () => Promise.reject(new Error('no server')),
      () => Promise.resolve(undefined),
    ];
    const metrics = new AgentMetrics({ budgetRemaining: () => reads.shift()!() });
    for (let i = 0; i < 3; i++) expect(metricValue(await metrics.registry.metrics(), 'agent_budget_remaining_dollars')).toBe(4.2);
    expect(reads).toEqual([]);
  });
});
