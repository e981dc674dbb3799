import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CycleSummary } from '../../src/domain/cycle';
import { PROJECT_ROOT } from '../../src/paths';
import { RESEARCH_WORKFLOW, statusQuery, TASK_QUEUE } from '../../src/temporal/definitions';
import { startCycle } from '../../src/client';
import { createWorker, type ResearchWorker } from '../../src/worker';
import { browserCheck, launchChromium } from '../support/browser';
import { freePort } from '../support/ports';
import { fakeActivities, runUntilCancelled } from '../support/fakeActivities';
import { devServerEnv, workflowBundle } from '../support/temporal';

/**
 * Operators drive research cycles from the Temporal Web UI of the official dev server, in
 * a real (headless) chromium: start a cycle from the start form, watch training progress
 * in Pending Activities, find it with a search-attribute filter, cancel it, see a bad input
 * rejected at once — and read whether a completed cycle was any good in its User Metadata.
 * The worker's activities are test doubles; the worker says it has no ANTHROPIC_API_KEY.
 */

const check = browserCheck();
if (!check.run) console.log(`Skipping the Web UI tests: ${check.reason}`);

const SCREENSHOTS = path.join(PROJECT_ROOT, 'test-results');
const TRAINING_PROGRESS = { percent: 37, step: 'Epoch 11/30', epoch: 11, totalEpochs: 30, operationId: 'op_training_ui' };

/** Training runs until cancelled, except for a design briefed "quick", whose training ends at once. */
const fakes = fakeActivities({
  overrides: (calls) => {
    const base = fakeActivities();
    return {
      async designStrategy(input) {
        const design = await base.designStrategy(input);
        calls.design.push(input);
        return input.brief?.includes('quick') ? { ...design, strategyName: 'quick_training', strategyPath: 'strategies/quick_training.yaml' } : design;
      },
      async trainModel(input) {
        calls.train.push(input);
        if (input.strategyName === 'quick_training') return base.trainModel(input);
        return runUntilCancelled('training', calls, TRAINING_PROGRESS);
      },
    };
  },
});

let env: TestWorkflowEnvironment;
let ui: string;
let worker: ResearchWorker;
let running: Promise<void>;
let browser: Browser;
let page: Page;

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Fills in and submits the Web UI's start form, as an operator would. */
async function startFromWebUi(workflowId: string, input: object, workflowType = RESEARCH_WORKFLOW): Promise<void> {
  await page.goto(`${ui}/namespaces/default/workflows/start-workflow`);
  // Open the extra options first: the form's layout then stays put while the fields are filled.
  await page.getByRole('button', { name: 'More options' }).click();
  await page.getByRole('textbox', { name: 'Workflow ID' }).fill(workflowId);
  await page.getByRole('textbox', { name: 'Task Queue' }).fill(TASK_QUEUE);
  await page.getByRole('textbox', { name: 'Workflow Type' }).fill(workflowType);
  const data = page.getByRole('textbox', { name: 'Data' });
  await data.fill(JSON.stringify(input));
  await data.blur(); // the editor pretty-prints its JSON on blur
  expect(JSON.parse((await data.textContent()) ?? '')).toEqual(input);
  await page.getByRole('button', { name: 'Start Workflow' }).click();
  await page.getByRole('link', { name: 'Workflow started successfully' }).waitFor();
}

/** The status badge next to the workflow id on a workflow page. */
function status(name: 'Running' | 'Canceled' | 'Failed') {
  return page.getByRole('main').getByRole('status').getByText(name, { exact: true });
}

async function openWorkflow(workflowId: string): Promise<void> {
  await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
}

async function screenshot(name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

describe.skipIf(!check.run)('the Temporal Web UI drives research cycles', () => {
  beforeAll(async () => {
    const uiPort = await freePort();
    env = await devServerEnv(uiPort);
    ui = `http://127.0.0.1:${uiPort}`;

    // Pre-flight: the UI is up and lets operators start and cancel workflows.
    const settings = (await (await fetch(`${ui}/api/v1/settings`)).json()) as Record<string, unknown>;
    expect(settings).toMatchObject({ StartWorkflowDisabled: false, WorkflowCancelDisabled: false, DisableWriteActions: false });

    worker = await createWorker({
      connection: env.nativeConnection,
      taskQueue: TASK_QUEUE,
      activities: fakes,
      workflowBundle: await workflowBundle(),
      mode: 'offline',
    });
    running = worker.run();

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.setDefaultTimeout(15_000);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
  }, 30_000);

  test('start from the form → training progress → filter by phase → cancel', { timeout: 90_000 }, async () => {
    const id = `research-webui-${randomUUID().slice(0, 8)}`;
    await startFromWebUi(id, { brief: 'started from the Web UI', model: 'haiku' });

    // The form's JSON became the workflow's single argument, checked by the workflow itself.
    const handle = env.client.workflow.getHandle(id);
    await until(async () => ((await handle.query(statusQuery)).phase === 'training' ? true : undefined), 'phase training');
    expect(fakes.calls.design.at(-1)).toMatchObject({ cycleId: id, brief: 'started from the Web UI', model: 'claude-haiku-5-5' });

    // Pending Activities: training, with its latest heartbeat as readable progress.
    await openWorkflow(id);
    await status('Running').waitFor();
    await page.getByRole('tab', { name: /Pending Activities/ }).click();
    await page.getByRole('heading', { name: 'trainModel' }).waitFor();
    const heartbeat = page.getByRole('textbox', { name: 'Heartbeat Details' }).filter({ hasText: 'Epoch 11/30' });
    await heartbeat.waitFor();
    expect(JSON.parse((await heartbeat.textContent()) ?? '')).toEqual(TRAINING_PROGRESS);

    // The list, filtered by the ResearchPhase search attribute, shows the cycle.
    await page.goto(`${ui}/namespaces/default/workflows?query=${encodeURIComponent('ResearchPhase="training"')}`);
    await page.getByRole('link', { name: id }).waitFor();

    // Cancel from the workflow page; the badge turns Canceled once training has stopped.
    await openWorkflow(id);
    await page.getByRole('button', { name: 'Request Cancellation' }).click();
    await page.getByRole('dialog', { name: 'Cancel Workflow' }).getByRole('button', { name: 'Confirm' }).click();
    await status('Canceled').waitFor({ timeout: 30_000 });
    await screenshot('webui-cancelled');

    expect(fakes.calls.cancelled).toContain('training');
    const description = await handle.describe();
    expect(description.status.name).toBe('CANCELLED');
    expect((description.memo?.summary as CycleSummary).phase).toBe('cancelled');
  });

  test(
    'a research loop started from the form runs its cycles, says so in its details, and Request Cancellation stops it and its cycle',
    { timeout: 90_000 },
    async () => {
      const id = `loop-webui-${randomUUID().slice(0, 8)}`;
      await startFromWebUi(id, { brief: 'held in training', offline: true }, 'researchLoop');

      // its first cycle is an ordinary cycle, a child named after the loop, held in training
      const cycle = env.client.workflow.getHandle(`${id}-c1`);
      await until(
        async () => ((await cycle.query(statusQuery).catch(() => undefined))?.phase === 'training' ? true : undefined),
        'the first cycle in training',
      );

      await openWorkflow(id);
      await status('Running').waitFor();
      await page.getByRole('tab', { name: /User Metadata/ }).click();
      const details = page.frameLocator('#user-metadata-current-details');
      await details.getByText(`${id}-c1`).waitFor();
      await details.getByText('held in training').waitFor();

      await page.getByRole('button', { name: 'Request Cancellation' }).click();
      await page.getByRole('dialog', { name: 'Cancel Workflow' }).getByRole('button', { name: 'Confirm' }).click();
      await status('Canceled').waitFor({ timeout: 30_000 });
      await screenshot('webui-loop-cancelled');
      expect((await cycle.describe()).status.name).toBe('CANCELLED');
      expect(fakes.calls.cancelled).toContain('training');
    },
  );

  test('a completed cycle answers "was it any good?" in its User Metadata', { timeout: 90_000 }, async () => {
    const { handle } = await startCycle(env.client, { brief: 'quick figures' });
    await handle.result();

    // The tab renders each markdown text in its own frame: the summary fixed at start, the current details by query.
    await openWorkflow(handle.workflowId);
    await page.getByRole('tab', { name: /User Metadata/ }).click();
    await page.frameLocator('#user-metadata-summary').getByText('Research cycle · offline designer and assessor · quick figures').waitFor();
    const figures = page.frameLocator('#user-metadata-current-details').getByRole('table').first();
    await figures.waitFor();
    const rows = (await figures.getByRole('row').allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim());
    expect(rows).toEqual([
      'key figure (validation) value',
      'accuracy 58.0% vs 50.0% chance',
      'return +8.0% vs +3.0% buy-and-hold',
      'same stake buy-and-hold at its 25.0% average exposure: +0.8%, t 1.40',
      'Sharpe 1.10',
      'trades 40',
      'verdict promising',
    ]);
    await screenshot('webui-key-figures');
  });

  test('an invalid input from the form fails the cycle at once, naming every problem', { timeout: 90_000 }, async () => {
    const id = `research-webui-${randomUUID().slice(0, 8)}`;
    await startFromWebUi(id, { model: 'gpt-4', colour: 'blue' });

    const failure = await env.client.workflow
      .getHandle(id)
      .result()
      .then(
        () => expect.fail('the cycle should have failed'),
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).type).toBe('InvalidCycleInput');
    expect(cause?.message).toContain("model: unknown model 'gpt-4'");
    expect(cause?.message).toContain('input: Unrecognized key: "colour"');

    // The operator sees the failure and its type on the workflow page.
    await openWorkflow(id);
    await status('Failed').waitFor();
    await page.getByRole('textbox', { name: 'Result' }).filter({ hasText: '"type": "InvalidCycleInput"' }).waitFor();
    await screenshot('webui-invalid-input');
  });
});
