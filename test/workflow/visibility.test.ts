import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDesignActivities } from '../../src/activities/designActivities';
import type { CycleStatus, CycleSummary } from '../../src/domain/cycle';
import { OutcomeAttribute, statusQuery } from '../../src/temporal/definitions';
import { fakeActivities, goodBacktest, goodTraining, runUntilCancelled, usage } from '../support/fakeActivities';
import { startResearchCycle, timeSkippingEnv, waitFor, withWorker } from '../support/temporal';
import { MARKET_DATA_DIR } from '../support/folders';

/**
 * What a cycle tells the people watching it: a failed assessment keeps the cycle's training
 * and backtest, and an offline cycle never names a Claude model — in its status, its memo
 * summary or its current details (the Web UI's User Metadata tab).
 */
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

/** The markdown the Web UI shows as the workflow's current details (fetched by the built-in metadata query). */
async function currentDetails(handle: WorkflowHandle): Promise<string> {
  const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

describe('an assessment that fails for good', () => {
  const refusal = 'claude-sonnet-5-5 refused to assess this strategy (stop_reason refusal)';
  const failingAssessor = () =>
    fakeActivities({
      overrides: (calls) => ({
        assessStrategy(input) {
          calls.assess.push(input);
          return Promise.reject(
            ApplicationFailure.create({
              message: refusal,
              type: 'AssessmentRefused',
              nonRetryable: true,
              details: [usage({ inputTokens: 2000, outputTokens: 50, cacheReadTokens: 0, costUsd: 0.0045 })],
            }),
          );
        },
      }),
    });

  test('ends the cycle completed with its training, backtest and gates, no verdict, and the reason', async () => {
    const fakes = failingAssessor();
    const { status, description, details } = await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue);
      const result = await handle.result();
      return { status: result, description: await handle.describe(), details: await currentDetails(handle) };
    });

    expect(status).toMatchObject({ outcome: 'completed', phase: 'completed', strategy: 'rsi_adx_trend_filter', assessmentFailure: refusal });
    expect(status.failure).toBeUndefined();
    expect(status.verdict).toBeUndefined();
    expect(status.training?.metrics).toEqual(goodTraining);
    expect(status.backtest?.validation).toEqual(goodBacktest);
    expect(status.gates.training?.passed).toBe(true);
    expect(status.gates.backtest?.passed).toBe(true);
    expect(status.phases.map((p) => p.phase)).toEqual(['designing', 'training', 'backtesting', 'assessing']);
    // the refused call still cost what it cost
    expect(status.usage.inputTokens).toBe(1200 + 2000);
    expect(fakes.calls.cleanup).toEqual([]);

    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(OutcomeAttribute)).toBe('completed');
    expect(description.memo?.summary as CycleSummary).toMatchObject({ phase: 'completed', assessmentFailure: refusal });
    expect(details).toContain(`**Assessment failed:** training and backtest completed; only the assessment failed: ${refusal}`);
    expect(details).toContain('| accuracy | 58.0% vs 50.0% chance |');
  });

  test('a cancelled assessment still cancels the cycle', async () => {
    const fakes = fakeActivities({ overrides: (calls) => ({ assessStrategy: () => runUntilCancelled('assessing', calls) }) });
    const err = await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue);
      await waitFor(async () => ((await handle.query(statusQuery)).phase === 'assessing' ? true : undefined), 'phase assessing');
      await handle.cancel();
      return handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
    });
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(fakes.calls.cancelled).toEqual(['assessing']);
  });
});

describe('an offline cycle names no Claude model', () => {
  test('while designing, a cycle does not claim the model it asked for: the design says who designed it', async () => {
    const fakes = fakeActivities({ overrides: (calls) => ({ designStrategy: () => runUntilCancelled('designing', calls) }) });
    await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue, { model: 'haiku' });
      const status = await waitFor(async () => {
        const s = await handle.query(statusQuery);
        return s.phases.length ? s : undefined;
      }, 'designing');
      expect(status.model).toBeUndefined();
      expect((await handle.describe()).memo?.summary as CycleSummary).not.toHaveProperty('model');
      expect(await currentDetails(handle)).not.toContain('**Model:**');
      await handle.terminate('test done');
    });
  });

  test('a cycle that asked for offline says offline from the start', async () => {
    const fakes = fakeActivities({ overrides: (calls) => ({ designStrategy: () => runUntilCancelled('designing', calls) }) });
    await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue, { offline: true });
      const status = await waitFor(async () => {
        const s = await handle.query(statusQuery);
        return s.phases.length ? s : undefined;
      }, 'designing');
      expect(status.model).toBe('offline');
      expect(await currentDetails(handle)).toContain('**Model:** offline designer and assessor (no Claude)');
      await handle.terminate('test done');
    });
  });

  test('an offline design that fails marks the cycle offline everywhere', async () => {
    // the real offline designer (a worker without ANTHROPIC_API_KEY), asked for a market with no data
    const strategiesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-offline-fail-'));
    const fakes = fakeActivities({
      overrides: () =>
        createDesignActivities({ folders: { strategies: strategiesDir, marketData: MARKET_DATA_DIR, transcripts: path.join(strategiesDir, 'transcripts') } }),
    });
    const { failure, summary, details } = await withWorker(env, fakes, async (taskQueue) => {
      const handle = await startResearchCycle(env, taskQueue, { symbol: 'NOSUCH' });
      const err = await handle.result().then(
        () => expect.fail('the cycle should have failed'),
        (e: unknown) => e as WorkflowFailedError,
      );
      return {
        failure: err.cause as ApplicationFailure,
        summary: (await handle.describe()).memo?.summary as CycleSummary,
        details: await currentDetails(handle),
      };
    });
    const status = failure.details?.[0] as CycleStatus;
    expect(failure.message).toMatch(/^Design failed: No market data for NOSUCH/);
    expect(status.model).toBe('offline');
    expect(summary.model).toBe('offline');
    expect(details).toContain('**Model:** offline designer and assessor (no Claude)');
    for (const shown of [JSON.stringify(status), JSON.stringify(summary), details]) expect(shown).not.toMatch(/claude-/i);
    fs.rmSync(strategiesDir, { recursive: true, force: true });
  });

  test('a Claude design that fails names the model that ran, from the usage its failure carries', async () => {
    const fakes = fakeActivities({
      overrides: () => ({
        designStrategy: () => Promise.reject(ApplicationFailure.nonRetryable('gave up', 'DesignGaveUp', usage({ model: 'claude-haiku-5-5' }))),
      }),
    });
    const status = await withWorker(env, fakes, async (taskQueue) =>
      (await startResearchCycle(env, taskQueue)).result().then(
        () => expect.fail('the cycle should have failed'),
        (e: unknown) => ((e as WorkflowFailedError).cause as ApplicationFailure).details?.[0] as CycleStatus,
      ),
    );
    expect(status.model).toBe('claude-haiku-5-5');
  });
});
