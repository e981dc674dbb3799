/**
 * The periods a strategy is judged on — its validation split and its holdout — as dates, found
 * from the strategy and the market data the same way training splits them (splitBars), so that
 * they can be named without a trained model at hand.
 */
import { splitBars } from '../engine/features/dataset';
import type { Strategy } from './schema';
import { strategyBars, trainingSeries } from './strategyData';

export interface Period {
  start: string;
  end: string;
}

/** The traded (first) symbol's validation and holdout periods, ISO datetimes. */
export function evaluationPeriods(strategy: Strategy, dataDir: string): { validation: Period; holdout: Period } {
  const [bars] = trainingSeries(strategy, strategyBars(strategy, dataDir));
  const { ranges } = splitBars(bars, strategy);
  const period = (r: { startTime: number; endTime: number }): Period => ({
    start: new Date(r.startTime).toISOString(),
    end: new Date(r.endTime).toISOString(),
  });
  return { validation: period(ranges.validation), holdout: period(ranges.test) };
}
