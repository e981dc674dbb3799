import { describe, expect, test } from 'vitest';
import { curveMetrics, measurePeriod, strategyMetrics } from '../../src/engine/backtest/metrics';
import { toBacktestMetrics } from '../../src/research/backtestMetrics';
import type { Trade } from '../../src/engine/backtest/result';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-01-01 00:00 UTC. */
const MONDAY = Date.UTC(2024, 0, 1);

const hourly = (n: number) => Float64Array.from({ length: n }, (_, i) => MONDAY + i * HOUR);

/** 52 weeks of weekday bars (FX: Mon 00:00 – Fri 23:00; equities: one a weekday), then the next Monday's first bar. */
function weekdayCalendar(barsPerDay: number, step: number): Float64Array {
  const times: number[] = [];
  for (let week = 0; week < 52; week++) {
    for (let day = 0; day < 5; day++) {
      for (let bar = 0; bar < barsPerDay; bar++) times.push(MONDAY + week * 7 * DAY + day * DAY + bar * step);
    }
  }
  times.push(MONDAY + 52 * 7 * DAY);
  return Float64Array.from(times);
}

/** Bar returns alternating +2 %, −1 % from 100. */
function alternating(n: number): Float64Array {
  const equity = new Float64Array(n);
  equity[0] = 100;
  for (let t = 1; t < n; t++) equity[t] = equity[t - 1] * (t % 2 === 1 ? 1.02 : 0.99);
  return equity;
}

describe('period', () => {
  test('bars per year are measured on the timestamps: hourly FX with weekends, daily equities', () => {
    // FX: 6 241 bars span exactly 52 weeks = 8 736 h; a year is 8 766 h ⇒ 6 240 · 8 766 / 8 736.
    const fx = measurePeriod(weekdayCalendar(24, HOUR));
    expect(fx.bars).toBe(6_241);
    expect(fx.years).toBeCloseTo(8_736 / 8_766, 12);
    expect(fx.barsPerYear).toBeCloseTo(6_261.428571428, 6);
    // Equities: 261 bars over 364 days ⇒ 260 · 365.25 / 364.
    const equities = measurePeriod(weekdayCalendar(1, DAY));
    expect(equities.barsPerYear).toBeCloseTo(260.892857142, 6);
  });

  test('fewer than two bars is not a period', () => {
    expect(() => measurePeriod(hourly(1))).toThrow(/at least two bars/);
  });
});

describe('curve metrics', () => {
  test('Sharpe, volatility and Sortino are annualised by the measured bars per year', () => {
    // N = 6 240 returns, half +2 %, half −1 %: mean 0.005, population std 0.015, sample std
    // 0.015·√(N/(N−1)) ⇒ Sharpe = (1/3)·√((N−1)/N)·√barsPerYear. Downside deviation
    // √((N/2)·0.01²/N) = 0.01/√2 ⇒ Sortino = (√2/2)·√barsPerYear.
    const time = weekdayCalendar(24, HOUR);
    const period = measurePeriod(time);
    const m = curveMetrics(time, alternating(time.length), period);
    const n = 6_240;
    expect(m.sharpeRatio).toBeCloseTo((1 / 3) * Math.sqrt((n - 1) / n) * Math.sqrt(6_261.428571428), 6);
    expect(m.sharpeRatio).toBeCloseTo(26.374282797, 6);
    expect(m.volatility).toBeCloseTo(0.015 * Math.sqrt(n / (n - 1)) * Math.sqrt(6_261.428571428), 9);
    expect(m.sortinoRatio).toBeCloseTo((Math.SQRT2 / 2) * Math.sqrt(6_261.428571428), 6);
    // KTRDR's √252 would have understated it by √(6 261/252) ≈ 5.
    expect(m.sharpeRatio / ((1 / 3) * Math.sqrt((n - 1) / n) * Math.sqrt(252))).toBeCloseTo(4.98, 2);
  });

  test('the same bar returns on daily equities annualise by ≈ 261', () => {
    const time = weekdayCalendar(1, DAY);
    const m = curveMetrics(time, alternating(time.length), measurePeriod(time));
    const n = 260;
    expect(m.sharpeRatio).toBeCloseTo((1 / 3) * Math.sqrt((n - 1) / n) * Math.sqrt(260.892857142), 6);
    expect(m.sharpeRatio).toBeCloseTo(5.373695429, 6);
  });

  test('total and annualised return over the real elapsed time', () => {
    const time = weekdayCalendar(1, DAY);
    const m = curveMetrics(time, alternating(time.length), measurePeriod(time));
    const growth = 1.0098 ** 130; // 130 pairs of +2 %, −1 %
    expect(m.totalReturn).toBeCloseTo(growth - 1, 9);
    expect(m.annualizedReturn).toBeCloseTo(growth ** (365.25 / 364) - 1, 9);
    expect(m.finalEquity).toBeCloseTo(100 * growth, 7);
  });

  test('max drawdown, its peak, trough, recovery and duration on a hand-made curve', () => {
    const time = hourly(6);
    const m = curveMetrics(time, Float64Array.from([100, 120, 90, 110, 130, 117]), measurePeriod(time));
    expect(m.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(m.maxDrawdownPeriod).toEqual({ peakTime: time[1], troughTime: time[2], recoveryTime: time[4], durationHours: 3 });
    expect(m.totalReturn).toBeCloseTo(0.17, 12);
    expect(m.calmarRatio).toBeCloseTo((m.annualizedReturn ?? NaN) / 0.25, 9);
  });

  test('the deepest drawdown wins even after a new peak, and an unrecovered one lasts to the end', () => {
    const time = hourly(6);
    const m = curveMetrics(time, Float64Array.from([100, 120, 90, 130, 80, 100]), measurePeriod(time));
    expect(m.maxDrawdown).toBeCloseTo(50 / 130, 12);
    expect(m.maxDrawdownPeriod).toEqual({ peakTime: time[3], troughTime: time[4], recoveryTime: null, durationHours: 2 });
  });

  test('a flat curve: Sharpe 0, no Sortino, no drawdown, no Calmar', () => {
    const time = hourly(4);
    const m = curveMetrics(time, Float64Array.from([100, 100, 100, 100]), measurePeriod(time));
    expect(m).toEqual({
      finalEquity: 100,
      totalReturn: 0,
      annualizedReturn: 0,
      volatility: 0,
      sharpeRatio: 0,
      sortinoRatio: null,
      maxDrawdown: 0,
      maxDrawdownPeriod: null,
      calmarRatio: null,
    });
  });

  test('an annualised return that overflows is null, not Infinity', () => {
    const time = hourly(2);
    const m = curveMetrics(time, Float64Array.from([100, 200]), measurePeriod(time));
    expect(m.totalReturn).toBe(1);
    expect(m.annualizedReturn).toBeNull();
  });
});

describe('strategy metrics', () => {
  const flat = (n: number) => new Float64Array(n).fill(100_000);

  function trade(pnl: number, hours: number, barsHeld: number, fees: number): Trade {
    return {
      entryTime: MONDAY,
      exitTime: MONDAY + hours * HOUR,
      entryPrice: 100,
      exitPrice: 100,
      quantity: 10,
      pnl,
      return: pnl / 1_000,
      fees,
      barsHeld,
      forced: false,
    };
  }

  test('win rate, profit factor, averages, extremes, holding time, exposure, fees and turnover', () => {
    const time = hourly(31);
    const trades = [trade(100, 2, 2, 1), trade(-50, 3, 3, 2), trade(200, 1, 1, 3), trade(0, 5, 5, 4), trade(-25, 4, 4, 5)];
    // 15 bars held at a quarter of equity
    const m = strategyMetrics(time, flat(31), trades, measurePeriod(time), 15 * 0.25);
    expect(m).toMatchObject({
      totalTrades: 5,
      winningTrades: 2,
      losingTrades: 2,
      winRate: 0.4, // a zero-pnl trade is neither a win nor a loss, but is a trade
      profitFactor: 4, // 300 / 75
      avgWin: 150,
      avgLoss: -37.5,
      largestWin: 200,
      largestLoss: -50,
      avgHoldingHours: 3,
      exposure: 0.5, // 15 bars held of 30 bar returns
      averageExposure: 0.125, // a quarter of equity for half the bars
      feesPaid: 15,
      turnover: 0.1, // 5 · 10 · (100 + 100) traded over a mean equity of 100 000
    });
  });

  test('no trades: win rate 0, 0 trades, profit factor and averages have no value', () => {
    const time = hourly(10);
    const m = strategyMetrics(time, flat(10), [], measurePeriod(time), 0);
    expect(m).toMatchObject({
      totalTrades: 0,
      winRate: 0,
      profitFactor: null,
      avgWin: null,
      avgLoss: null,
      largestWin: null,
      largestLoss: null,
      avgHoldingHours: null,
      exposure: 0,
      averageExposure: 0,
      feesPaid: 0,
      turnover: 0,
    });
  });

  test('profit factor: none without a losing trade, 0 without a winning one', () => {
    const time = hourly(10);
    const period = measurePeriod(time);
    expect(strategyMetrics(time, flat(10), [trade(10, 1, 1, 0)], period, 0).profitFactor).toBeNull();
    expect(strategyMetrics(time, flat(10), [trade(-10, 1, 1, 0)], period, 0).profitFactor).toBe(0);
  });
});

describe('domain metrics', () => {
  const time = hourly(6);
  const period = measurePeriod(time);
  const equity = Float64Array.from([100, 120, 90, 110, 130, 117]);
  // held two bars of five at a quarter of equity
  const base = (trades: Trade[]) => strategyMetrics(time, equity, trades, period, 0.5);
  const benchmark = curveMetrics(time, Float64Array.from([100, 101, 102, 103, 104, 105]), period);
  const win: Trade = {
    entryTime: time[1],
    exitTime: time[3],
    entryPrice: 1,
    exitPrice: 2,
    quantity: 1,
    pnl: 1,
    return: 1,
    fees: 0,
    barsHeld: 2,
    forced: false,
  };

  test('maps onto the BacktestMetrics the gate reads, in fractions, with the buy-and-hold figures and the average exposure', () => {
    const metrics = base([win, { ...win, pnl: -0.5, return: -0.5 }]);
    expect(toBacktestMetrics(metrics, benchmark)).toEqual({
      totalReturn: metrics.totalReturn,
      sharpeRatio: metrics.sharpeRatio,
      maxDrawdown: metrics.maxDrawdown,
      winRate: 0.5,
      totalTrades: 2,
      buyAndHoldReturn: benchmark.totalReturn,
      buyAndHoldSharpe: benchmark.sharpeRatio,
      averageExposure: 0.1,
      profitFactor: 2,
    });
    expect(metrics.totalReturn).toBeCloseTo(0.17, 12);
    expect(metrics.maxDrawdown).toBeCloseTo(0.25, 12);
  });

  test('an undefined profit factor is left out, not sent as 999999', () => {
    const mapped = toBacktestMetrics(base([win]), benchmark);
    expect(mapped).not.toHaveProperty('profitFactor');
    expect(toBacktestMetrics(base([]), benchmark)).toMatchObject({ totalTrades: 0, winRate: 0 });
  });
});
