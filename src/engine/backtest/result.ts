/**
 * What a backtest returns. Ratios are fractions (0.12 is +12 %), as in the domain's
 * BacktestMetrics; money is in the account currency; times are epoch milliseconds UTC.
 * A metric that has no value (a ratio over zero) is null, never a sentinel like 999999.
 */
import { z } from 'zod';
import { DecisionConfigSchema, EXECUTION_MODEL, ResolvedExecutionSchema } from './config';
import { CostsAppliedSchema } from './costs';

export const TradeSchema = z.strictObject({
  /** When the entry filled: the open of the bar after the BUY signal. */
  entryTime: z.number(),
  /** When the exit filled: the open of the bar after the SELL signal, or the end of the last bar when forced. */
  exitTime: z.number(),
  /** Fill prices, slippage included. */
  entryPrice: z.number().positive(),
  exitPrice: z.number().positive(),
  quantity: z.number().positive(),
  /** Net of commission on both sides (slippage is already in the prices). */
  pnl: z.number(),
  /** pnl over the cash the entry took (fill value + entry commission). */
  return: z.number().min(-1),
  /** Commission on both sides plus slippage cost on both sides. */
  fees: z.number().min(0),
  /** Bars the position was held through: from the entry bar up to, not including, the exit bar. */
  barsHeld: z.number().int().min(1),
  /** Closed at the last bar's close because the data ended, not by a SELL. */
  forced: z.boolean(),
});
export type Trade = z.infer<typeof TradeSchema>;

/** The bars the metrics cover: from the first bar with a decision to the last bar. */
const BacktestPeriodSchema = z.strictObject({
  startTime: z.number(),
  endTime: z.number(),
  bars: z.number().int().min(2),
  years: z.number().positive(),
  /** Bar returns per year measured on the timestamps: ≈ 252 for daily equities, ≈ 6 200 for hourly FX. */
  barsPerYear: z.number().positive(),
});
export type BacktestPeriod = z.infer<typeof BacktestPeriodSchema>;

/** Times are the stamps of the bars at whose close the equity stood there. */
const DrawdownSchema = z.strictObject({
  /** Last peak before the drop. */
  peakTime: z.number(),
  troughTime: z.number(),
  /** First close back at or above the peak; null when the period ends below it. */
  recoveryTime: z.number().nullable(),
  /** Peak to recovery, or to the end of the period when not recovered; calendar hours. */
  durationHours: z.number().min(0),
});
export type Drawdown = z.infer<typeof DrawdownSchema>;

/** Metrics of an equity curve: the ones the strategy and buy-and-hold share, for side-by-side reports. */
const CurveMetricsSchema = z.strictObject({
  finalEquity: z.number(),
  totalReturn: z.number().min(-1),
  /** Compound annual growth over the real elapsed time; null when it overflows (a tiny period). */
  annualizedReturn: z.number().nullable(),
  /** Sample standard deviation of bar returns × √barsPerYear. */
  volatility: z.number().min(0),
  /** Mean / standard deviation of bar returns × √barsPerYear, no risk-free rate; 0 for a flat curve. */
  sharpeRatio: z.number(),
  /** Mean bar return / downside deviation × √barsPerYear; null when no bar lost. */
  sortinoRatio: z.number().nullable(),
  maxDrawdown: z.number().min(0).max(1),
  /** null when the curve never fell below a previous peak. */
  maxDrawdownPeriod: DrawdownSchema.nullable(),
  /** annualizedReturn / maxDrawdown; null without a drawdown. */
  calmarRatio: z.number().nullable(),
});
export type CurveMetrics = z.infer<typeof CurveMetricsSchema>;

/** Trade statistics count every closed trade, forced closes included; a win is pnl > 0, a loss pnl < 0. */
const StrategyMetricsSchema = CurveMetricsSchema.extend({
  totalTrades: z.number().int().min(0),
  winningTrades: z.number().int().min(0),
  losingTrades: z.number().int().min(0),
  /** 0 when there are no trades. */
  winRate: z.number().min(0).max(1),
  /** Gross profit / gross loss; null when no trade lost (the ratio is undefined, not "very good"). */
  profitFactor: z.number().min(0).nullable(),
  /** Mean and extreme pnl of winning and losing trades (losses negative); null when there are none. */
  avgWin: z.number().nullable(),
  avgLoss: z.number().nullable(),
  largestWin: z.number().nullable(),
  largestLoss: z.number().nullable(),
  /** Entry fill to exit fill, calendar hours; null when there are no trades. */
  avgHoldingHours: z.number().min(0).nullable(),
  /** Fraction of the period's bar returns earned while holding a position. */
  exposure: z.number().min(0).max(1),
  /**
   * Mean share of equity in the position at the period's bar closes (exposure weighed by the
   * stake: about exposure × position size). Buy-and-hold's return times this is what holding
   * the market with the same average stake would have earned: the fair yardstick for timing.
   */
  averageExposure: z.number().min(0).max(1),
  /** Commission plus slippage cost, both sides, all trades. */
  feesPaid: z.number().min(0),
  /** Value traded (entries + exits) over the mean equity of the period. */
  turnover: z.number().min(0),
});
export type StrategyMetrics = z.infer<typeof StrategyMetricsSchema>;

/**
 * Why the model's proposals did or did not become signals; each held proposal counts under the
 * first filter that held it.
 */
const DecisionSummarySchema = z.strictObject({
  /** Bars with a complete probability row (features ready). */
  readyBars: z.number().int().min(0),
  /** Bars whose most probable class was BUY / SELL. */
  proposed: z.strictObject({ buy: z.number().int().min(0), sell: z.number().int().min(0) }),
  heldBy: z.strictObject({
    confidence: z.number().int().min(0),
    position: z.number().int().min(0),
    volume: z.number().int().min(0),
    separation: z.number().int().min(0),
  }),
  /** Signals emitted; one on the last bar is emitted but never filled. */
  emitted: z.strictObject({ buy: z.number().int().min(0), sell: z.number().int().min(0) }),
});
export type DecisionSummary = z.infer<typeof DecisionSummarySchema>;

const ExecutionSettingsSchema = ResolvedExecutionSchema.extend({
  /** Which costs applied and where each came from. */
  costs: CostsAppliedSchema,
  fill: z.literal(EXECUTION_MODEL.fill),
  sizing: z.literal(EXECUTION_MODEL.sizing),
  quantity: z.literal(EXECUTION_MODEL.quantity),
  direction: z.literal(EXECUTION_MODEL.direction),
  openPositionAtEnd: z.literal(EXECUTION_MODEL.openPositionAtEnd),
  equityMarkedAt: z.literal(EXECUTION_MODEL.equityMarkedAt),
  benchmark: z.literal(EXECUTION_MODEL.benchmark),
});
export type ExecutionSettings = z.infer<typeof ExecutionSettingsSchema>;

/** Any Float64Array, views on shared memory included (z.instanceof would narrow to an ArrayBuffer-backed one). */
const float64Array = () => z.custom<Float64Array>((value) => value instanceof Float64Array, 'expected a Float64Array');

/** Equity at the close of each bar of the period (stamped with the bar's time), strategy and buy-and-hold. */
const EquityCurveSchema = z.strictObject({
  time: float64Array(),
  strategy: float64Array(),
  buyAndHold: float64Array(),
});

/** The strategy against buy-and-hold with its own average stake (see sameStake.ts). */
const SameStakeSchema = z.strictObject({
  /** Total return minus buy-and-hold's total return times the average exposure. */
  excessReturn: z.number(),
  /** t-statistic of the mean bar excess over that yardstick; 0 when the excess never varies. */
  tStat: z.number(),
});
export type SameStake = z.infer<typeof SameStakeSchema>;

/**
 * Everything but the per-trade and per-bar series: what metrics.json holds. `sameStake` is
 * computed for a strategy's backtest periods (backtesting.ts), apart from backtest()'s own pass.
 */
export const BacktestSummarySchema = z.strictObject({
  period: BacktestPeriodSchema,
  execution: ExecutionSettingsSchema,
  decisions: z.strictObject({ config: DecisionConfigSchema, summary: DecisionSummarySchema }),
  metrics: StrategyMetricsSchema,
  buyAndHold: CurveMetricsSchema,
  sameStake: SameStakeSchema.optional(),
});
export type BacktestSummary = z.infer<typeof BacktestSummarySchema>;

export const BacktestReportSchema = BacktestSummarySchema.extend({
  trades: z.array(TradeSchema),
  equity: EquityCurveSchema,
});
export type BacktestReport = z.infer<typeof BacktestReportSchema>;
