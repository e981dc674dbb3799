/**
 * A strategy's report as one self-contained HTML page: uPlot's script and style and the report's
 * data are inlined, so the file opens anywhere with no network. Pure: the caller reads the files
 * and the uPlot assets (writeReport.ts).
 */
import type { BacktestSummary, Trade } from '../engine/backtest/result';
import { CHART_SCRIPT } from './chartScript';
import { reportCharts } from './charts';
import { Html, html, scriptJson } from './html';
import { holdoutLooksText } from '../research/holdoutLooks';
import type { WalkForwardSummary } from '../research/walkForward';
import type { ReportData, ReportPeriod } from './reportData';

export interface ChartLibrary {
  script: string;
  style: string;
}

const PERIOD_TITLES: Record<ReportPeriod['name'], string> = {
  validation: 'Validation',
  holdout: 'Holdout',
  out_of_sample: 'Out of sample (backtest.date_range)',
};

const pct = (x: number | null, digits = 1) => (x === null ? '–' : `${(x * 100).toFixed(digits)}%`);
const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;
const fixed = (x: number | null, digits = 2) => (x === null ? '–' : x.toFixed(digits));
const money = (x: number) => x.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const minute = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
const basisPoints = (rate: number) => `${+(rate * 10_000).toFixed(2)} bp`;

/** One row of the metrics table: a label and how each period's summary reads. */
type MetricRow = [string, (s: BacktestSummary) => string];

const METRIC_ROWS: MetricRow[] = [
  ['Return', (s) => signedPct(s.metrics.totalReturn)],
  ['Buy-and-hold return', (s) => signedPct(s.buyAndHold.totalReturn)],
  ['Buy-and-hold at the same average stake', (s) => signedPct(s.buyAndHold.totalReturn * s.metrics.averageExposure)],
  ['Excess over the same stake (t)', (s) => (s.sameStake ? `${signedPct(s.sameStake.excessReturn)} (t ${s.sameStake.tStat.toFixed(2)})` : '–')],
  ['Annualised return (CAGR)', (s) => pct(s.metrics.annualizedReturn)],
  ['Sharpe (annualised)', (s) => `${fixed(s.metrics.sharpeRatio)} (buy-and-hold ${fixed(s.buyAndHold.sharpeRatio)})`],
  ['Sortino', (s) => fixed(s.metrics.sortinoRatio)],
  ['Volatility (annualised)', (s) => pct(s.metrics.volatility)],
  ['Max drawdown', (s) => `${pct(s.metrics.maxDrawdown)} (buy-and-hold ${pct(s.buyAndHold.maxDrawdown)})`],
  ['Calmar', (s) => fixed(s.metrics.calmarRatio)],
  ['Trades', (s) => `${s.metrics.totalTrades} (${s.metrics.winningTrades} won, ${s.metrics.losingTrades} lost)`],
  ['Win rate', (s) => pct(s.metrics.winRate)],
  ['Profit factor', (s) => fixed(s.metrics.profitFactor)],
  ['Average holding', (s) => (s.metrics.avgHoldingHours === null ? '–' : `${s.metrics.avgHoldingHours.toFixed(1)} h`)],
  ['Exposure (bars held)', (s) => pct(s.metrics.exposure)],
  ['Average exposure (share of equity)', (s) => pct(s.metrics.averageExposure)],
  ['Fees paid', (s) => money(s.metrics.feesPaid)],
  ['Turnover', (s) => `${s.metrics.turnover.toFixed(2)}×`],
  ['Period', (s) => `${day(s.period.startTime)} → ${day(s.period.endTime)}, ${s.period.bars} bars`],
];

function metricsTable(periods: ReportPeriod[], holdoutLooks: number): Html {
  return html`<table class="metrics">
    <thead>
      <tr>
        <th></th>
        ${periods.map((p) => html`<th>${PERIOD_TITLES[p.name]}${p.name === 'holdout' ? html`<br /><small>for you, not for tuning · ${holdoutLooksText(holdoutLooks)}</small>` : ''}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${METRIC_ROWS.map(
        ([label, cell]) =>
          html`<tr>
            <th>${label}</th>
            ${periods.map((p) => html`<td>${cell(p.summary)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function costsSection({ execution }: BacktestSummary): Html {
  return html`<section>
    <h2>Costs that applied</h2>
    <table class="facts">
      <tr>
        <th>Market</th>
        <td>${execution.costs.assetClass} (${execution.costs.classifiedBy})</td>
      </tr>
      <tr>
        <th>Commission</th>
        <td>${basisPoints(execution.commission)} a side: ${execution.costs.commission}</td>
      </tr>
      <tr>
        <th>Slippage</th>
        <td>${basisPoints(execution.slippage)} a side: ${execution.costs.slippage}</td>
      </tr>
      <tr>
        <th>Sizing</th>
        <td>
          ${pct(execution.positionSize, 0)} of equity an entry, from ${money(execution.initialCapital)}; ${execution.direction}, ${execution.quantity}
          quantities
        </td>
      </tr>
      <tr>
        <th>Fills</th>
        <td>${execution.fill}; equity marked at the ${execution.equityMarkedAt}; ${execution.openPositionAtEnd}</td>
      </tr>
      <tr>
        <th>Benchmark</th>
        <td>${execution.benchmark}</td>
      </tr>
    </table>
  </section>`;
}

function cycleSection({ design }: ReportData): Html {
  if (!design)
    return html`<section>
      <h2>The cycle that made it</h2>
      <p>A person's strategy: no research cycle designed it.</p>
    </section>`;
  return html`<section>
    <h2>The cycle that made it</h2>
    <table class="facts">
      <tr>
        <th>Cycle</th>
        <td><code>${design.cycle_id}</code></td>
      </tr>
      <tr>
        <th>Designed</th>
        <td>${minute(Date.parse(design.designed_at))} UTC, for ${design.symbol} ${design.timeframe}</td>
      </tr>
      <tr>
        <th>Designer</th>
        <td>${design.offline ? 'the offline designer (no Claude)' : design.model}</td>
      </tr>
      <tr>
        <th>Brief</th>
        <td>${design.brief ?? 'none'}</td>
      </tr>
    </table>
  </section>`;
}

/** The periods the designing model may remember, at the top of the page (modelMemory.ts). */
function memoryWarnings(periods: ReportPeriod[]): Html {
  const flagged = periods.filter((p) => p.memoryWarning);
  if (!flagged.length) return html``;
  return html`<div class="warning">
    <strong>What the designer may remember</strong>
    <ul>
      ${flagged.map((p) => html`<li>${PERIOD_TITLES[p.name]} (${day(p.summary.period.startTime)} → ${day(p.summary.period.endTime)}): ${p.memoryWarning}</li>`)}
    </ul>
  </div>`;
}

/** Who made the strategy, in a few words for the page's header. */
function origin({ design }: ReportData): string {
  if (!design) return "a person's strategy";
  return `designed by ${design.offline ? 'the offline designer' : design.model} in cycle ${design.cycle_id}, ${day(Date.parse(design.designed_at))}`;
}

const list = (items: string[]) =>
  html`<ul>
    ${items.map((item) => html`<li>${item}</li>`)}
  </ul>`;

function assessmentSection({ assessment: a }: ReportData): Html {
  if (!a)
    return html`<section>
      <h2>Assessment</h2>
      <p>Not assessed.</p>
    </section>`;
  return html`<section>
    <h2>Assessment <span class="verdict ${a.verdict}">${a.verdict}</span></h2>
    <p class="note">
      by ${a.offline ? 'the offline assessor' : a.model}, ${minute(Date.parse(a.assessed_at))} UTC, from the training metrics and the validation backtest (never
      the holdout)
    </p>
    <div class="columns">
      <div>
        <h3>Strengths</h3>
        ${list(a.strengths)}
      </div>
      <div>
        <h3>Weaknesses</h3>
        ${list(a.weaknesses)}
      </div>
      <div>
        <h3>Suggestions</h3>
        ${list(a.suggestions)}
      </div>
    </div>
    ${
      a.hypotheses?.length
        ? html`<h3>Hypotheses for later cycles</h3>
            ${list(a.hypotheses)}`
        : ''
    }
  </section>`;
}

function trainingSection({ training: t }: ReportData): Html {
  const m = t.metrics;
  const chance = (x: number | undefined, f: (x: number) => string) => (x === undefined ? '' : ` (always guessing the class shares: ${f(x)})`);
  return html`<section>
    <h2>Training</h2>
    <table class="facts">
      <tr>
        <th>Model</th>
        <td>${t.features} features, ${t.parameters} parameters; trained on ${t.rows.train} rows, validated on ${t.rows.validation}</td>
      </tr>
      <tr>
        <th>Epochs</th>
        <td>${m.epochsTrained}${t.stoppedEarly ? ' (stopped early)' : ''}, best ${t.bestEpoch}; ${(t.trainingTimeMs / 1000).toFixed(1)} s</td>
      </tr>
      <tr>
        <th>Validation accuracy</th>
        <td>${pct(m.accuracy)}${chance(m.chanceAccuracy, (x) => pct(x))}</td>
      </tr>
      <tr>
        <th>Validation loss</th>
        <td>${m.loss.toFixed(4)}${chance(m.chanceLoss, (x) => x.toFixed(4))}</td>
      </tr>
      <tr>
        <th>Training loss</th>
        <td>${m.initialTrainLoss.toFixed(4)} → ${m.finalTrainLoss.toFixed(4)}</td>
      </tr>
    </table>
    ${chart('training-loss')}
  </section>`;
}

const chart = (id: string) => html`<div class="chart" id="${id}"></div>`;

/** The trades of a period; times to the minute, or to the day for daily and weekly bars. */
function tradesTable(trades: Trade[], timeframe: string): Html {
  const when = timeframe.endsWith('d') || timeframe.endsWith('w') ? day : minute;
  if (!trades.length) return html`<p>No trades.</p>`;
  return html`<details ${trades.length <= 30 ? html`open` : ''}>
    <summary>${trades.length} trades</summary>
    <table class="trades">
      <thead>
        <tr>
          <th>entry (UTC)</th>
          <th>exit (UTC)</th>
          <th>entry price</th>
          <th>exit price</th>
          <th>bars</th>
          <th>return</th>
          <th>P&amp;L</th>
        </tr>
      </thead>
      <tbody>
        ${trades.map(
          (t) =>
            html`<tr>
              <td>${when(t.entryTime)}</td>
              <td>${when(t.exitTime)}${t.forced ? ' (end of data)' : ''}</td>
              <td>${+t.entryPrice.toPrecision(6)}</td>
              <td>${+t.exitPrice.toPrecision(6)}</td>
              <td>${t.barsHeld}</td>
              <td class="${t.return >= 0 ? 'up' : 'down'}">${signedPct(t.return)}</td>
              <td>${money(t.pnl)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </details>`;
}

function periodSection(p: ReportPeriod, timeframe: string): Html {
  const s = p.summary.period;
  return html`<section class="period">
    <h2>${PERIOD_TITLES[p.name]} <small>${day(s.startTime)} → ${day(s.endTime)} · ${s.bars} bars</small></h2>
    ${p.memoryWarning ? html`<p class="warning">${p.memoryWarning}</p>` : ''} ${chart(`${p.name}-equity`)} ${chart(`${p.name}-drawdown`)}
    ${chart(`${p.name}-trades`)} ${tradesTable(p.trades, timeframe)}
  </section>`;
}

const signedPercent = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;

/** The folds of the last walk-forward (research/walkForward.ts), each retrained and tested on the bars after its training window. */
function walkForwardSection(w: WalkForwardSummary | undefined): Html {
  if (!w) return html``;
  const { sharpe_ratio: sharpe, total_return_pct: ret } = w.spread;
  const window = (x: { start: string; end: string }) => `${day(Date.parse(x.start))} → ${day(Date.parse(x.end))}`;
  return html`<section>
    <h2>Walk-forward <small>${w.mode} windows, ${w.folds.length} folds, each retrained</small></h2>
    <table class="metrics">
      <thead>
        <tr>
          <th>fold</th>
          <th>trained on</th>
          <th>tested on</th>
          <th>return</th>
          <th>buy-and-hold</th>
          <th>Sharpe</th>
          <th>max drawdown</th>
          <th>trades</th>
          <th>win rate</th>
        </tr>
      </thead>
      <tbody>
        ${w.folds.map(
          (f) =>
            html`<tr>
              <td>${f.index}</td>
              <td>${window(f.train)}</td>
              <td>${window(f.test)}</td>
              <td>${signedPercent(f.metrics.total_return_pct)}</td>
              <td>${signedPercent(f.buy_and_hold_return_pct)}</td>
              <td>${f.metrics.sharpe_ratio.toFixed(2)}</td>
              <td>${f.metrics.max_drawdown_pct.toFixed(2)}%</td>
              <td>${f.metrics.total_trades}</td>
              <td>${f.metrics.win_rate_pct.toFixed(1)}%</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="note">
      Spread over the folds: Sharpe ${sharpe.mean.toFixed(2)} ± ${sharpe.sd.toFixed(2)} (from ${sharpe.min.toFixed(2)} to ${sharpe.max.toFixed(2)}) · return
      ${signedPercent(ret.mean)} ± ${ret.sd.toFixed(2)} (from ${signedPercent(ret.min)} to ${signedPercent(ret.max)}).
      ${w.touchesHoldout ? 'The folds reach into the holdout (--include-holdout): that run was a look at it.' : 'The holdout stays out of every fold.'} Run
      ${minute(Date.parse(w.createdAt))} UTC.
    </p>
  </section>`;
}

const STYLE = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; margin: 0 auto; max-width: 1140px; padding: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; } h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
h2 small { font-weight: normal; color: #6b7280; font-size: 14px; } h3 { font-size: 15px; margin: 8px 0 4px; }
.note, .subtitle { color: #4b5563; } code { font-size: 13px; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 4px 10px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
table.metrics td, table.trades td { font-variant-numeric: tabular-nums; } table.metrics th, table.metrics td { padding: 2px 12px; font-size: 14px; } table.metrics thead th { background: #f9fafb; }
table.facts th { width: 190px; color: #374151; }
.verdict { font-size: 14px; padding: 2px 10px; border-radius: 10px; vertical-align: middle; }
.verdict.promising { background: #dcfce7; color: #166534; } .verdict.mediocre { background: #fef9c3; color: #854d0e; } .verdict.poor { background: #fee2e2; color: #991b1b; }
.warning { background: #fff7ed; border: 1px solid #fdba74; padding: 10px 14px; border-radius: 6px; margin: 14px 0; }
.columns { display: grid; grid-template-columns: repeat(3, 1fr); gap: 18px; } ul { margin: 0; padding-left: 20px; }
.chart { margin: 14px 0 6px; }
td.up { color: #166534; } td.down { color: #991b1b; }
footer { margin-top: 36px; color: #6b7280; font-size: 13px; }
@media print { body { padding: 0; max-width: none; } section { break-inside: avoid-page; } details > summary { display: none; } }
`;

/** The page. `generatedAt` is shown in it, so that a printed copy says when it was made. */
export function reportHtml(data: ReportData, library: ChartLibrary, generatedAt: Date): string {
  const [first] = data.periods;
  const t = data.training;
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${data.strategy} · ktrdr-agent report</title>
        <style>
          ${new Html(library.style)}
        </style>
        <style>
          ${new Html(STYLE)}
        </style>
      </head>
      <body>
        <header>
          <h1>${data.strategy} ${data.assessment ? html`<span class="verdict ${data.assessment.verdict}">${data.assessment.verdict}</span>` : ''}</h1>
          <p class="subtitle">
            ${t.symbols.join(', ')} ${t.timeframe} · ${origin(data)} · report made ${minute(generatedAt.getTime())} UTC by
            <code>ktrdr-agent report ${data.strategy}</code>
          </p>
          ${memoryWarnings(data.periods)}
        </header>
        <section>
          <h2>Metrics</h2>
          ${metricsTable(data.periods, data.holdoutLooks)}
          <p class="note">Sharpe and Sortino are annualised by the bars per year measured on the period's timestamps; buy-and-hold pays the same costs.</p>
        </section>
        ${data.periods.map((p) => periodSection(p, t.timeframe))} ${walkForwardSection(data.walkForward)} ${trainingSection(data)} ${assessmentSection(data)}
        ${costsSection(first.summary)} ${cycleSection(data)}
        <footer>Read from models/${data.strategy}/training.json and reports/${data.strategy}/ (metrics.json, equity.csv, trades.csv of each period).</footer>
        <script type="application/json" id="report-data">
          ${scriptJson({ charts: reportCharts(data) })}
        </script>
        <script>
          ${new Html(library.script)};
        </script>
        <script>
          ${new Html(CHART_SCRIPT)};
        </script>
      </body>
    </html> `;
  return page.text;
}
