import { describe, expect, test } from 'vitest';
import { addUsage, costUsd, DEFAULT_MODEL, MODEL_ALIASES, MODEL_PRICES, NO_USAGE, resolveModel, type LlmUsage } from '../../src/domain/models';
import { match } from '../support/matchers';

const none = { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
const MILLION = 1_000_000;

describe('costUsd', () => {
  test.each([
    ['input', { inputTokens: MILLION }, 2],
    ['output', { outputTokens: MILLION }, 10],
    ['cache write', { cacheWriteTokens: MILLION }, 2.5],
    ['cache read', { cacheReadTokens: MILLION }, 0.1],
  ])('1M %s tokens of claude-sonnet-5-5 cost its list price', (_, tokens, usd) => {
    expect(costUsd('claude-sonnet-5-5', { ...none, ...tokens })).toBeCloseTo(usd, 10);
  });

  test.each([
    ['claude-opus-5-5', 4, 20],
    ['claude-haiku-5-5', 0.1, 0.5],
    ['claude-opus-4-8', 5, 25],
    ['claude-sonnet-4-6', 3, 15],
    ['claude-haiku-4-5', 1, 5],
  ] as const)('%s: 1M input = $%s, 1M output = $%s', (model, input, output) => {
    expect(costUsd(model, { ...none, inputTokens: MILLION })).toBeCloseTo(input, 10);
    expect(costUsd(model, { ...none, outputTokens: MILLION })).toBeCloseTo(output, 10);
  });

  test('a realistic call adds up all four kinds of tokens', () => {
    // 1200 in × $2 + 300 out × $10 + 800 cache read × $0.10 + 400 cache write × $2.50, per million
    const tokens = { inputTokens: 1200, outputTokens: 300, cacheReadTokens: 800, cacheWriteTokens: 400 };
    expect(costUsd('claude-sonnet-5-5', tokens)).toBeCloseTo((2400 + 3000 + 80 + 1000) / MILLION, 12);
  });

  test('reading from the cache is cheaper than fresh input, writing to it dearer', () => {
    const input = costUsd('claude-sonnet-5-5', { ...none, inputTokens: 10_000 });
    expect(costUsd('claude-sonnet-5-5', { ...none, cacheReadTokens: 10_000 })).toBeLessThan(input);
    expect(costUsd('claude-sonnet-5-5', { ...none, cacheWriteTokens: 10_000 })).toBeGreaterThan(input);
  });

  test('no tokens cost nothing', () => {
    expect(costUsd('claude-opus-5-5', none)).toBe(0);
  });

  test('every model in the table has all four prices, positive', () => {
    for (const [model, price] of Object.entries(MODEL_PRICES)) {
      for (const kind of ['input', 'output', 'cacheWrite', 'cacheRead'] as const) {
        expect(price[kind], `${model} ${kind}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('resolveModel', () => {
  test.each([
    ['opus', 'claude-opus-5-5'],
    ['sonnet', 'claude-sonnet-5-5'],
    ['haiku', 'claude-haiku-5-5'],
    ['SONNET', 'claude-sonnet-5-5'],
    ['  Haiku\n', 'claude-haiku-5-5'],
    ['claude-opus-4-7', 'claude-opus-4-7'],
    ['CLAUDE-OPUS-4-7', 'claude-opus-4-7'],
  ])('%j → %s', (name, id) => {
    expect(resolveModel(name)).toBe(id);
  });

  test.each(['', 'gpt-4o', 'claude', 'opus-5-5', 'claude-opus-3'])('%j is unknown', (name) => {
    expect(resolveModel(name)).toBeUndefined();
  });

  test('every alias points at a priced model, and so does the default', () => {
    for (const id of Object.values(MODEL_ALIASES)) expect(MODEL_PRICES).toHaveProperty([id]);
    expect(MODEL_PRICES).toHaveProperty([DEFAULT_MODEL]);
  });
});

describe('addUsage', () => {
  const call = (over: Partial<LlmUsage>): LlmUsage => ({ model: 'claude-sonnet-5-5', ...none, costUsd: 0, ...over });

  test('sums tokens and cost of several calls, starting from NO_USAGE', () => {
    const design = call({ inputTokens: 1200, outputTokens: 300, cacheReadTokens: 800, costUsd: 0.00548 });
    const assess = call({ model: 'claude-haiku-5-5', inputTokens: 5000, outputTokens: 700, cacheWriteTokens: 2000, costUsd: 0.01 });
    const total = addUsage(addUsage(NO_USAGE, design), assess);
    expect(total).toEqual({
      inputTokens: 6200,
      outputTokens: 1000,
      cacheReadTokens: 800,
      cacheWriteTokens: 2000,
      costUsd: match.closeTo(0.01548, 12),
    });
  });

  test('the total carries no model (a cycle may mix models)', () => {
    expect(addUsage(NO_USAGE, call({ inputTokens: 1 }))).not.toHaveProperty('model');
  });

  test('does not modify its arguments', () => {
    const start = { ...NO_USAGE };
    addUsage(start, call({ inputTokens: 10, costUsd: 1 }));
    expect(start).toEqual(NO_USAGE);
    expect(NO_USAGE).toEqual({ inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 });
  });
});
