import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, onTestFinished, test } from 'vitest';
import { ktrdrAgentWith } from '../support/cli';

/** The CLI builds its folders once from the environment and every command uses them. */
function emptyFolder(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-cli-folders-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test.each(['validate', 'features'])('%s reads the market data from KTRDR_MARKET_DATA_DIR', async (command) => {
  const run = await ktrdrAgentWith({ KTRDR_MARKET_DATA_DIR: emptyFolder() }, command, 'rsi_adx_trend_filter');
  expect(run.code).toBe(1);
  expect(`${run.stdout}${run.stderr}`).toContain('no market data for EURUSD 1h; available: none');
});

test.each(['dev', 'start'])('%s keeps its history in the state folder, KTRDR_STATE_DIR', async (command) => {
  const state = emptyFolder();
  const help = await ktrdrAgentWith({ KTRDR_STATE_DIR: state }, command, '--help');
  expect(help.code).toBe(0);
  expect(help.stdout.replace(/\s+/g, ' ')).toContain(`(default: "${path.join(state, 'temporal.db')}")`);
});
