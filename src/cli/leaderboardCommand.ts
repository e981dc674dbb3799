/** `ktrdr-agent leaderboard`: every strategy the agent tried, ranked by validation, as text, JSON or an HTML page. */
import type { Command } from '@commander-js/extra-typings';
import { leaderboard } from '../design/leaderboard';
import { readTrials } from '../design/trials';
import { UserError } from '../errors';
import type { Folders } from '../folders';
import { shownPath } from '../paths';
import { designedDir } from '../research/files';
import { writeLeaderboardHtml } from './leaderboardHtml';
import { renderLeaderboard } from './leaderboardFormat';

export function leaderboardCommand(cli: Command, folders: Folders): void {
  cli
    .command('leaderboard')
    .description(
      'every strategy the agent tried, gate failures included, ranked by its validation backtest (never the holdout), with the Probabilistic and Deflated Sharpe Ratios',
    )
    .option('--json', 'print it as JSON')
    .option('--html <file>', 'also write it as one self-contained HTML page, reports/<file>')
    .action((opts) => {
      const trials = readTrials({ strategiesDir: folders.strategies, modelsDir: folders.models, reportsDir: folders.reports });
      if (trials.length === 0) {
        throw new UserError(
          `no strategies tried yet: run \`ktrdr-agent start\` (or \`trigger\`, \`loop start\`) to have the agent design some (none in ${shownPath(designedDir(folders.strategies))}/)`,
        );
      }
      const board = leaderboard(trials);
      const page = opts.html && writeLeaderboardHtml(opts.html, board, folders.reports);
      console.log(opts.json ? JSON.stringify(board, null, 2) : renderLeaderboard(board));
      // with --json, stdout stays JSON alone
      if (page) (opts.json ? console.error : console.log)(`wrote ${shownPath(page)}`);
    });
}
