import fs from 'node:fs';
import path from 'node:path';
import type { LoopStatus } from '../../src/domain/loop';
import { PROJECT_ROOT } from '../../src/paths';
import { LOOP_WORKFLOW, TASK_QUEUE } from '../../src/temporal/definitions';
import { readTrials, type Trial } from '../../src/design/trials';
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

/** A trial and the number of the loop's cycle that made it (1 for the first cycle started). */
export type LoopTrial = Trial & { cycle: number };

/**
 * A research loop of `cycles` cycles on one market, one at a time (as `loop start --offline
 * --symbol S --max-cycles N` runs it; with `offline: false` the worker's Claude designs), to its
 * end; the strategies its cycles designed, read as the leaderboard reads them, in the order the
 * cycles ran, and the loop's own status (its best by validation).
 */
export async function loopOnMarket(
  stack: FaultStack,
  { symbol, timeframe, cycles, loopId, offline = true }: { symbol: string; timeframe: string; cycles: number; loopId: string; offline?: boolean },
): Promise<{ status: LoopStatus; trials: LoopTrial[] }> {
  const client = await stack.client();
  const handle = await client.workflow.start(LOOP_WORKFLOW, {
    args: [{ offline, maxCycles: cycles, symbol, timeframe }],
    taskQueue: TASK_QUEUE,
    workflowId: loopId,
  });
  const status = (await handle.result()) as LoopStatus;
  const ofLoop = new RegExp(`^${loopId}-c(\\d+)$`);
  const trials = readTrials({ strategiesDir: stack.strategiesDir, reportsDir: stack.env.KTRDR_REPORTS_DIR, modelsDir: stack.env.KTRDR_MODELS_DIR })
    .flatMap((t) => {
      const match = ofLoop.exec(t.cycleId);
      return match ? [{ ...t, cycle: Number(match[1]) }] : [];
    })
    .sort((a, b) => a.cycle - b.cycle);
  return { status, trials };
}
