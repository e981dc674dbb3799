import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ktrdrAgentWith } from '../support/cli';
import type { FaultStack } from '../support/faultStack';
import { researchPowerStack } from '../support/researchPower';

/**
 * The memory control as a person runs it: `trigger --control` with the built CLI against the dev
 * server, `ktrdr-agent services` and `ktrdr-agent worker`, offline.
 */
let stack: FaultStack;
beforeAll(async () => {
  stack = await researchPowerStack({ realMarkets: ['EURUSD_1h.csv'] });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});

describe('trigger --control', () => {
  test('runs the cycle, then the same cycle on a synthetic market of its timeframe, and prints both side by side', { timeout: 240_000 }, async () => {
    const run = await ktrdrAgentWith(stack.env, 'trigger', '--offline', '--symbol', 'EURUSD', '--bypass-gates', '--control', '--brief', 'momentum');
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/Control cycle started: \S+ — the same cycle on SYN_RW_1 1h, synthetic bars from 2030 that no designer can have seen/);
    const table = run.stdout.slice(run.stdout.lastIndexOf('\nvalidation'));
    expect(table).toMatch(/^\nvalidation +real market +synthetic control$/m);
    expect(table).toMatch(/^market +EURUSD 1h +SYN_RW_1 1h$/m);
    expect(table).toMatch(/^designed by +offline +offline$/m);
    expect(table).toMatch(/^outcome +completed +completed$/m);
    expect(table).toMatch(/^Sharpe +-?\d+\.\d\d +-?\d+\.\d\d$/m);
    // the control market was generated where the market data lives, and its strategy trades it
    expect(fs.existsSync(path.join(stack.env.KTRDR_MARKET_DATA_DIR, 'SYN_RW_1_1h.csv'))).toBe(true);
    const designed = fs.readdirSync(path.join(stack.strategiesDir, 'designed')).filter((f) => f.endsWith('.yaml'));
    expect(designed.filter((f) => f.includes('synrw1'))).toHaveLength(1);
    expect(designed.filter((f) => f.includes('eurusd'))).toHaveLength(1);
  });

  test('a control on a real market, or beside a given strategy, is refused before anything starts', async () => {
    const real = await ktrdrAgentWith(stack.env, 'trigger', '--offline', '--control', 'EURUSD');
    expect(real.code).not.toBe(0);
    expect(real.stderr).toContain("'EURUSD' is not a synthetic market: the control runs on one (e.g. SYN_RW_1, SYN_TREND2_7), where no memory can help.");
    const given = await ktrdrAgentWith(stack.env, 'trigger', '--strategy', 'anything', '--control');
    expect(given.code).not.toBe(0);
    expect(given.stderr.trim()).toBe('error: --control designs again on a synthetic market; a given --strategy keeps its own market: drop one of them.');
  });
});
