import fs from 'node:fs';
import path from 'node:path';
import { CancelledFailure, type ApplicationFailure, type WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivities } from '../../src/activities';
import { AssessmentSchema } from '../../src/design/assessmentFile';
import type { CycleRequest, CycleStatus } from '../../src/domain/cycle';
import { statusQuery } from '../../src/temporal/definitions';
import { claudeConfigFor, clearAnthropicEnv, createBody, startFakeAnthropic, textOf } from '../support/fakeAnthropic';
import { scriptedClaude } from '../support/scriptedClaude';
import { longTraining, ScratchFolders, startTestServices, type TestServices } from '../support/services';
import { devServerEnv, startResearchCycle, withWorker } from '../support/temporal';

/**
 * Whole cycles on the official dev server, with the real services, and the offline designer
 * and assessor or Claude behind the fake Messages API: what a researcher gets from a cycle,
 * on disk.
 */
let env: TestWorkflowEnvironment;
let folders: ScratchFolders;
let services: TestServices;

beforeAll(async () => {
  env = await devServerEnv();
  folders = new ScratchFolders();
  services = await startTestServices(folders);
});
afterAll(async () => {
  await services?.close();
  await env?.teardown();
  folders?.remove();
});

const activities = () => createActivities({ servicesUrl: services.url, folders: folders.agentFolders() });
const readAssessment = (name: string) =>
  AssessmentSchema.parse(JSON.parse(fs.readFileSync(path.join(folders.strategiesDir, 'designed', name, 'assessment.json'), 'utf8')));

async function runCycle(request: CycleRequest, acts = activities()) {
  return withWorker(env, acts, async (taskQueue) => {
    const handle = await startResearchCycle(env, taskQueue, request);
    return handle.result().then(
      (status) => ({ status, failure: undefined }),
      (err: WorkflowFailedError) => ({ status: (err.cause as ApplicationFailure).details?.[0] as CycleStatus, failure: err.cause as ApplicationFailure }),
    );
  });
}

describe('a full cycle', () => {
  test('ends completed with the strategy, model, backtest reports and assessment on disk', async () => {
    const { status, failure } = await runCycle({ brief: 'momentum on EURUSD hourly', bypassGates: true });
    expect(failure).toBeUndefined();
    expect(status.outcome).toBe('completed');
    const name = status.strategy!;
    expect(status.design?.offline).toBe(true);
    expect(fs.existsSync(path.join(folders.strategiesDir, 'designed', `${name}.yaml`))).toBe(true);
    expect(fs.existsSync(path.join(folders.modelsDir, name, 'model.json'))).toBe(true);
    for (const period of ['validation', 'holdout']) {
      expect(fs.existsSync(path.join(folders.reportsDir, name, period, 'metrics.json'))).toBe(true);
    }
    const assessment = readAssessment(name);
    expect(assessment).toMatchObject({ verdict: status.verdict, offline: true, model: 'offline' });
    // the gates read the typed results: every check carries the real value
    expect(status.gates.training?.checks.find((c) => c.metric === 'accuracy')?.value).toBe(status.training?.metrics.accuracy);
    expect(status.backtest?.holdout).toBeDefined();
  });

  test('a gate set out of reach ends the cycle failed, with the gate, the metric, its value and the threshold', async () => {
    const { status, failure } = await runCycle({ gates: { training: { minAccuracy: 0.99 } } });
    expect(failure?.type).toBe('GateFailed');
    expect(failure?.message).toMatch(/^Training gate failed: .*accuracy_below_threshold \(accuracy \d+(\.\d+)?% < 99%\)/);
    expect(status.failure?.phase).toBe('training');
    expect(status.backtest).toBeUndefined();
  });
});

describe('cancelling during training', () => {
  test('cancels the remote training operation, and the cycle ends cancelled', async () => {
    const name = folders.strategy('rsi_adx_trend_filter', 'slow_training', longTraining);
    const acts = {
      ...activities(),
      // a known long training, so the cancellation lands while it runs
      designStrategy: () =>
        Promise.resolve({
          strategyName: name,
          strategyPath: path.join(folders.strategiesDir, `${name}.yaml`),
          symbol: 'EURUSD',
          timeframe: '1h' as const,
          offline: true,
          usage: { model: 'offline', inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
        }),
    };
    await withWorker(env, acts, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue);
      // wait until the service reports the training running for this cycle
      const deadline = Date.now() + 30_000;
      let operationId: string | undefined;
      while (!operationId && Date.now() < deadline) {
        const { data } = await services.client.listOperations({ cycle_id: handle.workflowId, active_only: true });
        operationId = data.find((op) => op.status === 'running' && op.progress.context.epoch_index)?.operation_id;
        if (!operationId) await new Promise((r) => setTimeout(r, 200));
      }
      expect(operationId, 'the training never ran').toBeDefined();
      expect((await handle.query(statusQuery)).phase).toBe('training');

      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      const op = await services.client.getOperation(operationId!);
      expect(op.status).toBe('cancelled');
    });
  });
});

/** Every byte string in a history (payloads), as text. */
function payloadTexts(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (value && typeof value === 'object') for (const v of Object.values(value)) payloadTexts(v, out);
  return out;
}

describe('a full cycle with Claude (the fake Messages API)', () => {
  test('ends completed with files on disk, tokens and cost on the result, and the holdout in no request', async () => {
    const restoreEnv = clearAnthropicEnv();
    const fake = await startFakeAnthropic({ script: scriptedClaude });
    try {
      const claude = claudeConfigFor(fake);
      const { status, failure } = await runCycle(
        { brief: 'RSI mean reversion on EURUSD', model: 'haiku', bypassGates: true },
        createActivities({ servicesUrl: services.url, folders: folders.agentFolders(), claude }),
      );
      expect(failure).toBeUndefined();
      expect(status.outcome).toBe('completed');
      expect(status.design?.offline).toBe(false);
      expect(status.model).toBe('claude-haiku-5-5');
      const name = status.strategy!;
      expect(name).toMatch(/^rsi_adx_claude_[0-9a-f]{6}$/);
      expect(fs.existsSync(path.join(folders.strategiesDir, 'designed', `${name}.yaml`))).toBe(true);
      expect(fs.existsSync(path.join(folders.modelsDir, name, 'model.json'))).toBe(true);
      const assessment = readAssessment(name);
      expect(assessment).toMatchObject({ verdict: 'mediocre', model: 'claude-haiku-5-5', offline: false });
      // a short assessment kept as it came, a long list trimmed to what the file keeps
      expect([assessment.strengths.length, assessment.suggestions.length]).toEqual([1, 4]);

      // four calls: validate, an empty reply to its result, save, assess — each counted and priced
      const calls = fake.requests.filter((r) => r.path === '/v1/messages');
      expect(calls).toHaveLength(4);
      // the conversation is cached, so its input is cache writes and reads
      expect(status.usage.cacheWriteTokens).toBeGreaterThan(0);
      expect(status.usage.outputTokens).toBeGreaterThan(0);
      expect(status.usage.costUsd).toBeGreaterThan(0);
      expect(status.usage.costUsd).toBeCloseTo(status.design!.usage.costUsd + status.assessment!.usage.costUsd, 12);

      // the assessor saw the validation backtest, and nothing of the holdout
      const validation = status.backtest!.validation;
      const holdout = status.backtest!.holdout!;
      const bodies = calls.map((r) => r.raw);
      const assessRequest = textOf(createBody(calls[3]).messages[0]);
      expect(assessRequest).toContain(`"total_return_pct": ${Number((validation.totalReturn * 100).toFixed(2))}`);
      if (holdout.totalReturn.toFixed(4) !== validation.totalReturn.toFixed(4)) {
        expect(assessRequest).not.toContain(`"total_return_pct": ${Number((holdout.totalReturn * 100).toFixed(2))}`);
      }
      for (const body of bodies) expect(body.toLowerCase()).not.toContain('holdout');

      // history holds names, paths and token counts: no prompt, no completion, no key
      const history = payloadTexts(await env.client.workflow.getHandle(status.cycleId).fetchHistory()).join('\n');
      expect(history).toContain(name);
      expect(history).not.toContain('You design trading strategies');
      expect(history).not.toContain('The design trains and trades.');
      expect(history).not.toContain(fake.apiKey);
    } finally {
      await fake.close();
      restoreEnv();
    }
  });
});
