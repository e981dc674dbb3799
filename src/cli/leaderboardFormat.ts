/**
 * The leaderboard as people read it: the lines that say what was counted and what luck alone
 * would reach, the ranked table and the trials that stopped before a backtest. The text and
 * the HTML page show the same cells.
 */
import { pct } from '../domain/cycleDetails';
import type { Leaderboard, LeaderboardRow } from '../design/leaderboard';
import type { Trial } from '../design/trials';
import { columns } from './format';

const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${pct(x)}`;
const sharpe = (x: number) => x.toFixed(2);

export const LEADERBOARD_HEADER = [
  '#',
  'STRATEGY',
  'MARKET',
  'TRADES',
  'RETURN',
  'B&H',
  'SHARPE',
  'PSR',
  'DSR',
  'GATE',
  'VERDICT',
  'DESIGNED BY',
  'MAY REMEMBER',
  'CYCLE',
];

export function leaderboardCells(row: LeaderboardRow): string[] {
  const v = row.validation;
  const gate = row.gates.backtest;
  return [
    String(row.rank),
    row.name,
    `${row.symbol} ${row.timeframe}`,
    String(v.totalTrades),
    signedPct(v.totalReturn),
    signedPct(v.buyAndHoldReturn),
    sharpe(v.sharpeRatio),
    pct(row.psr),
    row.dsr === undefined ? '-' : pct(row.dsr),
    gate === undefined ? '-' : gate.passed ? 'passed' : `failed: ${gate.failed.join(', ')}`,
    row.verdict ?? '-',
    row.model,
    row.memory ? 'yes' : '-',
    row.cycleId,
  ];
}

/** What the board counts and what its statistics mean, one sentence a line. */
export function leaderboardSummary(board: Leaderboard): string[] {
  const lines = [
    `${board.trials} ${board.trials === 1 ? 'strategy' : 'strategies'} tried: ${board.ranked.length} backtested, ${board.stopped.length} stopped before a backtest. Ranked by the validation backtest's Sharpe ratio; the holdout is never read.`,
  ];
  const s = board.sharpeSpread;
  if (s) {
    lines.push(
      `Validation Sharpe ratios of the ${s.count} backtested that traded (annualised): mean ${sharpe(s.mean)}, sd ${sharpe(s.sd)}, min ${sharpe(s.min)}, max ${sharpe(s.max)}.`,
    );
  }
  if (board.trials <= 1) {
    lines.push('One strategy tried: nothing was chosen among several, so its DSR is its PSR, the probability its true Sharpe ratio beats 0.');
  } else if (board.luckSharpe === undefined) {
    lines.push(
      "DSR needs the spread of the Sharpe ratios of at least two backtested strategies that traded; PSR is the probability a strategy's true Sharpe ratio beats 0.",
    );
  } else {
    lines.push(
      `The best of ${board.trials} strategies with no edge would show a Sharpe ratio of about ${sharpe(board.luckSharpe)} by luck: DSR is the probability a strategy's true Sharpe ratio beats that, PSR that it beats 0.`,
    );
  }
  return lines;
}

export const MEMORY_HEADING = 'The designer may remember the period it is judged on';

/** Why a trial went no further, as one line. */
export const stoppedLine = (t: Trial) => `${t.name} (${t.symbol} ${t.timeframe}, cycle ${t.cycleId}): ${t.stopped?.reason ?? 'not backtested'}`;

export function renderLeaderboard(board: Leaderboard): string {
  const out = [...leaderboardSummary(board), ''];
  out.push(board.ranked.length ? columns(LEADERBOARD_HEADER, board.ranked.map(leaderboardCells)) : 'No strategy has reached a backtest yet.');
  const remembered = board.ranked.filter((r) => r.memory);
  if (remembered.length) out.push('', MEMORY_HEADING, ...remembered.map((r) => `  ${r.name}: ${r.memory}`));
  if (board.stopped.length) out.push('', 'Stopped before a backtest', ...board.stopped.map((t) => `  ${stoppedLine(t)}`));
  return out.join('\n');
}
