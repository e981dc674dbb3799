import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { memoryWarning } from '../../src/design/modelMemory';
import type { ChartSpec } from '../../src/report/charts';
import { WalkForwardSummarySchema, walkForwardSummaryFile } from '../../src/research/walkForward';
import { ktrdrAgentWith } from '../support/cli';
import { STRATEGIES_DIR } from '../support/folders';
import { researchedStrategy, type Researched } from '../support/researchedStrategy';

/** `ktrdr-agent report` as a person runs it, on folders the environment points at. */

let researched: Researched;
const temps: string[] = [];

beforeAll(async () => {
  researched = await researchedStrategy('cycle-report-cli', 'momentum on EURUSD hourly');
  temps.push(researched.root);
});
afterAll(() => temps.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const envOf = (folders: Researched['folders']) => ({
  KTRDR_STRATEGIES_DIR: folders.strategies,
  KTRDR_MODELS_DIR: folders.models,
  KTRDR_REPORTS_DIR: folders.reports,
  KTRDR_MARKET_DATA_DIR: folders.marketData,
});

const inlinedCharts = (page: string) =>
  (JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(page)![1]) as { charts: ChartSpec[] }).charts;

function csvRows(file: string): Record<string, string>[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split('\n');
  return lines.map((line) => Object.fromEntries(line.split(',').map((cell, i) => [header.split(',')[i], cell])));
}

describe('report <strategy>', () => {
  test('writes reports/<name>/report.html, one page that loads nothing from elsewhere', async () => {
    const run = await ktrdrAgentWith(envOf(researched.folders), 'report', researched.name);
    const file = path.join(researched.folders.reports, researched.name, 'report.html');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(`wrote ${file}`);
    const page = fs.readFileSync(file, 'utf8');
    // no script, style, image or font from a file or server: uPlot and the data are in the page
    expect(page).not.toMatch(/<(script|img|iframe)[^>]*\ssrc=|<link\b|@import|url\(/i);
    expect(page).toContain('uPlot');
    expect(page).toContain(`designed by the offline designer in cycle cycle-report-cli`);
    expect(page).toMatch(/<th>Brief<\/th>\s*<td>momentum on EURUSD hourly<\/td>/);
  });

  test('puts each trade on the price chart at the bar it filled, at its fill price', async () => {
    await ktrdrAgentWith(envOf(researched.folders), 'report', researched.name);
    const charts = inlinedCharts(fs.readFileSync(path.join(researched.folders.reports, researched.name, 'report.html'), 'utf8'));
    for (const period of ['validation', 'holdout']) {
      const [time, close, entries, exits] = charts.find((c) => c.id === `${period}-trades`)!.data;
      const trades = csvRows(path.join(researched.folders.reports, researched.name, period, 'trades.csv'));
      expect(trades.length).toBeGreaterThan(0);
      expect(entries.filter((v) => v !== null)).toHaveLength(trades.length);
      for (const t of trades) {
        const entryBar = time.indexOf(Date.parse(t.entryTime) / 1000);
        expect(entries[entryBar]).toBe(Number(t.entryPrice));
        // the market's close at that bar is where the fill price sits, within a bar's move
        expect(Math.abs(close[entryBar]! / Number(t.entryPrice) - 1)).toBeLessThan(0.05);
        const exitBar = t.forced === 'true' ? time.length - 1 : time.indexOf(Date.parse(t.exitTime) / 1000);
        expect(exits[exitBar]).toBe(Number(t.exitPrice));
      }
      const equity = csvRows(path.join(researched.folders.reports, researched.name, period, 'equity.csv'));
      expect(time).toEqual(equity.map((row) => Date.parse(row.time) / 1000));
    }
  });

  test('records a look at the holdout each time it is made, and shows the count beside the holdout', async () => {
    const looks = path.join(researched.folders.reports, researched.name, 'holdout-looks.jsonl');
    const lines = () => (fs.existsSync(looks) ? fs.readFileSync(looks, 'utf8').trim().split('\n') : []);
    const before = lines().length;
    await ktrdrAgentWith(envOf(researched.folders), 'report', researched.name);
    await ktrdrAgentWith(envOf(researched.folders), 'report', researched.name);
    const added = lines()
      .slice(before)
      .map((line) => JSON.parse(line) as object);
    expect(added).toEqual([expect.objectContaining({ why: 'report', by: 'cli' }), expect.objectContaining({ why: 'report', by: 'cli' })]);
    const page = fs.readFileSync(path.join(researched.folders.reports, researched.name, 'report.html'), 'utf8');
    expect(page).toMatch(new RegExp(`Holdout<br />\\s*<small>for you, not for tuning · holdout looked at ${before + 2} times</small>`));
  });

  test('flags each period the model that designed the strategy may remember', async () => {
    const record = path.join(researched.folders.strategies, 'designed', researched.name, 'design.json');
    const offline = fs.readFileSync(record, 'utf8');
    const page = () => fs.readFileSync(path.join(researched.folders.reports, researched.name, 'report.html'), 'utf8');
    try {
      await ktrdrAgentWith(envOf(researched.folders), 'report', researched.name);
      expect(page()).not.toContain('may have seen this period');
      fs.writeFileSync(record, JSON.stringify({ ...(JSON.parse(offline) as object), model: 'claude-sonnet-5-5', offline: false }));
      await ktrdrAgentWith(envOf(researched.folders), 'report', researched.name);
      // the shipped EURUSD data ends in 2018, before every model's cutoff
      const warning = memoryWarning({ model: 'claude-sonnet-5-5', periodEnd: '2018-01-01' })!;
      expect(warning).toMatch(/^the designer \(claude-sonnet-5-5, trained on data to \d{4}-\d\d-\d\d\) may have seen this period$/);
      for (const period of ['Validation', 'Holdout']) expect(page()).toMatch(new RegExp(`<li>${period} \\([^)]*\\): ${warning.replace(/[()]/g, '\\$&')}</li>`));
    } finally {
      fs.writeFileSync(record, offline);
    }
  });

  test('shows the walk-forward folds and their spread when the strategy has them', async () => {
    const file = walkForwardSummaryFile(researched.name, researched.folders.reports);
    const fold = (index: number, sharpe: number, start: string, end: string) => ({
      index,
      train: { start: '2017-04-19T00:00:00.000Z', end: start },
      test: { start, end },
      metrics: { total_return_pct: index * 1.25, sharpe_ratio: sharpe, max_drawdown_pct: 2.5, total_trades: 10 + index, win_rate_pct: 50 },
      buy_and_hold_return_pct: -3.5,
    });
    const summary = WalkForwardSummarySchema.parse({
      strategy: researched.name,
      symbol: 'EURUSD',
      timeframe: '1h',
      mode: 'rolling',
      folds: [fold(1, 0.75, '2017-08-01T00:00:00.000Z', '2017-09-15T00:00:00.000Z'), fold(2, -1.25, '2017-09-15T01:00:00.000Z', '2017-11-01T00:00:00.000Z')],
      spread: { sharpe_ratio: { mean: -0.25, sd: 1.41, min: -1.25, max: 0.75 }, total_return_pct: { mean: 1.88, sd: 0.88, min: 1.25, max: 2.5 } },
      touchesHoldout: false,
      createdAt: '2026-12-07T07:00:00.000Z',
    });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(summary));
    try {
      const run = await ktrdrAgentWith(envOf(researched.folders), 'report', researched.name);
      expect(run.code).toBe(0);
      const page = fs.readFileSync(path.join(researched.folders.reports, researched.name, 'report.html'), 'utf8').replace(/\s+/g, ' ');
      expect(page).toContain('<h2>Walk-forward <small>rolling windows, 2 folds, each retrained</small></h2>');
      expect(page).toContain(
        '<tr> <td>1</td> <td>2017-04-19 → 2017-08-01</td> <td>2017-08-01 → 2017-09-15</td> <td>+1.25%</td> <td>-3.50%</td> <td>0.75</td> <td>2.50%</td> <td>11</td> <td>50.0%</td> </tr>',
      );
      expect(page).toContain('<tr> <td>2</td> <td>2017-04-19 → 2017-09-15</td> <td>2017-09-15 → 2017-11-01</td> <td>+2.50%</td>');
      expect(page).toContain('Sharpe -0.25 ± 1.41 (from -1.25 to 0.75) · return +1.88% ± 0.88 (from +1.25% to +2.50%)');
    } finally {
      fs.rmSync(path.dirname(file), { recursive: true });
    }
  });

  test('says in one line what to run when there is no model or no backtest yet', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ktrdr-report-'));
    temps.push(root);
    const folders = { ...researched.folders, models: path.join(root, 'models'), reports: path.join(root, 'reports') };
    const { name } = researched;
    const noModel = await ktrdrAgentWith(envOf(folders), 'report', name);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr.trim()).toBe(`error: no model of ${name} in ${folders.models}/ yet: train it first (ktrdr-agent train ${name})`);

    fs.cpSync(path.join(researched.folders.models, name), path.join(folders.models, name), { recursive: true });
    const noBacktest = await ktrdrAgentWith(envOf(folders), 'report', name);
    expect(noBacktest.code).toBe(1);
    expect(noBacktest.stderr.trim()).toBe(`error: no backtest of ${name} in ${folders.reports}/ yet: run ktrdr-agent backtest ${name}`);
    expect(fs.existsSync(folders.reports)).toBe(false);

    // retrained since the backtest: the backtest's figures are not this model's
    fs.cpSync(path.join(researched.folders.reports, name), path.join(folders.reports, name), { recursive: true });
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(folders.models, name, 'training.json'), later, later);
    const stale = await ktrdrAgentWith(envOf(folders), 'report', name);
    expect(stale.code).toBe(1);
    expect(stale.stderr.trim()).toBe(
      `error: the backtest in ${folders.reports}/${name}/ is older than the model (trained again since): run ktrdr-agent backtest ${name}`,
    );

    const typo = await ktrdrAgentWith(envOf({ ...folders, strategies: STRATEGIES_DIR }), 'report', 'rsi_adx_trend_filtr');
    expect(typo.stderr.trim()).toBe("error: no strategy 'rsi_adx_trend_filtr' in strategies/ or strategies/designed/ (did you mean rsi_adx_trend_filter?)");
    const notAName = await ktrdrAgentWith(envOf(folders), 'report', './x.yaml');
    expect(notAName.code).toBe(1);
    expect(notAName.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: '\.\/x\.yaml' is not a strategy name: /)]);
  });
});
