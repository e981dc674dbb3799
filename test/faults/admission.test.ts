import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, onTestFailed, onTestFinished, test } from 'vitest';
import type { CycleStatus } from '../../src/domain/cycle';
import { PROJECT_ROOT } from '../../src/paths';
import { TASK_QUEUE } from '../../src/temporal/definitions';
import { ktrdrAgentWith, runCommand } from '../support/cli';
import { startFakeAnthropic, type FakeAnthropic, type FakeReply } from '../support/fakeAnthropic';
import { stackForTest } from '../support/faultChecks';
import { FaultStack, SLOW_STRATEGY, sleep } from '../support/faultStack';
import { scriptedClaude } from '../support/scriptedClaude';

/**
 * Admission with real processes: the dev server, the services and `ktrdr-agent worker`s, each
 * cycle started by `ktrdr-agent trigger` as a person starts one (default budget $5 a day, one
 * cycle at a time), Claude behind the fake Messages API. However a cycle ends — cancelled,
 * failed or terminated, in any phase — its slot and its reservation come back and the next
 * trigger runs; a cycle whose worker dies goes on elsewhere and keeps its slot.
 */

const waitUntil = async (ready: () => Promise<boolean> | boolean, what: string, ms = 120_000) => {
  for (const deadline = Date.now() + ms; !(await ready()); await sleep(200)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
};

type Phase = 'designing' | 'training' | 'backtesting' | 'assessing';
type Ending = 'cancel' | 'terminate' | 'fail';

/** Lets the training gate pass whatever the slow strategy learns, so that the backtest gate decides. */
const PASS_TRAINING = ['--gate', 'training.minAccuracyLift=-1', '--gate', 'training.minLossImprovement=-1', '--gate', 'training.minTrainLossImprovement=-1'];

/** A shipped strategy that trains and backtests in a second or two: for a cycle that need not be caught mid-training or mid-backtest. */
const QUICK_STRATEGY = 'rsi_adx_trend_filter';

/** How to start a cycle that reaches `phase` and, to fail, fails there: the slow strategy only to be caught in its training or backtest. */
function triggerArgs(phase: Phase, ending: Ending): string[] {
  if (phase === 'designing') return ['--brief', 'momentum on SP500 daily', '--model', 'haiku'];
  const caught = ending !== 'fail' && (phase === 'training' || phase === 'backtesting');
  const strategy = ['--strategy', caught ? SLOW_STRATEGY : QUICK_STRATEGY, '--model', 'haiku'];
  if (ending !== 'fail' || phase === 'assessing') return [...strategy, '--bypass-gates'];
  return phase === 'training' ? [...strategy, '--gate', 'training.minAccuracyLift=1'] : [...strategy, ...PASS_TRAINING, '--gate', 'backtest.minTrades=1000000'];
}

describe('a cycle that ends in any phase, any way, gives back its slot and its reservation, and the next trigger runs', () => {
  let fake: FakeAnthropic;
  let stack: FaultStack;
  beforeAll(async () => {
    fake = await startFakeAnthropic({ script: () => ({ kind: 'hang' }) });
    stack = await FaultStack.start({ epochs: 3, workerEnv: { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url } });
    fs.copyFileSync(path.join(PROJECT_ROOT, 'strategies', `${QUICK_STRATEGY}.yaml`), path.join(stack.strategiesDir, `${QUICK_STRATEGY}.yaml`));
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await fake?.close();
  }, 60_000);

  const cases = (['designing', 'training', 'backtesting', 'assessing'] as const).flatMap((phase) =>
    (['cancel', 'terminate', 'fail'] as const).map((ending) => [phase, ending] as const),
  );

  test.each(cases)('%s, %s', { timeout: 180_000 }, async (phase, ending) => {
    onTestFailed(() => console.error(stack.logs()));
    // Claude hangs, to be caught mid-call, or refuses the request for good
    const reply: FakeReply =
      ending === 'fail' ? { kind: 'error', status: 400, type: 'invalid_request_error', message: 'this request is not accepted' } : { kind: 'hang' };
    fake.setScript(() => reply);
    const asked = fake.requests.length;
    const id = await stack.trigger(...triggerArgs(phase, ending));
    const handle = (await stack.client()).workflow.getHandle(id);
    // a test that fails half-way leaves no cycle holding the slot for the next
    onTestFinished(async () => {
      await handle.terminate('test over').catch(() => undefined);
    });

    if (ending === 'fail') {
      const end = await stack.end(id);
      // a failed assessment keeps the cycle's results: it completes, unassessed
      expect(end.execution, end.failure).toBe(phase === 'assessing' ? 'COMPLETED' : 'FAILED');
      expect(end.status?.phases.at(-1)?.phase).toBe(phase);
    } else {
      if (phase === 'training') await stack.midTraining(id);
      else if (phase === 'backtesting') await stack.midBacktest(id);
      else await waitUntil(() => fake.requests.length > asked, 'a request to Claude');
      const before = await stack.budget();
      expect(before.activeCycles.map((c) => c.cycleId)).toEqual([id]);
      // a Claude cycle holds its estimate (or its phase's reservation) in every phase
      expect(before.reservedUsd).toBeGreaterThan(0);
      if (ending === 'cancel') {
        await handle.cancel();
        expect((await stack.end(id)).execution).toBe('CANCELLED');
      } else {
        await handle.terminate('gone for good');
      }
    }

    const after = await stack.budget();
    // a terminated cycle cannot say it has ended: its slot comes back when a cycle asks for one
    expect(after.activeCycles.map((c) => c.cycleId)).toEqual(ending === 'terminate' ? [id] : []);
    const next = await stack.trigger('--strategy', QUICK_STRATEGY, '--offline', '--bypass-gates');
    const now = await stack.budget();
    expect(now.activeCycles.map((c) => c.cycleId)).toEqual([next]);
    expect(now.reservedUsd).toBe(0);
    await (await stack.client()).workflow.getHandle(next).cancel();
    await stack.end(next);
  });

  test(
    'a cycle that times out (its workflow run timeout) while Claude designs: its slot and reservation come back when the next trigger asks',
    { timeout: 180_000 },
    async () => {
      onTestFailed(() => console.error(stack.logs()));
      fake.setScript(() => ({ kind: 'hang' }));
      const asked = fake.requests.length;
      // started as scripts/trigger.sh starts one, with a run timeout of its own
      const id = `research-timeout-${Date.now()}`;
      const input = JSON.stringify({ brief: 'momentum on SP500 daily', model: 'haiku' });
      const start = await runCommand(process.env.TEMPORAL_CLI_PATH!, [
        'workflow',
        'start',
        '--address',
        stack.address,
        '--type',
        'researchCycle',
        '--task-queue',
        TASK_QUEUE,
        '--workflow-id',
        id,
        '--run-timeout',
        '8s',
        '--input',
        input,
      ]);
      expect(start.code, start.stderr).toBe(0);
      await waitUntil(() => fake.requests.length > asked, 'a request to Claude');
      const before = await stack.budget();
      expect(before.activeCycles.map((c) => c.cycleId)).toEqual([id]);
      expect(before.reservedUsd).toBeGreaterThan(0);

      const handle = (await stack.client()).workflow.getHandle(id);
      await waitUntil(async () => (await handle.describe()).status.name === 'TIMED_OUT', 'the run timeout');
      // a cycle that timed out cannot say it has ended: its slot comes back when a cycle asks for one
      expect((await stack.budget()).activeCycles.map((c) => c.cycleId)).toEqual([id]);
      const next = await stack.trigger('--strategy', QUICK_STRATEGY, '--offline', '--bypass-gates');
      const now = await stack.budget();
      expect(now.activeCycles.map((c) => c.cycleId)).toEqual([next]);
      expect(now.reservedUsd).toBe(0);
      await (await stack.client()).workflow.getHandle(next).cancel();
      await stack.end(next);
    },
  );
});

describe('more than one worker', () => {
  test(
    'a worker killed while its cycle holds the slot: the cycle goes on on the other worker, keeps its slot, then gives it back',
    { timeout: 300_000 },
    async () => {
      const stack = await stackForTest({ epochs: 20 });
      await stack.startWorker();
      const id = await stack.trigger('--strategy', SLOW_STRATEGY, '--offline', '--bypass-gates');
      await stack.midTraining(id);
      // the worker whose attempt runs the training
      const description = await (await stack.client()).workflow.getHandle(id).describe();
      const identity = description.raw.pendingActivities?.[0]?.lastWorkerIdentity ?? '';
      const victim = stack.workers.find((w) => identity.startsWith(`${w.child.pid}@`));
      expect(victim, `no worker is ${identity}`).toBeDefined();
      await stack.stop(victim, 'SIGKILL');

      const refused = await ktrdrAgentWith(stack.env, 'trigger', '--strategy', SLOW_STRATEGY, '--offline');
      expect(refused.code).toBe(4);
      expect(refused.stderr).toContain(`(active_cycle_exists): 1 cycle already running (${id})`);

      const end = await stack.end(id);
      expect(end.status?.outcome).toBe('completed');
      expect((await stack.budget()).activeCycles).toEqual([]);
      const next = await stack.trigger('--strategy', SLOW_STRATEGY, '--offline', '--bypass-gates');
      await (await stack.client()).workflow.getHandle(next).cancel();
    },
  );
});

describe('the budget, spent through the Messages API', () => {
  let fake: FakeAnthropic;
  beforeAll(async () => {
    fake = await startFakeAnthropic({ script: scriptedClaude });
  });
  afterAll(async () => {
    await fake?.close();
  });

  test('two triggers at the same instant: one cycle runs, the other is refused before it starts', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 20 });
    const args = ['trigger', '--strategy', SLOW_STRATEGY, '--offline', '--bypass-gates'];
    const runs = await Promise.all([ktrdrAgentWith(stack.env, ...args), ktrdrAgentWith(stack.env, ...args)]);
    expect(runs.map((r) => r.code).sort()).toEqual([0, 4]);
    const started = /Research cycle started: (\S+)/.exec(runs.find((r) => r.code === 0)!.stdout)![1];
    expect(runs.find((r) => r.code === 4)!.stderr).toContain(`1 cycle already running (${started})`);
    expect((await stack.budget()).activeCycles.map((c) => c.cycleId)).toEqual([started]);
    await (await stack.client()).workflow.getHandle(started).cancel();
  });

  test(
    'a Claude cycle spends what its calls cost; once the rest cannot pay for another, trigger is refused with the spend, the limit and the reset',
    { timeout: 300_000 },
    async () => {
      const stack = await stackForTest({ workerEnv: { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url } });
      const set = await ktrdrAgentWith(stack.env, 'budget', '--set-limit', '0.15');
      expect(set.code, set.stderr).toBe(0);

      const id = await stack.trigger('--brief', 'momentum on EURUSD hourly', '--bypass-gates');
      const end = await stack.end(id);
      const status = end.status as CycleStatus;
      expect(status.outcome, end.failure).toBe('completed');
      expect(status.usage.costUsd).toBeGreaterThan(0.15 - 0.122);

      const spent = await stack.budget();
      expect(spent.spentUsd).toBeCloseTo(status.usage.costUsd, 10);
      expect(spent.events.map((e) => e.phase)).toEqual(['designing', 'assessing']);
      expect(spent.events.every((e) => e.cycleId === id && e.model === status.model)).toBe(true);

      const refused = await ktrdrAgentWith(stack.env, 'trigger', '--brief', 'one more');
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain(`(budget_exhausted): daily budget exhausted: $${status.usage.costUsd.toFixed(4)} of $0.1500 spent today (UTC)`);
      expect(refused.stderr).toContain(`It resets at ${spent.resetsAt}.`);
      expect(refused.stdout).toBe('');

      // offline costs nothing, and is not refused for budget
      const offline = await stack.trigger('--strategy', SLOW_STRATEGY, '--offline', '--bypass-gates');
      await (await stack.client()).workflow.getHandle(offline).cancel();
    },
  );
});
