/**
 * `reports/<name>/report.html`: where a strategy's report is, and writing it from the files the
 * agent keeps (reportData.ts) with uPlot's script and style from its package.
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPORT_FILE } from '../domain/cycleDetails';
import type { Folders } from '../folders';
import { reportDir } from '../research/files';
import { readHoldoutLooks, recordHoldoutLook } from '../research/holdoutLooks';
import { writeFileAtomic } from '../writeFileAtomic';
import { readReportData } from './reportData';
import { reportHtml, type ChartLibrary } from './reportHtml';

/** Where the report of a strategy is written; others link to it. */
export const reportHtmlFile = (name: string, reportsDir: string) => path.join(reportDir(name, reportsDir), REPORT_FILE);

const chartLibrary = (): ChartLibrary => ({
  script: fs.readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
  style: fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
});

/** Writes the strategy's report and returns its path; a strategy with no model or backtest yet is a UserError saying what to run. */
export function writeReport(name: string, folders: Pick<Folders, 'strategies' | 'models' | 'reports' | 'marketData'>, now = new Date()): string {
  const data = readReportData(name, folders);
  // A report shows the holdout's figures: each one made is a look, and the page counts it.
  if (data.periods.some((p) => p.name === 'holdout')) recordHoldoutLook(data.strategy, { why: 'report', by: 'cli', at: now }, folders.reports);
  const file = reportHtmlFile(data.strategy, folders.reports);
  writeFileAtomic(file, reportHtml({ ...data, holdoutLooks: readHoldoutLooks(data.strategy, folders.reports).length }, chartLibrary(), now));
  return file;
}
