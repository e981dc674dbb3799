import { describe, expect, test } from 'vitest';
import { claudeConfigFromEnv } from '../../src/design/claude/config';
import { retryAfterMs } from '../../src/design/claude/apiErrors';
import { replyTimeoutMs } from '../../src/design/claude/modelSettings';
import { designSystemPrompt, designUserPrompt, TEMPLATE_STRATEGY } from '../../src/design/claude/designPrompt';
import { assessUserPrompt } from '../../src/design/claude/assessPrompt';
import { DESIGN_TOOLS } from '../../src/design/claude/designTools';
import { recentText } from '../../src/design/claude/discovery';
import { metricsWithUnits } from '../../src/design/metricsWithUnits';
import { INDICATORS } from '../../src/engine/features/indicators/catalog';
import { validateStrategyText } from '../../src/research/validate';
import { MARKET_DATA_DIR } from '../support/folders';

describe('the design prompt', () => {
  test('its template strategy is valid on the shipped data: the prompt never teaches a broken format', () => {
    const validation = validateStrategyText(TEMPLATE_STRATEGY, { dataDir: MARKET_DATA_DIR });
    expect(validation.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  test('the system part is the same for every cycle (so it stays cached) and carries every indicator of the catalog', () => {
    const [rules, catalog] = designSystemPrompt();
    expect(designSystemPrompt()).toEqual([rules, catalog]);
    expect(catalog.cache_control).toEqual({ type: 'ephemeral' });
    for (const spec of INDICATORS) expect(catalog.text).toContain(`- ${spec.name} (${spec.family}`);
    // the cached prefix (tools, then system) is above the largest minimum cacheable length
    // of recent models, 4,096 tokens, at about 4 characters a token
    const prefix = JSON.stringify(DESIGN_TOOLS).length + rules.text.length + catalog.text.length;
    expect(prefix / 4).toBeGreaterThan(4096);
  });

  test('the per-cycle part names the brief, the requested market, the data and the memory', () => {
    const text = designUserPrompt({
      input: { cycleId: 'c-1', model: 'claude-sonnet-5-5', brief: 'volatility breakouts', symbol: 'GOOG', timeframe: '1d' },
      markets: [{ symbol: 'GOOG', timeframe: '1d', bars: 2148, start: '2004-08-19T00:00:00.000Z', end: '2013-03-01T00:00:00.000Z' }],
      recent: [],
    });
    expect(text).toContain('volatility breakouts');
    expect(text).toContain('This cycle asks for GOOG 1d');
    expect(text).toContain('- GOOG 1d: 2148 bars, 2004-08-19 → 2013-03-01');
    expect(text).toContain('(none yet: this is the first design)');
  });

  test('memory lines carry the verdict and the validation results, with units', () => {
    const line = recentText([
      {
        name: 'rsi_adx_1a2b3c',
        created_at: '2026-11-24T10:00:00.000Z',
        symbols: ['EURUSD'],
        timeframe: '1h',
        indicators: ['rsi', 'adx'],
        families: ['momentum', 'trend'],
        verdict: 'poor',
        validation: {
          accuracy_pct: 41.2,
          lift_pp: -3.1,
          sharpe_ratio: -0.4,
          total_return_pct: -2.5,
          max_drawdown_pct: 6.1,
          win_rate_pct: 38,
          total_trades: 57,
        },
      },
    ]);
    expect(line).toBe(
      '- rsi_adx_1a2b3c (2026-11-24): EURUSD 1h; rsi + adx [momentum/trend]; verdict poor; validation: accuracy 41.2% (-3.1 pp over chance), Sharpe -0.4, return -2.5%, max drawdown 6.1%, win rate 38%, 57 trades',
    );
  });
});

describe('the assessment prompt', () => {
  test('shows the metrics with their units and nothing named holdout', () => {
    const metrics = metricsWithUnits(
      { accuracy: 0.55, loss: 0.9, initialTrainLoss: 1.1, finalTrainLoss: 0.88, epochsTrained: 20, chanceAccuracy: 0.5 },
      { totalReturn: 0.1234, sharpeRatio: 1.234, maxDrawdown: 0.05, winRate: 0.6, totalTrades: 30 },
    );
    const text = assessUserPrompt({ strategyName: 's', strategyYaml: 'name: s\n', metrics, recent: [] });
    expect(text).toContain('"validation_accuracy_pct": 55');
    expect(text).toContain('"lift_pp": 5');
    expect(text).toContain('"total_return_pct": 12.34');
    expect(text.toLowerCase()).not.toContain('holdout');
  });
});

describe('retry-after', () => {
  const headers = (h: Record<string, string>) => new Headers(h);
  test('seconds, milliseconds and HTTP dates are read; anything else is ignored', () => {
    expect(retryAfterMs(headers({ 'retry-after': '7' }))).toBe(7000);
    expect(retryAfterMs(headers({ 'retry-after-ms': '1500', 'retry-after': '7' }))).toBe(1500);
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': 'Wed, 25 Nov 2026 10:00:30 GMT' }), now)).toBe(30_000);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(headers({}))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });
});

describe('the timeout of a call', () => {
  test("gives a reply of max_tokens the time the SDK assumes it takes (an hour for 128,000 tokens), never less than the client's timeout", () => {
    expect(replyTimeoutMs(16_000, 300_000)).toBe(450_000);
    expect(replyTimeoutMs(8_000, 300_000)).toBe(300_000);
  });
});

describe('the Claude configuration', () => {
  test('comes from ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL; no key means offline', () => {
    expect(claudeConfigFromEnv({})).toBeUndefined();
    expect(claudeConfigFromEnv({ ANTHROPIC_API_KEY: '  ' })).toBeUndefined();
    expect(claudeConfigFromEnv({ ANTHROPIC_API_KEY: 'sk-ant-x', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9999' })).toMatchObject({
      apiKey: 'sk-ant-x',
      baseURL: 'http://127.0.0.1:9999',
    });
  });
});
