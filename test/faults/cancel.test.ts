import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ktrdrAgentWith } from '../support/cli';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fakeAnthropic';
import { oneOfEach, records, scheduledActivities, stackForTest } from '../support/faultChecks';
import { SLOW_STRATEGY, type FaultStack } from '../support/faultStack';

/**
 * A person cancels a cycle (`ktrdr-agent cancel`) in each phase. The cycle ends `cancelled`
 * only once the remote work has stopped: the services' operation is cancelled and no longer
 * runs, and a Claude request (against the fake Messages API, which never answers here) is
 * aborted.
 */
let fake: FakeAnthropic;
beforeAll(async () => {
  fake = await startFakeAnthropic({ script: () => ({ kind: 'hang' }) });
});
afterAll(async () => {
  await fake?.close();
});

const withClaude = () => ({ workerEnv: { ANTHROPIC_API_KEY: fake.apiKey, ANTHROPIC_BASE_URL: fake.url } });

async function cancel(stack: FaultStack, id: string): Promise<void> {
  const run = await ktrdrAgentWith(stack.env, 'cancel', id);
  expect(run.code, run.stderr).toBe(0);
}

/** The cycle ended cancelled, and its whole history replays. */
async function expectCancelled(stack: FaultStack, id: string) {
  const end = await stack.end(id);
  expect(end.execution, `the cycle ended ${end.execution}: ${end.failure}`).toBe('CANCELLED');
  return stack.replay(id);
}

/** The fake Messages API has a request from this cycle's worker waiting on it. */
async function claudeAsked(requestsBefore: number): Promise<void> {
  for (let i = 0; fake.requests.length <= requestsBefore; i++) {
    if (i > 1200) throw new Error('no request reached the fake Messages API within 2 minutes');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('cancelling a cycle', () => {
  test('while Claude designs: the request is aborted, and nothing reaches the services', { timeout: 300_000 }, async () => {
    const stack = await stackForTest(withClaude());
    const [requests, aborted] = [fake.requests.length, fake.aborted];
    const id = await stack.trigger('--brief', 'momentum on SP500 daily', '--model', 'haiku');
    await claudeAsked(requests);
    await cancel(stack, id);
    const history = await expectCancelled(stack, id);
    expect(fake.aborted).toBe(aborted + 1);
    expect(scheduledActivities(history)).toEqual(['designStrategy', 'cleanUpCycle']);
    expect(await stack.operations(id)).toEqual([]);
  });

  test('while training: the training operation is cancelled on the services', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 20 });
    const id = await stack.trigger();
    await stack.midTraining(id);
    await cancel(stack, id);
    await expectCancelled(stack, id);
    expect(records(await stack.operations(id))).toEqual([['training', 'cancelled', `${id}-training`, 'cancelled']]);
  });

  test('while backtesting: the backtest stops on its abort, not by force', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 3 });
    const id = await stack.trigger();
    await stack.midBacktest(id);
    await cancel(stack, id);
    await expectCancelled(stack, id);
    expect(records(await stack.operations(id))).toEqual([
      ['training', 'completed', `${id}-training`, null],
      ['backtesting', 'cancelled', `${id}-backtest`, 'cancelled'],
    ]);
    expect(stack.services!.output()).not.toContain('did not stop within');
  });

  test('while Claude assesses: the request is aborted, the operations stay as they ended', { timeout: 300_000 }, async () => {
    const stack = await stackForTest({ epochs: 2, ...withClaude() });
    const [requests, aborted] = [fake.requests.length, fake.aborted];
    const id = await stack.trigger('--strategy', SLOW_STRATEGY, '--bypass-gates', '--model', 'haiku');
    await claudeAsked(requests);
    await cancel(stack, id);
    const history = await expectCancelled(stack, id);
    expect(fake.aborted).toBe(aborted + 1);
    expect(scheduledActivities(history)).toEqual(['checkStrategy', 'trainModel', 'runBacktest', 'assessStrategy', 'cleanUpCycle']);
    expect(records(await stack.operations(id))).toEqual(oneOfEach(id));
  });
});
