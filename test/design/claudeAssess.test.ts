import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, assert, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { createDesignActivities } from '../../src/activities/designActivities';
import type { AssessInput, AssessResult, DesignInput, DesignResult } from '../../src/domain/activities';
import { costUsd, type LlmUsage } from '../../src/domain/models';
import { AssessmentSchema } from '../../src/design/assessmentFile';
import { claimStrategyName } from '../../src/design/designRecord';
import { designedStrategyFile } from '../../src/research/files';
import { ASSESS_CAPS } from '../../src/design/claude/assessor';
import { metricsWithUnits } from '../../src/design/metricsWithUnits';
import {
  blocksOf,
  claudeConfigFor,
  clearAnthropicEnv,
  createBody,
  startFakeAnthropic,
  text,
  textOf,
  toolUse,
  type FakeAnthropic,
  type FakeReply,
} from '../support/fakeAnthropic';
import { ScratchFolders } from '../support/services';

/** The assessment activity with Claude, and both activities in offline mode. */
let fake: FakeAnthropic;
let restoreEnv: (() => void) | undefined;
let folders: ScratchFolders;

beforeAll(async () => {
  restoreEnv = clearAnthropicEnv();
  fake = await startFakeAnthropic();
});
afterAll(async () => {
  restoreEnv?.();
  await fake?.close();
  folders?.remove();
});
beforeEach(() => {
  folders?.remove();
  folders = new ScratchFolders();
  folders.strategy('rsi_adx_trend_filter');
  fake.requests.length = 0;
});

const claude = () => claudeConfigFor(fake);
const activities = (withClaude = true) => createDesignActivities({ folders: folders.agentFolders(), claude: withClaude ? claude() : undefined });

const assessInput = (over: Partial<AssessInput> = {}): AssessInput => ({
  cycleId: `assess-${Date.now()}`,
  model: 'claude-haiku-5-5',
  strategyName: 'rsi_adx_trend_filter',
  strategyPath: path.join(folders.strategiesDir, 'rsi_adx_trend_filter.yaml'),
  training: { accuracy: 0.5432, loss: 0.9123, initialTrainLoss: 1.0986, finalTrainLoss: 0.8811, epochsTrained: 23, chanceAccuracy: 0.4811 },
  backtest: { totalReturn: 0.0734, sharpeRatio: 0.87, maxDrawdown: 0.0612, winRate: 0.52, totalTrades: 41, buyAndHoldReturn: 0.021, profitFactor: 1.31 },
  ...over,
});

const good = {
  verdict: 'mediocre',
  strengths: ['Accuracy 54.32% is 6.21 pp over chance.', 'Return 7.34% beats buy-and-hold by 5.24 pp.'],
  weaknesses: ['41 trades is little evidence.', 'Training loss fell only 19.8%.'],
  suggestions: ['Widen the validation period.', 'Try a volatility filter.'],
};
type MessageReply = Extract<FakeReply, { kind: 'message' }>;
const reply = (...content: ReturnType<typeof text>[]): MessageReply => ({ kind: 'message', content });
const messages = () => fake.requests.filter((r) => r.path === '/v1/messages');
const bodies = () => messages().map(createBody);

function assess(acts: ReturnType<typeof activities>, input: AssessInput): Promise<AssessResult> {
  return new MockActivityEnvironment().run((i: AssessInput) => acts.assessStrategy(i), input);
}

function design(acts: ReturnType<typeof activities>, input: DesignInput): Promise<DesignResult> {
  return new MockActivityEnvironment().run((i: DesignInput) => acts.designStrategy(i), input);
}

/** A JSON Schema node, and a tool's input schema, as far as these tests read them. */
const SchemaNode = z.looseObject({ $ref: z.string().optional() });
const InputSchema = z.looseObject({ properties: z.record(z.string(), z.unknown()), $defs: z.record(z.string(), z.unknown()).optional() });

const readAssessment = (file: string) => AssessmentSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));

describe('assessment with Claude', () => {
  test('a save_assessment call is saved with the model that answered, and the prompt carries the metrics with units', async () => {
    fake.setScript([reply(text('Looking at the numbers.'), toolUse('save_assessment', good))]);
    const input = assessInput();
    const result = await assess(activities(), input);

    expect(result).toMatchObject({ verdict: 'mediocre', offline: false });
    expect(result.usage.model).toBe('claude-haiku-5-5');
    expect(result.usage.costUsd).toBeCloseTo(costUsd('claude-haiku-5-5', result.usage), 12);
    const saved = readAssessment(result.assessmentPath);
    expect(saved).toMatchObject({ ...good, cycle_id: input.cycleId, model: 'claude-haiku-5-5', offline: false });

    const [body] = bodies();
    const prompt = textOf(body.messages[0]);
    // units named in the keys, fractions turned into percentages once (spec §8 #6)
    expect(prompt).toContain('"validation_accuracy_pct": 54.32');
    expect(prompt).toContain('"chance_accuracy_pct": 48.11');
    expect(prompt).toContain('"total_return_pct": 7.34');
    expect(prompt).toContain('"excess_return_pp": 5.24');
    expect(prompt).toContain('name: rsi_adx_trend_filter');
    expect(body.tools).toEqual([expect.objectContaining({ name: 'save_assessment', strict: true })]);
    expect(body.tool_choice).toBeUndefined();
  });

  test("save_assessment is a strict tool inside the API's schema subset: the bounds zod checks travel in the descriptions", async () => {
    fake.setScript([reply(toolUse('save_assessment', good))]);
    await assess(activities(), assessInput());
    const [tool] = bodies()[0].tools ?? [];
    expect(tool).toMatchObject({ name: 'save_assessment', strict: true, input_schema: { type: 'object', additionalProperties: false } });
    const { input_schema: schema } = z.object({ input_schema: InputSchema }).parse(tool);
    const resolve = (node: unknown) => {
      const { $ref } = SchemaNode.parse(node);
      return SchemaNode.parse($ref ? schema.$defs?.[$ref.split('/').at(-1) ?? ''] : node);
    };
    const strengths = resolve(schema.properties.strengths);
    expect(strengths.maxItems).toBeUndefined();
    expect(strengths.description).toMatch(/maxItems/);
    expect(resolve(strengths.items).minLength).toBeUndefined();
  });

  test('an invalid answer gets one repair round that names what was wrong', async () => {
    fake.setScript([
      reply(toolUse('save_assessment', { verdict: 'great', strengths: [], weaknesses: ['one'], suggestions: ['a', 'b'] })),
      reply(toolUse('save_assessment', good)),
    ]);
    const result = await assess(activities(), assessInput());
    expect(result.verdict).toBe('mediocre');
    const [repair] = blocksOf(bodies()[1].messages.at(-1));
    expect(repair).toMatchObject({ type: 'tool_result', is_error: true });
    assert(repair.type === 'tool_result');
    expect(repair.content).toMatch(/verdict: Invalid option.*strengths: Too small/);
    // both calls are paid for
    expect(messages()).toHaveLength(2);
  });

  test('a second invalid answer fails for good, with the spend', async () => {
    fake.setScript([reply(text('It is fine.')), reply(text('Really, it is fine.'))]);
    const err = await assess(activities(), assessInput()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'InvalidAssessment', nonRetryable: true });
    expect(failure.message).toMatch(/gave no valid assessment after a repair round: no save_assessment call and no JSON assessment/);
    expect((failure.details?.[0] as LlmUsage).outputTokens).toBeGreaterThan(0);
    expect(textOf(bodies()[1].messages.at(-1))).toMatch(/^The assessment was not saved/);
    expect(fs.existsSync(path.join(folders.strategiesDir, 'rsi_adx_trend_filter', 'assessment.json'))).toBe(false);
  });

  test('the request leaves thinking to the model, at medium effort, with room for the thinking in max_tokens', async () => {
    fake.setScript([reply(toolUse('save_assessment', good))]);
    const result = await assess(activities(), assessInput({ model: 'claude-sonnet-5-5' }));
    expect(result.verdict).toBe('mediocre');
    const [body] = bodies();
    expect(body.thinking).toBeUndefined();
    expect(body.output_config).toEqual({ effort: 'medium' });
    expect(messages()).toHaveLength(1);
  });

  test('a reply that spent max_tokens thinking is asked for the call, told it was cut off', async () => {
    fake.setScript([{ ...reply(toolUse('save_assessment', good)), thinkingTokens: ASSESS_CAPS.maxOutputTokens }, reply(toolUse('save_assessment', good))]);
    const result = await assess(activities(), assessInput());
    expect(result.verdict).toBe('mediocre');
    expect(textOf(bodies()[1].messages.at(-1))).toMatch(/cut off at the limit of 8000 output tokens/);
  });

  test('an empty reply is never sent back, and is no wrong answer: Claude is asked to continue, and a wrong answer after it still gets its repair round', async () => {
    fake.setScript([
      { kind: 'message', content: [] },
      reply(toolUse('save_assessment', { ...good, verdict: 'great' })),
      reply(toolUse('save_assessment', good)),
    ]);
    const result = await assess(activities(), assessInput());
    expect(result.verdict).toBe('mediocre');
    const [, second, third] = bodies().map((b) => b.messages);
    expect(second.map((m) => m.role)).toEqual(['user', 'user']);
    expect(textOf(second.at(-1))).toMatch(/^Please continue/);
    expect(blocksOf(third.at(-1))[0]).toMatchObject({ type: 'tool_result', is_error: true });
  });

  test('a refusal ends the phase for good with the reason the API gave: no repair turn into the refused context', async () => {
    fake.setScript([
      {
        kind: 'message',
        content: [],
        stop_reason: 'refusal',
        refusal: { category: 'general_harms', explanation: 'This request looks like market manipulation.' },
      },
      reply(toolUse('save_assessment', good)),
    ]);
    const err = await assess(activities(), assessInput()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    const failure = err as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'LlmRefused', nonRetryable: true });
    expect(failure.message).toBe(
      'claude-haiku-5-5 declined to assess rsi_adx_trend_filter (general_harms: This request looks like market manipulation.); assess it with another --model, or offline',
    );
    expect((failure.details?.[0] as LlmUsage).model).toBe('claude-haiku-5-5');
    expect(messages()).toHaveLength(1);
  });

  test('a short assessment is an assessment: one strength, two weaknesses and six suggestions are saved as they came, trimmed to the four the file keeps, without another call', async () => {
    const suggestions = [
      'Widen the validation period.',
      'Try a volatility filter.',
      'Lower the zigzag threshold.',
      'Drop the third indicator.',
      'Try GOOG daily.',
      'Shorten the lookback.',
    ];
    fake.setScript([reply(toolUse('save_assessment', { verdict: 'poor', strengths: ['Costs are included.'], weaknesses: good.weaknesses, suggestions }))]);
    const result = await assess(activities(), assessInput());
    expect(result.verdict).toBe('poor');
    expect(readAssessment(result.assessmentPath)).toMatchObject({
      strengths: ['Costs are included.'],
      weaknesses: good.weaknesses,
      suggestions: suggestions.slice(0, 4),
    });
    expect(messages()).toHaveLength(1);
  });

  test('blank sentences are dropped; a list left with none is what gets the repair round', async () => {
    fake.setScript([
      reply(toolUse('save_assessment', { ...good, weaknesses: ['  '] })),
      reply(toolUse('save_assessment', { ...good, strengths: ['', 'Return 7.34% beats buy-and-hold by 5.24 pp.'] })),
    ]);
    const result = await assess(activities(), assessInput());
    expect(readAssessment(result.assessmentPath).strengths).toEqual(['Return 7.34% beats buy-and-hold by 5.24 pp.']);
    const [repair] = blocksOf(bodies()[1].messages.at(-1));
    assert(repair.type === 'tool_result', 'the repair answers the tool call');
    expect(repair.content).toMatch(/^The assessment was not saved: weaknesses: /);
  });

  test('an assessment file written before, with 2–4 sentences a list, still reads', () => {
    const earlier = {
      ...good,
      assessed_at: '2026-11-20T10:00:00.000Z',
      cycle_id: 'c-1',
      model: 'claude-sonnet-5-5',
      offline: false,
      metrics: metricsWithUnits(assessInput().training, assessInput().backtest),
    };
    expect(AssessmentSchema.safeParse(earlier).success).toBe(true);
  });

  test('the hypotheses it proposes for later cycles are kept — trimmed, blank ones dropped, three at most, each cut to a short sentence — saved and returned for the loop', async () => {
    const long = `Adding ADX ${'to RSI '.repeat(60)}helps`;
    const proposed = ['  ADX adds to RSI on EURUSD hourly ', '', 'Daily bars beat hourly ones for RSI', long, 'A fourth one'];
    fake.setScript([reply(toolUse('save_assessment', { ...good, hypotheses: proposed }))]);
    const result = await assess(activities(), assessInput());
    const kept = ['ADX adds to RSI on EURUSD hourly', 'Daily bars beat hourly ones for RSI', `${long.slice(0, 299)}…`];
    expect(result.hypotheses).toEqual(kept);
    expect(readAssessment(result.assessmentPath).hypotheses).toEqual(kept);
    const [body] = bodies();
    const { input_schema: schema } = z.object({ input_schema: InputSchema.extend({ required: z.array(z.string()) }) }).parse(body.tools?.[0]);
    // optional for the model: an answer without them is still an answer
    expect(SchemaNode.parse(schema.properties.hypotheses).description).toMatch(/hypothes/i);
    expect(schema.required).not.toContain('hypotheses');
    expect(JSON.stringify(body.system)).toMatch(/up to three hypotheses/);
  });

  test('an answer without hypotheses proposes none', async () => {
    fake.setScript([reply(toolUse('save_assessment', good))]);
    const result = await assess(activities(), assessInput());
    expect(result.hypotheses).toBeUndefined();
  });

  test('a model that answers with the JSON as text is understood', async () => {
    fake.setScript([reply(text(`Here is my assessment:\n\`\`\`json\n${JSON.stringify(good)}\n\`\`\``))]);
    const result = await assess(activities(), assessInput());
    expect(readAssessment(result.assessmentPath).strengths).toEqual(good.strengths);
  });
});

describe('offline mode', () => {
  test('without a Claude configuration both activities run offline and say so, without a request', async () => {
    const acts = activities(false);
    const designed = await design(acts, { cycleId: `offline-${Date.now()}`, model: 'claude-sonnet-5-5' });
    expect(designed).toMatchObject({ offline: true, usage: { model: 'offline', costUsd: 0 } });
    const assessment = await assess(acts, assessInput({ strategyName: designed.strategyName, strategyPath: designed.strategyPath }));
    expect(assessment.offline).toBe(true);
    expect(readAssessment(assessment.assessmentPath)).toMatchObject({ model: 'offline', offline: true });
    expect(fake.requests).toHaveLength(0);
  });

  test('--offline forces the offline designer and assessor even with a key', async () => {
    const acts = activities(true);
    const designed = await design(acts, { cycleId: `forced-${Date.now()}`, model: 'claude-sonnet-5-5', offline: true });
    expect(designed.offline).toBe(true);
    expect((await assess(acts, assessInput({ offline: true }))).offline).toBe(true);
    expect(fake.requests).toHaveLength(0);
  });
});

describe('what the designer may remember', () => {
  /** rsi_adx_trend_filter as if `model` had designed it (design.json), on the shipped EURUSD hourly data. */
  function designedBy(model: string): string {
    const name = `remembered_${model.replace(/[^a-z0-9]/g, '_')}`;
    const record = {
      cycle_id: `cycle-${name}`,
      strategy: name,
      symbol: 'EURUSD',
      timeframe: '1h' as const,
      designed_at: new Date().toISOString(),
      model,
      offline: model === 'offline',
    };
    expect(claimStrategyName(record, folders.strategiesDir)).toBe(true);
    const yaml = fs.readFileSync(path.join(folders.strategiesDir, 'rsi_adx_trend_filter.yaml'), 'utf8').replace(/^name: .*$/m, `name: ${name}`);
    fs.writeFileSync(designedStrategyFile(name, folders.strategiesDir), yaml);
    return name;
  }
  const inputFor = (name: string) => assessInput({ strategyName: name, strategyPath: designedStrategyFile(name, folders.strategiesDir) });

  test('Claude: a validation period that ends before the designer’s cutoff is a caveat in the assessment, its file and its prompt', async () => {
    const name = designedBy('claude-haiku-4-5');
    fake.setScript([reply(toolUse('save_assessment', good))]);
    const result = await assess(activities(), inputFor(name));
    const caveat = 'the designer (claude-haiku-4-5, trained on data to 2025-07-31) may have seen this period';
    expect(result.memoryWarning).toBe(caveat);
    expect(readAssessment(result.assessmentPath).memory_warning).toBe(caveat);
    expect(textOf(bodies()[0].messages[0])).toContain(caveat);
  });

  test('offline assessor: the same caveat for a strategy Claude designed', async () => {
    const name = designedBy('claude-opus-4-6');
    const result = await assess(activities(false), inputFor(name));
    const caveat = 'the designer (claude-opus-4-6, trained on data to 2025-08-31) may have seen this period';
    expect(result.memoryWarning).toBe(caveat);
    expect(readAssessment(result.assessmentPath).memory_warning).toBe(caveat);
  });

  test('no caveat for an offline design or a person’s strategy: nothing there can remember', async () => {
    for (const input of [inputFor(designedBy('offline')), assessInput()]) {
      const result = await assess(activities(false), input);
      expect(result.memoryWarning).toBeUndefined();
      expect(readAssessment(result.assessmentPath).memory_warning).toBeUndefined();
    }
  });
});
