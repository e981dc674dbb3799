import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Leaderboard } from '../../src/design/leaderboard';
import { ktrdrAgentWith } from '../support/cli';
import { AT_CHANCE, TrialFolders } from '../support/trialFolders';

/** `ktrdr-agent leaderboard` as a person runs it (the built CLI, no Temporal server), on folders laid out as cycles leave them. */
let folders: TrialFolders;
const validation: Record<string, number> = {};
beforeAll(async () => {
  folders = new TrialFolders();
  for (const [i, name] of ['momentum_one', 'momentum_two', 'breakout_three'].entries()) {
    // a cycle id is any text the workflow was given: the page must show it, not run it
    // momentum_one's designer was trained on data past its 2020 validation period
    folders.designed(name, { cycleId: i === 0 ? 'cycle-<b>bold</b>&"quoted"' : `cycle-${i}`, model: i === 0 ? 'claude-sonnet-5-5' : 'offline' }).trained(name);
    validation[name] = (await folders.backtested(name, 'validation', 70 + i)).metrics.sharpeRatio;
  }
  folders.designed('at_chance').trained('at_chance', AT_CHANCE);
});
afterAll(() => folders?.remove());

const leaderboard = (...args: string[]) => ktrdrAgentWith(folders.env(), 'leaderboard', ...args);
const ranked = () => Object.keys(validation).sort((a, b) => validation[b] - validation[a]);

describe('ktrdr-agent leaderboard', () => {
  test('prints what it counted, the ranked table and the trials that stopped before a backtest', async () => {
    const run = await leaderboard();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      "4 strategies tried: 3 backtested, 1 stopped before a backtest. Ranked by the validation backtest's Sharpe ratio; the holdout is never read.",
    );
    expect(lines[1]).toMatch(
      /^Validation Sharpe ratios of the 3 backtested that traded \(annualised\): mean -?\d+\.\d\d, sd \d+\.\d\d, min -?\d+\.\d\d, max -?\d+\.\d\d\.$/,
    );
    expect(lines[2]).toMatch(/^The best of 4 strategies with no edge would show a Sharpe ratio of about \d+\.\d\d by luck: DSR/);
    const header = lines.findIndex((l) => l.startsWith('#  STRATEGY'));
    expect(lines[header]).toMatch(/^#\s+STRATEGY\s+MARKET\s+TRADES\s+RETURN\s+B&H\s+SHARPE\s+PSR\s+DSR\s+GATE\s+VERDICT\s+DESIGNED BY\s+MAY REMEMBER\s+CYCLE$/);
    const rows = lines.slice(header + 1, header + 4);
    expect(rows.map((r) => r.split(/\s+/)[1])).toEqual(ranked());
    for (const [i, row] of rows.entries()) {
      expect(row).toMatch(
        new RegExp(
          `^${i + 1}\\s+${ranked()[i]}\\s+EURUSD 1h\\s+\\d+\\s+[+-]\\d+\\.\\d%\\s+[+-]\\d+\\.\\d%\\s+${validation[ranked()[i]].toFixed(2)}\\s+\\d+\\.\\d%\\s+\\d+\\.\\d%`,
        ),
      );
    }
    for (const row of rows) expect(row.split(/\s{2,}/).at(-2)).toBe(row.includes('momentum_one') ? 'yes' : '-');
    expect(lines.slice(header + 5)).toEqual([
      'The designer may remember the period it is judged on',
      '  momentum_one: the designer (claude-sonnet-5-5, trained on data to 2026-06-30) may have seen this period',
      '',
      'Stopped before a backtest',
      expect.stringMatching(/^ {2}at_chance \(EURUSD 1h, cycle cycle-at_chance\): Training gate failed: accuracy_not_above_chance/),
    ]);
  });

  test('--json is the board: every trial, ranked rows with PSR and DSR, the spread, and nothing else on stdout', async () => {
    const run = await leaderboard('--json');
    expect(run.code).toBe(0);
    const board = JSON.parse(run.stdout) as Leaderboard;
    expect(board.trials).toBe(4);
    expect(board.ranked.map((r) => r.name)).toEqual(ranked());
    for (const row of board.ranked) {
      expect(row.validation.sharpeRatio).toBe(validation[row.name]);
      expect(row.psr).toBeGreaterThanOrEqual(0);
      expect(row.dsr).toBeLessThan(row.psr);
    }
    expect(board.stopped).toMatchObject([{ name: 'at_chance', stopped: { phase: 'training' } }]);
    expect(board.sharpeSpread?.max).toBe(Math.max(...Object.values(validation)));
  });

  test('--html writes one self-contained page in reports/, every value escaped, linking the reports made', async () => {
    const report = path.join(folders.reportsDir, 'momentum_two', 'report.html');
    fs.writeFileSync(report, '<!doctype html>');
    const run = await leaderboard('--html', 'board.html');
    fs.rmSync(report);
    expect(run.code).toBe(0);
    const file = path.join(folders.reportsDir, 'board.html');
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`wrote ${file}`);
    const page = fs.readFileSync(file, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|<link|src=|https?:/i);
    expect(page).toContain('cycle-&lt;b&gt;bold&lt;/b&gt;&amp;&quot;quoted&quot;');
    expect(page).not.toContain('<b>bold</b>');
    const cells = [...page.matchAll(/<tr>\s*<td class="num">(\d+)<\/td><td title="validation [^"]+">(?:<a href="[^"]+">)?(\w+)(?:<\/a>)?<\/td>/g)].map((m) => [
      Number(m[1]),
      m[2],
    ]);
    expect(cells).toEqual(ranked().map((name, i) => [i + 1, name]));
    expect([...page.matchAll(/<a href="([^"]+)">(\w+)<\/a>/g)].map((m) => [m[1], m[2]])).toEqual([['momentum_two/report.html', 'momentum_two']]);
    expect(page).toContain('at_chance (EURUSD 1h, cycle cycle-at_chance): Training gate failed');
    expect(page).toContain('<td title="the designer (claude-sonnet-5-5, trained on data to 2026-06-30) may have seen this period">yes</td>');

    const json = await leaderboard('--json', '--html', 'board.html');
    expect(JSON.parse(json.stdout)).toMatchObject({ trials: 4 });
    expect(json.stderr.trim()).toBe(`wrote ${file}`);
  });

  test('--html takes a file name: a path is refused in one line, and nothing is written', async () => {
    const run = await leaderboard('--html', '../elsewhere.html');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim()).toBe(
      "error: --html takes a file name ending in .html, written in the reports folder (e.g. --html leaderboard.html), got '../elsewhere.html'",
    );
    expect(fs.existsSync(path.join(folders.root, 'elsewhere.html'))).toBe(false);
  });

  test('with nothing designed yet it says so, and how to start, in one line', async () => {
    const empty = new TrialFolders();
    try {
      const run = await ktrdrAgentWith(empty.env(), 'leaderboard');
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim()).toBe(
        `error: no strategies tried yet: run \`ktrdr-agent start\` (or \`trigger\`, \`loop start\`) to have the agent design some (none in ${path.join(empty.strategiesDir, 'designed')}/)`,
      );
    } finally {
      empty.remove();
    }
  });
});
