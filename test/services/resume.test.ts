import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ServicesClient } from '../../src/services/client';
import type { OperationInfo } from '../../src/services/operation';
import { isFinished, ScratchFolders, ServicesProcess, startTestServices, untilIdle, waitFor } from '../support/services';

/**
 * A training that dies with its service is started again with `resume_from` and goes on from
 * its last checkpoint; it ends with the very model an uninterrupted training gives (bit for
 * bit: same seed), and says it resumed. The kill is a real SIGKILL of the services process.
 */
const folders = new ScratchFolders();
const started: ServicesProcess[] = [];
const strategy = 'resumable';
/** The shipped strategy, long enough to be caught mid-way (≈ 40 ms an epoch here), early stopping as shipped. */
const resumable = (yaml: string) => yaml.replace(/epochs: \d+/, 'epochs: 60').replace(/patience: \d+/, 'patience: 40');
let uninterrupted: { params: string; report: Record<string, unknown> };

function services(stateDir: string): ServicesProcess {
  const spawned = new ServicesProcess(['--port', '0'], folders.servicesEnv(stateDir));
  started.push(spawned);
  return spawned;
}

const SavedNetwork = z.object({ network: z.object({ params: z.string() }) });

/** The model training saved: its weights (float64 bytes, base64) and its report. */
function savedModel() {
  const dir = path.join(folders.modelsDir, strategy);
  return {
    params: SavedNetwork.parse(JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'))).network.params,
    report: z.record(z.string(), z.unknown()).parse(JSON.parse(fs.readFileSync(path.join(dir, 'training.json'), 'utf8'))),
  };
}

const checkpoints = (stateDir: string) => fs.readdirSync(path.join(stateDir, 'checkpoints')).sort();
const timeless = ({ trainingTimeMs: _, resumedFrom: __, ...report }: Record<string, unknown>) => report;

beforeAll(async () => {
  folders.strategy('rsi_adx_trend_filter', strategy, resumable);
  const baseline = await startTestServices(folders, { stateDir: path.join(folders.root, 'baseline') });
  try {
    const { task_id: id } = await baseline.client.startTraining({ strategy_name: strategy });
    expect((await waitFor(baseline.client, id, isFinished)).status).toBe('completed');
  } finally {
    await baseline.close();
  }
  uninterrupted = savedModel();
  expect(uninterrupted.report).toMatchObject({ stoppedEarly: false });
  expect(uninterrupted.report).not.toHaveProperty('resumedFrom');
  expect(uninterrupted.report).not.toHaveProperty('startedOver');
});
afterAll(async () => {
  await Promise.all(started.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => p.stop('SIGKILL')));
  folders.remove();
});

describe('services killed (SIGKILL) mid-training, then started again', () => {
  test('the retry with resume_from goes on from the last checkpoint and ends with the uninterrupted model', async () => {
    const stateDir = path.join(folders.root, 'killed');
    const first = services(stateDir);
    const client = new ServicesClient(await first.url());
    const { task_id: dead } = await client.startTraining({ strategy_name: strategy, task_id: 'cycle-k-training', cycle_id: 'cycle-k' });
    await waitFor(client, dead, (op) => (op.progress.context.epoch_index ?? 0) >= 12);
    expect(await first.stop('SIGKILL')).toBeNull();
    expect(checkpoints(stateDir)).toEqual([`${dead}.ckpt`]);

    const second = services(stateDir);
    const again = new ServicesClient(await second.url());
    expect(await again.getOperation(dead)).toMatchObject({ status: 'failed', error_code: 'service_stopped' });
    const { task_id: retry } = await again.startTraining({ strategy_name: strategy, task_id: 'cycle-k-training-r1', cycle_id: 'cycle-k', resume_from: dead });
    const seen: OperationInfo[] = [];
    const done = await waitFor(again, retry, isFinished, seen);
    expect(done.status).toBe('completed');
    if (done.status !== 'completed' || done.operation_type !== 'training') throw new Error('expected a completed training');

    // It says so, while it runs and in its result, from a checkpoint taken every 5 epochs.
    const from = done.result_summary.resumedFrom!;
    expect(from.operationId).toBe(dead);
    expect(from.epoch % 5).toBe(0);
    expect(from.epoch).toBeGreaterThanOrEqual(10);
    expect(from.batch).toBe(0);
    expect(done.progress.context.resumed_from).toEqual({ operation_id: dead, epoch: from.epoch, batch: 0 });
    const firstEpochSeen = seen.find((op) => op.progress.context.epoch_index !== undefined)!;
    expect(firstEpochSeen.progress.context).toMatchObject({ resumed_from: { operation_id: dead, epoch: from.epoch } });
    expect(firstEpochSeen.progress.context.epoch_index).toBeGreaterThan(from.epoch);

    // The same model, bit for bit, and the same report but for the time it took.
    const resumed = savedModel();
    expect(resumed.params).toBe(uninterrupted.params);
    expect(timeless(resumed.report)).toEqual(timeless(uninterrupted.report));
    expect(resumed.report.resumedFrom).toEqual(from);
    // A finished training leaves no checkpoint (removed once its thread has exited), nor does the one it took over.
    await untilIdle(again);
    expect(checkpoints(stateDir)).toEqual([]);

    // The dead operation's checkpoint is spent: resuming from it again starts over, and says why.
    const { task_id: twice } = await again.startTraining({ strategy_name: strategy, task_id: 'cycle-k-training-r2', resume_from: dead });
    const over = await waitFor(again, twice, isFinished);
    const startedOver = `not resumed from ${dead}: no checkpoint was saved`;
    expect(over.progress.context.started_over).toBe(startedOver);
    expect(over.result_summary).toMatchObject({ startedOver });
    expect(over.result_summary).not.toHaveProperty('resumedFrom');
    expect(savedModel().params).toBe(uninterrupted.params);
    await second.stop('SIGTERM');
  });
});

describe('a graceful stop, and what cannot be resumed', () => {
  test('a stop saves a checkpoint where the training was, mid-epoch; resuming there gives the uninterrupted model', async () => {
    const stateDir = path.join(folders.root, 'stopped');
    const first = await startTestServices(folders, { stateDir });
    const { task_id: stopped } = await first.client.startTraining({ strategy_name: strategy });
    await waitFor(first.client, stopped, (op) => (op.progress.context.epoch_index ?? 0) >= 3);
    await first.close();
    expect(checkpoints(stateDir)).toEqual([`${stopped}.ckpt`]);

    const second = await startTestServices(folders, { stateDir });
    try {
      // Nothing lost since the last progress the stopped operation recorded: the checkpoint is the stop's, not the last periodic one.
      const { epoch_index: epoch, batch_index: batch, total_batches: total } = (await second.client.getOperation(stopped)).progress.context;
      const { task_id: retry } = await second.client.startTraining({ strategy_name: strategy, resume_from: stopped });
      const done = await waitFor(second.client, retry, isFinished);
      const from = done.progress.context.resumed_from!;
      expect(from.operation_id).toBe(stopped);
      expect(from.epoch + from.batch / total!).toBeGreaterThanOrEqual(epoch! - 1 + batch! / total!);
      expect(savedModel().params).toBe(uninterrupted.params);
    } finally {
      await second.close();
    }
  });

  test('a changed strategy starts over and says why; a finished or cancelled training leaves no checkpoint', async () => {
    const stateDir = path.join(folders.root, 'changed');
    const name = folders.strategy('rsi_adx_trend_filter', 'changing', resumable);
    const first = await startTestServices(folders, { stateDir });
    const { task_id: stopped } = await first.client.startTraining({ strategy_name: name });
    await waitFor(first.client, stopped, (op) => (op.progress.context.epoch_index ?? 0) >= 7);
    await first.close();

    folders.strategy('rsi_adx_trend_filter', name, (yaml) => resumable(yaml).replace(/^description: .*$/m, 'description: edited since'));
    const second = await startTestServices(folders, { stateDir });
    try {
      const { task_id: retry } = await second.client.startTraining({ strategy_name: name, resume_from: stopped });
      const over = await waitFor(second.client, retry, isFinished);
      expect(over).toMatchObject({
        status: 'completed',
        result_summary: { startedOver: `not resumed from ${stopped}: the strategy changed since its checkpoint` },
      });
      await untilIdle(second.client);
      expect(checkpoints(stateDir)).toEqual([]);

      const { task_id: cancelled } = await second.client.startTraining({ strategy_name: name });
      await waitFor(second.client, cancelled, (op) => (op.progress.context.epoch_index ?? 0) >= 7);
      expect(checkpoints(stateDir)).toEqual([`${cancelled}.ckpt`]);
      await second.client.cancelOperation(cancelled);
      expect(checkpoints(stateDir)).toEqual([]);
    } finally {
      await second.close();
    }
    expect(checkpoints(stateDir)).toEqual([]);
  });

  test('resume_from a training still running, or another strategy’s, is a conflict (409)', async () => {
    const services = await startTestServices(folders, { stateDir: path.join(folders.root, 'conflicts') });
    try {
      const { task_id: running } = await services.client.startTraining({ strategy_name: strategy });
      const busy = await services.client.startTraining({ strategy_name: strategy, resume_from: running }).catch((e: unknown) => e);
      expect(busy).toMatchObject({
        status: 409,
        code: 'resume_conflict',
        message: `${running} is still ${(await services.client.getOperation(running)).status}: wait for it or cancel it before resuming from it`,
      });
      await services.client.cancelOperation(running);
      folders.strategy('rsi_adx_trend_filter');
      const other = await services.client.startTraining({ strategy_name: 'rsi_adx_trend_filter', resume_from: running }).catch((e: unknown) => e);
      expect(other).toMatchObject({
        status: 409,
        code: 'resume_conflict',
        problems: [
          {
            path: 'resume_from',
            line: null,
            message: `${running} is not a training of rsi_adx_trend_filter: resume_from names an earlier training of the same strategy`,
          },
        ],
      });
    } finally {
      await services.close();
    }
  });

  test('at start-up, checkpoints no operation can resume from are removed, and half-written ones', async () => {
    const stateDir = path.join(folders.root, 'swept');
    const first = await startTestServices(folders, { stateDir });
    const { task_id: stopped } = await first.client.startTraining({ strategy_name: strategy });
    await waitFor(first.client, stopped, (op) => (op.progress.context.epoch_index ?? 0) >= 2);
    await first.close();
    for (const leftover of ['op_training_20250101_000000_00000000.ckpt', `${stopped}.ckpt.4242.tmp`])
      fs.writeFileSync(path.join(stateDir, 'checkpoints', leftover), 'x');
    const second = await startTestServices(folders, { stateDir });
    await second.close();
    expect(checkpoints(stateDir)).toEqual([`${stopped}.ckpt`]);
  });
});
