import fs from 'node:fs';
import path from 'node:path';
import type { LoopStatus } from '../../src/domain/loop';
import { PROJECT_ROOT } from '../../src/paths';
import { LOOP_WORKFLOW, TASK_QUEUE } from '../../src/temporal/definitions';
import { trialOfCycle } from '../../src/research/researchPowerFiles';
import type { Trial } from '../../src/research/researchPower';
import { FaultStack } from './faultStack';

/**
 * The stack research power and the control run on: the fault tests' (the official dev server,
 * `ktrdr-agent services` and `ktrdr-agent worker` as separate processes, built from dist/), with
 * a market-data folder of its own, where the synthetic markets are generated, holding copies of
 * the shipped `realMarkets` files asked for (e.g. EURUSD_1h.csv).
 */
export async function researchPowerStack({
  workerEnv,
  realMarkets = [],
}: { workerEnv?: Record<string, string>; realMarkets?: string[] } = {}): Promise<FaultStack> {
  const stack = await FaultStack.start({ withoutServices: true, withoutWorker: true, ...(workerEnv && { workerEnv }) });
  try {
    stack.env.KTRDR_MARKET_DATA_DIR = path.join(stack.root, 'data');
    fs.mkdirSync(stack.env.KTRDR_MARKET_DATA_DIR);
    for (const file of realMarkets) fs.copyFileSync(path.join(PROJECT_ROOT, 'data', file), path.join(stack.env.KTRDR_MARKET_DATA_DIR, file));
    await stack.startServices();
    await stack.startWorker();
  } catch (err) {
    await stack.close();
    throw err;
  }
  return stack;
}

/**
 * A research loop of `cycles` cycles on one market, one at a time (as `loop start --offline
 * --symbol S --max-cycles N` runs it; with `offline: false` the worker's Claude designs), to its end; its cycles as trials, in the order
 * they ran, and the loop's own status (its best by validation).
 */
export async function loopOnMarket(
  stack: FaultStack,
  { symbol, timeframe, cycles, loopId, offline = true }: { symbol: string; timeframe: string; cycles: number; loopId: string; offline?: boolean },
): Promise<{ status: LoopStatus; trials: Trial[] }> {
  const client = await stack.client();
  const handle = await client.workflow.start(LOOP_WORKFLOW, {
    args: [{ offline, maxCycles: cycles, symbol, timeframe }],
    taskQueue: TASK_QUEUE,
    workflowId: loopId,
  });
  const status = (await handle.result()) as LoopStatus;
  const trials: Trial[] = [];
  for (let n = 1; n <= status.cycles.started; n++) {
    const cycleId = `${loopId}-c${n}`;
    trials.push(trialOfCycle(cycleId, (await stack.end(cycleId)).status, stack.env.KTRDR_REPORTS_DIR));
  }
  return { status, trials };
}
