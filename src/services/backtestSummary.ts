/**
 * A backtest run as the services report it: the operation's result, and the metrics the backtest
 * gate reads.
 */
import type { BacktestRun } from '../research/backtesting';
import type { BacktestReport, BacktestSummary } from '../engine/backtest/result';
import { toBacktestMetrics } from '../research/backtestMetrics';
import type { BacktestResultSummary } from './operation';

/** A backtest run as an operation result: per-period summaries and gate metrics; trades and equity stay in report_dir. */
export function summarizeBacktest(run: BacktestRun): BacktestResultSummary {
  const { validation, holdout, out_of_sample } = run.periods;
  if (!validation || !holdout) throw new Error(`the backtest of ${run.strategy} returned no ${validation ? 'holdout' : 'validation'} period`);
  return {
    strategy: run.strategy,
    symbol: run.symbol,
    timeframe: run.timeframe,
    model_path: run.modelPath,
    report_dir: run.reportDir,
    validation: summary(validation),
    holdout: summary(holdout),
    ...(out_of_sample && { out_of_sample: summary(out_of_sample) }),
    metrics: {
      validation: gateMetrics(validation),
      holdout: gateMetrics(holdout),
      ...(out_of_sample && { out_of_sample: gateMetrics(out_of_sample) }),
    },
  };
}

const summary = ({ period, execution, decisions, metrics, buyAndHold, sameStake }: BacktestReport): BacktestSummary => ({
  period,
  execution,
  decisions,
  metrics,
  buyAndHold,
  ...(sameStake && { sameStake }),
});

const gateMetrics = (report: BacktestReport) => toBacktestMetrics(report.metrics, report.buyAndHold, report.sameStake);
