import { describe, expect, test } from 'vitest';
import { ServicesClient } from '../../src/services/client';
import type { OperationInfo } from '../../src/services/operation';
import { scheduledActivities, stackForTest } from '../support/faultChecks';
import { brief, sleep, type FaultStack, type ServicesPair } from '../support/faultStack';
import { kill } from '../support/processes';

/**
 * More than one machine, on loopback: the dev server, two research workers (`worker --role
 * research`) and two services instances, each with its worker in its own process (`services
 * --with-worker`, at most 2 operations at once), over shared strategies, models and reports
 * folders as hosts over shared storage. Ten offline cycles start at once; Temporal hands each
 * instance's worker no more trainings and backtests than its instance runs at once.
 */

const CYCLES = 10;
const PER_INSTANCE = 2;

/** The whole stack, with as many cycles allowed at once as the test starts. */
async function scaleStack(): Promise<{ stack: FaultStack; pairs: ServicesPair[] }> {
  const stack = await stackForTest({ withoutServices: true, withoutWorker: true, workerEnv: { KTRDR_MAX_CONCURRENT_CYCLES: String(CYCLES) } });
  const pairs = [await stack.startPair(PER_INSTANCE), await stack.startPair(PER_INSTANCE)];
  await stack.startWorker('--role', 'research');
  await stack.startWorker('--role', 'research');
  return { stack, pairs };
}

interface Placed {
  instance: string;
  op: OperationInfo;
}

/** Every operation record of each instance, with the instance it is on. */
async function recordsOf(instances: ServicesClient[]): Promise<Placed[]> {
  const placed = await Promise.all(
    instances.map(async (client) => (await client.listOperations({ limit: 1000 })).data.map((op) => ({ instance: client.url, op }))),
  );
  return placed.flat();
}

/**
 * Each cycle completed, its history replaying with each phase's activity scheduled once, and,
 * over both instances, exactly one completed training and one completed backtest of it: the
 * ones its result names. Returns how long the cycles took from the first start to the last end.
 */
async function expectAllCompleted(stack: FaultStack, ids: string[], placed: Placed[]) {
  for (const id of ids) {
    const end = await stack.end(id);
    expect(end.execution, `${id} ended ${end.execution}: ${end.failure}`).toBe('COMPLETED');
    // admitted (the stack allows as many cycles at once as it starts), not refused
    expect(end.status?.outcome).toBe('completed');
    expect(scheduledActivities(await stack.replay(id))).toEqual(['designStrategy', 'trainModel', 'runBacktest', 'assessStrategy']);
    const completed = placed.filter(({ op }) => op.metadata.cycle_id === id && op.status === 'completed');
    expect(completed.map(({ op }) => op.operation_type).sort(), JSON.stringify(completed.map(({ op }) => brief(op)))).toEqual(['backtesting', 'training']);
    expect(end.status?.training?.operationId).toBe(completed.find(({ op }) => op.operation_type === 'training')?.op.operation_id);
    expect(end.status?.backtest?.operationId).toBe(completed.find(({ op }) => op.operation_type === 'backtesting')?.op.operation_id);
  }
}

/** The starts an instance had to queue: it logs each (`op_…: queued (…)`). None may, while Temporal routes no more work to it than it has room for. */
const queuedStarts = (pair: ServicesPair) => pair.process.output().match(/: queued \(/g) ?? [];

describe('two research workers and two services instances, each with its worker', () => {
  test('ten cycles at once all complete, none lost, spread over both instances, and no start waits in a queue', { timeout: 600_000 }, async () => {
    const { stack, pairs } = await scaleStack();
    const ids = await stack.startOfflineCycles(CYCLES);
    for (const id of ids) await stack.end(id);

    const instances = pairs.map((pair) => new ServicesClient(pair.url));
    const placed = await recordsOf(instances);
    await expectAllCompleted(stack, ids, placed);
    // nothing else ran: two operations a cycle, all completed
    expect(placed.map(({ op }) => op.status)).toEqual(Array(2 * CYCLES).fill('completed'));
    const perInstance = instances.map((client) => placed.filter(({ instance }) => instance === client.url).length);
    console.log(`${CYCLES} cycles on 2 instances: ${(await stack.wallTimeMs(ids)) / 1000} s; operations per instance: ${perInstance.join(' and ')}`);
    for (const count of perInstance) expect(count).toBeGreaterThanOrEqual(CYCLES / 2);
    for (const pair of pairs) expect(queuedStarts(pair)).toEqual([]);
  });

  test('one instance killed (SIGKILL, with its worker) mid-run: its work moves to the other and every cycle completes', { timeout: 600_000 }, async () => {
    const { stack, pairs } = await scaleStack();
    const [lost, kept] = pairs;
    const ids = await stack.startOfflineCycles(CYCLES);
    const lostClient = new ServicesClient(lost.url);
    for (;;) {
      const { data } = await lostClient.listOperations({ active_only: true });
      if (data.some((op) => op.status === 'running')) break;
      await sleep(50);
    }
    kill(lost.process.child.pid!, 'SIGKILL');
    await lost.process.exited;
    for (const id of ids) await stack.end(id);

    // the lost instance's records, as it comes back (without its worker): what it ran when killed is marked so
    const placed = await recordsOf([await stack.reopenServices(lost), new ServicesClient(kept.url)]);
    await expectAllCompleted(stack, ids, placed);
    const killed = placed.filter(({ instance, op }) => instance === lost.url && op.status !== 'completed').map(({ op }) => op);
    expect(killed.length).toBeGreaterThan(0);
    expect(killed.map((op) => [op.status, op.error_code])).toEqual(killed.map(() => ['failed', 'service_stopped']));
    // each killed operation's work was done again on the other instance, and the cycle's result says which one it replaced
    for (const op of killed) {
      const redone = placed.find(
        (p) => p.op.metadata.cycle_id === op.metadata.cycle_id && p.op.operation_type === op.operation_type && p.op.status === 'completed',
      );
      expect(redone?.instance, JSON.stringify(brief(op))).toBe(kept.url);
      const status = (await stack.end(op.metadata.cycle_id!)).status;
      const result = op.operation_type === 'training' ? status?.training : status?.backtest;
      expect(result?.replacedOperations ?? [], `${op.operation_id} is not among the operations ${op.metadata.cycle_id} replaced`).toContainEqual({
        operationId: op.operation_id,
        errorCode: 'instance_unreachable',
      });
    }
    expect(placed.filter(({ instance, op }) => instance === kept.url && op.status !== 'completed')).toEqual([]);
    expect(queuedStarts(kept)).toEqual([]);
    console.log(`${CYCLES} cycles, one of 2 instances killed mid-run: ${(await stack.wallTimeMs(ids)) / 1000} s; ${killed.length} operations moved`);
  });
});
