/**
 * A backtest's metrics from its equity curves and trades: return, risk, drawdown and trade
 * statistics, annualised by the bar frequency measured on the timestamps.
 */
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
  return curveMetricsOf(time, equity, period, scanCurve(equity));
}

/** What one pass over an equity curve gathers; the metrics are computed from it. */
interface CurveScan {
  count: number;
  mean: number;
  m2: number;
  downside: number;
  maxDrawdown: number;
  ddPeak: number;
  ddTrough: number;
  /** First point back at or above the largest drawdown's peak; -1 when it never is. */
  ddRecovery: number;
  /** Sum of every point, the first included (strategyMetrics' mean equity). */
  equitySum: number;
}

/**
 * A drawdown is only computed (a division) on a bar below `floor`: the peak times (1 − the
 * largest drawdown so far), raised by a relative 1e-9 so that rounding can never skip a bar
 * whose drawdown would exceed it. Every bar at or above the floor has a drawdown below the
 * largest one by at least (1 − largest)·1e-9, far beyond the few ulps the division and the
 * subtraction can round by while 1 − largest ≥ 1e-4; past that, or for a peak that is not a
 * positive normal number, every bar below the peak is checked. Results are those of checking
 * every bar.
 */
const FLOOR_MARGIN = 1 + 1e-9;
const FLOOR_MAX_DRAWDOWN = 1 - 1e-4;
const FLOOR_MIN_PEAK = 1e-290;

function drawdownFloor(peak: number, maxDrawdown: number): number {
  return peak >= FLOOR_MIN_PEAK && maxDrawdown < FLOOR_MAX_DRAWDOWN ? peak * (1 - maxDrawdown) * FLOOR_MARGIN : Infinity;
}

/** The running peak and largest drawdown: written only on a new peak or a bar below the floor, so read, not carried, per bar. */
class DrawdownTracker {
  peakIndex = 0;
  maxDrawdown = 0;
  ddPeak = 0;
  ddTrough = 0;
  ddRecovery = -1;
  floor: number;
  constructor(public peak: number) {
    this.floor = drawdownFloor(peak, 0);
  }
  /**
   * A point at or above the peak. The first one after the largest drawdown's trough is its
   * recovery: until then the running peak is that drawdown's peak.
   */
  rise(value: number, t: number): void {
    if (this.ddRecovery < 0 && this.maxDrawdown > 0) this.ddRecovery = t;
    this.peak = value;
    this.peakIndex = t;
    this.floor = drawdownFloor(value, this.maxDrawdown);
  }
  /** A point below the floor (or NaN): the only place a drawdown is divided out. */
  fall(value: number, t: number): void {
    const drawdown = 1 - value / this.peak;
    if (drawdown > this.maxDrawdown) {
      this.maxDrawdown = drawdown;
      this.ddPeak = this.peakIndex;
      this.ddTrough = t;
      this.ddRecovery = -1;
      this.floor = drawdownFloor(this.peak, drawdown);
    }
  }
}

/**
 * r for r < 0, else 0, without a branch: a return's sign is a coin flip, and a mispredicted
 * branch per bar cost more than the rest of the scan. For r < 0, (r − |r|)·0.5 = 2r·0.5 = r
 * exactly; otherwise r − r = 0, so adding its square changes nothing: the sums are the
 * branch's to the bit.
 */
const negativePart = (r: number) => (r - Math.abs(r)) * 0.5;

function toScan(n: number, mean: number, m2: number, downside: number, equitySum: number, dd: DrawdownTracker): CurveScan {
  const { maxDrawdown, ddPeak, ddTrough, ddRecovery } = dd;
  return { count: n - 1, mean, m2, downside, maxDrawdown, ddPeak, ddTrough, ddRecovery, equitySum };
}

function scanCurve(equity: Float64Array): CurveScan {
  const n = equity.length;
  let mean = 0;
  let m2 = 0;
  let downside = 0;
  let previous = equity[0];
  let equitySum = 0 + previous;
  const dd = new DrawdownTracker(previous);
  for (let t = 1; t < n; t++) {
    const value = equity[t];
    equitySum += value;
    const r = value / previous - 1;
    previous = value;
    // Welford (t returns so far): a flat curve gives exactly 0, and no cancellation when the mean dwarfs the spread.
    const delta = r - mean;
    mean += delta / t;
    m2 += delta * (r - mean);
    const loss = negativePart(r);
    downside += loss * loss;
    if (value >= dd.peak) dd.rise(value, t);
    else if (!(value >= dd.floor)) dd.fall(value, t);
  }
  return toScan(n, mean, m2, downside, equitySum, dd);
}

/**
 * scanCurve() of two curves of the same length in one loop, with the same operations in the
 * same order per curve, so each result is scanCurve()'s to the bit. Welford's mean carries a
 * division from one bar to the next; two independent chains in one loop overlap, where two
 * loops wait on that division twice.
 */
function scanCurves(a: Float64Array, b: Float64Array): [CurveScan, CurveScan] {
  const n = a.length;
  if (b.length !== n) throw new Error(`curves of ${n} and ${b.length} points`);
  let meanA = 0;
  let m2A = 0;
  let downsideA = 0;
  let previousA = a[0];
  let sumA = 0 + previousA;
  const ddA = new DrawdownTracker(previousA);
  let meanB = 0;
  let m2B = 0;
  let downsideB = 0;
  let previousB = b[0];
  let sumB = 0 + previousB;
  const ddB = new DrawdownTracker(previousB);
  for (let t = 1; t < n; t++) {
    const valueA = a[t];
    const valueB = b[t];
    sumA += valueA;
    sumB += valueB;
    const rA = valueA / previousA - 1;
    const rB = valueB / previousB - 1;
    previousA = valueA;
    previousB = valueB;
    const deltaA = rA - meanA;
    const deltaB = rB - meanB;
    meanA += deltaA / t;
    meanB += deltaB / t;
    m2A += deltaA * (rA - meanA);
    m2B += deltaB * (rB - meanB);
    const lossA = negativePart(rA);
    const lossB = negativePart(rB);
    downsideA += lossA * lossA;
    downsideB += lossB * lossB;
    if (valueA >= ddA.peak) ddA.rise(valueA, t);
    else if (!(valueA >= ddA.floor)) ddA.fall(valueA, t);
    if (valueB >= ddB.peak) ddB.rise(valueB, t);
    else if (!(valueB >= ddB.floor)) ddB.fall(valueB, t);
  }
  return [toScan(n, meanA, m2A, downsideA, sumA, ddA), toScan(n, meanB, m2B, downsideB, sumB, ddB)];
}

function curveMetricsOf(time: Float64Array, equity: Float64Array, period: BacktestPeriod, scan: CurveScan): CurveMetrics {
  const { count, mean, m2, downside, maxDrawdown } = scan;
  const n = equity.length;
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
    maxDrawdownPeriod: maxDrawdown > 0 ? drawdownPeriod(time, scan) : null,
    calmarRatio: maxDrawdown > 0 && annualizedReturn !== null ? annualizedReturn / maxDrawdown : null,
  };
}

function drawdownPeriod(time: Float64Array, { ddPeak: peak, ddTrough: trough, ddRecovery: recovery }: CurveScan): Drawdown {
  const end = recovery >= 0 ? time[recovery] : time[time.length - 1];
  return {
    peakTime: time[peak],
    troughTime: time[trough],
    recoveryTime: recovery >= 0 ? time[recovery] : null,
    durationHours: (end - time[peak]) / HOUR_MS,
  };
}

/**
 * Curve metrics plus trade statistics, exposure, fees and turnover of the strategy's run;
 * `stakeSum` is the simulation's sum of the position's share of equity over the bar closes.
 */
export function strategyMetrics(time: Float64Array, equity: Float64Array, trades: Trade[], period: BacktestPeriod, stakeSum: number): StrategyMetrics {
  return strategyMetricsOf(time, equity, trades, period, stakeSum, scanCurve(equity));
}

/**
 * strategyMetrics() of the strategy's curve and curveMetrics() of the benchmark's, with both
 * curves read in one pass (scanCurves): the same figures to the bit, in about the time of one.
 */
export function backtestMetrics(
  time: Float64Array,
  equity: Float64Array,
  trades: Trade[],
  stakeSum: number,
  benchmark: Float64Array,
  period: BacktestPeriod,
): { metrics: StrategyMetrics; buyAndHold: CurveMetrics } {
  const [strategyScan, benchmarkScan] = scanCurves(equity, benchmark);
  return {
    metrics: strategyMetricsOf(time, equity, trades, period, stakeSum, strategyScan),
    buyAndHold: curveMetricsOf(time, benchmark, period, benchmarkScan),
  };
}

function strategyMetricsOf(
  time: Float64Array,
  equity: Float64Array,
  trades: Trade[],
  period: BacktestPeriod,
  stakeSum: number,
  scan: CurveScan,
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
  const total = trades.length;
  return {
    ...curveMetricsOf(time, equity, period, scan),
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
    averageExposure: stakeSum / (period.bars - 1),
    feesPaid: fees,
    turnover: traded / (scan.equitySum / equity.length),
  };
}
