import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readHoldoutLooks } from '../../src/research/holdoutLooks';
import { blindSymbol, parseSyntheticSymbol } from '../../src/engine/data/syntheticMarkets';
import { judgeMarket } from '../../src/design/researchPowerFiles';
import { pickByValidation, SIGNIFICANCE } from '../../src/design/researchPower';
import type { FaultStack } from '../support/faultStack';
import { loopOnMarket, researchPowerStack } from '../support/researchPower';

/**
 * Research power in small (bench/research-power.ts is the whole measurement): the offline loop,
 * through the real workflows and services, runs a few cycles on a market with the strongest
 * planted trend and on a random walk, chooses by validation only, and its pick is judged once on
 * the holdout with the Deflated Sharpe Ratio over all its trials.
 */
let stack: FaultStack;
beforeAll(async () => {
  stack = await researchPowerStack();
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

const CYCLES = 4;

describe('research power', () => {
  test('the strongest planted trend is found and judged significant on its holdout; a random walk’s pick is not', { timeout: 300_000 }, async () => {
    for (const [name, planted] of [
      ['SYN_TREND3_1', true],
      ['SYN_RW_1', false],
    ] as const) {
      // under its blind name: the designer is not told what was planted
      const symbol = blindSymbol(parseSyntheticSymbol(name)!);
      const { status, trials } = await loopOnMarket(stack, { symbol, timeframe: '1h', cycles: CYCLES, loopId: `power-${symbol.toLowerCase()}` });
      expect(status.cycles.done).toBe(CYCLES);
      // every cycle designed on the market asked for, and each counts as a trial, gate failures too
      expect(trials.map((t) => t.cycle)).toEqual(Array.from({ length: CYCLES }, (_, k) => k + 1));
      for (const t of trials) expect(t.symbol).toBe(symbol);
      // the pick is the loop's own best: validation decided it, the holdout was never read
      const pick = pickByValidation(trials);
      expect(pick?.name).toBe(status.best[0]?.strategy);
      const judged = judgeMarket(trials, stack.env.KTRDR_REPORTS_DIR);
      expect(judged.trials).toBe(CYCLES);
      // the one look at the pick's holdout is on its record
      if (judged.pick) expect(readHoldoutLooks(judged.pick, stack.env.KTRDR_REPORTS_DIR).filter((l) => l.why === 'research_power')).toHaveLength(1);
      if (planted) {
        expect(judged.pick).toBeDefined();
        expect(judged.dsr).toBeGreaterThan(SIGNIFICANCE);
        expect(judged.holdout!.sharpe).toBeGreaterThan(judged.benchmarkSharpe!);
      } else {
        expect(judged.significant).toBe(false);
      }
    }
  });
});
