/**
 * A fake Anthropic Messages API on 127.0.0.1 for tests that drive the real `@anthropic-ai/sdk`
 * (`new Anthropic({ apiKey: fake.apiKey, baseURL: fake.url, maxRetries: 0 })`).
 *
 * It checks requests the way the API (version 2026-10-21) does, so a request the real API would
 * refuse fails the test with the same SDK error class, and answers the others from a script.
 * It also does what real models do to a client that is not ready for it: the 5.5 models think
 * by default, and their thinking counts against max_tokens, so a too-small max_tokens ends the
 * reply at `max_tokens` before its tool call; a refused conversation stays refused.
 * Token counts are estimates (4 characters a token), but prompt caching follows the API's rules,
 * so a test can see whether a prompt is laid out to hit the cache.
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';
import type { ClaudeConfig } from '../../src/design/claude/config';

export type ContentBlock = Anthropic.ContentBlock;

/** A create request's body, and a count_tokens request's, as the SDK sends them. */
type CreateParams = Anthropic.MessageCreateParamsNonStreaming;
type CountParams = Anthropic.MessageCountTokensParams;

interface ReceivedRequest {
  /** `/v1/messages` or `/v1/messages/count_tokens`. */
  path: string;
  /** Lower-case names. */
  headers: Record<string, string>;
  raw: string;
}

/**
 * One request that reached a Messages endpoint, as received. A request the API would accept has its
 * body as the SDK types it (a scripted error reply still accepts the request); one it would refuse
 * keeps the parsed JSON body, undefined when the body is not JSON.
 */
export type FakeRequest =
  | (ReceivedRequest & { kind: 'create'; body: CreateParams })
  | (ReceivedRequest & { kind: 'count_tokens'; body: CountParams })
  | (ReceivedRequest & { kind: 'refused'; body: unknown });

/** A create request the fake accepted: what a script answers. */
export type CreateRequest = Extract<FakeRequest, { kind: 'create' }>;
type CountRequest = Extract<FakeRequest, { kind: 'count_tokens' }>;

export type FakeReply =
  | {
      kind: 'message';
      content: ContentBlock[];
      /** Defaults to 'tool_use' when the content has a tool_use block, else 'end_turn'. */
      stop_reason?: Anthropic.StopReason;
      /** Overrides the estimated usage field by field. */
      usage?: Partial<Anthropic.Usage>;
      /** Defaults to the requested model. */
      model?: string;
      /**
       * Output tokens the model spends thinking before this content. Defaults to what the model
       * thinks at the request's effort (THINKING_AT_EFFORT) when thinking is on, else to the
       * scripted thinking text. An empty content is an empty reply: no thinking, 3 tokens.
       */
      thinkingTokens?: number;
      /** stop_details of a refusal (stop_reason 'refusal'). */
      refusal?: { category: Anthropic.RefusalStopDetails['category']; explanation: string | null };
    }
  | {
      kind: 'error';
      status: number;
      type?: string;
      message?: string;
      headers?: Record<string, string>;
      /** `error.details.error_code`, from which the SDK picks a subclass (its core/error-classes.ts). */
      errorCode?: string;
    }
  /** Never answers: the client has to give up (counted in `aborted`). */
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number; then: FakeReply };

/**
 * The replies to the requests the API would accept (rejected ones use no reply), in order;
 * or a function of the request and its index among those requests.
 */
type Script = FakeReply[] | ((req: CreateRequest, index: number) => FakeReply | Promise<FakeReply>);

export interface FakeAnthropic {
  url: string;
  apiKey: string;
  /** Every request that reached a Messages endpoint (including rejected ones), in order. */
  requests: FakeRequest[];
  /** Requests whose client went away before an answer. */
  readonly aborted: number;
  /** Replaces the script, and forgets refused conversations; the index given to a script function starts again at 0. */
  setScript(script: Script): void;
  close(): Promise<void>;
}

export interface FakeAnthropicOptions {
  script?: Script;
  apiKey?: string;
  /** Shortest prefix the fake caches, in (estimated) tokens: 1,024 to 4,096 on the real models. */
  minCacheableTokens?: number;
}

type Effort = 'low' | 'medium' | 'high' | 'xhigh' | 'max';
type ThinkingType = 'adaptive' | 'enabled' | 'disabled' | 'between_tools';

/** Every effort level, lowest first. */
const EFFORTS: readonly Effort[] = ['low', 'medium', 'high', 'xhigh', 'max'];

/**
 * What each model accepts and does by default. Thinking types, and which are refused with a 400:
 * platform.claude.com/docs/en/build-with-claude/thinking-troubleshooting ("Thinking support,
 * defaults, and rejected configurations by model": the 5.5 models think adaptively by default;
 * only Sonnet 5.5 takes 'between_tools', in place of 'disabled'; Opus 5.5 cannot disable
 * thinking; Haiku 5.5 can, at effort high or lower; 'enabled' with budget_tokens is refused from
 * 4.7 on, and the 4.5 models have only 'enabled'). Effort levels and defaults:
 * platform.claude.com/docs/en/build-with-claude/effort (Opus 5.5 and Haiku 5.5 default to medium,
 * the others to high; max and xhigh only where listed; Haiku 4.5 has no effort). Forced tool use
 * and prefill: the 5.5 migration guides (anthropic-notes.md).
 */
interface ModelRules {
  thinking: ThinkingType[];
  thinksByDefault: boolean;
  efforts: readonly Effort[];
  defaultEffort: Effort;
  forcedToolUse: boolean;
  prefill: boolean;
}

const MODELS: Record<string, ModelRules> = {
  'claude-opus-5-5': { thinking: ['adaptive'], thinksByDefault: true, efforts: EFFORTS, defaultEffort: 'medium', forcedToolUse: false, prefill: false },
  'claude-sonnet-5-5': {
    thinking: ['adaptive', 'between_tools'],
    thinksByDefault: true,
    efforts: EFFORTS,
    defaultEffort: 'high',
    forcedToolUse: false,
    prefill: false,
  },
  'claude-haiku-5-5': {
    thinking: ['adaptive', 'disabled'],
    thinksByDefault: true,
    efforts: EFFORTS,
    defaultEffort: 'medium',
    forcedToolUse: true,
    prefill: false,
  },
  'claude-opus-4-8': {
    thinking: ['adaptive', 'disabled'],
    thinksByDefault: false,
    efforts: EFFORTS,
    defaultEffort: 'high',
    forcedToolUse: true,
    prefill: false,
  },
  'claude-opus-4-7': {
    thinking: ['adaptive', 'disabled'],
    thinksByDefault: false,
    efforts: EFFORTS,
    defaultEffort: 'high',
    forcedToolUse: true,
    prefill: false,
  },
  'claude-opus-4-6': {
    thinking: ['adaptive', 'enabled', 'disabled'],
    thinksByDefault: false,
    efforts: ['low', 'medium', 'high', 'max'],
    defaultEffort: 'high',
    forcedToolUse: true,
    prefill: false,
  },
  'claude-sonnet-4-6': {
    thinking: ['adaptive', 'enabled', 'disabled'],
    thinksByDefault: false,
    efforts: ['low', 'medium', 'high', 'max'],
    defaultEffort: 'high',
    forcedToolUse: true,
    prefill: false,
  },
  'claude-opus-4-5': {
    thinking: ['enabled', 'disabled'],
    thinksByDefault: false,
    efforts: ['low', 'medium', 'high'],
    defaultEffort: 'high',
    forcedToolUse: true,
    prefill: true,
  },
  'claude-haiku-4-5': { thinking: ['enabled', 'disabled'], thinksByDefault: false, efforts: [], defaultEffort: 'high', forcedToolUse: true, prefill: true },
};

/**
 * Output tokens a thinking model spends on one reply at each effort. Effort is a behavioural
 * signal, not a budget (effort docs): these are the fake's stand-in for a typical reply, so that
 * a max_tokens sized without room for thinking ends at `max_tokens` here as it does on the API.
 */
export const THINKING_AT_EFFORT: Record<Effort, number> = { low: 500, medium: 2_000, high: 6_000, xhigh: 12_000, max: 24_000 };

/** An empty reply is "exactly 2-3 tokens with no content" (docs: build-with-claude/handling-stop-reasons). */
const EMPTY_REPLY_TOKENS = 3;

/** Top-level fields of a create request in the 2026-10-21 API; the API refuses any other. */
const CREATE_FIELDS = new Set([
  'max_tokens',
  'messages',
  'model',
  'cache_control',
  'container',
  'diagnostics',
  'inference_geo',
  'metadata',
  'output_config',
  'service_tier',
  'speed',
  'stop_sequences',
  'stream',
  'system',
  'thinking',
  'tool_choice',
  'tools',
  'user_profile_id',
  'workspace_id',
]);
const COUNT_FIELDS = new Set([
  'messages',
  'model',
  'cache_control',
  'output_config',
  'speed',
  'system',
  'thinking',
  'tool_choice',
  'tools',
  'user_profile_id',
  'workspace_id',
]);

/**
 * Sampling parameters: API version 2026-10-21, the one SDK 1.x sends, refuses them at any value
 * (anthropic-notes.md, checked against the SDK; the 5.5 migration guides).
 */
const SAMPLING_FIELDS = ['temperature', 'top_p', 'top_k'];

/** Up to four cache_control breakpoints a request (docs: build-with-claude/prompt-caching). */
const MAX_CACHE_BREAKPOINTS = 4;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

const DEFAULT_ERROR_MESSAGES: Record<string, string> = {
  rate_limit_error: 'This request would exceed the rate limit for your organization.',
  api_error: 'Internal server error',
  overloaded_error: 'Overloaded',
  authentication_error: 'invalid x-api-key',
};

export const text = (s: string): ContentBlock => ({ type: 'text', text: s, citations: null });

export const toolUse = (name: string, input: unknown, id: string = newId('toolu_01')): ContentBlock => ({
  type: 'tool_use',
  id,
  name,
  input,
  caller: { type: 'direct' },
});

/** The signature is opaque to clients; any non-empty value lets them pass the block back. */
export const thinking = (s: string): ContentBlock => ({ type: 'thinking', thinking: s, signature: newId('sig_') });

/** A refusal as the API sends it: an error in the shape of the API's error bodies. */
class ApiRejection extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = errorType(status),
  ) {
    super(message);
  }
}

const badRequest = (message: string): ApiRejection => new ApiRejection(400, message);

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? `sk-ant-fake-${newId('')}`;
  const minCacheableTokens = options.minCacheableTokens ?? 1024;
  const requests: FakeRequest[] = [];
  const cache = new Set<string>();
  /** Thinking tokens behind each thinking block the fake sent: what the block costs as input when it comes back. */
  const thoughts = new Map<string, number>();
  /** The messages of each request that was refused: the same conversation stays refused. */
  const refused: { messages: string[]; reply: Extract<FakeReply, { kind: 'message' }> }[] = [];
  let script: Script = options.script ?? [];
  let scriptIndex = 0;
  let aborted = 0;
  let closing = false;

  const nextReply = async (req: CreateRequest): Promise<FakeReply> => {
    const index = scriptIndex++;
    if (typeof script === 'function') return script(req, index);
    return (
      script[index] ?? {
        kind: 'error',
        status: 500,
        message: `fakeAnthropic: the script ran out: request #${index + 1} but the script has ${script.length} replies`,
      }
    );
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    if (req.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) {
      // api.anthropic.com answers a path it does not have with a bare "Not Found", naming no model
      throw new ApiRejection(404, 'Not Found');
    }
    const received: ReceivedRequest = { path, headers: flatHeaders(req.headers), raw };
    const body = parseJson(raw);
    let request: CreateRequest | CountRequest;
    try {
      request = accepted(received, body, apiKey);
    } catch (err) {
      requests.push({ ...received, kind: 'refused', body });
      throw err;
    }
    requests.push(request);
    if (request.kind === 'count_tokens') {
      sendJson(res, 200, { input_tokens: promptTokens(request.body, thoughts) });
      return;
    }
    await deliver(res, request.body, refusedAgain(request.body.messages) ?? (await nextReply(request)));
  };

  /**
   * A refusal is not undone by asking again in the same context: the docs say to reset the
   * context (or fall back to another model), and a repair turn appended to a refused
   * conversation is refused again (anthropic-notes.md; docs: build-with-claude/handling-stop-reasons).
   */
  const refusedAgain = (messages: Anthropic.MessageParam[]): FakeReply | undefined => {
    const keys = messages.map((m) => JSON.stringify(m));
    return refused.find((r) => r.messages.length <= keys.length && r.messages.every((key, i) => keys[i] === key))?.reply;
  };

  /** Answers with a scripted reply, unless the client has gone away in the meantime. */
  const deliver = async (res: http.ServerResponse, body: CreateParams, reply: FakeReply): Promise<void> => {
    if (res.destroyed) return;
    switch (reply.kind) {
      case 'message': {
        const message = buildMessage(body, reply, cacheUsage(body, cache, minCacheableTokens, thoughts), thoughts);
        if (message.stop_reason === 'refusal') refused.push({ messages: body.messages.map((m) => JSON.stringify(m)), reply });
        sendJson(res, 200, message);
        return;
      }
      case 'error':
        sendError(res, reply.status, reply.type ?? errorType(reply.status), reply.message, reply.headers, reply.errorCode);
        return;
      case 'hang':
        return; // the socket stays open; the 'close' listener counts the abort
      case 'delay':
        await closedOrElapsed(res, reply.ms);
        await deliver(res, body, reply.then);
    }
  };

  const server = http.createServer((req, res) => {
    res.on('close', () => {
      if (!res.writableFinished && !closing) aborted++;
    });
    handle(req, res).catch((err: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (err instanceof ApiRejection) sendError(res, err.status, err.type, err.message);
      // A script function that throws: the test should see why, not a hang.
      else sendError(res, 500, 'api_error', `fakeAnthropic: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    get aborted() {
      return aborted;
    },
    setScript(next) {
      script = next;
      scriptIndex = 0;
      refused.length = 0;
    },
    close() {
      closing = true;
      // Hanging requests and the SDK's keep-alive sockets would hold close() open.
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// ---- request checks (the API's order: credentials, version, body, model, conversation) ----

/** SDK 1.x authenticates with `Authorization: Bearer` (its client.ts, apiKeyAuth), other clients with x-api-key; both need anthropic-version. */
function checkHeaders(headers: Record<string, string>, apiKey: string): void {
  const bearer = /^Bearer (.+)$/i.exec(headers.authorization ?? '')?.[1];
  const presented = headers['x-api-key'] ?? bearer;
  if (!presented) throw new ApiRejection(401, 'x-api-key header or Authorization: Bearer is required');
  if (presented !== apiKey) throw new ApiRejection(401, headers['x-api-key'] ? 'invalid x-api-key' : 'invalid bearer token');
  if (!headers['anthropic-version']) throw badRequest('anthropic-version: header is required');
}

/** The request as the API takes it; for one it refuses, the API's error is thrown. */
function accepted(received: ReceivedRequest, body: unknown, apiKey: string): CreateRequest | CountRequest {
  checkHeaders(received.headers, apiKey);
  if (received.path === '/v1/messages/count_tokens') {
    checkCountRequest(body);
    return { ...received, kind: 'count_tokens', body };
  }
  checkCreateRequest(body);
  return { ...received, kind: 'create', body };
}

/**
 * A create request the API accepts. The checks below cover what the API refuses and what the fake
 * reads; a body that passes them is taken for what the SDK sends.
 */
function checkCreateRequest(body: unknown): asserts body is CreateParams {
  checkPrompt(body, CREATE_FIELDS);
  checkRules(body);
}

function checkCountRequest(body: unknown): asserts body is CountParams {
  checkPrompt(body, COUNT_FIELDS);
  checkRules(body);
}

/** A body whose prompt has its shape: model, max_tokens, tools, system and messages typed, the other fields not checked yet. */
type Prompt = Pick<CountParams, 'model' | 'messages' | 'system' | 'tools'> & { max_tokens?: number } & Record<string, unknown>;

/** First the body's fields and the prompt's shape. */
function checkPrompt(body: unknown, allowedFields: Set<string>): asserts body is Prompt {
  if (!isObject(body)) throw badRequest('There was an issue with your request body: it is not a JSON object');
  checkFields(body, allowedFields);
  if (typeof body.model !== 'string') throw badRequest('model: Field required');
  if (allowedFields.has('max_tokens')) checkMaxTokens(body.max_tokens);
  checkTools(body.tools);
  checkSystem(body.system);
  checkMessages(body.messages);
}

/** Then the cache breakpoints, the output settings, and what the model and the conversation allow. */
function checkRules(body: Prompt): void {
  checkCacheBreakpoints(body);
  checkOutputConfig(body.output_config);
  const rules = MODELS[body.model];
  if (!rules) throw new ApiRejection(404, `model: ${body.model}`);
  checkThinking(body, body.output_config, rules);
  checkToolChoice(body.tool_choice, body.model, rules);
  checkTurns(body.messages, rules);
}

function checkFields(body: Record<string, unknown>, allowed: Set<string>): void {
  for (const field of Object.keys(body)) {
    if (SAMPLING_FIELDS.includes(field)) {
      throw badRequest(`${field}: not supported by anthropic-version 2026-10-21; remove it from the request`);
    }
    if (!allowed.has(field)) throw badRequest(`${field}: Extra inputs are not permitted`);
  }
  if (body.stream === true) throw badRequest('stream: fakeAnthropic does not implement streaming');
}

/** 0 is allowed: the API then only fills the prompt cache. */
function checkMaxTokens(maxTokens: unknown): void {
  if (maxTokens === undefined) throw badRequest('max_tokens: Field required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 0) {
    throw badRequest('max_tokens: Input should be a non-negative integer');
  }
}

function checkTools(tools: unknown): void {
  if (tools === undefined) return;
  if (!Array.isArray(tools)) throw badRequest('tools: Input should be a valid list');
  const names = new Set<string>();
  tools.forEach((tool: unknown, i: number) => {
    if (!isObject(tool)) throw badRequest(`tools.${i}: Input should be an object`);
    const custom = tool.type === undefined || tool.type === null || tool.type === 'custom';
    if (typeof tool.name !== 'string') throw badRequest(`tools.${i}.name: Field required`);
    if (custom) {
      if (!TOOL_NAME.test(tool.name)) throw badRequest(`tools.${i}.custom.name: String should match pattern '${TOOL_NAME.source}'`);
      const schema = tool.input_schema;
      if (!isObject(schema)) throw badRequest(`tools.${i}.custom.input_schema: Field required`);
      if (schema.type !== 'object') throw badRequest(`tools.${i}.custom.input_schema.type: Input should be 'object'`);
      if (tool.strict === true) checkStrictSchema(schema, `tools.${i}.custom.input_schema`);
    }
    if (names.has(tool.name)) throw badRequest('tools: Tool names must be unique.');
    names.add(tool.name);
  });
}

function checkSystem(system: unknown): void {
  if (system === undefined || typeof system === 'string') return;
  if (!Array.isArray(system)) throw badRequest('system: Input should be a valid string or list of text blocks');
  system.forEach((block: unknown, i: number) => checkBlock(block, `system.${i}`));
}

/**
 * Every message has content but a final assistant one; an empty assistant turn sent back is a 400
 * with this message (docs: build-with-claude/handling-stop-reasons, "Empty responses with end_turn").
 */
function checkMessages(messages: unknown): void {
  if (messages === undefined) throw badRequest('messages: Field required');
  if (!Array.isArray(messages) || messages.length === 0) throw badRequest('messages: at least one message is required');
  messages.forEach((message: unknown, i: number) => {
    if (!isObject(message)) throw badRequest(`messages.${i}: Input should be an object`);
    const { role, content } = message;
    if (role !== 'user' && role !== 'assistant' && role !== 'system') {
      throw badRequest(`messages.${i}.role: Input should be 'user', 'assistant' or 'system'`);
    }
    if (typeof content !== 'string' && !Array.isArray(content)) {
      throw badRequest(`messages.${i}.content: Input should be a valid string or list of content blocks`);
    }
    if (Array.isArray(content)) content.forEach((block: unknown, j: number) => checkBlock(block, `messages.${i}.content.${j}`));
    const last = i === messages.length - 1;
    if (content.length === 0 && !(last && role === 'assistant')) {
      throw badRequest(`messages.${i}: all messages must have non-empty content except for the optional final assistant message`);
    }
  });
}

function checkBlock(block: unknown, where: string): void {
  if (!isObject(block) || typeof block.type !== 'string') throw badRequest(`${where}.type: Field required`);
  if (block.type === 'text' && (typeof block.text !== 'string' || block.text === '')) {
    throw badRequest(`${where}: text content blocks must be non-empty`);
  }
  if (block.type === 'tool_result' && typeof block.tool_use_id !== 'string') {
    throw badRequest(`${where}.tool_use_id: Field required`);
  }
}

function checkCacheBreakpoints(body: Prompt): void {
  const found = promptSegments(body).filter((segment) => segment.breakpoint).length;
  if (found > MAX_CACHE_BREAKPOINTS) {
    throw badRequest(`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found ${found}.`);
  }
}

/** Forced tool use is a 400 on Opus 5.5 and Sonnet 5.5 (their migration guides; anthropic-notes.md). */
function checkToolChoice(toolChoice: unknown, model: string, rules: ModelRules): void {
  const type = isObject(toolChoice) ? toolChoice.type : undefined;
  if ((type === 'any' || type === 'tool') && !rules.forcedToolUse) {
    throw badRequest(`tool_choice: forced tool use ('${type}') is not supported on ${model}; ` + 'use strict tools or output_config.format instead');
  }
}

/** The request's effort, or the model's default when it names none. */
const effortOf = (config: Anthropic.OutputConfig | null | undefined, rules: ModelRules): Effort => config?.effort ?? rules.defaultEffort;

function checkOutputConfig(config: unknown): asserts config is Anthropic.OutputConfig | null | undefined {
  if (config === undefined || config === null) return;
  if (!isObject(config)) throw badRequest('output_config: Input should be an object');
  for (const field of Object.keys(config)) {
    if (field !== 'effort' && field !== 'format') throw badRequest(`output_config.${field}: Extra inputs are not permitted`);
  }
  const { effort, format } = config;
  if (effort !== undefined && effort !== null && !EFFORTS.some((e) => e === effort)) {
    throw badRequest(`output_config.effort: Input should be ${EFFORTS.map((e) => `'${e}'`).join(', ')}`);
  }
  if (format !== undefined && format !== null) {
    if (!isObject(format) || format.type !== 'json_schema' || !isObject(format.schema)) {
      throw badRequest("output_config.format: Input should be {type: 'json_schema', schema}");
    }
    // JSON outputs take the same schema subset as strict tools (structured-outputs docs)
    checkStrictSchema(format.schema, 'output_config.format.schema');
  }
}

/** The thinking setting the model accepts, and an effort it has (docs cited at MODELS). */
function checkThinking(body: Prompt, config: Anthropic.OutputConfig | null | undefined, rules: ModelRules): void {
  const { model } = body;
  const effort = config?.effort;
  if (effort && !rules.efforts.includes(effort)) {
    throw badRequest(
      rules.efforts.length === 0
        ? `output_config.effort: ${model} does not support the effort parameter`
        : `output_config.effort: '${effort}' is not supported on ${model}; use ${rules.efforts.join(', ')}`,
    );
  }
  const { thinking } = body;
  if (thinking === undefined || thinking === null) return;
  if (!isObject(thinking) || typeof thinking.type !== 'string') throw badRequest('thinking.type: Field required');
  const { type } = thinking;
  if (!rules.thinking.some((accepted) => accepted === type)) {
    throw badRequest(`thinking.type: '${type}' is not supported on ${model}; use ${rules.thinking.map((t) => `'${t}'`).join(' or ')}`);
  }
  if (type === 'disabled' && model === 'claude-haiku-5-5' && EFFORTS.indexOf(effortOf(config, rules)) > EFFORTS.indexOf('high')) {
    throw badRequest(`thinking.type: 'disabled' is supported on ${model} only at effort 'high' or lower`);
  }
  if (type === 'enabled') {
    const budget = thinking.budget_tokens;
    // a count_tokens request has no max_tokens to compare with
    if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < 1024 || (body.max_tokens !== undefined && budget >= body.max_tokens)) {
      throw badRequest('thinking.budget_tokens: must be >= 1024 and less than max_tokens');
    }
  }
}

/**
 * Strict tools (`strict: true`) and JSON outputs take a subset of JSON Schema; the API refuses the
 * rest with a 400. The SDK's lib/transform-json-schema.ts encodes the subset (what it keeps is
 * allowed; what it moves into the description is not): per node `type`, `description`, `title`,
 * `enum`/`const` of primitives, `anyOf`, `allOf`, `$ref`, `$defs`; objects with `properties`,
 * `required` and `additionalProperties: false` (required); strings with a supported `format`;
 * arrays with `items` and `minItems` 0 or 1. The minItems message is the API's
 * (anthropic-notes.md); the others follow its pattern.
 */
const STRICT_KEYWORDS: Record<string, readonly string[]> = {
  any: ['type', 'description', 'title', 'enum', 'const', 'anyOf', 'allOf', '$ref', '$defs', '$schema'],
  object: ['properties', 'required', 'additionalProperties'],
  string: ['format'],
  array: ['items', 'minItems'],
};
const STRICT_FORMATS = new Set(['date-time', 'time', 'date', 'duration', 'email', 'hostname', 'uri', 'ipv4', 'ipv6', 'uuid']);

function checkStrictSchema(schema: unknown, where: string): void {
  if (!isObject(schema)) throw badRequest(`${where}: Input should be an object`);
  const type = typeof schema.type === 'string' ? schema.type : undefined;
  const allowed = [...STRICT_KEYWORDS.any, ...(type ? (STRICT_KEYWORDS[type] ?? []) : [])];
  for (const key of Object.keys(schema)) {
    if (!allowed.includes(key)) throw badRequest(`${where}: For '${type ?? 'untyped'}' type, property '${key}' is not supported`);
  }
  if (type === 'object' && schema.additionalProperties !== false) {
    throw badRequest(`${where}: For 'object' type, 'additionalProperties' must be explicitly set to false`);
  }
  if (type === 'array' && schema.minItems !== undefined && schema.minItems !== 0 && schema.minItems !== 1) {
    throw badRequest(`${where}: For 'array' type, 'minItems' values other than 0 or 1 are not supported`);
  }
  const { format } = schema;
  if (type === 'string' && format !== undefined && !(typeof format === 'string' && STRICT_FORMATS.has(format))) {
    throw badRequest(`${where}: For 'string' type, format '${typeof format === 'string' ? format : JSON.stringify(format)}' is not supported`);
  }
  for (const [name, property] of Object.entries(isObject(schema.properties) ? schema.properties : {}))
    checkStrictSchema(property, `${where}.properties.${name}`);
  for (const [name, definition] of Object.entries(isObject(schema.$defs) ? schema.$defs : {})) checkStrictSchema(definition, `${where}.$defs.${name}`);
  if (schema.items !== undefined) checkStrictSchema(schema.items, `${where}.items`);
  for (const key of ['anyOf', 'allOf'] as const) {
    const variants = schema[key];
    if (Array.isArray(variants)) variants.forEach((variant: unknown, i: number) => checkStrictSchema(variant, `${where}.${key}.${i}`));
  }
}

interface Turn {
  role: 'user' | 'assistant';
  /** Index of the turn's first message, for error messages. */
  index: number;
  blocks: Anthropic.ContentBlockParam[];
}

/** The API merges consecutive messages of one role into a single turn; system messages are not turns. */
function toTurns(messages: Anthropic.MessageParam[]): Turn[] {
  const turns: Turn[] = [];
  messages.forEach((message, index) => {
    if (message.role === 'system') return;
    const blocks: Anthropic.ContentBlockParam[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    const previous = turns.at(-1);
    if (previous && previous.role === message.role) previous.blocks.push(...blocks);
    // a copy: merging the next message must not change the request as it was received
    else turns.push({ role: message.role, index, blocks: [...blocks] });
  });
  return turns;
}

/**
 * Tool results must answer exactly the tool calls of the turn before, and every call must be
 * answered (docs: agents-and-tools/tool-use/implement-tool-use, "Handling tool use and tool result
 * content blocks"); no prefill on the models that dropped it (ModelRules.prefill).
 */
function checkTurns(messages: Anthropic.MessageParam[], rules: ModelRules): void {
  const turns = toTurns(messages);
  turns.forEach((turn, i) => {
    const next = turns[i + 1];
    if (turn.role === 'user') checkToolResults(turn, turns[i - 1]);
    else if (next) checkToolCallsAnswered(turn, next);
  });
  const last = turns.at(-1);
  if (last?.role === 'assistant' && !rules.prefill) {
    throw badRequest('This model does not support assistant message prefill. The conversation must end with a user message.');
  }
}

function checkToolResults(turn: Turn, previous: Turn | undefined): void {
  const called = new Set(toolUseIds(previous?.blocks ?? []));
  const unexpected = toolResultIds(turn.blocks).filter((id) => !called.has(id));
  if (unexpected.length > 0) {
    throw badRequest(
      `messages.${turn.index}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${unexpected.join(', ')}. ` +
        'Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
    );
  }
}

function checkToolCallsAnswered(turn: Turn, next: Turn): void {
  const answered = new Set(toolResultIds(next.blocks));
  const missing = toolUseIds(turn.blocks).filter((id) => !answered.has(id));
  if (missing.length > 0) {
    throw badRequest(
      `messages.${turn.index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ` +
        `${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`,
    );
  }
}

const toolUseIds = (blocks: Anthropic.ContentBlockParam[]): string[] => blocks.flatMap((block) => (block.type === 'tool_use' ? [block.id] : []));
const toolResultIds = (blocks: Anthropic.ContentBlockParam[]): string[] => blocks.flatMap((block) => (block.type === 'tool_result' ? [block.tool_use_id] : []));

// ---- token accounting ----

interface Segment {
  text: string;
  /** Estimated tokens: the text's, or the thinking a returned thinking block stands for. */
  tokens: number;
  breakpoint: boolean;
  ttl?: string;
}

const estimateTokens = (chars: number): number => Math.ceil(chars / 4);

/**
 * The prompt as the API renders it for caching: tools, then system blocks, then message
 * blocks. `cache_control` is left out of the text, so moving a breakpoint does not change a prefix.
 * A thinking block that comes back costs the thinking it stands for (its text may be empty:
 * the 5.5 models omit the thinking text by default), known by its signature.
 */
function promptSegments(body: PromptParts, thoughts: Map<string, number> = new Map()): Segment[] {
  const segments: Segment[] = [];
  const add = (part: unknown, label: string[]): void => {
    const object: Record<string, unknown> = isObject(part) ? part : { text: part };
    const { cache_control: cacheControl, ...rest } = object;
    const text = JSON.stringify([...label, rest]);
    const thought = rest.type === 'thinking' && typeof rest.signature === 'string' ? thoughts.get(rest.signature) : undefined;
    segments.push({ text, tokens: thought ?? estimateTokens(text.length), ...breakpointOf(cacheControl) });
  };
  for (const tool of body.tools ?? []) add(tool, ['tool']);
  for (const block of typeof body.system === 'string' ? [body.system] : (body.system ?? [])) add(block, ['system']);
  for (const message of body.messages) {
    for (const block of Array.isArray(message.content) ? message.content : [message.content]) add(block, [message.role]);
  }
  // Top-level cache_control (automatic caching) puts the breakpoint on the last block.
  const last = segments.at(-1);
  const automatic = breakpointOf(body.cache_control);
  if (last && automatic.breakpoint) Object.assign(last, automatic);
  return segments;
}

/** The parts of a request its prompt is made of; cache_control is read as sent, not checked. */
type PromptParts = Pick<CountParams, 'messages' | 'system' | 'tools'> & { cache_control?: unknown };

/** A cache_control setting: a breakpoint when its type is ephemeral. */
function breakpointOf(cacheControl: unknown): Pick<Segment, 'breakpoint' | 'ttl'> {
  if (!isObject(cacheControl)) return { breakpoint: false };
  return { breakpoint: cacheControl.type === 'ephemeral', ttl: typeof cacheControl.ttl === 'string' ? cacheControl.ttl : undefined };
}

function promptTokens(body: PromptParts, thoughts?: Map<string, number>): number {
  return promptSegments(body, thoughts).reduce((sum, segment) => sum + segment.tokens, 0);
}

interface CacheUsage {
  input: number;
  created: number;
  read: number;
  createdTtl?: string;
}

/** How far before a breakpoint the API looks for an earlier cached prefix (prompt-caching docs). */
const CACHE_LOOKBACK_BLOCKS = 20;

/**
 * The API's prompt caching: each breakpoint's prefix of at least the minimum length is written
 * to the cache (per model). A request reads the longest cached prefix that ends at a breakpoint
 * or at one of the 20 block boundaries before it (so a conversation cached at its last block on
 * one turn is read on the next), writes what its last breakpoint adds beyond that, and pays full
 * input only for what follows the last breakpoint.
 */
function cacheUsage(body: CreateParams, cache: Set<string>, minCacheableTokens: number, thoughts: Map<string, number>): CacheUsage {
  const segments = promptSegments(body, thoughts);
  const prefixes: { key: string; tokens: number }[] = [];
  const breakpoints: { index: number; ttl?: string }[] = [];
  let tokens = 0;
  const hash = createHash('sha256').update(body.model);
  segments.forEach((segment, index) => {
    tokens += segment.tokens;
    hash.update(segment.text);
    prefixes.push({ key: hash.copy().digest('hex'), tokens });
    if (segment.breakpoint) breakpoints.push({ index, ttl: segment.ttl });
  });
  const cacheable = breakpoints.filter((b) => prefixes[b.index].tokens >= minCacheableTokens);
  const last = cacheable.at(-1);
  if (!last) return { input: tokens, created: 0, read: 0 };
  const lookedAt = cacheable.flatMap((b) => prefixes.slice(Math.max(0, b.index - CACHE_LOOKBACK_BLOCKS + 1), b.index + 1));
  const read = Math.max(0, ...lookedAt.filter((prefix) => cache.has(prefix.key)).map((prefix) => prefix.tokens));
  for (const b of cacheable) cache.add(prefixes[b.index].key);
  const written = prefixes[last.index].tokens;
  return { input: tokens - written, created: written - read, read, createdTtl: last.ttl };
}

/** Whether the model thinks on this request: the 5.5 models unless told not to, the others when asked (docs cited at MODELS). */
function thinks(body: CreateParams, rules: ModelRules): boolean {
  const type = body.thinking?.type;
  if (type === 'disabled') return false;
  return rules.thinksByDefault || type === 'adaptive' || type === 'enabled';
}

function thinkingTokensOf(body: CreateParams, reply: Extract<FakeReply, { kind: 'message' }>): number {
  if (reply.content.length === 0) return 0;
  if (reply.thinkingTokens !== undefined) return reply.thinkingTokens;
  const rules = MODELS[body.model];
  if (thinks(body, rules)) {
    const typical = THINKING_AT_EFFORT[effortOf(body.output_config, rules)];
    return body.thinking?.type === 'enabled' ? Math.min(typical, body.thinking.budget_tokens) : typical;
  }
  return estimateTokens(reply.content.map((block) => (block.type === 'thinking' ? block.thinking : '')).join('').length);
}

/**
 * The reply's content within max_tokens. Thinking comes first and counts against max_tokens
 * (docs: build-with-claude/thinking-troubleshooting, "max_tokens stops"); what does not fit is
 * cut: a text block at the limit, a tool call (whose input would be incomplete) left out.
 */
function fitToMaxTokens(content: ContentBlock[], thinkingTokens: number, maxTokens: number): { content: ContentBlock[]; outputTokens: number; cut: boolean } {
  const isThinking = (block: ContentBlock) => block.type === 'thinking' || block.type === 'redacted_thinking';
  const thinkingBlocks = content.filter(isThinking);
  const visible = content.filter((block) => !isThinking(block));
  const visibleTokens = (blocks: ContentBlock[]) => (blocks.length === 0 ? 0 : estimateTokens(JSON.stringify(blocks).length));
  const total = thinkingTokens + visibleTokens(visible);
  if (total <= maxTokens) return { content, outputTokens: content.length === 0 ? EMPTY_REPLY_TOKENS : total, cut: false };
  const kept: ContentBlock[] = [...thinkingBlocks];
  let left = maxTokens - thinkingTokens;
  for (const block of visible) {
    const cost = visibleTokens([block]);
    if (cost <= left) {
      kept.push(block);
      left -= cost;
    } else {
      if (block.type === 'text' && left > 0) kept.push({ ...block, text: block.text.slice(0, left * 4) });
      break;
    }
  }
  return { content: kept, outputTokens: maxTokens, cut: true };
}

function buildMessage(
  body: CreateParams,
  reply: Extract<FakeReply, { kind: 'message' }>,
  cached: CacheUsage,
  thoughts: Map<string, number>,
): Anthropic.Message {
  const thinkingTokens = thinkingTokensOf(body, reply);
  // A model that thought returns a thinking block, with its text omitted unless the script has one.
  const scripted = thinkingTokens > 0 && !reply.content.some((block) => block.type === 'thinking') ? [thinking(''), ...reply.content] : reply.content;
  const firstThought = scripted.find((block): block is Anthropic.ThinkingBlock => block.type === 'thinking');
  if (firstThought) thoughts.set(firstThought.signature, Math.max(thinkingTokens, 1));
  const fitted = fitToMaxTokens(scripted, thinkingTokens, body.max_tokens);
  const stopReason = reply.stop_reason ?? (fitted.cut ? 'max_tokens' : fitted.content.some((block) => block.type === 'tool_use') ? 'tool_use' : 'end_turn');
  const oneHour = cached.createdTtl === '1h';
  return {
    id: newId('msg_01'),
    type: 'message',
    role: 'assistant',
    model: reply.model ?? body.model,
    content: fitted.content,
    stop_reason: stopReason,
    stop_sequence: null,
    stop_details:
      stopReason === 'refusal' ? { type: 'refusal', category: reply.refusal?.category ?? null, explanation: reply.refusal?.explanation ?? null } : null,
    container: null,
    diagnostics: null,
    usage: {
      input_tokens: cached.input,
      output_tokens: fitted.outputTokens,
      cache_creation_input_tokens: cached.created,
      cache_read_input_tokens: cached.read,
      cache_creation: {
        ephemeral_5m_input_tokens: oneHour ? 0 : cached.created,
        ephemeral_1h_input_tokens: oneHour ? cached.created : 0,
      },
      output_tokens_details: { thinking_tokens: Math.min(thinkingTokens, body.max_tokens) },
      inference_geo: null,
      server_tool_use: null,
      service_tier: 'standard',
      speed: 'standard',
      ...reply.usage,
    },
  };
}

// ---- HTTP plumbing ----

function errorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** The API's error body and `request-id` header, from which the SDK picks its error class and requestID. */
function sendError(res: http.ServerResponse, status: number, type: string, message?: string, headers: Record<string, string> = {}, errorCode?: string): void {
  const requestId = newId('req_');
  const error = {
    type,
    message: message ?? DEFAULT_ERROR_MESSAGES[type] ?? `Error ${status}`,
    ...(errorCode && { details: { error_code: errorCode } }),
  };
  sendJson(res, status, { type: 'error', error, request_id: requestId }, { ...headers, 'request-id': requestId });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'request-id': newId('req_'),
    ...headers,
  });
  res.end(payload);
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Resolves after `ms`, or earlier when the client goes away, so a delay does not outlive its request. */
function closedOrElapsed(res: http.ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An id in the API's style: a prefix and 22 base62 characters. */
function newId(prefix: string): string {
  return prefix + Array.from(randomBytes(22), (byte) => BASE62[byte % 62]).join('');
}

// ---- what tests read from the requests ----

/** A request's body as the API accepted it; the test fails, saying so, on a request the fake refused or a count_tokens one. */
export function createBody(request: FakeRequest): CreateParams {
  if (request.kind !== 'create') throw new Error(`fakeAnthropic: request to ${request.path} is ${request.kind}, not an accepted create request`);
  return request.body;
}

/** The names of a request's tools, in order (undefined for a toolset, which has none). */
export const toolNames = (body: CreateParams): (string | undefined)[] => (body.tools ?? []).map((tool) => ('name' in tool ? tool.name : undefined));

/** A message's content the client sent as a string; the test fails, saying so, when it came as blocks (or there is no message). */
export function textOf(message: Anthropic.MessageParam | undefined): string {
  if (typeof message?.content !== 'string') throw new Error(`fakeAnthropic: expected a message with text content, got ${JSON.stringify(message)}`);
  return message.content;
}

/** A message's content the client sent as blocks; the test fails, saying so, when it came as a string (or there is no message). */
export function blocksOf(message: Anthropic.MessageParam | undefined): Anthropic.ContentBlockParam[] {
  if (!Array.isArray(message?.content)) throw new Error(`fakeAnthropic: expected a message with content blocks, got ${JSON.stringify(message)}`);
  return message.content;
}

/**
 * The SDK reads ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL and others: none may leak into a test from
 * the developer's environment. Call in beforeAll; the returned function puts them back.
 */
export function clearAnthropicEnv(): () => void {
  const saved = Object.entries(process.env).filter(([name]) => name.startsWith('ANTHROPIC_'));
  for (const [name] of saved) delete process.env[name];
  return () => saved.forEach(([name, value]) => (process.env[name] = value));
}

/** The worker's Claude configuration, pointed at a fake server. */
export function claudeConfigFor(fake: FakeAnthropic): ClaudeConfig {
  return { apiKey: fake.apiKey, baseURL: fake.url, timeoutMs: 20_000 };
}
