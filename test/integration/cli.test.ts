import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CycleStatus } from '../../src/domain/cycle';
import { PROJECT_ROOT } from '../../src/paths';
import { statusQuery } from '../../src/temporal/definitions';
import { ktrdrAgent, ktrdrAgentWith, runCommand } from '../support/cli';
import { fakeActivities, goodTraining, runUntilCancelled } from '../support/fakeActivities';
import { replayHistory } from '../support/replay';
import { devServerWithWorker, workflowBundle } from '../support/temporal';

/**
 * The CLI and the trigger script against the official dev server, with a worker whose
 * activities are test doubles: training blocks (heartbeating progress) until cancelled
 * when the brief says "long", and finishes at once otherwise; the assessor refuses when the
 * brief says "refuse". The worker says it has Claude, as one with an ANTHROPIC_API_KEY does.
 */
let env: TestWorkflowEnvironment;
let stop: (() => Promise<void>) | undefined;
const fakes = fakeActivities({
  // the CLI admits each cycle through the admission workflow: the cycles release their slots there too
  admission: { settings: { dailyBudgetUsd: 5, maxConcurrentCycles: 1 }, claude: true },
  overrides: (calls) => ({
    async trainModel(input) {
      calls.train.push(input);
      if (input.strategyName === 'long_training') {
        return runUntilCancelled('training', calls, { percent: 37, step: 'Epoch 11/30', epoch: 11, totalEpochs: 30, operationId: 'op_training_cli' });
      }
      return {
        operationId: 'op_training_fast',
        modelPath: `models/${input.strategyName}/model.json`,
        metrics: { ...goodTraining, loss: 0.6, epochsTrained: 12 },
      };
    },
    assessStrategy(input) {
      calls.assess.push(input);
      if (input.strategyName === 'refused_assessment') {
        return Promise.reject(ApplicationFailure.nonRetryable('claude-haiku-5-5 refused to assess (stop_reason refusal)', 'AssessmentRefused'));
      }
      return Promise.resolve({
        verdict: 'promising',
        assessmentPath: `strategies/${input.strategyName}/assessment.json`,
        offline: false,
        usage: { model: input.model, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      });
    },
    designStrategy(input) {
      calls.design.push(input);
      const strategyName = input.brief?.includes('long') ? 'long_training' : input.brief?.includes('refuse') ? 'refused_assessment' : 'quick_training';
      return Promise.resolve({
        strategyName,
        strategyPath: `strategies/${strategyName}.yaml`,
        symbol: 'EURUSD',
        timeframe: '1h',
        offline: true,
        usage: { model: input.model, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 },
      });
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

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startedId(stdout: string): string {
  const id = /Research cycle started: (\S+)/.exec(stdout)?.[1];
  expect(id, stdout).toBeDefined();
  return id!;
}

describe('ktrdr-agent against the dev server', () => {
  test('trigger → status with live progress → one at a time → cancel → list → history', async () => {
    const trigger = await cli('trigger', '--brief', 'a long study of EURUSD', '--model', 'haiku');
    expect(trigger.stderr).toBe('');
    expect(trigger.code).toBe(0);
    const id = startedId(trigger.stdout);
    expect(trigger.stdout).toContain('Model:  claude-haiku-5-5');
    expect(trigger.stdout).toContain(`ktrdr-agent cancel ${id}`);

    const status = await until(async () => {
      const run = await cli('status', id);
      return /phase training/.test(run.stdout) && /Progress\s+37%/.test(run.stdout) ? run : undefined;
    }, 'training with progress');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Status\s+RUNNING · phase training/);
    expect(status.stdout).toMatch(/Strategy\s+long_training/);
    expect(status.stdout).toContain('37% · Epoch 11/30 (trainModel)');

    const second = await cli('trigger', '--brief', 'another one');
    expect(second.code).toBe(4);
    expect(second.stderr).toContain(`error: Cannot start a cycle (active_cycle_exists): 1 cycle already running (${id}), at most 1 at a time`);
    expect(second.stderr).toContain(`\`ktrdr-agent cancel ${id}\``);
    expect(second.stderr).not.toMatch(/\n\s+at /);

    const cancel = await cli('cancel');
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toContain(`Cancellation requested for ${id}`);
    const cancelled = await until(async () => {
      const run = await cli('status', id);
      return run.stdout.includes('CANCELLED') ? run : undefined;
    }, 'the cycle to be cancelled');
    expect(cancelled.stdout).toMatch(/Status\s+CANCELLED · phase cancelled \(during training\)/);
    expect(fakes.calls.cancelled).toContain('training');

    const list = await cli('list');
    expect(list.code).toBe(0);
    const row = list.stdout.split('\n').find((l) => l.startsWith(id));
    expect(row).toMatch(/CANCELLED\s+cancelled\s+long_training/);

    const history = await cli('history', id);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('ACTIVITY_TASK_CANCEL_REQUESTED');
    expect(history.stdout).toContain('WORKFLOW_EXECUTION_CANCELED');

    // The exported history replays against the current workflow code without nondeterminism.
    const json = await cli('history', id, '--json');
    expect(json.code).toBe(0);
    await replayHistory(historyFromJSON(JSON.parse(json.stdout)), id, { workflowBundle: await workflowBundle() });
  });

  test('trigger --wait follows a cycle to the end and exits 0 when it completes', async () => {
    const run = await cli('trigger', '--brief', 'quick', '--wait');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('→ designing');
    expect(run.stdout).toMatch(/Status\s+COMPLETED · phase completed/);
    expect(run.stdout).toMatch(/Verdict\s+promising/);
    expect(run.stdout).toMatch(/Training gate\s+passed/);
  });

  test("trigger --wait and status link the strategy's report: the file once written, else the command that writes it", async () => {
    const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-cli-reports-'));
    const withReports = (...args: string[]) => ktrdrAgentWith({ TEMPORAL_ADDRESS: env.address, KTRDR_REPORTS_DIR: reports }, ...args);
    const run = await withReports('trigger', '--brief', 'quick', '--wait');
    expect(run.code).toBe(0);
    const strategy = /Strategy\s+(\S+)/.exec(run.stdout)![1];
    const folder = path.join(reports, strategy);
    expect(run.stdout).toContain(`Report: \`ktrdr-agent report ${strategy}\` writes \`${folder}/report.html\`\n`);
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'report.html'), '<!doctype html>');
    const status = await withReports('status', startedId(run.stdout));
    expect(status.stdout).toMatch(new RegExp(`\\nReport\\s+${folder}/report\\.html \\(\`ktrdr-agent report ${strategy}\` remakes it\\)\\n`));
    fs.rmSync(reports, { recursive: true, force: true });
  });

  test('a cycle whose assessment alone failed completes, keeps its results, and says only the assessment failed', async () => {
    const plainly = 'training and backtest completed; only the assessment failed: claude-haiku-5-5 refused to assess (stop_reason refusal)';
    const run = await cli('trigger', '--brief', 'refuse', '--wait');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = startedId(run.stdout);
    expect(run.stdout).toMatch(/Status\s+COMPLETED · phase completed/);
    expect(run.stdout).toMatch(/Training\s+accuracy 58\.0% \(validation; chance 50\.0%\)/);
    expect(run.stdout).toMatch(/Backtest\s+return/);
    expect(run.stdout).toMatch(new RegExp(`Assessment\\s+${plainly.replace(/[()]/g, '\\$&')}`));

    const status = await cli('status', id);
    expect(status.stdout).toContain(plainly);
    expect(status.stdout).toMatch(/Verdict\s+assessment failed/);
    const row = (await cli('list')).stdout.split('\n').find((l) => l.startsWith(id));
    expect(row).toMatch(/COMPLETED\s+completed\s+refused_assessment\s+assessment failed\s/);
  });

  test('trigger --wait exits 1 with the gate reason when a gate fails', async () => {
    const run = await cli('trigger', '--brief', 'quick', '--gate', 'training.minAccuracy=0.9', '--wait');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Failed\s+Training gate failed: accuracy_below_threshold \(accuracy 58% < 90%\)/);
  });

  test('trigger --strategy skips the design, says so, and runs the strategy to the end', async () => {
    const designs = fakes.calls.design.length;
    const run = await cli('trigger', '--strategy', 'rsi_adx_trend_filter', '--wait');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = startedId(run.stdout);
    expect(run.stdout).toContain('Design: skipped (strategy rsi_adx_trend_filter given)');
    expect(run.stdout).toContain('→ designing skipped (strategy rsi_adx_trend_filter given)');
    expect(run.stdout).toMatch(/Phases\s+designing skipped \(strategy rsi_adx_trend_filter given\) · training /);
    expect(run.stdout).toMatch(/Status\s+COMPLETED · phase completed/);
    expect(fakes.calls.design).toHaveLength(designs);
    expect(fakes.calls.check.at(-1)).toEqual({ cycleId: id, strategyName: 'rsi_adx_trend_filter' });
    expect(fakes.calls.train.at(-1)).toMatchObject({ cycleId: id, strategyName: 'rsi_adx_trend_filter' });
    const description = await env.client.workflow.getHandle(id).describe();
    expect(await description.staticSummary()).toBe('Research cycle · claude-sonnet-5-5 · strategy rsi_adx_trend_filter given');
  });

  test('trigger --strategy refuses an invalid or unknown strategy before starting a cycle, with every problem', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-trigger-'));
    const example = fs.readFileSync(path.join(PROJECT_ROOT, 'strategies', 'rsi_adx_trend_filter.yaml'), 'utf8');
    fs.writeFileSync(
      path.join(folder, 'mine.yaml'),
      example.replace('period: 14, source: close', 'period: 0, source: close').replace('{name: adx,', '{name: adxx,'),
    );
    const before = (await env.client.workflow.count()).count;
    try {
      const env_ = { TEMPORAL_ADDRESS: env.address, KTRDR_STRATEGIES_DIR: folder };
      const invalid = await ktrdrAgentWith(env_, 'trigger', '--strategy', 'mine');
      expect(invalid.code).toBe(1);
      const lines = invalid.stderr.trim().split('\n');
      expect(lines[0]).toBe('error: Invalid cycle input:');
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(/^ {2}- strategy: .*mine\.yaml:\d+: error: indicators\.0\.period: period must be between 2 and 100, got 0$/),
        expect.stringMatching(/^ {2}- strategy: .*mine\.yaml:\d+: error: indicators\.1\.name: unknown indicator 'adxx'/),
      ]);
      const unknown = await ktrdrAgentWith(env_, 'trigger', '--strategy', 'mien');
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain(`  - strategy: no strategy 'mien' in ${folder}/ or ${folder}/designed/ (did you mean mine?)`);
      expect((await env.client.workflow.count()).count).toBe(before);
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  test('scripts/trigger.sh --strategy starts a cycle of that strategy', async () => {
    const run = await runCommand(path.join(PROJECT_ROOT, 'scripts', 'trigger.sh'), ['--strategy', 'aroon_trend_goog', '--offline'], {
      TEMPORAL_ADDRESS: env.address,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = startedId(run.stdout);
    expect(run.stdout).toContain('Input:  {"strategy": "aroon_trend_goog","offline": true}');
    const result = (await env.client.workflow.getHandle(id).result()) as CycleStatus;
    expect(result).toMatchObject({ outcome: 'completed', strategy: 'aroon_trend_goog' });
    expect(result.phases[0]).toMatchObject({ phase: 'designing', skipped: 'strategy aroon_trend_goog given' });
  });

  test('scripts/trigger.sh starts a cycle with the temporal CLI that the worker runs', async () => {
    const run = await runCommand(path.join(PROJECT_ROOT, 'scripts', 'trigger.sh'), ['--brief', 'from "the" shell', '--model', 'sonnet'], {
      TEMPORAL_ADDRESS: env.address,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = startedId(run.stdout);
    expect(run.stdout).toContain(`workflow cancel --workflow-id ${id}`);
    const result = (await env.client.workflow.getHandle(id).result()) as CycleStatus;
    expect(result.outcome).toBe('completed');
    expect(fakes.calls.design.at(-1)).toMatchObject({ brief: 'from "the" shell', model: 'claude-sonnet-5-5' });
    const status = await env.client.workflow.getHandle(id).query(statusQuery);
    expect(status.phase).toBe('completed');
  });
});

describe('user errors: a clear message, a non-zero exit, no stack trace', () => {
  test.each([
    [['status', 'research-nope'], "No research cycle with id 'research-nope'"],
    [['history', 'research-nope'], "No research cycle with id 'research-nope'"],
    [['cancel', 'research-nope'], "No research cycle with id 'research-nope'"],
    [['trigger', '--model', 'gpt-4'], "model: unknown model 'gpt-4'"],
    [['trigger', '--gate', 'training.minAccuracy=abc'], 'expected <training|backtest>.<threshold>=<number>'],
    [['trigger', '--frobnicate'], "unknown option '--frobnicate'"],
    [
      ['trigger', '--strategy', 'rsi_adx_trend_filter', '--brief', 'x'],
      'brief: steers a design, and a cycle given a strategy has none: drop brief or strategy',
    ],
    [['trigger', '--strategy', 'RSI'], 'strategy: a strategy name is lowercase letters, digits and underscores, starting with a letter'],
    [['list', '--limit', '0'], '--limit must be an integer ≥ 1'],
    [['worker', '--shutdown-grace', '5'], "--shutdown-grace must be a duration with its unit, such as 5s, 30s or 2m, not '5'."],
    [['worker', '--role', 'services'], "services is not a role: use all (one machine) or research (the services' side runs with `services --with-worker`)."],
  ])('ktrdr-agent %j', async (args, message) => {
    const run = await cli(...args);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  test('a shutdown grace period in the environment that is no duration', async () => {
    const run = await ktrdrAgentWith({ TEMPORAL_ADDRESS: '127.0.0.1:1', KTRDR_SHUTDOWN_GRACE: 'soon' }, 'worker');
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe("error: KTRDR_SHUTDOWN_GRACE must be a duration with its unit, such as 5s, 30s or 2m, not 'soon'.");
  });

  test('services --with-worker and no server at the address: one line, exit 1, before any work', async () => {
    const state = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-pair-'));
    try {
      const run = await ktrdrAgentWith({ TEMPORAL_ADDRESS: '127.0.0.1:1', KTRDR_SERVICES_STATE_DIR: state }, 'services', '--with-worker', '--port', '0');
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe('error: Cannot reach the Temporal service at 127.0.0.1:1. Start one with `ktrdr-agent dev`, or set TEMPORAL_ADDRESS.');
    } finally {
      fs.rmSync(state, { recursive: true, force: true });
    }
  });

  test('no server at the address', async () => {
    const run = await ktrdrAgent('127.0.0.1:1', 'list');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Cannot reach the Temporal service at 127.0.0.1:1');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
