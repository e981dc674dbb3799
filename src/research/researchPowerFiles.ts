/**
 * What research power reads from a strategy's reports: the per-bar Sharpe ratio of its
 * validation backtest (the loop's only yardstick) and, for the one pick, its holdout equity.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { CycleStatus } from '../domain/cycle';
import { reportDir } from './files';
import { recordHoldoutLook } from './holdoutLooks';
import { barReturns, judgePick, pickByValidation, type Judgement, type Trial } from './researchPower';

const PeriodMetricsSchema = z.object({
  period: z.object({ barsPerYear: z.number().positive() }),
  metrics: z.object({ sharpeRatio: z.number(), totalReturn: z.number() }),
});

/** A period's Sharpe ratio per bar: the report's annualised one over √(bars per year), as the backtest annualised it. */
function periodSharpePerBar(strategy: string, period: 'validation', reportsDir: string): { sharpe: number; totalReturn: number } | undefined {
  const file = path.join(reportDir(strategy, reportsDir), period, 'metrics.json');
  if (!fs.existsSync(file)) return undefined;
  const { period: p, metrics } = PeriodMetricsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  return { sharpe: metrics.sharpeRatio / Math.sqrt(p.barsPerYear), totalReturn: metrics.totalReturn };
}

/** A cycle as a trial: its strategy, outcome and validation backtest (none when it stopped before one). */
export function trialOfCycle(cycleId: string, status: CycleStatus | undefined, reportsDir: string): Trial {
  const strategy = status?.strategy;
  const validation = strategy && status?.backtest ? periodSharpePerBar(strategy, 'validation', reportsDir) : undefined;
  return { cycleId, outcome: status?.outcome ?? 'cancelled', ...(strategy && { strategy }), ...(validation && { validation }) };
}

/** The strategy equity column of a period's equity.csv. */
function holdoutEquity(strategy: string, reportsDir: string): Float64Array | undefined {
  const file = path.join(reportDir(strategy, reportsDir), 'holdout', 'equity.csv');
  if (!fs.existsSync(file)) return undefined;
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const column = lines[0].split(',').indexOf('equity');
  return Float64Array.from(lines.slice(1), (line) => Number(line.split(',')[column]));
}

/** The loop's pick among these trials, by validation only, judged once on its holdout over all of them; the look is recorded. */
export function judgeMarket(trials: readonly Trial[], reportsDir: string, by = 'research power'): Judgement {
  const pick = pickByValidation(trials)?.strategy;
  const equity = pick ? holdoutEquity(pick, reportsDir) : undefined;
  if (pick && equity) recordHoldoutLook(pick, { why: 'research_power', by }, reportsDir);
  return judgePick(trials, pick, equity && barReturns(equity));
}
