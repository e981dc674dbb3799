import { Worker } from '@temporalio/worker';
import path from 'node:path';
import { expect, test } from 'vitest';
import { BEST_KEPT, type LoopStatus } from '../../src/domain/loop';
import { PROJECT_ROOT } from '../../src/paths';
import type { LoopView } from '../../src/temporal/loopClient';
import { ktrdrAgentWith } from '../support/cli';
import { stackForTest } from '../support/faultChecks';
import { sleep, type FaultStack } from '../support/faultStack';

/**
 * The Temporal server killed (SIGKILL) while a research loop runs, and restarted on the same
 * SQLite file: the loop goes on where it was — its counters, its best strategies and its
 * hypotheses ledger whole — and runs its cycles to the end, none lost and none run twice.
 */
async function loopView(stack: FaultStack, loopId: string): Promise<LoopView | undefined> {
  const run = await ktrdrAgentWith(stack.env, 'loop', 'status', loopId, '--json');
  return run.code === 0 ? (JSON.parse(run.stdout) as LoopView) : undefined;
}

async function until(stack: FaultStack, loopId: string, done: (view: LoopView) => boolean): Promise<LoopView> {
  for (;;) {
    const view = await loopView(stack, loopId);
    if (view && done(view)) return view;
    await sleep(500);
  }
}

test('a loop survives the Temporal server killed and restarted mid-run, its ledger and counters whole', { timeout: 400_000 }, async () => {
  const stack = await stackForTest();
  // a loop's cycles are admitted like any other: two at once need two slots
  expect((await ktrdrAgentWith(stack.env, 'budget', '--set-concurrency', '2')).code).toBe(0);
  const start = await ktrdrAgentWith(
    stack.env,
    'loop',
    'start',
    '--offline',
    '--concurrency',
    '2',
    '--max-cycles',
    '8',
    '--brief',
    'EURUSD hourly',
    '--id',
    'fault-loop',
  );
  expect(start.code, start.stderr).toBe(0);

  const before = (await until(stack, 'fault-loop', (v) => (v.status?.cycles.done ?? 0) >= 3 && (v.status?.running.length ?? 0) > 0)).status as LoopStatus;
  await stack.stopServer('SIGKILL');
  await sleep(5000);
  await stack.startServer();

  const after = await until(stack, 'fault-loop', (v) => v.execution !== 'RUNNING');
  const s = after.status as LoopStatus;
  expect(after.execution).toBe('COMPLETED');
  expect(s.cycles.done).toBe(8);
  expect(s.cycles.started).toBe(8);
  expect(s.startedAt).toBe(before.startedAt);
  // what it knew before the outage, it still knows
  for (const [outcome, n] of Object.entries(before.cycles.byOutcome))
    expect(s.cycles.byOutcome[outcome as keyof LoopStatus['cycles']['byOutcome']]).toBeGreaterThanOrEqual(n);
  for (const h of before.hypotheses) expect(s.hypotheses.map((x) => [x.id, x.text])).toContainEqual([h.id, h.text]);
  for (const b of before.best) {
    const kept = s.best.some((x) => x.strategy === b.strategy);
    const outranked = s.best.length === BEST_KEPT && s.best.every((x) => x.validation.sharpeRatio >= b.validation.sharpeRatio);
    expect(kept || outranked, `${b.strategy} fell out of the best`).toBe(true);
  }

  // each of its cycles ran once, to an end
  const client = await stack.client();
  for (let n = 1; n <= 8; n++) expect(['COMPLETED', 'FAILED']).toContain((await client.workflow.getHandle(`fault-loop-c${n}`).describe()).status.name);
  const history = await client.workflow.getHandle('fault-loop').fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: { codePath: path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js') } }, history, 'fault-loop');
});
