/**
 * `report <strategy>`: writes the strategy's HTML report (src/report/) and says where it is; and
 * the lines that link a cycle's report from `start`, `trigger --wait` and `status`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '@commander-js/extra-typings';
import { reportLine } from '../domain/cycleDetails';
import { UserError } from '../errors';
import type { Folders } from '../folders';
import { shownPath } from '../paths';
import { reportHtmlFile, writeReport } from '../report/writeReport';

export function reportCommand(cli: Command, folders: Folders): void {
  cli
    .command('report')
    .description('one self-contained HTML page of a trained, backtested strategy: charts, metrics, costs, assessment, the cycle that made it')
    .argument('<strategy>', "the strategy's name (models/<name>/ and reports/<name>/ hold what the report shows)")
    .action((name) => {
      console.log(`wrote ${shownPath(writeReport(name, folders))}`);
    });
}

/**
 * `start`'s line after its cycle backtested a strategy: the report, written (start ran the
 * services on this machine, so the model and backtest are in its folders), or why it could not be.
 */
export function reportAfterCycle(strategy: string, folders: Folders): string {
  try {
    return `Report: ${shownPath(writeReport(strategy, folders))}`;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return `Report: not written (${error.message})`;
  }
}

/** `status`'s and `trigger --wait`'s line: the report when it has been written here, else the command that writes it. */
export function reportRow(strategy: string, folders: Folders): string {
  const file = reportHtmlFile(strategy, folders.reports);
  return fs.existsSync(file) ? `${shownPath(file)} (\`ktrdr-agent report ${strategy}\` remakes it)` : reportLine(strategy, shownPath(path.dirname(file)));
}
