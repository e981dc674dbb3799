import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, assert, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createDesignActivities } from '../../src/activities/designActivities';
import type { DesignInput, DesignResult } from '../../src/domain/activities';
import { costUsd, noUsage, type LlmUsage } from '../../src/domain/models';
import { createClaudeClient } from '../../src/design/claude/config';
import { DESIGN_CAPS, designWithClaude } from '../../src/design/claude/designer';
import type { ClaudeRun } from '../../src/design/claude/run';
import { validateStrategyFile } from '../../src/research/validate';
import {
  blocksOf,
  claudeConfigFor,
  clearAnthropicEnv,
  createBody,
  startFakeAnthropic,
  text,
  textOf,
  thinking,
  THINKING_AT_EFFORT,
  toolNames,
  toolUse,
  type FakeAnthropic,
  type FakeReply,
} from '../support/fakeAnthropic';
import { ScratchFolders } from '../support/services';
import { MARKET_DATA_DIR } from '../support/folders';
import { atrConfig, goodConfig } from '../support/strategyDocuments';

/**
 * The design activity with Claude, through the real SDK against the fake Messages API:
 * the tool loop against the engine's validator, caps, idempotent retries, every class of
 * API error, cancellation, and what each call costs.
 */
let fake: FakeAnthropic;
let restoreEnv: (() => void) | undefined;
let folders: ScratchFolders;
let transcriptsDir: string;

beforeAll(async () => {
  restoreEnv = clearAnthropicEnv();
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  restoreEnv?.();
  await fake?.close();
});
beforeEach(() => {
  folders?.remove();
  folders = new ScratchFolders();
  folders.strategy('rsi_adx_trend_filter');
  transcriptsDir = path.join(folders.root, 'transcripts');
  fake.requests.length = 0;
});

const claude = (server = fake) => claudeConfigFor(server);
const activities = (server = fake) => createDesignActivities({ folders: folders.agentFolders(), claude: claude(server) });

let seq = 0;
const input = (over: Partial<DesignInput> = {}): DesignInput => ({ cycleId: `cycle-${++seq}-${Date.now()}`, model: 'claude-sonnet-5-5', ...over });

/** A strategy as written in YAML, before the schema's defaults and transforms. */

type MessageReply = Extract<FakeReply, { kind: 'message' }>;
const reply = (...content: ReturnType<typeof text>[]): MessageReply => ({ kind: 'message', content });
const save = (config: unknown, name = 'rsi_adx_swing') => reply(toolUse('save_strategy_config', { name, config, description: 'RSI swings filtered by ADX' }));
const requestsTo = () => fake.requests.filter((r) => r.path === '/v1/messages');
const bodies = () => requestsTo().map(createBody);

function design(acts: ReturnType<typeof activities>, designInput: DesignInput, info: ConstructorParameters<typeof MockActivityEnvironment>[0] = {}) {
  const env = new MockActivityEnvironment(info);
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const result: Promise<DesignResult> = env.run((i: DesignInput) => acts.designStrategy(i), designInput);
  return { env, heartbeats, result };
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** The tool results the activity sent back in a request, by tool_use id order. */
function toolResultsIn(requestIndex: number): { content: string; is_error?: boolean }[] {
  const last = bodies()[requestIndex].messages.at(-1);
  const results = Array.isArray(last?.content) ? last.content.flatMap((b) => (b.type === 'tool_result' ? [b] : [])) : [];
  return results.map(({ content, is_error }) => {
    assert(typeof content === 'string', 'the activity sends a tool result as text');
    return { content, is_error };
  });
}

/** What validate_strategy_config answers, and save_strategy_config when it refuses. */
const Verdict = z.object({ valid: z.boolean(), errors: z.array(z.string()) });
const Refusal = z.object({ errors: z.array(z.string()) });
const verdictIn = (result: { content: string }) => Verdict.parse(JSON.parse(result.content));

describe('the design loop', () => {
  test('validates, fixes what the validator reports, saves a strategy that validates, and counts what it cost', async () => {
    fake.setScript([
      reply(thinking('ATR measures volatility; three sets across 0…1'), toolUse('validate_strategy_config', { config: atrConfig() })),
      reply(thinking('the validator quotes the real percentiles'), toolUse('validate_strategy_config', { config: goodConfig() })),
      save(goodConfig()),
    ]);
    const cycle = input();
    const { result } = design(activities(), cycle);
    const designed: DesignResult = await result;

    expect(designed.offline).toBe(false);
    expect(designed.symbol).toBe('EURUSD');
    expect(designed.timeframe).toBe('1h');
    expect(designed.strategyName).toMatch(/^rsi_adx_swing_[0-9a-f]{6}$/);
    expect(validateStrategyFile(designed.strategyPath, { dataDir: MARKET_DATA_DIR }).valid).toBe(true);
    expect(fs.readFileSync(designed.strategyPath, 'utf8')).toMatch(new RegExp(`^name: ${designed.strategyName}$`, 'm'));
    const record: unknown = JSON.parse(fs.readFileSync(path.join(folders.strategiesDir, 'designed', designed.strategyName, 'design.json'), 'utf8'));
    expect(record).toMatchObject({ cycle_id: cycle.cycleId, model: 'claude-sonnet-5-5', offline: false });

    // the validator's verdict on the ATR sets reached Claude, quoting the real values
    const [first] = toolResultsIn(1);
    const verdict = verdictIn(first);
    expect(verdict.valid).toBe(false);
    expect(verdict.errors.join('\n')).toMatch(/fuzzy_sets\.atr_14.*p1 0\.000\d+/s);
    expect(verdictIn(toolResultsIn(2)[0])).toMatchObject({ valid: true, errors: [] });

    // thinking blocks go back to the API as they came
    expect(blocksOf(bodies()[1].messages[1])[0].type).toBe('thinking');

    // three calls, each priced at Sonnet 5.5's list prices
    expect(requestsTo()).toHaveLength(3);
    const usage = designed.usage;
    expect(usage.model).toBe('claude-sonnet-5-5');
    expect(usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens).toBeGreaterThan(0);
    expect(usage.costUsd).toBeCloseTo(costUsd('claude-sonnet-5-5', usage), 12);
  });

  test('the prompt carries the discovery data and the memory, caches the static part, and sends no sampling parameters', async () => {
    // a server of its own, so that nothing is cached yet
    const server = await startFakeAnthropic({ script: [save(goodConfig()), save(goodConfig())] });
    const acts = activities(server);
    const one = await design(acts, input({ brief: 'mean reversion on EURUSD' })).result;
    const two = await design(acts, input()).result;
    // the design's record keeps the brief, for the strategy's report
    const record = (name: string) => JSON.parse(fs.readFileSync(path.join(folders.strategiesDir, 'designed', name, 'design.json'), 'utf8')) as object;
    expect(record(one.strategyName)).toMatchObject({ brief: 'mean reversion on EURUSD' });
    expect(record(two.strategyName)).not.toHaveProperty('brief');
    await server.close();
    const sent = server.requests.map(createBody);

    const [body] = sent;
    expect(body).not.toHaveProperty('temperature');
    expect(body.max_tokens).toBe(DESIGN_CAPS.maxOutputTokens);
    assert(Array.isArray(body.system), 'the system prompt is sent as blocks');
    expect(body.system.at(-1)?.cache_control).toEqual({ type: 'ephemeral' });
    expect(toolNames(body)).toEqual([
      'validate_strategy_config',
      'save_strategy_config',
      'get_available_indicators',
      'get_available_symbols',
      'get_recent_strategies',
    ]);
    const prompt = textOf(body.messages[0]);
    expect(prompt).toContain('mean reversion on EURUSD');
    expect(prompt).toMatch(/EURUSD 1h: 5000 bars, 2017-\d\d-\d\d → 2018-\d\d-\d\d/);
    expect(prompt).toMatch(/- rsi_adx_trend_filter .*rsi \+ adx/);
    // the second cycle remembers the first
    expect(textOf(sent[1].messages[0])).toContain(one.strategyName);

    // the static system prompt is written to the cache once and read by the next cycle, which
    // writes only its own turn (the conversation is cached too, for the calls that follow)
    expect(one.usage.cacheWriteTokens).toBeGreaterThan(4096);
    expect(two.usage.cacheReadTokens).toBeGreaterThan(4096);
    expect(two.usage.cacheWriteTokens).toBeLessThan(one.usage.cacheWriteTokens - 4096);
  });

  test('a reply without a tool call gets a nudge, and the discovery tools answer', async () => {
    fake.setScript([
      reply(text('I will design an RSI strategy.')),
      reply(toolUse('get_available_symbols', {}), toolUse('get_recent_strategies', { n: 3 }), toolUse('get_available_indicators', {})),
      save(goodConfig()),
    ]);
    await design(activities(), input()).result;
    expect(textOf(bodies()[1].messages.at(-1))).toMatch(/No strategy is saved yet/);
    const [symbols, recent, indicators] = toolResultsIn(2).map((r): unknown => JSON.parse(r.content));
    const Named = z.array(z.looseObject({ name: z.string() }));
    expect(symbols).toContainEqual(expect.objectContaining({ symbol: 'EURUSD', timeframe: '1h', bars: 5000 }));
    expect(Named.parse(recent).map((r) => r.name)).toContain('rsi_adx_trend_filter');
    expect(Named.parse(indicators).find((i) => i.name === 'atr')).toMatchObject({ family: 'volatility', tier: 3 });
  });

  test('a save for another market than the cycle asked for is refused with the reason, and the fix is saved', async () => {
    const goog = goodConfig();
    goog.training_data.symbols.list = ['GOOG'];
    goog.training_data.timeframes = { mode: 'single', list: ['1d'], base_timeframe: '1d' };
    goog.deployment.target_timeframes.supported = ['1d'];
    goog.training.labels.zigzag_threshold = 0.03;
    fake.setScript([save(goodConfig()), save(goog, 'rsi_adx_goog')]);
    const designed = await design(activities(), input({ symbol: 'GOOG', timeframe: '1d' })).result;
    const [refused] = toolResultsIn(1);
    expect(refused.is_error).toBe(true);
    expect(Refusal.parse(JSON.parse(refused.content)).errors).toEqual([
      'training_data.symbols: this cycle asked for GOOG',
      'training_data.timeframes: this cycle asked for 1d',
    ]);
    expect(designed).toMatchObject({ symbol: 'GOOG', timeframe: '1d' });
    expect(designed.strategyName).toMatch(/^rsi_adx_goog_/);
  });
});

describe('refusals', () => {
  test('a refused design is final, says why and what to do, and asks nothing more in the refused context', async () => {
    fake.setScript([
      {
        kind: 'message',
        content: [text('I can not help with that.')],
        stop_reason: 'refusal',
        refusal: { category: 'cyber', explanation: 'The brief asks for an exploit.' },
      },
      save(goodConfig()),
    ]);
    const failure = await failureOf(design(activities(), input({ brief: 'front-run the exchange matching engine' })).result);
    expect(failure).toMatchObject({ type: 'LlmRefused', nonRetryable: true });
    expect(failure.message).toBe(
      'claude-sonnet-5-5 declined to design a strategy for this brief (cyber: The brief asks for an exploit.); rephrase the brief, or pick another --model',
    );
    expect(requestsTo()).toHaveLength(1);
  });
});

describe('empty replies', () => {
  test('an empty reply after tool results is never sent back: a new user turn asks Claude to continue', async () => {
    fake.setScript([reply(toolUse('validate_strategy_config', { config: goodConfig() })), { kind: 'message', content: [] }, save(goodConfig())]);
    const designed = await design(activities(), input()).result;
    expect(designed.strategyName).toMatch(/^rsi_adx_swing_/);
    expect(requestsTo()).toHaveLength(3);
    const sent = bodies()[2].messages;
    expect(sent.every((m) => m.content.length > 0)).toBe(true);
    // the tool results, then the continuation in a new user message (handling-stop-reasons docs)
    expect(sent.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'user']);
    expect(textOf(sent.at(-1))).toMatch(/^Please continue/);
  });
});

describe('thinking and max_tokens', () => {
  test('each model thinks as it does by default: no thinking setting, medium effort where the model takes it, room for the thinking in max_tokens', async () => {
    fake.setScript([save(goodConfig()), save(goodConfig())]);
    const sonnet = await design(activities(), input({ model: 'claude-sonnet-5-5' })).result;
    await design(activities(), input({ model: 'claude-haiku-4-5' })).result;
    const [first, second] = bodies();
    expect(first.thinking).toBeUndefined();
    expect(first.output_config).toEqual({ effort: 'medium' });
    // Haiku 4.5 has no effort parameter: the API would refuse one
    expect(second.output_config).toBeUndefined();
    // one call: the thinking and the save fitted in max_tokens
    expect(requestsTo()).toHaveLength(2);
    expect(sonnet.usage.outputTokens).toBeGreaterThan(THINKING_AT_EFFORT.medium);
  });

  test('a max_tokens above what the SDK allows a non-streaming call without a timeout (21,333) is sent, not refused by the SDK', async () => {
    fake.setScript([save(goodConfig())]);
    const model = 'claude-sonnet-5-5';
    const run: ClaudeRun = {
      client: createClaudeClient(claude()),
      model,
      transcriptsDir,
      attempt: 1,
      spent: noUsage(model),
      heartbeat: () => {},
      signal: new AbortController().signal,
    };
    await designWithClaude(input(), run, { strategiesDir: folders.strategiesDir, dataDir: MARKET_DATA_DIR, caps: { ...DESIGN_CAPS, maxOutputTokens: 32_000 } });
    expect(bodies()[0].max_tokens).toBe(32_000);
  });

  test('a reply that spent max_tokens thinking is asked again, told it was cut off', async () => {
    fake.setScript([{ ...save(goodConfig()), thinkingTokens: DESIGN_CAPS.maxOutputTokens }, save(goodConfig())]);
    const designed = await design(activities(), input()).result;
    expect(designed.strategyName).toMatch(/^rsi_adx_swing_/);
    expect(textOf(bodies()[1].messages.at(-1))).toMatch(/cut off at the limit of 16000 output tokens/);
  });

  test('a tool call cut off at max_tokens is answered as cut off, not run with its incomplete input', async () => {
    fake.setScript([{ ...reply(toolUse('save_strategy_config', { name: 'rsi_adx_swing' })), stop_reason: 'max_tokens' }, save(goodConfig())]);
    await design(activities(), input()).result;
    const [cut] = toolResultsIn(1);
    expect(cut.is_error).toBe(true);
    expect(cut.content).toMatch(/cut off at the limit of 16000 output tokens/);
  });
});

describe('one strategy per cycle', () => {
  test('a reply with two saves keeps the first and refuses the second', async () => {
    fake.setScript([
      reply(
        toolUse('save_strategy_config', { name: 'first_try', config: goodConfig(), description: 'one' }),
        toolUse('save_strategy_config', { name: 'second_try', config: goodConfig(), description: 'two' }),
      ),
    ]);
    const designed = await design(activities(), input()).result;
    expect(designed.strategyName).toMatch(/^first_try_/);
    expect(fs.readdirSync(path.join(folders.strategiesDir, 'designed')).filter((f) => f.startsWith('second_try'))).toEqual([]);
  });
});

describe('caps end a design that does not converge', () => {
  test('ten calls of invalid configs end the design for good, with the last problems and the tokens spent', async () => {
    fake.setScript(Array.from({ length: DESIGN_CAPS.maxTurns }, () => reply(toolUse('validate_strategy_config', { config: atrConfig() }))));
    const { result } = design(activities(), input());
    const failure = await failureOf(result);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.type).toBe('DesignGaveUp');
    expect(failure.message).toMatch(/did not save a valid strategy within the cap of 10 calls; the last validation said: fuzzy_sets\.atr_14/);
    expect(requestsTo()).toHaveLength(10);
    const spent = failure.details?.[0] as LlmUsage;
    expect(spent.cacheWriteTokens).toBeGreaterThan(0);
    expect(spent.costUsd).toBeGreaterThan(0);
  });

  test('the cumulative input-token cap stops the loop before the next call', async () => {
    const costly = (r: MessageReply): MessageReply => ({
      ...r,
      usage: { input_tokens: 30_000, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    fake.setScript([costly(reply(toolUse('validate_strategy_config', { config: atrConfig() }))), costly(reply(text('thinking about it')))]);
    const failure = await failureOf(design(activities(), input()).result);
    expect(failure.type).toBe('DesignGaveUp');
    expect(failure.message).toMatch(/within the cap of 50000 input tokens \(60000 used\)/);
    expect(requestsTo()).toHaveLength(2);
    expect((failure.details?.[0] as LlmUsage).costUsd).toBeCloseTo((60_000 * 2 + 200 * 10) / 1e6, 9);
  });
});

describe('retries', () => {
  test('a retried design for a cycle that saved its strategy returns that strategy without calling Claude, with the spend carried over', async () => {
    fake.setScript([save(goodConfig())]);
    const cycle = input();
    const first = await design(activities(), cycle).result;
    const calls = requestsTo().length;
    const again = await design(activities(), cycle, { attempt: 2, heartbeatDetails: { percent: 0, step: 'turn 1', usage: first.usage } }).result;
    expect(again.strategyName).toBe(first.strategyName);
    expect(again.usage).toEqual(first.usage);
    expect(requestsTo()).toHaveLength(calls);
  });

  test("a retry after a failed call adds the earlier attempt's spend to its own", async () => {
    const earlier: LlmUsage = { model: 'claude-sonnet-5-5', inputTokens: 1000, outputTokens: 200, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0.004 };
    fake.setScript([save(goodConfig())]);
    const cycle = input();
    const designed = await design(activities(), cycle, { attempt: 3, heartbeatDetails: { percent: 0, step: 'turn 2', usage: earlier } }).result;
    expect(designed.usage.inputTokens + designed.usage.cacheWriteTokens).toBeGreaterThan(earlier.inputTokens);
    expect(designed.usage.costUsd).toBeGreaterThan(earlier.costUsd);
    expect(fs.existsSync(path.join(transcriptsDir, cycle.cycleId, 'design-attempt3.json'))).toBe(true);
  });

  test('a name the cycle claimed before its attempt died is released, and the design starts afresh', async () => {
    const cycle = input();
    const stale = path.join(folders.strategiesDir, 'stale_name', 'design.json');
    fs.mkdirSync(path.dirname(stale), { recursive: true });
    fs.writeFileSync(
      stale,
      JSON.stringify({
        cycle_id: cycle.cycleId,
        strategy: 'stale_name',
        symbol: 'EURUSD',
        timeframe: '1h',
        designed_at: new Date().toISOString(),
        model: 'claude-sonnet-5-5',
        offline: false,
      }),
    );
    fake.setScript([save(goodConfig())]);
    const designed = await design(activities(), cycle).result;
    expect(designed.strategyName).toMatch(/^rsi_adx_swing_/);
    expect(fs.existsSync(stale)).toBe(false);
  });

  test('a name held by another strategy is never overwritten', async () => {
    const cycle = input();
    fake.setScript([save(goodConfig())]);
    const first = await design(activities(), cycle).result;
    const before = fs.readFileSync(first.strategyPath, 'utf8');
    // another cycle whose hash starts the same way cannot exist; a person's file of that name can
    fake.setScript([save(goodConfig(), first.strategyName.replace(/_[0-9a-f]{6}$/, ''))]);
    const second = await design(activities(), input()).result;
    expect(second.strategyName).not.toBe(first.strategyName);
    expect(fs.readFileSync(first.strategyPath, 'utf8')).toBe(before);
  });
});

describe('API errors', () => {
  const failWith = async (reply: FakeReply, model = 'claude-sonnet-5-5') => {
    fake.setScript([reply]);
    const failure = await failureOf(design(activities(), input({ model })).result);
    expect(requestsTo()).toHaveLength(1); // the SDK does not retry on its own
    return failure;
  };

  test('429 is retried by Temporal after the wait the API asked for', async () => {
    const failure = await failWith({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'Number of requests has exceeded your rate limit',
      headers: { 'retry-after': '7' },
    });
    expect(failure).toMatchObject({ type: 'LlmRateLimited', nonRetryable: false, nextRetryDelay: 7000 });
    expect(failure.message).toMatch(/rate limited/);
  });

  test.each([
    [529, 'overloaded_error', /overloaded/],
    [500, 'api_error', /unavailable \(500\)/],
  ])('%i is retried with backoff', async (status, type, message) => {
    const failure = await failWith({ kind: 'error', status, type, message: 'try later' });
    expect(failure).toMatchObject({ type: 'LlmUnavailable', nonRetryable: false });
    expect(failure.message).toMatch(message);
  });

  test('a connection that fails is retried', async () => {
    const closed = await startFakeAnthropic();
    await closed.close();
    const acts = createDesignActivities({ folders: folders.agentFolders(), claude: claude(closed) });
    const failure = await failureOf(design(acts, input()).result);
    expect(failure).toMatchObject({ type: 'LlmUnavailable', nonRetryable: false });
    expect(failure.message).toMatch(/Cannot reach the Anthropic API/);
  });

  test('a refused key is final and says to set ANTHROPIC_API_KEY', async () => {
    const acts = createDesignActivities({ folders: folders.agentFolders(), claude: { ...claude(), apiKey: 'sk-ant-wrong' } });
    fake.setScript([save(goodConfig())]);
    const failure = await failureOf(design(acts, input()).result);
    expect(failure).toMatchObject({ type: 'LlmRejected', nonRetryable: true });
    expect(failure.message).toMatch(/refused the API key \(401.*\)\. Set a valid ANTHROPIC_API_KEY.*--offline/);
    expect(failure.message).not.toContain('sk-ant-wrong');
  });

  test('a model the API does not serve is final and says to pick another', async () => {
    const failure = await failWith({ kind: 'error', status: 404, type: 'not_found_error', message: 'model: claude-opus-4-5' }, 'claude-opus-4-5');
    expect(failure).toMatchObject({ type: 'LlmRejected', nonRetryable: true });
    expect(failure.message).toMatch(/Model claude-opus-4-5 is not available \(404.*\)\. Pick another with --model/);
  });

  test.each(['contract_spend_limit_reached', 'enforced_spend_limit_reached'])(
    'a 429 that says a spend limit was reached (%s) is final, whatever retry-after says',
    async (errorCode) => {
      const failure = await failWith({
        kind: 'error',
        status: 429,
        type: 'rate_limit_error',
        message: 'Your organization has reached its spend limit.',
        errorCode,
        headers: { 'retry-after': '60' },
      });
      expect(failure).toMatchObject({ type: 'LlmSpendLimit', nonRetryable: true });
      expect(failure.message).toBe(
        `The Anthropic organization reached a spend limit (429 ${errorCode}: Your organization has reached its spend limit.). Raise the limit in the Anthropic console, or start cycles with --offline`,
      );
    },
  );

  test('a ramp-limit 429 is retried after its retry-after, as the SDK says', async () => {
    const failure = await failWith({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'Usage is growing too fast.',
      errorCode: 'ramp_limit_exceeded',
      headers: { 'retry-after': '30' },
    });
    expect(failure).toMatchObject({ type: 'LlmRateLimited', nonRetryable: false, nextRetryDelay: 30_000 });
  });

  test('x-should-retry decides, as it does for the SDK: false makes an overload final, true makes a 400 retryable', async () => {
    const overloaded = await failWith({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded', headers: { 'x-should-retry': 'false' } });
    expect(overloaded).toMatchObject({ type: 'LlmUnavailable', nonRetryable: true });
    expect(overloaded.message).toBe('Anthropic API overloaded: Overloaded. The API says a retry will not help (x-should-retry: false)');
    fake.requests.length = 0;
    const transient = await failWith({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'Try again.',
      headers: { 'x-should-retry': 'true' },
    });
    expect(transient).toMatchObject({ type: 'LlmUnavailable', nonRetryable: false });
  });

  test('a 404 from an ANTHROPIC_BASE_URL that is not the Messages API names the base URL, not the model', async () => {
    const acts = createDesignActivities({ folders: folders.agentFolders(), claude: { ...claude(), baseURL: `${fake.url}/v1` } });
    const failure = await failureOf(design(acts, input()).result);
    expect(failure).toMatchObject({ type: 'LlmRejected', nonRetryable: true });
    expect(failure.message).toBe(
      `ANTHROPIC_BASE_URL ${fake.url}/v1 is not the Messages API (404 Not Found for POST ${fake.url}/v1/v1/messages). Set it to the API's root (https://api.anthropic.com, with no /v1), or unset it`,
    );
    expect(failure.message).not.toMatch(/claude-sonnet-5-5/);
  });

  test('so does a 404 page from a server that is no API at all', async () => {
    const server = http.createServer((_req, res) =>
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body><h1>404</h1>nothing here</body></html>'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const acts = createDesignActivities({ folders: folders.agentFolders(), claude: { ...claude(), baseURL: url } });
      const failure = await failureOf(design(acts, input()).result);
      expect(failure.message).toBe(
        `ANTHROPIC_BASE_URL ${url} is not the Messages API (404, not an API error, for POST ${url}/v1/messages). Set it to the API's root (https://api.anthropic.com, with no /v1), or unset it`,
      );
    } finally {
      server.close();
    }
  });

  test('a 403 is final', async () => {
    const failure = await failWith({ kind: 'error', status: 403, type: 'permission_error', message: 'no access' });
    expect(failure).toMatchObject({ type: 'LlmRejected', nonRetryable: true });
    expect(failure.message).toMatch(/may not use claude-sonnet-5-5/);
  });
});

describe('cancellation', () => {
  test('cancelling the activity aborts the HTTP request and reports cancelled', async () => {
    fake.setScript([{ kind: 'hang' }]);
    const { env, result, heartbeats } = design(activities(), input());
    for (let i = 0; i < 100 && requestsTo().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    env.cancel();
    await expect(result).rejects.toBeInstanceOf(CancelledFailure);
    for (let i = 0; i < 100 && fake.aborted === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.aborted).toBe(1);
    // the heartbeat says what the activity waits for, never what it asked
    expect(heartbeats[0]).toMatchObject({ step: 'turn 1/10: waiting for claude-sonnet-5-5' });
    expect(JSON.stringify(heartbeats)).not.toContain('EURUSD');
  });

  test('a worker shutting down aborts the request and asks the next worker to retry at once', async () => {
    fake.setScript([{ kind: 'hang' }]);
    const aborted = fake.aborted;
    const { env, result } = design(activities(), input());
    for (let i = 0; i < 100 && requestsTo().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    env.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }));
    const failure = await failureOf(result);
    expect(failure).toMatchObject({
      type: 'WorkerShutdown',
      nonRetryable: false,
      nextRetryDelay: '1 second',
      message: 'the worker shut down; the next attempt asks Claude again',
    });
    for (let i = 0; i < 100 && fake.aborted === aborted; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fake.aborted).toBe(aborted + 1);
  });
});

describe('transcripts', () => {
  test('keep requests and replies in the transcripts folder, never the API key', async () => {
    fake.setScript([reply(toolUse('validate_strategy_config', { config: goodConfig() })), save(goodConfig())]);
    const cycle = input();
    await design(activities(), cycle).result;
    const file = path.join(transcriptsDir, cycle.cycleId, 'design-attempt1.json');
    const transcript = fs.readFileSync(file, 'utf8');
    const { calls } = z.object({ calls: z.array(z.object({ request: z.object({ messages: z.array(z.unknown()) }) })) }).parse(JSON.parse(transcript));
    expect(calls).toHaveLength(2);
    // each call as it was sent: the first request had one message, the second three
    expect(calls.map((c) => c.request.messages.length)).toEqual([1, 3]);
    expect(transcript).not.toContain(fake.apiKey);
  });
});
