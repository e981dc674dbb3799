import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import {
  clearAnthropicEnv,
  createBody,
  startFakeAnthropic,
  text,
  textOf,
  thinking,
  THINKING_AT_EFFORT,
  toolUse,
  type FakeAnthropic,
} from '../support/fakeAnthropic';
import { match } from '../support/matchers';

const MODEL = 'claude-sonnet-5-5';
const TOOLS: Anthropic.Tool[] = [
  {
    name: 'submit_design',
    description: 'Submit a strategy design',
    input_schema: { type: 'object', properties: { name: { type: 'string' } } },
  },
];
/** About 1,500 estimated tokens: above the fake's default minimum of 1,024. */
const BIG_SYSTEM = 'You design trading strategies. '.repeat(200);

let restoreEnv: () => void;
beforeAll(() => (restoreEnv = clearAnthropicEnv()));
afterAll(() => restoreEnv());

let fake: FakeAnthropic;
let client: Anthropic;
beforeEach(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0, timeout: 10_000 });
});
afterEach(() => fake.close());

/** Room for Sonnet 5.5's default thinking (high effort) and a reply. */
const MAX_TOKENS = 16_000;
const ask = (over: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}): Promise<Anthropic.Message> =>
  client.messages.create({ model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'Design a strategy.' }], ...over });

/** The content without thinking blocks: what a test scripted. */
const visible = (message: Anthropic.Message) => message.content.filter((block) => block.type !== 'thinking');

/** The error a call fails with (the test fails if it succeeds). */
async function failure(call: Promise<unknown>): Promise<APIError> {
  const outcome = await call.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(Anthropic.APIError);
  return outcome.error as APIError;
}

/** A request with x-api-key, as other clients (curl, older SDKs) send it. */
const rawPost = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(fake.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': fake.apiKey, 'anthropic-version': '2026-10-21', ...headers },
    body: JSON.stringify(body),
  });

describe('replies', () => {
  test('a scripted tool call comes back as SDK objects, and the tool result is accepted', async () => {
    fake.setScript([
      { kind: 'message', content: [thinking('The RSI filter fits.'), toolUse('submit_design', { name: 'rsi' })] },
      { kind: 'message', content: [text('Submitted.')] },
    ]);
    const first = await ask({ tools: TOOLS });
    expect(first).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'tool_use', stop_sequence: null });
    expect(first.id).toMatch(/^msg_/);
    const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
    expect(call).toMatchObject({ name: 'submit_design', input: { name: 'rsi' } });
    expect(call?.id).toMatch(/^toolu_/);
    expect(first.content.find((block) => block.type === 'thinking')).toMatchObject({ thinking: 'The RSI filter fits.' });
    expect(first.usage.input_tokens).toBeGreaterThan(0);
    expect(first.usage.output_tokens).toBeGreaterThan(0);

    const second = await ask({
      tools: TOOLS,
      messages: [
        { role: 'user', content: 'Design a strategy.' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call!.id, content: 'accepted' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(visible(second)).toEqual([{ type: 'text', text: 'Submitted.', citations: null }]);
    expect(fake.requests.map((req) => createBody(req).messages.length)).toEqual([1, 3]);
  });

  test('a script function sees each request and its index', async () => {
    fake.setScript((req, index) => ({ kind: 'message', content: [text(`#${index} ${textOf(req.body.messages[0])}`)] }));
    expect(visible(await ask())).toEqual([expect.objectContaining({ text: '#0 Design a strategy.' })]);
    expect(visible(await ask())).toEqual([expect.objectContaining({ text: '#1 Design a strategy.' })]);
  });

  test('a delayed reply arrives after the delay', async () => {
    fake.setScript([{ kind: 'delay', ms: 100, then: { kind: 'message', content: [text('late')] } }]);
    const started = Date.now();
    await ask();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  test('when the script runs out, the fake answers 500 saying so', async () => {
    fake.setScript([{ kind: 'message', content: [text('only one')] }]);
    await ask();
    const error = await failure(ask());
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.status).toBe(500);
    expect(error.message).toMatch(/script ran out/);
  });
});

describe('credentials and headers', () => {
  test('accepts Authorization: Bearer (the SDK) and x-api-key (raw requests)', async () => {
    fake.setScript([
      { kind: 'message', content: [text('one')] },
      { kind: 'message', content: [text('two')] },
    ]);
    await ask();
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(fake.requests[0].headers['anthropic-version']).toBe('2026-10-21');

    const response = await rawPost('/v1/messages', { model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'message', content: [{ type: 'thinking' }, { type: 'text', text: 'two' }] });
  });

  test('a wrong key is an AuthenticationError, recorded but using no reply', async () => {
    fake.setScript([{ kind: 'message', content: [text('unused')] }]);
    const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: fake.url, maxRetries: 0 });
    const error = await failure(wrong.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.requestID).toMatch(/^req_/);
    expect(fake.requests).toHaveLength(1);
    expect(visible(await ask())).toEqual([expect.objectContaining({ text: 'unused' })]);
  });

  test('a missing anthropic-version header is a 400', async () => {
    const body = { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    const response = await rawPost('/v1/messages', body, { 'anthropic-version': '' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: match.stringMatching(/anthropic-version/) },
    });
  });

  test('other paths are a 404 that names no model, as api.anthropic.com answers them', async () => {
    const response = await rawPost('/v1/complete', {});
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: 'not_found_error', message: 'Not Found' } });
  });
});

describe('request checks', () => {
  test('temperature is refused even at its default', async () => {
    const error = await failure(ask({ temperature: 1 } as Partial<Anthropic.MessageCreateParamsNonStreaming>));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.message).toMatch(/temperature/);
  });

  test('missing required fields are named', async () => {
    const withoutMaxTokens = { model: MODEL, messages: [{ role: 'user', content: 'hi' }] } as Anthropic.MessageCreateParamsNonStreaming;
    const error = await failure(client.messages.create(withoutMaxTokens));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.message).toMatch(/max_tokens/);
  });

  test('an unknown model is a NotFoundError', async () => {
    const error = await failure(ask({ model: 'claude-sonnet-3-9' }));
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.message).toMatch(/model: claude-sonnet-3-9/);
  });

  test('forced tool use is refused on Sonnet 5.5 but not on Sonnet 4.6', async () => {
    fake.setScript([{ kind: 'message', content: [toolUse('submit_design', { name: 'x' })] }]);
    const forced = { tools: TOOLS, tool_choice: { type: 'tool', name: 'submit_design' } } as const;
    expect(await failure(ask(forced))).toBeInstanceOf(Anthropic.BadRequestError);
    expect((await ask({ ...forced, model: 'claude-sonnet-4-6' })).stop_reason).toBe('tool_use');
  });

  test('a tool without input_schema is refused', async () => {
    const error = await failure(ask({ tools: [{ name: 'broken' } as Anthropic.Tool] }));
    expect(error.message).toMatch(/input_schema/);
  });

  test('a tool result must answer a tool call of the turn before, and every call must be answered', async () => {
    const call = toolUse('submit_design', { name: 'rsi' }, 'toolu_01known');
    const unknown = await failure(
      ask({
        tools: TOOLS,
        messages: [
          { role: 'user', content: 'Design a strategy.' },
          { role: 'assistant', content: [call] },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_01known', content: 'ok' },
              { type: 'tool_result', tool_use_id: 'toolu_01other', content: 'ok' },
            ],
          },
        ],
      }),
    );
    expect(unknown).toBeInstanceOf(Anthropic.BadRequestError);
    expect(unknown.message).toMatch(/toolu_01other/);

    const unanswered = await failure(
      ask({
        tools: TOOLS,
        messages: [
          { role: 'user', content: 'Design a strategy.' },
          { role: 'assistant', content: [call] },
          { role: 'user', content: 'Go on.' },
        ],
      }),
    );
    expect(unanswered.message).toMatch(/toolu_01known/);
  });

  test('consecutive user messages are merged as the API does; a final assistant turn (prefill) is refused', async () => {
    fake.setScript([{ kind: 'message', content: [text('ok')] }]);
    const merged = await ask({
      messages: [
        { role: 'user', content: 'Design a strategy.' },
        { role: 'user', content: 'Keep it simple.' },
      ],
    });
    expect(visible(merged)).toEqual([expect.objectContaining({ text: 'ok' })]);
    const prefill = await failure(
      ask({
        messages: [
          { role: 'user', content: 'Answer in JSON.' },
          { role: 'assistant', content: '{' },
        ],
      }),
    );
    expect(prefill.message).toMatch(/prefill/);
  });

  test('merging consecutive messages leaves the request as it was received', async () => {
    fake.setScript([{ kind: 'message', content: [text('ok')] }]);
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: [{ type: 'text', text: 'Design a strategy.' }] },
      { role: 'user', content: 'Keep it simple.' },
    ];
    await ask({ messages });
    expect(createBody(fake.requests[0]).messages).toEqual(messages);
  });
});

describe("strict tools take the API's subset of JSON Schema", () => {
  const listOf = (items: Record<string, unknown>) => ({
    type: 'object',
    properties: { strengths: { type: 'array', items: { type: 'string', ...items }, minItems: 2, maxItems: 4 } },
    required: ['strengths'],
    additionalProperties: false,
  });
  const strictTool = (input_schema: Record<string, unknown>): Anthropic.Tool => ({
    name: 'save_assessment',
    description: 'Saves',
    input_schema: input_schema as Anthropic.Tool['input_schema'],
    strict: true,
  });

  test("array bounds other than minItems 0 or 1 are a 400 with the API's message; the same schema without strict is fine", async () => {
    const bounded = await failure(ask({ tools: [strictTool(listOf({}))] }));
    expect(bounded).toBeInstanceOf(Anthropic.BadRequestError);
    expect(bounded.message).toMatch(
      /For 'array' type, property 'maxItems' is not supported|For 'array' type, 'minItems' values other than 0 or 1 are not supported/,
    );
    const { maxItems: _, ...withoutMax } = listOf({}).properties.strengths;
    const minTwo = await failure(ask({ tools: [strictTool({ ...listOf({}), properties: { strengths: withoutMax } })] }));
    expect(minTwo.message).toContain("For 'array' type, 'minItems' values other than 0 or 1 are not supported");
    fake.setScript([{ kind: 'message', content: [text('ok')] }]);
    expect((await ask({ tools: [{ ...strictTool(listOf({})), strict: false }] })).stop_reason).toBe('end_turn');
  });

  test('string lengths, numeric bounds and an object without additionalProperties: false are refused', async () => {
    expect(
      (await failure(ask({ tools: [strictTool({ type: 'object', properties: { s: { type: 'string', minLength: 1 } }, additionalProperties: false })] })))
        .message,
    ).toContain("For 'string' type, property 'minLength' is not supported");
    expect(
      (await failure(ask({ tools: [strictTool({ type: 'object', properties: { n: { type: 'integer', minimum: 1 } }, additionalProperties: false })] })))
        .message,
    ).toContain("For 'integer' type, property 'minimum' is not supported");
    expect((await failure(ask({ tools: [strictTool({ type: 'object', properties: {} })] }))).message).toContain(
      "'additionalProperties' must be explicitly set to false",
    );
  });

  test("what the SDK's transform-json-schema makes of a schema is accepted, and JSON outputs are held to the same subset", async () => {
    fake.setScript([{ kind: 'message', content: [text('ok')] }]);
    const transformed = transformJSONSchema(listOf({ minLength: 1 }));
    expect((await ask({ tools: [strictTool(transformed)] })).stop_reason).toBe('end_turn');
    const format = await failure(ask({ output_config: { format: { type: 'json_schema', schema: listOf({}) } } }));
    expect(format.message).toMatch(/output_config\.format\.schema.*not supported/);
  });
});

describe('thinking and effort settings a model refuses', () => {
  test.each([
    ['claude-sonnet-5-5', { type: 'disabled' }],
    ['claude-opus-5-5', { type: 'disabled' }],
    ['claude-opus-5-5', { type: 'enabled', budget_tokens: 2048 }],
    ['claude-haiku-4-5', { type: 'adaptive' }],
  ] as const)('%s refuses thinking %j', async (model, setting) => {
    const error = await failure(ask({ model, thinking: setting as Anthropic.ThinkingConfigParam }));
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.message).toContain(`'${setting.type}' is not supported on ${model}`);
  });

  test('Haiku 5.5 and the 4.x models may turn thinking off; Haiku 5.5 only at effort high or lower', async () => {
    fake.setScript([
      { kind: 'message', content: [text('a')] },
      { kind: 'message', content: [text('b')] },
    ]);
    const haiku = await ask({ model: 'claude-haiku-5-5', thinking: { type: 'disabled' }, output_config: { effort: 'high' } });
    expect(haiku.content.map((b) => b.type)).toEqual(['text']);
    expect((await ask({ model: 'claude-sonnet-4-6', thinking: { type: 'disabled' } })).stop_reason).toBe('end_turn');
    expect((await failure(ask({ model: 'claude-haiku-5-5', thinking: { type: 'disabled' }, output_config: { effort: 'max' } }))).message).toMatch(
      /only at effort 'high' or lower/,
    );
  });

  test('an effort that is no level, or that the model lacks, is a 400', async () => {
    expect((await failure(ask({ output_config: { effort: 'extreme' as 'high' } }))).message).toMatch(/output_config\.effort: Input should be 'low'/);
    expect((await failure(ask({ model: 'claude-haiku-4-5', output_config: { effort: 'low' } }))).message).toMatch(/does not support the effort parameter/);
    expect((await failure(ask({ model: 'claude-sonnet-4-6', output_config: { effort: 'xhigh' } }))).message).toMatch(
      /'xhigh' is not supported on claude-sonnet-4-6/,
    );
  });
});

describe('what real models do', () => {
  const call = toolUse('submit_design', { name: 'rsi' });

  test('a 5.5 model thinks by default, and its thinking counts against max_tokens: too small a budget ends at max_tokens without the tool call', async () => {
    fake.setScript([
      { kind: 'message', content: [call] },
      { kind: 'message', content: [call] },
    ]);
    const cut = await ask({ tools: TOOLS, max_tokens: 2048 });
    expect(cut.stop_reason).toBe('max_tokens');
    expect(cut.content.map((b) => b.type)).toEqual(['thinking']);
    expect(cut.usage.output_tokens).toBe(2048);
    // Sonnet 5.5 defaults to high effort; at low effort the same budget leaves room for the call
    const low = await ask({ tools: TOOLS, max_tokens: 2048, output_config: { effort: 'low' } });
    expect(low.stop_reason).toBe('tool_use');
    expect(low.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    expect(low.usage.output_tokens_details?.thinking_tokens).toBe(THINKING_AT_EFFORT.low);
  });

  test('a model of the 4.x generation thinks only when asked', async () => {
    fake.setScript([
      { kind: 'message', content: [text('plain')] },
      { kind: 'message', content: [text('thought')] },
    ]);
    const plain = await ask({ model: 'claude-sonnet-4-6', max_tokens: 1024 });
    expect(plain.content.map((b) => b.type)).toEqual(['text']);
    const thought = await ask({ model: 'claude-sonnet-4-6', thinking: { type: 'adaptive' }, output_config: { effort: 'medium' } });
    expect(thought.usage.output_tokens_details?.thinking_tokens).toBe(THINKING_AT_EFFORT.medium);
  });

  test('a returned thinking block costs its thinking as input, though its text is omitted', async () => {
    fake.setScript([
      { kind: 'message', content: [call] },
      { kind: 'message', content: [text('done')] },
    ]);
    const first = await ask({ tools: TOOLS });
    expect(first.content[0]).toMatchObject({ type: 'thinking', thinking: '' });
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'Design a strategy.' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: (first.content[1] as Anthropic.ToolUseBlock).id, content: 'ok' }] },
    ];
    const second = await ask({ tools: TOOLS, messages });
    expect(second.usage.input_tokens - first.usage.input_tokens).toBeGreaterThan(THINKING_AT_EFFORT.high);
  });

  test('an empty reply (most often right after tool results) is end_turn with 3 tokens, and sending it back is a 400', async () => {
    fake.setScript([{ kind: 'message', content: [] }]);
    const empty = await ask();
    expect(empty).toMatchObject({ content: [], stop_reason: 'end_turn', usage: { output_tokens: 3 } });
    const error = await failure(
      ask({
        messages: [
          { role: 'user', content: 'Design a strategy.' },
          { role: 'assistant', content: [] },
          { role: 'user', content: 'Go on.' },
        ],
      }),
    );
    expect(error.message).toMatch(/all messages must have non-empty content except for the optional final assistant message/);
  });

  test('a refusal carries stop_details, and a turn appended to the refused conversation is refused again', async () => {
    fake.setScript([
      { kind: 'message', content: [], stop_reason: 'refusal', refusal: { category: 'cyber', explanation: 'Looks like exploit development.' } },
      { kind: 'message', content: [text('a fresh conversation')] },
    ]);
    const refused = await ask();
    expect(refused.stop_reason).toBe('refusal');
    expect(refused.stop_details).toMatchObject({ type: 'refusal', category: 'cyber', explanation: 'Looks like exploit development.' });
    const again = await ask({
      messages: [
        { role: 'user', content: 'Design a strategy.' },
        { role: 'user', content: 'Please, it is for research.' },
      ],
    });
    expect(again.stop_reason).toBe('refusal');
    expect(visible(await ask({ messages: [{ role: 'user', content: 'Something else.' }] }))).toEqual([
      expect.objectContaining({ text: 'a fresh conversation' }),
    ]);
  });

  test('automatic caching: the next turn of a conversation reads the prefix the last one wrote', async () => {
    fake.setScript([
      { kind: 'message', content: [text('first answer')] },
      { kind: 'message', content: [text('second answer')] },
    ]);
    const system = [{ type: 'text' as const, text: BIG_SYSTEM }];
    const first = await ask({ system, cache_control: { type: 'ephemeral' } });
    const messages: Anthropic.MessageParam[] = [
      { role: 'user', content: 'Design a strategy.' },
      { role: 'assistant', content: first.content },
      { role: 'user', content: 'Make it simpler.' },
    ];
    const second = await ask({ system, messages, cache_control: { type: 'ephemeral' } });
    expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
    expect(second.usage.input_tokens).toBe(0);
  });
});

describe('scripted failures', () => {
  test('429 is a RateLimitError carrying retry-after', async () => {
    fake.setScript([{ kind: 'error', status: 429, headers: { 'retry-after': '7' } }]);
    const error = await failure(ask());
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.headers?.get('retry-after')).toBe('7');
    expect(error.type).toBe('rate_limit_error');
  });

  test("a 429 whose error code says a spend limit was reached is the SDK's ContractSpendLimitReachedError", async () => {
    fake.setScript([
      {
        kind: 'error',
        status: 429,
        message: 'Your organization reached its spend limit.',
        errorCode: 'contract_spend_limit_reached',
        headers: { 'x-should-retry': 'false' },
      },
    ]);
    const error = await failure(ask());
    expect(error).toBeInstanceOf(Anthropic.ContractSpendLimitReachedError);
    expect(error).toBeInstanceOf(Anthropic.RateLimitError);
    expect(error.errorCode).toBe('contract_spend_limit_reached');
    expect(error.headers?.get('x-should-retry')).toBe('false');
  });

  test('529 is an OverloadedError, 500 an InternalServerError', async () => {
    fake.setScript([
      { kind: 'error', status: 529 },
      { kind: 'error', status: 500 },
    ]);
    const overloaded = await failure(ask());
    expect(overloaded).toBeInstanceOf(Anthropic.OverloadedError);
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expect(overloaded.type).toBe('overloaded_error');
    const internal = await failure(ask());
    expect(internal).toBeInstanceOf(Anthropic.InternalServerError);
    expect(internal).not.toBeInstanceOf(Anthropic.OverloadedError);
  });

  test('a hanging request ends with APIUserAbortError when its signal aborts, and the fake counts it', async () => {
    fake.setScript([{ kind: 'hang' }]);
    const controller = new AbortController();
    const call = client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal });
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1));
    controller.abort();
    expect(await failure(call)).toBeInstanceOf(Anthropic.APIUserAbortError);
    await vi.waitFor(() => expect(fake.aborted).toBe(1));
  });

  test('a client that times out during a delay gets APIConnectionTimeoutError, and the fake counts the abort', async () => {
    fake.setScript([{ kind: 'delay', ms: 30_000, then: { kind: 'message', content: [text('too late')] } }]);
    const impatient = new Anthropic({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0, timeout: 200 });
    const error = await failure(impatient.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toBeInstanceOf(Anthropic.APIConnectionTimeoutError);
    await vi.waitFor(() => expect(fake.aborted).toBe(1));
  });
});

describe('token accounting', () => {
  const cachedSystem = [{ type: 'text' as const, text: BIG_SYSTEM, cache_control: { type: 'ephemeral' as const } }];

  test('an identical cached prefix is written once, then read', async () => {
    fake.setScript([
      { kind: 'message', content: [text('a')] },
      { kind: 'message', content: [text('b')] },
      { kind: 'message', content: [text('c')] },
    ]);
    const first = (await ask({ system: cachedSystem })).usage;
    expect(first.cache_creation_input_tokens).toBeGreaterThanOrEqual(1024);
    expect(first.cache_read_input_tokens).toBe(0);
    expect(first.cache_creation?.ephemeral_5m_input_tokens).toBe(first.cache_creation_input_tokens);

    const second = (await ask({ system: cachedSystem })).usage;
    expect(second.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
    expect(second.cache_creation_input_tokens).toBe(0);
    expect(second.input_tokens).toBe(first.input_tokens);

    // A different question after the same system prompt still reads the prefix.
    const third = (await ask({ system: cachedSystem, messages: [{ role: 'user', content: 'Another one.' }] })).usage;
    expect(third.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);

    const counted = await client.messages.countTokens({
      model: MODEL,
      system: cachedSystem,
      messages: [{ role: 'user', content: 'Design a strategy.' }],
    });
    expect(counted.input_tokens).toBe(second.input_tokens + (second.cache_read_input_tokens ?? 0));
  });

  test('a prefix below the minimum is not cached, and that is no error', async () => {
    fake.setScript([
      { kind: 'message', content: [text('a')] },
      { kind: 'message', content: [text('b')] },
    ]);
    const small = [{ type: 'text' as const, text: 'Be brief.', cache_control: { type: 'ephemeral' as const } }];
    for (let i = 0; i < 2; i++) {
      const { usage } = await ask({ system: small });
      expect(usage.cache_creation_input_tokens).toBe(0);
      expect(usage.cache_read_input_tokens).toBe(0);
    }
  });

  test('more than four cache breakpoints are refused', async () => {
    const marked = { type: 'text' as const, text: 'rule', cache_control: { type: 'ephemeral' as const } };
    const error = await failure(ask({ system: [marked, marked, marked, marked, marked] }));
    expect(error.message).toMatch(/maximum of 4/);
  });
});
