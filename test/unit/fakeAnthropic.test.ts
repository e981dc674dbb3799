import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { clearAnthropicEnv, startFakeAnthropic, text, thinking, toolUse, type FakeAnthropic } from '../support/fakeAnthropic';

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

const ask = (over: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}): Promise<Anthropic.Message> =>
  client.messages.create({ model: MODEL, max_tokens: 1024, messages: [{ role: 'user', content: 'Design a strategy.' }], ...over });

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
    expect(second.content).toEqual([{ type: 'text', text: 'Submitted.', citations: null }]);
    expect(fake.requests.map((req) => req.body.messages.length)).toEqual([1, 3]);
  });

  test('a script function sees each request and its index', async () => {
    fake.setScript((req, index) => ({ kind: 'message', content: [text(`#${index} ${req.body.messages[0].content}`)] }));
    expect((await ask()).content).toEqual([expect.objectContaining({ text: '#0 Design a strategy.' })]);
    expect((await ask()).content).toEqual([expect.objectContaining({ text: '#1 Design a strategy.' })]);
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

    const response = await rawPost('/v1/messages', { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 'message', content: [{ type: 'text', text: 'two' }] });
  });

  test('a wrong key is an AuthenticationError, recorded but using no reply', async () => {
    fake.setScript([{ kind: 'message', content: [text('unused')] }]);
    const wrong = new Anthropic({ apiKey: 'sk-ant-wrong', baseURL: fake.url, maxRetries: 0 });
    const error = await failure(wrong.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }));
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(error.requestID).toMatch(/^req_/);
    expect(fake.requests).toHaveLength(1);
    expect((await ask()).content).toEqual([expect.objectContaining({ text: 'unused' })]);
  });

  test('a missing anthropic-version header is a 400', async () => {
    const body = { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
    const response = await rawPost('/v1/messages', body, { 'anthropic-version': '' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/anthropic-version/) },
    });
  });

  test('other paths are a 404', async () => {
    expect((await rawPost('/v1/complete', {})).status).toBe(404);
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
    const merged = await ask({ messages: [{ role: 'user', content: 'Design a strategy.' }, { role: 'user', content: 'Keep it simple.' }] });
    expect(merged.content).toEqual([expect.objectContaining({ text: 'ok' })]);
    const prefill = await failure(ask({ messages: [{ role: 'user', content: 'Answer in JSON.' }, { role: 'assistant', content: '{' }] }));
    expect(prefill.message).toMatch(/prefill/);
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

  test('529 is an OverloadedError, 500 an InternalServerError', async () => {
    fake.setScript([{ kind: 'error', status: 529 }, { kind: 'error', status: 500 }]);
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
    const call = client.messages.create(
      { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
      { signal: controller.signal },
    );
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
