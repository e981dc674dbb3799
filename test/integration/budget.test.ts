import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { BudgetSnapshotSchema, type BudgetSnapshot } from '../../src/domain/admission';
import type { CycleStatus } from '../../src/domain/cycle';
import { noUsage } from '../../src/domain/models';
import { PROJECT_ROOT } from '../../src/paths';
import { ktrdrAgent, runCommand } from '../support/cli';
import { fakeActivities, runUntilCancelled } from '../support/fakeActivities';
import { devServerWithWorker, waitFor } from '../support/temporal';

/**
 * `ktrdr-agent budget` and the refusals of `trigger`, against the dev server and a worker that
 * says it has Claude, whose research activities are test doubles (a design costs $0.00548, an
 * assessment $0.009, offline nothing) and whose admission activities are the real ones. Training holds until
 * cancelled when the brief says "hold".
 */
let env: TestWorkflowEnvironment;
let stop: (() => Promise<void>) | undefined;
const fakes = fakeActivities({
  admission: { settings: { dailyBudgetUsd: 5, maxConcurrentCycles: 1 }, claude: true },
  overrides: (calls) => ({
    // offline costs nothing
    async designStrategy(input) {
      calls.design.push(input);
      const design = await fakeActivities().designStrategy(input);
      return input.offline ? { ...design, offline: true, usage: noUsage('offline') } : design;
    },
    async assessStrategy(input) {
      calls.assess.push(input);
      const assessment = await fakeActivities().assessStrategy(input);
      return input.offline ? { ...assessment, offline: true, usage: noUsage('offline') } : assessment;
    },
    async trainModel(input) {
      calls.train.push(input);
      if (calls.design.find((d) => d.cycleId === input.cycleId)?.brief === 'hold') return runUntilCancelled('training', calls);
      return {
        operationId: 'op_training',
        modelPath: `models/${input.strategyName}/model.json`,
        metrics: {
          accuracy: 0.58,
          loss: 0.62,
          initialTrainLoss: 1.1,
          finalTrainLoss: 0.6,
          epochsTrained: 30,
          chanceAccuracy: 0.5,
          chanceLoss: 1.05,
          chanceTrainLoss: 1.04,
        },
      };
    },
  }),
});

beforeAll(async () => {
  ({ env, stop } = await devServerWithWorker(fakes, 'claude'));
});
afterAll(async () => {
  await stop?.();
});

const cli = (...args: string[]) => ktrdrAgent(env.address, ...args);
/** `budget --json`: the snapshot, and whether the admission workflow has started. */
const budgetJson = async (): Promise<BudgetSnapshot & { admissionStarted: boolean }> => {
  const run = await cli('budget', '--json');
  expect(run.code, run.stderr).toBe(0);
  return BudgetSnapshotSchema.extend({ admissionStarted: z.boolean() }).parse(JSON.parse(run.stdout));
};
const startedId = (stdout: string) => /Research cycle started: (\S+)/.exec(stdout)![1];

describe('ktrdr-agent budget', () => {
  test('before any cycle: the settings it will start with, nothing spent, and that offline costs nothing', async () => {
    const run = await cli('budget');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Limit\s+\$5\.0000 a day$/m);
    expect(run.stdout).toMatch(/^Spent today\s+\$0\.0000 \(0 Claude phases\)$/m);
    expect(run.stdout).toMatch(/^Affordable\s+40 Claude cycles at an estimated \$0\.1220 a cycle \(no Claude cycle has ended yet\)$/m);
    expect(run.stdout).toMatch(/^Next reset\s+\d{4}-\d\d-\d\dT00:00:00\.000Z \(in /m);
    expect(run.stdout).toContain('Offline cycles (--offline, or a worker without ANTHROPIC_API_KEY) cost nothing');
    expect(run.stdout).toContain('No cycle has been admitted yet');
  });

  test('refuses a value that is no amount or count, in one line', async () => {
    for (const [args, message] of [
      [['--set-limit', 'lots'], '--set-limit must be a number of US dollars from 0 to 1000000'],
      [['--set-concurrency', '0'], '--set-concurrency must be an integer from 1 to 1000'],
    ] as const) {
      const run = await cli('budget', ...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  test('a trigger the budget cannot pay for is refused before anything starts (exit 3); offline goes through; spend shows per phase', async () => {
    const set = await cli('budget', '--set-limit', '0.05');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('Set: daily budget $0.0500, at most 1 cycle at a time.');

    const refused = await cli('trigger', '--brief', 'too dear');
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^error: Cannot start a cycle \(budget_exhausted\): daily budget exhausted: \$0\.0000 of \$0\.0500 spent today \(UTC\) and \$0\.0000 reserved by running cycles; a Claude cycle needs about \$0\.1220\. It resets at \d{4}-\d\d-\d\dT00:00:00\.000Z\. Offline cycles \(--offline\) cost nothing; `ktrdr-agent budget --set-limit USD` raises the limit\.\n$/,
    );
    expect(refused.stdout).toBe('');
    expect(fakes.calls.design.filter((d) => d.brief === 'too dear')).toEqual([]);

    const offline = await cli('trigger', '--brief', 'free', '--offline', '--wait');
    expect(offline.code, offline.stderr).toBe(0);

    expect((await cli('budget', '--set-limit', '5')).code).toBe(0);
    const paid = await cli('trigger', '--brief', 'paid', '--model', 'haiku', '--wait');
    expect(paid.code, paid.stderr).toBe(0);
    const id = startedId(paid.stdout);

    const budget = await budgetJson();
    expect(budget).toMatchObject({ limitUsd: 5, reservedUsd: 0, activeCycles: [], admissionStarted: true });
    expect(budget.events.map((e) => [e.cycleId, e.phase, e.model, e.costUsd])).toEqual([
      [id, 'designing', 'claude-haiku-5-5', 0.00548],
      [id, 'assessing', 'claude-haiku-5-5', 0.009],
    ]);
    expect(budget.averageCycleCostUsd).toBeCloseTo(0.01448, 10);
    const text = await cli('budget');
    expect(text.stdout).toMatch(/^Affordable\s+\d+ Claude cycles at the recent average of \$0\.0145 a cycle$/m);
    expect(text.stdout).toMatch(new RegExp(`^  \\S+ \\S+\\s+${id}\\s+designing\\s+claude-haiku-5-5\\s+\\$0\\.0055$`, 'm'));
  });

  test('a second trigger while a cycle runs is refused naming it (exit 4); a cycle started another way ends refused, and status, list and its details say why', async () => {
    const first = await cli('trigger', '--brief', 'hold');
    expect(first.code, first.stderr).toBe(0);
    const holder = startedId(first.stdout);
    await waitFor(() => Promise.resolve(fakes.calls.train.some((t) => t.cycleId === holder) ? true : undefined), 'the first cycle to train');

    const second = await cli('trigger', '--brief', 'second');
    expect(second.code).toBe(4);
    expect(second.stderr).toContain(
      `error: Cannot start a cycle (active_cycle_exists): 1 cycle already running (${holder}), at most 1 at a time: wait for it to end, or cancel it with \`ktrdr-agent cancel ${holder}\``,
    );

    // the trigger script starts the cycle without asking first: the cycle admits itself, and is refused
    const script = await runCommand(path.join(PROJECT_ROOT, 'scripts', 'trigger.sh'), ['--brief', 'by script'], { TEMPORAL_ADDRESS: env.address });
    expect(script.code, script.stderr).toBe(0);
    const id = startedId(script.stdout);
    const handle = env.client.workflow.getHandle(id);
    const refused = (await handle.result()) as CycleStatus;
    expect(refused).toMatchObject({ outcome: 'refused', refusal: { reason: 'active_cycle_exists', activeCycles: [holder] } });

    const status = await cli('status', id);
    expect(status.stdout).toMatch(/^Status\s+COMPLETED · phase refused$/m);
    expect(status.stdout).toMatch(new RegExp(`^Refused\\s+active_cycle_exists: 1 cycle already running \\(${holder}\\)`, 'm'));
    const list = await cli('list');
    expect(list.stdout.split('\n').find((l) => l.startsWith(id))).toMatch(/COMPLETED\s+refused\s+-\s+refused: active_cycle_exists/);
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toContain(`**Refused (active_cycle_exists):** 1 cycle already running (${holder})`);

    expect((await cli('cancel', holder)).code).toBe(0);
    await waitFor(async () => ((await budgetJson()).activeCycles.length === 0 ? true : undefined), 'the slot given back');
  });
});
