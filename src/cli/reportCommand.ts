/**
 * `report <strategy>`: writes the strategy's HTML report (src/report/) and says where it is.
 */
import type { Command } from '@commander-js/extra-typings';
import type { Folders } from '../folders';
import { shownPath } from '../paths';
import { writeReport } from '../report/writeReport';

export function reportCommand(cli: Command, folders: Folders): void {
  cli
    .command('report')
    .description('one self-contained HTML page of a trained, backtested strategy: charts, metrics, costs, assessment, the cycle that made it')
    .argument('<strategy>', "the strategy's name (models/<name>/ and reports/<name>/ hold what the report shows)")
    .action((name) => {
      console.log(`wrote ${shownPath(writeReport(name, folders))}`);
    });
}
