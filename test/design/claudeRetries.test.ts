import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDesignActivities } from '../../src/activities/designActivities';
import type { CycleStatus } from '../../src/domain/cycle';
import { TEMPLATE_STRATEGY } from '../../src/design/claude/designPrompt';
import { RESEARCH_WORKFLOW } from '../../src/temporal/definitions';
import { claudeConfigFor, clearAnthropicEnv, startFakeAnthropic, toolUse, type FakeAnthropic, type FakeReply } from '../support/fakeAnthropic';
import { fakeActivities } from '../support/fakeActivities';
import { ScratchFolders } from '../support/services';
import { timeSkippingEnv, withWorker } from '../support/temporal';

/**
 * Temporal's retries of the design activity against the fake Messages API, in a workflow on
 * the time-skipping server: the wait the API asks for is the wait Temporal makes, and a
 * retried attempt adds to what the earlier one spent.
 */
let env: TestWorkflowEnvironment;
let fake: FakeAnthropic;
let restoreEnv: (() => void) | undefined;
let folders: ScratchFolders;

beforeAll(async () => {
  restoreEnv = clearAnthropicEnv();
  env = await timeSkippingEnv();
  fake = await startFakeAnthropic();
  folders = new ScratchFolders();
});
afterAll(async () => {
  restoreEnv?.();
  await fake?.close();
  await env?.teardown();
  folders?.remove();
});

const config: unknown = parseYaml(TEMPLATE_STRATEGY);
const message = (...content: ReturnType<typeof toolUse>[]): FakeReply => ({
  kind: 'message',
  content,
  usage: { input_tokens: 1000, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
});

async function runCycle(): Promise<CycleStatus> {
  const design = createDesignActivities({
    folders: folders.agentFolders(),
    claude: claudeConfigFor(fake),
  });
  const activities = fakeActivities({ overrides: () => ({ designStrategy: (input) => design.designStrategy(input) }) });
  return withWorker(env, activities, async (taskQueue) => {
    const handle = await env.client.workflow.start(RESEARCH_WORKFLOW, { args: [{ model: 'sonnet' }], taskQueue, workflowId: `retry-${Date.now()}` });
    return (await handle.result()) as CycleStatus;
  });
}

describe('a rate-limited design', () => {
  test('is retried by Temporal after the retry-after wait, and the cycle pays for both attempts', async () => {
    fake.setScript([
      message(toolUse('validate_strategy_config', { config })),
      { kind: 'error', status: 429, type: 'rate_limit_error', message: 'rate limited', headers: { 'retry-after': '90' } },
      message(toolUse('save_strategy_config', { name: 'rsi_adx_retried', config, description: 'retried' })),
    ]);
    const status = await runCycle();
    expect(status.outcome).toBe('completed');
    expect(status.strategy).toMatch(/^rsi_adx_retried_/);
    // workflow time: the design phase waited out the 90 s the API asked for (skipped in test time)
    expect(status.phases[0].durationMs).toBeGreaterThanOrEqual(90_000);
    expect(status.phases[0].durationMs).toBeLessThan(120_000);
    // the first attempt's call and the second attempt's call, at Sonnet 5.5 prices
    expect(status.design?.usage).toMatchObject({ inputTokens: 2000, outputTokens: 200 });
    expect(status.design?.usage.costUsd).toBeCloseTo((2000 * 2 + 200 * 10) / 1e6, 12);
    expect(fake.requests.filter((r) => r.path === '/v1/messages')).toHaveLength(3);
  });
});
