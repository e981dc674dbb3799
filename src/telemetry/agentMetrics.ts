/**
 * The research agent's Prometheus metrics, with KTRDR's names, types, labels and buckets (spec
 * §1.8), plus the budget left, which KTRDR planned and never built. Every metric, and every
 * label value it knows in advance, exists from the moment this is constructed: a dashboard shows
 * zeros rather than "no data" before the first cycle, and a metric cannot be missing from
 * /metrics because nothing happened to touch it (spec §8 #17).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OutcomeSchema, RESEARCH_PHASES, type Outcome, type ResearchPhase } from '../domain/cycle';
import type { ClaudePhase } from '../domain/admission';
import { GateResultSchema, type GateResult } from '../domain/gates';

/** KTRDR's label values of the Claude phases. */
const TOKEN_PHASES: Record<ClaudePhase, string> = { designing: 'design', assessing: 'assessment' };

export interface AgentMetricsOptions {
  /** The dollars left of today's budget, read at each scrape; undefined when it cannot be read (the gauge keeps its last value). */
  budgetRemaining?: () => Promise<number | undefined>;
}

export class AgentMetrics {
  readonly registry = new Registry();

  private readonly cycles = new Counter({
    name: 'agent_cycles_total',
    help: 'Research cycles ended, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly cycleDuration = new Histogram({
    name: 'agent_cycle_duration_seconds',
    help: 'Time from a cycle starting to its end',
    buckets: [60, 300, 600, 900, 1200, 1800, 3600],
    registers: [this.registry],
  });
  private readonly phaseDuration = new Histogram({
    name: 'agent_phase_duration_seconds',
    help: 'Time a phase of a cycle took, ended or failed',
    labelNames: ['phase'] as const,
    buckets: [10, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });
  private readonly gates = new Counter({
    name: 'agent_gate_results_total',
    help: 'Gate verdicts, by gate and result (a bypassed gate counts by its checks)',
    labelNames: ['gate', 'result'] as const,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'agent_tokens_total',
    help: 'Claude tokens (input, output and cache) used, by phase',
    labelNames: ['phase'] as const,
    registers: [this.registry],
  });
  private readonly spend = new Counter({
    name: 'agent_budget_spend_total',
    help: 'Dollars spent on Claude',
    registers: [this.registry],
  });

  constructor({ budgetRemaining }: AgentMetricsOptions = {}) {
    for (const outcome of OutcomeSchema.options) this.cycles.labels(outcome).inc(0);
    for (const phase of RESEARCH_PHASES) this.phaseDuration.zero({ phase });
    for (const gate of GateResultSchema.shape.gate.options) for (const result of ['pass', 'fail']) this.gates.labels(gate, result).inc(0);
    for (const phase of Object.values(TOKEN_PHASES)) this.tokens.labels(phase).inc(0);
    new Gauge({
      name: 'agent_budget_remaining_dollars',
      help: "Dollars left of today's Claude budget",
      registers: [this.registry],
      async collect() {
        const remaining = await budgetRemaining?.().catch(() => undefined);
        if (remaining !== undefined) this.set(remaining);
      },
    });
  }

  cycleEnded(outcome: Outcome, seconds: number): void {
    this.cycles.labels(outcome).inc();
    this.cycleDuration.observe(seconds);
  }

  phaseEnded(phase: ResearchPhase, seconds: number): void {
    this.phaseDuration.labels(phase).observe(seconds);
  }

  gateJudged(gate: GateResult['gate'], passed: boolean): void {
    this.gates.labels(gate, passed ? 'pass' : 'fail').inc();
  }

  claudeUsed(phase: ClaudePhase, tokens: number, costUsd: number): void {
    this.tokens.labels(TOKEN_PHASES[phase]).inc(tokens);
    this.spend.inc(costUsd);
  }
}
