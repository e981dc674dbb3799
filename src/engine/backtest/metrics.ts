import { BacktestMetricsSchema, type BacktestMetrics } from '../../domain/activities';
import type { BacktestPeriod, CurveMetrics, Drawdown, StrategyMetrics, Trade } from './result';

const HOUR_MS = 3_600_000;
const YEAR_MS = 365.25 * 24 * HOUR_MS;

/**
 * The period's length and its real bar frequency. Annualising by bars per year measured on
 * the timestamps (spec §8 #23) gives ≈ 252 for daily equities and ≈ 6 200 for hourly FX, where
 * KTRDR's fixed √252 understated hourly volatility and Sharpe by a factor of ≈ 5.
 */
export function measurePeriod(time: Float64Array): BacktestPeriod {
  const n = time.length;
  if (n < 2) throw new Error(`a backtest needs at least two bars from the first decision on, got ${n}`);
  const years = (time[n - 1] - time[0]) / YEAR_MS;
  return { startTime: time[0], endTime: time[n - 1], bars: n, years, barsPerYear: (n - 1) / years };
}

/** Return, risk and drawdown of an equity curve whose first point is the starting capital. */
export function curveMetrics(time: Float64Array, equity: Float64Array, period: BacktestPeriod): CurveMetrics {
  const n = equity.length;
  let count = 0;
  let mean = 0;
  let m2 = 0;
  let downside = 0;
  let peak = equity[0];
  let peakIndex = 0;
  let maxDrawdown = 0;
  let ddPeak = 0;
  let ddTrough = 0;
  for (let t = 1; t < n; t++) {
    const value = equity[t];
    const r = value / equity[t - 1] - 1;
    // Welford: a flat curve gives exactly 0, and no cancellation when the mean dwarfs the spread.
    count++;
    const delta = r - mean;
    mean += delta / count;
    m2 += delta * (r - mean);
    if (r < 0) downside += r * r;
    if (value >= peak) {
      peak = value;
      peakIndex = t;
    } else if (1 - value / peak > maxDrawdown) {
      maxDrawdown = 1 - value / peak;
      ddPeak = peakIndex;
      ddTrough = t;
    }
  }

  const annualise = Math.sqrt(period.barsPerYear);
  const std = count > 1 ? Math.sqrt(m2 / (count - 1)) : 0;
  // Downside deviation over all bars (empyrical/vectorbt), not the deviation of the losing bars alone.
  const downsideDeviation = Math.sqrt(downside / count);
  const growth = equity[n - 1] / equity[0];
  const cagr = growth ** (1 / period.years) - 1;
  const annualizedReturn = Number.isFinite(cagr) ? cagr : null;
  return {
    finalEquity: equity[n - 1],
    totalReturn: growth - 1,
    annualizedReturn,
    volatility: std * annualise,
    sharpeRatio: std > 0 ? (mean / std) * annualise : 0,
    sortinoRatio: downsideDeviation > 0 ? (mean / downsideDeviation) * annualise : null,
    maxDrawdown,
    maxDrawdownPeriod: maxDrawdown > 0 ? drawdownPeriod(time, equity, ddPeak, ddTrough) : null,
    calmarRatio: maxDrawdown > 0 && annualizedReturn !== null ? annualizedReturn / maxDrawdown : null,
  };
}

function drawdownPeriod(time: Float64Array, equity: Float64Array, peak: number, trough: number): Drawdown {
  let recovery = -1;
  for (let t = trough + 1; t < equity.length && recovery < 0; t++) if (equity[t] >= equity[peak]) recovery = t;
  const end = recovery >= 0 ? time[recovery] : time[time.length - 1];
  return {
    peakTime: time[peak],
    troughTime: time[trough],
    recoveryTime: recovery >= 0 ? time[recovery] : null,
    durationHours: (end - time[peak]) / HOUR_MS,
  };
}

/** Curve metrics plus trade statistics, exposure, fees and turnover of the strategy's run. */
export function strategyMetrics(
  time: Float64Array,
  equity: Float64Array,
  trades: Trade[],
  period: BacktestPeriod,
): StrategyMetrics {
  let wins = 0;
  let losses = 0;
  let grossProfit = 0;
  let grossLoss = 0;
  let largestWin = -Infinity;
  let largestLoss = Infinity;
  let holdingMs = 0;
  let barsHeld = 0;
  let fees = 0;
  let traded = 0;
  for (const trade of trades) {
    if (trade.pnl > 0) {
      wins++;
      grossProfit += trade.pnl;
      largestWin = Math.max(largestWin, trade.pnl);
    } else if (trade.pnl < 0) {
      losses++;
      grossLoss -= trade.pnl;
      largestLoss = Math.min(largestLoss, trade.pnl);
    }
    holdingMs += trade.exitTime - trade.entryTime;
    barsHeld += trade.barsHeld;
    fees += trade.fees;
    traded += trade.quantity * (trade.entryPrice + trade.exitPrice);
  }
  let equitySum = 0;
  for (let t = 0; t < equity.length; t++) equitySum += equity[t];

  const total = trades.length;
  return {
    ...curveMetrics(time, equity, period),
    totalTrades: total,
    winningTrades: wins,
    losingTrades: losses,
    winRate: total > 0 ? wins / total : 0,
    profitFactor: losses > 0 ? grossProfit / grossLoss : null,
    avgWin: wins > 0 ? grossProfit / wins : null,
    avgLoss: losses > 0 ? -grossLoss / losses : null,
    largestWin: wins > 0 ? largestWin : null,
    largestLoss: losses > 0 ? largestLoss : null,
    avgHoldingHours: total > 0 ? holdingMs / total / HOUR_MS : null,
    exposure: barsHeld / (period.bars - 1),
    feesPaid: fees,
    turnover: traded / (equitySum / equity.length),
  };
}

/**
 * The figures the workflow's gate and the assessment read (src/domain/activities.ts).
 * profitFactor is left out when it has no value (no losing trade).
 */
export function toBacktestMetrics(metrics: StrategyMetrics, buyAndHold: CurveMetrics): BacktestMetrics {
  return BacktestMetricsSchema.parse({
    totalReturn: metrics.totalReturn,
    sharpeRatio: metrics.sharpeRatio,
    maxDrawdown: metrics.maxDrawdown,
    winRate: metrics.winRate,
    totalTrades: metrics.totalTrades,
    buyAndHoldReturn: buyAndHold.totalReturn,
    ...(metrics.profitFactor !== null && { profitFactor: metrics.profitFactor }),
  });
}
