/**
 * The trace of one research cycle, as an OTLP backend receives it: `ktrdr-agent start` (dev
 * server, services, worker and the client that starts the cycle, all real) exports to a loopback
 * OTLP/HTTP receiver named by OTEL_EXPORTER_OTLP_ENDPOINT.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { ktrdrAgentWith } from '../support/cli';
import { FaultStack, SLOW_STRATEGY } from '../support/faultStack';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fakeAnthropic';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlpReceiver';
import { scratchStack } from '../support/ports';
import { scriptedClaude } from '../support/scriptedClaude';

const SERVER = 2;
const CLIENT = 3;
/**
 * The SDK anchors each span's clock to Date.now() when it starts (millisecond resolution; on a
 * loaded machine a context switch between its two clock reads shifts the anchor by a few more),
 * so spans of one process agree to a few milliseconds: times are compared with this much slack.
 */
const SLACK_NS = 20_000_000n;

let receiver: OtlpReceiver;
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(() => receiver.close());

async function startCycle(env: Record<string, string>) {
  const stack = await scratchStack('ktrdr-traces-');
  const run = await ktrdrAgentWith(
    { ANTHROPIC_API_KEY: '', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'ktrdr-agent-test', ...stack.env, ...env },
    'start',
    ...stack.flags,
  );
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const cycleId = /Research cycle started: (\S+)/.exec(run.stdout)![1];
  return { cycleId, strategy: /Strategy\s+(\S+)/.exec(run.stdout)![1] };
}

/** The cycle's trace: every span that shares the trace id of the cycle's span, with ways to walk it. */
function cycleTrace(cycleId: string) {
  const all = receiver.spans;
  const cycle = all.find((s) => s.name === 'agent.research_cycle' && s.attributes['operation.id'] === cycleId);
  expect(cycle, 'agent.research_cycle span').toBeDefined();
  const spans = all.filter((s) => s.traceId === cycle!.traceId);
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const parent = (s: ReceivedSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
  const named = (name: string) => spans.filter((s) => s.name === name);
  const one = (name: string) => {
    const found = named(name);
    expect(found.map((s) => s.name)).toEqual([name]);
    return found[0];
  };
  const within = (child: ReceivedSpan, outer: ReceivedSpan) => {
    expect(child.start + SLACK_NS, `${child.name} starts within ${outer.name}`).toBeGreaterThanOrEqual(outer.start);
    expect(child.end - SLACK_NS, `${child.name} ends within ${outer.name}`).toBeLessThanOrEqual(outer.end);
  };
  return { cycle: cycle!, spans, parent, named, one, within };
}

/** What every cycle's trace has, offline or with Claude: the start, the workflow, the cycle, its phases and activities, the services' calls. */
function expectCycleTrace(cycleId: string, strategy: string) {
  const t = cycleTrace(cycleId);
  expect(new Set(t.spans.map((s) => s.service))).toEqual(new Set(['ktrdr-agent-test']));

  // the CLI's start parents the workflow, which parents the cycle
  const start = t.one('StartWorkflow:researchCycle');
  expect(start.parentSpanId).toBeUndefined();
  const workflow = t.one('RunWorkflow:researchCycle');
  expect(t.parent(workflow)).toBe(start);
  expect(t.parent(t.cycle)).toBe(workflow);
  t.within(t.cycle, workflow);
  expect(t.cycle.attributes).toMatchObject({ 'operation.type': 'research_cycle', outcome: 'completed', strategy_name: strategy });

  // the phases, in order, inside the cycle
  const phases = t.spans.filter((s) => s.name.startsWith('agent.phase.')).sort((a, b) => Number(a.start - b.start));
  expect(phases.map((s) => s.name)).toEqual(['agent.phase.design', 'agent.phase.training', 'agent.phase.backtest', 'agent.phase.assessment']);
  for (const [i, phase] of phases.entries()) {
    expect(t.parent(phase)).toBe(t.cycle);
    t.within(phase, t.cycle);
    if (i > 0) expect(phase.start).toBeGreaterThanOrEqual(phases[i - 1].end);
  }
  expect(phases[1].attributes).toMatchObject({ 'gate.name': 'training', 'gate.passed': true, strategy_name: strategy });
  expect(phases[2].attributes).toMatchObject({ 'gate.name': 'backtest', strategy_name: strategy });
  expect(phases[3].attributes.verdict).toMatch(/^(promising|mediocre|poor)$/);

  // each activity: scheduled by the cycle, run as the child of its scheduling, in the cycle's order
  const activities = ['admitCycle', 'designStrategy', 'trainModel', 'runBacktest', 'assessStrategy', 'releaseCycle'];
  const runs = activities.map((name) => {
    const run = t.one(`RunActivity:${name}`);
    const scheduled = t.parent(run)!;
    expect(scheduled.name).toBe(`StartActivity:${name}`);
    expect(t.parent(scheduled)).toBe(t.cycle);
    expect(run.start + SLACK_NS).toBeGreaterThanOrEqual(scheduled.start);
    return run;
  });
  for (let i = 1; i < runs.length; i++) expect(runs[i].start + SLACK_NS, `${runs[i].name} after ${runs[i - 1].name}`).toBeGreaterThanOrEqual(runs[i - 1].end);

  // the services: the activity's HTTP call, the server's handling of it (the traceparent header), the operation it started
  for (const [activity, route, operation] of [
    ['trainModel', 'POST /api/v1/trainings/start', 'services.training'],
    ['runBacktest', 'POST /api/v1/backtests/start', 'services.backtesting'],
  ]) {
    const run = t.one(`RunActivity:${activity}`);
    const calls = t.spans.filter((s) => t.parent(s) === run && s.kind === CLIENT);
    expect(calls.map((s) => s.name)).toContain(route);
    expect(calls.map((s) => s.name)).toContain('GET /api/v1/operations/{operation_id}');
    for (const call of calls) {
      t.within(call, run);
      const handled = t.spans.filter((s) => t.parent(s) === call);
      expect(handled.map((s) => [s.name, s.kind])).toEqual([[call.name, SERVER]]);
      t.within(handled[0], call);
    }
    const served = t.spans.find((s) => s.kind === SERVER && s.name === route)!;
    const op = t.one(operation);
    expect(t.parent(op)).toBe(served);
    expect(op.attributes).toMatchObject({ strategy_name: strategy, cycle_id: cycleId, 'operation.status': 'completed' });
    expect(op.start + SLACK_NS).toBeGreaterThanOrEqual(served.start);
  }
  return t;
}

test('the trace of an offline cycle has the start, the cycle, its phases and activities and the services, nested and in order', async () => {
  const { cycleId, strategy } = await startCycle({});
  expect(receiver.contentTypes.every((type) => type.startsWith('application/json'))).toBe(true);
  const t = expectCycleTrace(cycleId, strategy);
  expect(t.one('agent.phase.design').attributes).toMatchObject({ offline: true, 'tokens.total': 0 });
}, 120_000);

let fake: FakeAnthropic | undefined;
afterEach(() => fake?.close());

test("with Claude, each call to the Messages API is a span of its activity, and the API receives the call's trace context", async () => {
  fake = await startFakeAnthropic({ script: scriptedClaude });
  const { cycleId, strategy } = await startCycle({ ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url });
  const t = expectCycleTrace(cycleId, strategy);
  const calls = t.named('anthropic.messages.create');
  const design = calls.filter((s) => t.parent(s)?.name === 'RunActivity:designStrategy');
  const assess = calls.filter((s) => t.parent(s)?.name === 'RunActivity:assessStrategy');
  expect([design.length, assess.length]).toEqual([3, 1]);
  for (const call of calls) t.within(call, t.parent(call)!);
  // the design phase's tokens are what its calls reported
  const sum = (spans: ReceivedSpan[], key: string) => spans.reduce((total, s) => total + Number(s.attributes[key]), 0);
  expect(t.one('agent.phase.design').attributes['tokens.output']).toBe(sum(design, 'gen_ai.usage.output_tokens'));
  expect(t.one('agent.phase.assessment').attributes['tokens.output']).toBe(sum(assess, 'gen_ai.usage.output_tokens'));
  // the API got each call's context: the call's own span id as the parent
  const messages = fake.requests.filter((r) => r.path === '/v1/messages');
  expect(messages.map((r) => r.headers.traceparent?.split('-').slice(1, 3))).toEqual(calls.map((s) => [t.cycle.traceId, s.spanId]));
}, 120_000);

test('a cancelled cycle’s trace has the phases it ran, up to the one it was cancelled in', async () => {
  const stack = await FaultStack.start({ epochs: 200, workerEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'ktrdr-agent-test' } });
  let cycleId: string;
  try {
    cycleId = await stack.trigger();
    await stack.midTraining(cycleId);
    await (await stack.client()).workflow.getHandle(cycleId).cancel();
    expect((await stack.end(cycleId)).execution).toBe('CANCELLED');
    // a worker stopped as a deploy stops it exports the spans it holds
    await stack.stop(stack.workers[0], 'SIGTERM');
  } finally {
    await stack.close();
  }
  const t = cycleTrace(cycleId);
  expect(t.cycle.attributes).toMatchObject({ outcome: 'cancelled', strategy_name: SLOW_STRATEGY });
  const phases = t.spans.filter((s) => s.name.startsWith('agent.phase.')).sort((a, b) => Number(a.start - b.start));
  expect(phases.map((s) => s.name)).toEqual(['agent.phase.design', 'agent.phase.training']);
  // the design was skipped (a given strategy); the training ran until the cancellation
  expect(phases[0].attributes.skipped).toBeDefined();
  for (const phase of phases) {
    expect(t.parent(phase)).toBe(t.cycle);
    t.within(phase, t.cycle);
  }
  expect(phases[1].attributes).toMatchObject({ strategy_name: SLOW_STRATEGY });
}, 180_000);
