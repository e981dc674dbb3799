/**
 * The leaderboard as one self-contained HTML page (no script, no network): the same lines and
 * cells as the text, every value escaped, each failed gate's full reason on its cell, and each
 * strategy linked to its report where `ktrdr-agent report` has made one (beside the page, in reports/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { Leaderboard } from '../design/leaderboard';
import { html } from '../report/html';
import { reportHtmlFile } from '../report/writeReport';
import { writeFileAtomic } from '../writeFileAtomic';
import { LEADERBOARD_HEADER, MEMORY_HEADING, leaderboardCells, leaderboardSummary, stoppedLine } from './leaderboardFormat';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1d232a; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #d8dde3; text-align: left; white-space: nowrap; }
th { background: #f2f4f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.failed { color: #a4262c; }
p.note { color: #56606b; max-width: 60rem; }
`;

/** Columns that hold figures, right-aligned. */
const NUMERIC = new Set(['#', 'TRADES', 'RETURN', 'B&H', 'SHARPE', 'PSR', 'DSR']);

function leaderboardHtml(board: Leaderboard, reportsDir: string, generatedAt: Date): string {
  const rows = board.ranked.map((row) => {
    const cells = leaderboardCells(row);
    const period = `validation ${row.validation.start.slice(0, 10)} → ${row.validation.end.slice(0, 10)}, ${row.validation.bars} bars`;
    return html`<tr>
      ${cells.map((cell, i) => {
        const column = LEADERBOARD_HEADER[i];
        if (column === 'STRATEGY') {
          const report = reportHtmlFile(row.name, reportsDir);
          const name = fs.existsSync(report) ? html`<a href="${path.relative(reportsDir, report)}">${cell}</a>` : cell;
          return html`<td title="${period}">${name}</td>`;
        }
        if (column === 'MAY REMEMBER' && row.memory) return html`<td title="${row.memory}">${cell}</td>`;
        if (column === 'GATE' && row.gates.backtest && !row.gates.backtest.passed)
          return html`<td class="failed" title="${row.gates.backtest.reason}">${cell}</td>`;
        return NUMERIC.has(column) ? html`<td class="num">${cell}</td>` : html`<td>${cell}</td>`;
      })}
    </tr>`;
  });
  const remembered = board.ranked.filter((r) => r.memory);
  const memory = remembered.length
    ? html`<h2>${MEMORY_HEADING}</h2>
        <ul>
          ${remembered.map((r) => html`<li>${r.name}: ${r.memory}</li>`)}
        </ul>`
    : undefined;
  const stopped = board.stopped.length
    ? html`<h2>Stopped before a backtest</h2>
        <ul>
          ${board.stopped.map((t) => html`<li>${stoppedLine(t)}</li>`)}
        </ul>`
    : undefined;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>ktrdr-agent leaderboard</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <h1>Leaderboard</h1>
        ${leaderboardSummary(board).map((line) => html`<p>${line}</p>`)}
        <table>
          <thead>
            <tr>
              ${LEADERBOARD_HEADER.map((h) => html`<th>${h}</th>`)}
            </tr>
          </thead>
          <tbody>
            ${rows}
          </tbody>
        </table>
        ${memory} ${stopped}
        <p class="note">
          PSR and DSR: Bailey &amp; López de Prado, "The Deflated Sharpe Ratio", Journal of Portfolio Management 40(5), 2014. Both read the per-bar returns of
          each validation backtest (their skewness and kurtosis), not only its Sharpe ratio. Written by ktrdr-agent leaderboard at ${generatedAt.toISOString()}.
        </p>
      </body>
    </html> `.text;
}

/** Writes the page as `reports/<file>`: only a file name is taken, so it never lands outside reports/. */
export function writeLeaderboardHtml(requested: string, board: Leaderboard, reportsDir: string, generatedAt = new Date()): string {
  if (!/^[\w.-]+\.html?$/.test(requested)) {
    throw new UserError(`--html takes a file name ending in .html, written in the reports folder (e.g. --html leaderboard.html), got '${requested}'`);
  }
  const file = path.join(reportsDir, requested);
  writeFileAtomic(file, leaderboardHtml(board, reportsDir, generatedAt));
  return file;
}
