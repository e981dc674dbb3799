/**
 * What research power reads from a market's folders: its trials as the leaderboard reads them
 * (validation only) and, for the one pick, its holdout backtest — the look recorded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { equityReturns, type Trial } from './trials';
import { BacktestSummarySchema } from '../engine/backtest/result';
import { reportDir } from '../research/files';
import { recordHoldoutLook } from '../research/holdoutLooks';
import { judgePick, pickByValidation, type HoldoutReturns, type Judgement } from './researchPower';

function readHoldout(strategy: string, reportsDir: string): HoldoutReturns | undefined {
  const dir = path.join(reportDir(strategy, reportsDir), 'holdout');
  const equity = path.join(dir, 'equity.csv');
  if (!fs.existsSync(equity)) return undefined;
  const { period } = BacktestSummarySchema.parse(JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')));
  return { returns: equityReturns(equity), barsPerYear: period.barsPerYear };
}

/** The loop's pick among these trials, by validation only, judged once on its holdout over all of them; the look is recorded. */
export function judgeMarket(trials: readonly Trial[], reportsDir: string, by = 'research power'): Judgement {
  const pick = pickByValidation(trials);
  const holdout = pick && readHoldout(pick.name, reportsDir);
  if (pick && holdout) recordHoldoutLook(pick.name, { why: 'research_power', by }, reportsDir);
  return judgePick(trials, pick && holdout && { name: pick.name, ...holdout });
}
