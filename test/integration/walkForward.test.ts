import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths';
import { readHoldoutLooks } from '../../src/research/holdoutLooks';
import { readWalkForwardSummary } from '../../src/research/walkForward';
import { CLI_BIN, ktrdrAgentWith } from '../support/cli';
import { STRATEGIES_DIR } from '../support/folders';

/** `backtest --walk-forward` as a person types it, on the shipped EURUSD data, with its folders in a temporary place. */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-wf-cli-'));
const env = { KTRDR_MODELS_DIR: path.join(root, 'models'), KTRDR_REPORTS_DIR: path.join(root, 'reports') };
const example = fs.readFileSync(path.join(STRATEGIES_DIR, 'rsi_adx_trend_filter.yaml'), 'utf8');
const strategy = (name: string, text: string) => {
  const file = path.join(root, `${name}.yaml`);
  fs.writeFileSync(file, text.replace('name: rsi_adx_trend_filter', `name: ${name}`));
  return file;
};
const quick = strategy('wf_quick', example.replace('epochs: 60', 'epochs: 5'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

test('one row a fold and the spread, summary.json and each fold’s report written, no model saved', async () => {
  const run = await ktrdrAgentWith(env, 'backtest', quick, '--walk-forward', '--folds', '3', '--window', 'rolling');
  expect(run.code).toBe(0);
  const summary = readWalkForwardSummary('wf_quick', env.KTRDR_REPORTS_DIR)!;
  expect(summary.mode).toBe('rolling');
  expect(summary.folds).toHaveLength(3);
  const lines = run.stdout.split('\n');
  expect(lines[0]).toBe(
    `Walk-forward wf_quick on EURUSD 1h · 3 rolling folds, each retrained on its training window · reports in ${env.KTRDR_REPORTS_DIR}/wf_quick/walk-forward/`,
  );
  expect(lines[1]).toBe('The folds end where the holdout starts: the holdout stays sealed.');
  for (const fold of summary.folds) {
    const row = lines.find((l) => l.startsWith(`   ${fold.index}  `))!;
    const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');
    expect(row).toContain(`${when(fold.train.start)} → ${when(fold.train.end)}  ${when(fold.test.start)} → ${when(fold.test.end)}`);
    expect(row.split(/\s+/).slice(-5)).toEqual([
      String(fold.metrics.total_trades),
      `${fold.metrics.total_return_pct >= 0 ? '+' : ''}${fold.metrics.total_return_pct.toFixed(1)}%`,
      fold.metrics.sharpe_ratio.toFixed(2),
      `${fold.metrics.max_drawdown_pct.toFixed(1)}%`,
      `${fold.buy_and_hold_return_pct >= 0 ? '+' : ''}${fold.buy_and_hold_return_pct.toFixed(1)}%`,
    ]);
  }
  const sharpe = summary.spread.sharpe_ratio;
  expect(run.stdout).toContain(
    `  Sharpe  mean ${sharpe.mean.toFixed(2)} · sd ${sharpe.sd.toFixed(2)} · min ${sharpe.min.toFixed(2)} · max ${sharpe.max.toFixed(2)}`,
  );
  expect(run.stderr.trim().split('\n')).toEqual(['fold 1/3 · training', 'fold 2/3 · training', 'fold 3/3 · training']);
  expect(fs.readdirSync(path.join(env.KTRDR_REPORTS_DIR, 'wf_quick', 'walk-forward')).sort()).toEqual(['fold-1', 'fold-2', 'fold-3', 'summary.json']);
  expect(fs.existsSync(env.KTRDR_MODELS_DIR)).toBe(false);
}, 60_000);

test('folds that run into the holdout are recorded as a look at it, and the count is shown', async () => {
  const file = strategy('wf_into_holdout', example.replace('epochs: 60', 'epochs: 2'));
  const run = await ktrdrAgentWith(env, 'backtest', file, '--walk-forward', '--folds', '2', '--include-holdout');
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('this run counts as a look at it (holdout looked at 1 time)');
  expect(readHoldoutLooks('wf_into_holdout', env.KTRDR_REPORTS_DIR)).toMatchObject([{ why: 'walk_forward', by: 'cli' }]);
}, 60_000);

describe('bad options are one line saying what to do', () => {
  test.each([
    [['--walk-forward', '--window', 'sideways'], "error: option '--window <kind>' argument 'sideways' is invalid. Allowed choices are anchored, rolling."],
    [['--walk-forward', '--folds', '1'], "error: option '--folds <n>' argument '1' is invalid. --folds must be an integer ≥ 2."],
    [
      ['--walk-forward', '--folds', '50'],
      'error: --folds 50 is too many: 4080 EURUSD 1h bars before the holdout (2017-05-01 → 2017-12-26) make blocks of 80 bars; at most 39 folds leave each at least 100',
    ],
    [['--folds', '3'], 'error: --folds, --window and --include-holdout go with --walk-forward'],
  ])('%j', async (args, message) => {
    const run = await ktrdrAgentWith(env, 'backtest', quick, ...args);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(message);
    expect(run.stdout).toBe('');
  });
});

test('Ctrl+C stops it mid-fold: exit 130, one line, nothing written', async () => {
  const slow = strategy('wf_slow', example.replace('epochs: 60', 'epochs: 1000').replace('enabled: true, patience: 10', 'enabled: false, patience: 10'));
  const child = spawn(process.execPath, [CLI_BIN, 'backtest', slow, '--walk-forward', '--folds', '2'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
    // once: a second Ctrl+C is not a clean stop
    if (stderr.includes('fold 1/2 · training') && !child.killed) child.kill('SIGINT');
  });
  const code = await new Promise((resolve) => child.on('close', resolve));
  expect(code).toBe(130);
  expect(stderr.trim().split('\n').at(-1)).toBe('error: stopped (Ctrl+C): nothing was saved');
  expect(fs.existsSync(path.join(env.KTRDR_REPORTS_DIR, 'wf_slow'))).toBe(false);
}, 60_000);
