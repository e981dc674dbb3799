import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createActivities } from '../../src/activities';
import type { CycleRequest, CycleStatus } from '../../src/domain/cycle';
import { RESEARCH_WORKFLOW, statusQuery } from '../../src/temporal/definitions';
import { longTraining, ScratchFolders, startTestServices, type TestServices } from '../support/services';
import { devServerEnv, withWorker } from '../support/temporal';

/**
 * Whole cycles on the official dev server, with the real services and the offline designer
 * and assessor: what a researcher gets from a cycle, on disk.
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

const activities = () => createActivities({ servicesUrl: services.url, strategiesDir: folders.strategiesDir });

let seq = 0;
async function runCycle(request: CycleRequest, acts = activities()) {
  return withWorker(env, acts, async (taskQueue) => {
    const handle = await env.client.workflow.start(RESEARCH_WORKFLOW, { args: [request], taskQueue, workflowId: `full-${++seq}-${Date.now()}` });
    return handle.result().then(
      (status) => ({ status: status as CycleStatus, failure: undefined }),
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
    expect(fs.existsSync(path.join(folders.strategiesDir, `${name}.yaml`))).toBe(true);
    expect(fs.existsSync(path.join(folders.modelsDir, name, 'model.json'))).toBe(true);
    for (const period of ['validation', 'holdout']) {
      expect(fs.existsSync(path.join(folders.reportsDir, name, period, 'metrics.json'))).toBe(true);
    }
    const assessment = JSON.parse(fs.readFileSync(path.join(folders.strategiesDir, name, 'assessment.json'), 'utf8'));
    expect(assessment).toMatchObject({ verdict: status.verdict, offline: true, model: 'offline' });
    // the gates read the typed results: every check carries the real value
    expect(status.gates.training?.checks.find((c) => c.metric === 'accuracy')?.value).toBe(status.training?.metrics.accuracy);
    expect(status.backtest?.holdout).toBeDefined();
  });

  test('a gate set out of reach ends the cycle failed, with the gate, the metric, its value and the threshold', async () => {
    const { status, failure } = await runCycle({ gates: { training: { minAccuracy: 0.99 } } });
    expect(failure?.type).toBe('GateFailed');
    expect(failure?.message).toMatch(/^Training gate failed: accuracy_below_threshold \(accuracy \d+(\.\d+)?% < 99%\)/);
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
      designStrategy: async () => ({
        strategyName: name,
        strategyPath: path.join(folders.strategiesDir, `${name}.yaml`),
        symbol: 'EURUSD',
        timeframe: '1h' as const,
        offline: true,
        usage: { model: 'offline', inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      }),
    };
    await withWorker(env, acts, async (taskQueue) => {
      const handle = await env.client.workflow.start(RESEARCH_WORKFLOW, { args: [{}], taskQueue, workflowId: `full-cancel-${Date.now()}` });
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
