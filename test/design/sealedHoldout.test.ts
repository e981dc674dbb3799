import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDesignActivities } from '../../src/activities/designActivities';
import type { AssessInput, AssessResult, DesignInput, DesignResult } from '../../src/domain/activities';
import { claudeConfigFor, clearAnthropicEnv, startFakeAnthropic, toolUse, type FakeAnthropic, type FakeReply } from '../support/fakeAnthropic';
import { MARKET_DATA_DIR } from '../support/folders';
import { ScratchFolders } from '../support/services';
import { atrConfig, goodConfig } from '../support/strategyDocuments';

/**
 * The holdout is sealed from the designer and the assessor: a design and its assessment made on
 * market data whose holdout bars were changed beyond recognition, with holdout reports on disk,
 * are the very ones made on the real data with none — every request Claude gets, every tool
 * result in it, the offline designer's YAML and both assessors' files. The design's holdout is the
 * last 15 % of the usable bars (the template's data_split); the planted change covers the last
 * 5 % of the data only, so it lies inside whatever holdout the design gets.
 */
const PLANTED_BARS = 250;
const TRIPLED = (x: string) => String(Number(x) * 3);

/** A market-data folder: the shipped files, with EURUSD 1h's last bars tripled in price (a jump and three times the volatility). */
function plantedMarketData(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-planted-'));
  for (const file of fs.readdirSync(MARKET_DATA_DIR)) fs.copyFileSync(path.join(MARKET_DATA_DIR, file), path.join(dir, file));
  const lines = fs.readFileSync(path.join(MARKET_DATA_DIR, 'EURUSD_1h.csv'), 'utf8').trimEnd().split('\n');
  const planted = lines.map((line, i) => {
    if (i < lines.length - PLANTED_BARS) return line;
    const [time, open, high, low, close, volume] = line.split(',');
    return [time, TRIPLED(open), TRIPLED(high), TRIPLED(low), TRIPLED(close), volume].join(',');
  });
  fs.writeFileSync(path.join(dir, 'EURUSD_1h.csv'), `${planted.join('\n')}\n`);
  return dir;
}

const reply = (...content: ReturnType<typeof toolUse>[]): Extract<FakeReply, { kind: 'message' }> => ({ kind: 'message', content });
/** Claude asks for everything the designer may see, tries wrong ATR sets, then saves the template. */
const SCRIPT = [
  reply(toolUse('get_available_symbols', {}, 'toolu_01symbols'), toolUse('get_recent_strategies', { n: 20 }, 'toolu_01recent')),
  reply(toolUse('validate_strategy_config', { config: atrConfig() }, 'toolu_01atr')),
  reply(toolUse('save_strategy_config', { name: 'sealed', config: goodConfig(), description: 'RSI swings filtered by ADX' }, 'toolu_01save')),
  reply(
    toolUse(
      'save_assessment',
      {
        verdict: 'mediocre',
        strengths: ['Accuracy 54% is 6 pp over chance.'],
        weaknesses: ['41 trades is little evidence.'],
        suggestions: ['Try a volatility filter.'],
      },
      'toolu_01assess',
    ),
  ),
];

/** What the cycle hands the assessor: training metrics and the validation backtest. */
const ASSESS_INPUT = {
  training: { accuracy: 0.5432, loss: 0.9123, initialTrainLoss: 1.0986, finalTrainLoss: 0.8811, epochsTrained: 23, chanceAccuracy: 0.4811 },
  backtest: { totalReturn: 0.0734, sharpeRatio: 0.87, maxDrawdown: 0.0612, winRate: 0.52, totalTrades: 41, buyAndHoldReturn: 0.021, profitFactor: 1.31 },
};

/** Holdout figures as the backtest writes them, with numbers nothing else has. */
function plantHoldoutReport(reportsDir: string, strategy: string): void {
  const dir = path.join(reportsDir, strategy, 'holdout');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({ metrics: { totalReturn: 0.7071, sharpeRatio: 31.4159, totalTrades: 4242 } }));
  fs.writeFileSync(path.join(reportsDir, strategy, 'holdout-looks.jsonl'), '{"at":"2026-12-01T00:00:00.000Z","why":"backtest","by":"cli"}\n');
}

let fake: FakeAnthropic;
let restoreEnv: (() => void) | undefined;
let plantedDir: string;
const scratch: ScratchFolders[] = [];

beforeAll(async () => {
  restoreEnv = clearAnthropicEnv();
  fake = await startFakeAnthropic();
  plantedDir = plantedMarketData();
});
afterAll(async () => {
  restoreEnv?.();
  await fake?.close();
  for (const folders of scratch) folders.remove();
  fs.rmSync(plantedDir, { recursive: true, force: true });
});

/**
 * One design and its assessment in a scratch project reading market data from `marketData`,
 * with holdout reports on disk when `planted`: the requests Claude got (its folders written as
 * <root>), the design's YAML and the assessment's content.
 */
async function researchOn(marketData: string, mode: 'claude' | 'offline', planted = false): Promise<{ requests: string[]; yaml: string; assessment: unknown }> {
  const folders = new ScratchFolders();
  scratch.push(folders);
  // a person's strategy, written at the same moment in both projects: memory shows when
  const written = new Date('2026-12-01T00:00:00Z');
  fs.utimesSync(path.join(folders.strategiesDir, `${folders.strategy('rsi_adx_trend_filter')}.yaml`), written, written);
  fake.requests.length = 0;
  fake.setScript(SCRIPT);
  const activities = createDesignActivities({
    folders: { ...folders.agentFolders(), marketData },
    claude: mode === 'claude' ? claudeConfigFor(fake) : undefined,
  });
  const { reportsDir } = folders;
  if (planted) plantHoldoutReport(reportsDir, 'rsi_adx_trend_filter');
  const cycleId = 'sealed-holdout-cycle';
  const input: DesignInput = { cycleId, model: 'claude-sonnet-5-5', symbol: 'EURUSD', timeframe: '1h' };
  const result: DesignResult = await new MockActivityEnvironment().run((i: DesignInput) => activities.designStrategy(i), input);
  if (planted) plantHoldoutReport(reportsDir, result.strategyName);
  const assessInput: AssessInput = {
    cycleId,
    model: 'claude-sonnet-5-5',
    strategyName: result.strategyName,
    strategyPath: result.strategyPath,
    ...ASSESS_INPUT,
  };
  const assessed: AssessResult = await new MockActivityEnvironment().run((i: AssessInput) => activities.assessStrategy(i), assessInput);
  const { assessed_at: _, ...assessment } = JSON.parse(fs.readFileSync(assessed.assessmentPath, 'utf8')) as Record<string, unknown>;
  // the fake signs each thinking block anew; nothing else may differ
  const requests = fake.requests
    .filter((r) => r.path === '/v1/messages')
    .map((r) => r.raw.replaceAll(folders.root, '<root>').replace(/"signature":"sig_\w+"/g, '"signature":"sig"'));
  return { requests, yaml: fs.readFileSync(result.strategyPath, 'utf8'), assessment };
}

describe('the holdout never reaches the designer or the assessor', () => {
  test('Claude: every request — prompts, discovery and validator results — is the same whatever the holdout holds', async () => {
    const real = await researchOn(MARKET_DATA_DIR, 'claude');
    const planted = await researchOn(plantedDir, 'claude', true);
    expect(real.requests).toHaveLength(4);
    // the validator did quote the ATR's percentiles: the test would see a leak through them
    expect(real.requests[2]).toMatch(/atr_14 on EURUSD 1h: p1 [\d.]+, median [\d.]+, p99 [\d.]+/);
    const messages = (body: string) => (JSON.parse(body) as { messages: unknown[] }).messages;
    planted.requests.forEach((body, i) => {
      expect(messages(body), `request ${i + 1}`).toEqual(messages(real.requests[i]));
      expect(body, `request ${i + 1}`).toBe(real.requests[i]);
    });
    expect(planted.yaml).toBe(real.yaml);
    expect(planted.assessment).toEqual(real.assessment);
    for (const figure of ['31.4', '4242', '0.7071', '70.71']) expect(planted.requests.join('\n')).not.toContain(figure);
  });

  test('offline: the design and its assessment are the same whatever the holdout holds', async () => {
    const real = await researchOn(MARKET_DATA_DIR, 'offline');
    const planted = await researchOn(plantedDir, 'offline', true);
    expect(planted.yaml).toBe(real.yaml);
    expect(planted.assessment).toEqual(real.assessment);
  });
});
