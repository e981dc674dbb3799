/**
 * Admission under contention, with real processes (the fault tests' stack: the official dev
 * server and a `ktrdr-agent worker`, each its own process, whose Claude is a fake Messages API
 * that never answers, so that a Claude cycle admitted keeps what it was given):
 *
 * - N triggers at once (`--triggers`, default 50) at the concurrent-cycle limit (`--limit`,
 *   default 1, the product's default), each what `ktrdr-agent trigger` does once connected
 *   (`startCycle`: the checks, the pollers, the admission, the start) from one client: how
 *   many cycles started, the reason each refusal gave, and how long each took. Fifty CLI
 *   processes at once on two cores measure node starting, not admission (the fault tests run
 *   two real `trigger` processes at once);
 * - N admissions at once through one client (the `admit` update-with-start alone, as a cycle's
 *   first activity sends it): how many admitted, and the latency of each;
 * - N Claude triggers at once under a budget that pays for `--affordable` cycles (default 2)
 *   and N slots: exactly that many start, the rest are refused with budget_exhausted.
 *
 *   npm run bench:admission [-- --triggers 50 --limit 1 --affordable 2]   (writes bench/admission-results.json)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startCycle } from '../src/client';
import { cycleEstimateUsd } from '../src/domain/admission';
import type { CycleRequest } from '../src/domain/cycle';
import { DEFAULT_MODEL } from '../src/domain/models';
import { resolveBinary } from '../src/temporal/binaries';
import { admitThrough } from '../src/temporal/admission';
import { AdmissionRefused } from '../src/temporal/admissionClient';
import { admissionWorkflowId, TASK_QUEUE } from '../src/temporal/definitions';
import { ktrdrAgentWith } from '../test/support/cli';
import { startFakeAnthropic } from '../test/support/fakeAnthropic';
import { FaultStack, SLOW_STRATEGY } from '../test/support/faultStack';
import { wholeNumber } from './lib/options';
import { spread } from './lib/spread';

/** How many of each answer: started (admitted), or the refusal's reason. */
const tally = (answers: string[]) => answers.reduce<Record<string, number>>((counts, a) => ({ ...counts, [a]: (counts[a] ?? 0) + 1 }), {});

/** `startCycle` N times at once, as N `trigger`s do once connected; each answer and its time. */
async function triggerAtOnce(client: Client, n: number, request: CycleRequest) {
  const runs = await Promise.all(
    Array.from({ length: n }, async () => {
      const started = performance.now();
      try {
        const { handle } = await startCycle(client, request);
        return { answer: 'started', id: handle.workflowId, ms: performance.now() - started };
      } catch (err) {
        if (!(err instanceof AdmissionRefused)) throw err;
        return { answer: err.refusal.reason, message: err.message, ms: performance.now() - started };
      }
    }),
  );
  return {
    answers: tally(runs.map((r) => r.answer)),
    latencyMs: spread(runs.map((r) => Math.round(r.ms))),
    started: runs.flatMap((r) => r.id ?? []),
    refusal: runs.find((r) => r.message)?.message,
  };
}

/** Ends the round: its cycles terminated, and the admission workflow with them, so the next round starts from nothing. */
async function endRound(stack: FaultStack, cycleIds: string[]): Promise<void> {
  const client = await stack.client();
  for (const id of cycleIds) await client.workflow.getHandle(id).terminate('bench round over');
  await client.workflow.getHandle(admissionWorkflowId(TASK_QUEUE)).terminate('bench round over');
}

async function main(): Promise<void> {
  const n = wholeNumber('triggers', 50);
  const limit = wholeNumber('limit', 1);
  const affordable = wholeNumber('affordable', 2);
  process.env.TEMPORAL_CLI_PATH ??= resolveBinary('cli');

  const fake = await startFakeAnthropic({ script: () => ({ kind: 'hang' }) });
  // no services: an admitted cycle waits at its training, holding its slot
  const stack = await FaultStack.start({ withoutServices: true, workerEnv: { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url } });
  try {
    const client = await stack.client();
    const setSlots = await ktrdrAgentWith(stack.env, 'budget', '--set-concurrency', String(limit));
    if (setSlots.code !== 0) throw new Error(setSlots.stderr);
    const slots = await triggerAtOnce(client, n, { strategy: SLOW_STRATEGY, offline: true, bypassGates: true });
    console.log(
      `${n} triggers at once, ${limit} slot${limit === 1 ? '' : 's'}: ${JSON.stringify(slots.answers)}; each ${slots.latencyMs.p50} ms p50, ${slots.latencyMs.p95} ms p95`,
    );
    console.log(`  e.g. ${slots.refusal}`);
    await endRound(stack, slots.started);

    const target = { taskQueue: TASK_QUEUE, settings: { dailyBudgetUsd: 5, maxConcurrentCycles: limit } };
    const admits = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const started = performance.now();
        const result = await admitThrough(client, target, { cycleId: `bench-admit-${i}`, offline: true });
        return { answer: result.admitted ? 'admitted' : result.reason, ms: performance.now() - started };
      }),
    );
    const admitMs = spread(admits.map((a) => Math.round(a.ms)));
    const admitAnswers = tally(admits.map((a) => a.answer));
    console.log(
      `${n} admissions at once through one client: ${JSON.stringify(admitAnswers)}; latency ${admitMs.p50} ms p50, ${admitMs.p95} ms p95, ${admitMs.max} ms max`,
    );
    await client.workflow.getHandle(admissionWorkflowId(TASK_QUEUE)).terminate('bench round over');

    const limitUsd = Number((cycleEstimateUsd({ model: DEFAULT_MODEL }) * (affordable + 0.5)).toFixed(4));
    const setBudget = await ktrdrAgentWith(stack.env, 'budget', '--set-limit', String(limitUsd), '--set-concurrency', String(n));
    if (setBudget.code !== 0) throw new Error(setBudget.stderr);
    const budget = await triggerAtOnce(client, n, { brief: 'contention' });
    console.log(
      `${n} Claude triggers at once, $${limitUsd} a day (${affordable} cycles at the estimate), ${n} slots: ${JSON.stringify(budget.answers)}; each ${budget.latencyMs.p50} ms p50, ${budget.latencyMs.p95} ms p95`,
    );
    console.log(`  e.g. ${budget.refusal}`);
    await endRound(stack, budget.started);

    const results = {
      date: new Date().toISOString(),
      machine: { cpu: os.cpus()[0].model, cores: os.cpus().length, node: process.version, loadAverage: os.loadavg() },
      triggersAtOnce: { triggers: n, slots: limit, answers: slots.answers, latencyMs: slots.latencyMs, refusal: slots.refusal },
      admissionsAtOnce: { admissions: n, slots: limit, answers: admitAnswers, latencyMs: admitMs },
      budgetTriggersAtOnce: {
        triggers: n,
        slots: n,
        dailyBudgetUsd: limitUsd,
        affordable,
        answers: budget.answers,
        latencyMs: budget.latencyMs,
        refusal: budget.refusal,
      },
    };
    fs.writeFileSync(path.join(__dirname, 'admission-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await stack.close();
    await fake.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
