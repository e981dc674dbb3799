import { describe, expect, test } from 'vitest';
import type { Bars } from '../../src/engine/data/bars';
import { Random } from '../../src/engine/random';
import { DecisionConfigSchema, ResolvedExecutionSchema, type DecisionConfig } from '../../src/engine/backtest/config';
import { decide } from '../../src/engine/backtest/decisions';
import { BacktestReportSchema } from '../../src/engine/backtest/result';
import { backtest } from '../../src/engine/backtest/run';
import { simulate } from '../../src/engine/backtest/simulate';
import { match } from '../support/matchers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-01-01 00:00 UTC. */
const MONDAY = Date.UTC(2024, 0, 1);

interface BarSpec {
  open: number[];
  close?: number[];
  time?: number[];
  volume?: number[];
  timeframe?: string;
}

function makeBars({ open, close = open, time, volume, timeframe = '1h' }: BarSpec): Bars {
  const step = timeframe === '1d' ? DAY : HOUR;
  return {
    symbol: 'TEST',
    timeframe,
    time: Float64Array.from(time ?? open.map((_, i) => MONDAY + i * step)),
    open: Float64Array.from(open),
    high: Float64Array.from(open.map((o, i) => Math.max(o, close[i]))),
    low: Float64Array.from(open.map((o, i) => Math.min(o, close[i]))),
    close: Float64Array.from(close),
    volume: Float64Array.from(volume ?? open.map(() => 1000)),
  };
}

type Row = readonly [number, number, number];
// Probabilities exactly representable in float32, so thresholds compare as written.
const BUY: Row = [0.75, 0.125, 0.125];
const HOLD: Row = [0.125, 0.75, 0.125];
const SELL: Row = [0.125, 0.125, 0.75];
const NOT_READY: Row = [NaN, NaN, NaN];
const probabilities = (...rows: Row[]) => Float32Array.from(rows.flat());

const decisionConfig = (input: object = {}): DecisionConfig => DecisionConfigSchema.parse(input);
const signalsOf = (rows: Row[], bars: Bars = makeBars({ open: rows.map(() => 100) }), config = decisionConfig()) =>
  Array.from(decide(probabilities(...rows), bars, config).signals);
/** The simulator takes resolved costs; these tests fix KTRDR's equity-broker figures unless they say otherwise. */
const execution = (input: object = {}) => ResolvedExecutionSchema.parse({ commission: 0.001, slippage: 0.0005, ...input });

describe('decisions', () => {
  test('argmax with ties to the earlier class, and the confidence threshold (equal passes)', () => {
    const config = decisionConfig({ confidence_threshold: 0.5, filters: { min_signal_separation: 0 } });
    const rows: Row[] = [
      [0.5, 0.5, 0], // tie BUY/HOLD → BUY, confidence 0.5 = threshold → buy
      [0, 0.5, 0.5], // tie HOLD/SELL → HOLD
      [0.25, 0.25, 0.5], // SELL at exactly the threshold
      [0.5, 0.25, 0.25], // BUY at the threshold
    ];
    expect(signalsOf(rows, undefined, config)).toEqual([1, 0, -1, 1]);
    const strict = decisionConfig({ confidence_threshold: 0.625, filters: { min_signal_separation: 0 } });
    expect(signalsOf([[0.5, 0.25, 0.25], BUY, [0.25, 0.125, 0.625], SELL], undefined, strict)).toEqual([0, 1, -1, 0]);
  });

  test('rows with NaN are holds and the first complete row starts the decisions', () => {
    const result = decide(
      probabilities(NOT_READY, [NaN, 0.5, 0.5], BUY, SELL),
      makeBars({ open: [1, 1, 1, 1] }),
      decisionConfig({ filters: { min_signal_separation: 0 } }),
    );
    expect(Array.from(result.signals)).toEqual([0, 0, 1, -1]);
    expect(result.firstReady).toBe(2);
    expect(result.summary.readyBars).toBe(2);
  });

  test('no complete row at all fails loudly', () => {
    const bars = makeBars({ open: [1, 1] });
    expect(() => decide(probabilities(NOT_READY, NOT_READY), bars, decisionConfig())).toThrow(/never ready/);
  });

  test('a probability array of the wrong length is rejected', () => {
    expect(() => decide(new Float32Array(5), makeBars({ open: [1, 1] }), decisionConfig())).toThrow(/rows of 3 for 2 bars/);
  });

  test('minimum separation in hours on hourly bars: exactly 4 h passes, less holds', () => {
    // hours:             0    1     2     3     4     5    6     7     8
    const rows: Row[] = [BUY, HOLD, SELL, SELL, SELL, BUY, HOLD, BUY, BUY];
    expect(signalsOf(rows)).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
  });

  test('minimum separation is measured on timestamps: one hourly bar across a weekend is 49 h', () => {
    const friday23 = MONDAY + 4 * DAY + 23 * HOUR;
    const bars = makeBars({ open: [1, 1, 1], time: [friday23 - HOUR, friday23, friday23 + 49 * HOUR] });
    expect(signalsOf([HOLD, BUY, SELL], bars)).toEqual([0, 1, -1]);
  });

  test('minimum separation on daily bars: 4 h never holds, 48 h holds the next day', () => {
    const bars = makeBars({ open: [1, 1, 1, 1], timeframe: '1d' });
    expect(signalsOf([BUY, SELL, BUY, SELL], bars)).toEqual([1, -1, 1, -1]);
    const twoDays = decisionConfig({ filters: { min_signal_separation: 48 } });
    expect(signalsOf([BUY, SELL, SELL, BUY], bars, twoDays)).toEqual([1, 0, -1, 0]);
  });

  test('position awareness: no SELL while flat, no BUY while long (long only)', () => {
    const noSeparation = decisionConfig({ filters: { min_signal_separation: 0 } });
    const rows: Row[] = [SELL, BUY, BUY, SELL, SELL, BUY];
    const bars = makeBars({ open: rows.map(() => 1) });
    const { signals, summary } = decide(probabilities(...rows), bars, noSeparation);
    expect(Array.from(signals)).toEqual([0, 1, 0, -1, 0, 1]);
    expect(summary).toEqual({
      readyBars: 6,
      proposed: { buy: 3, sell: 3 },
      heldBy: { confidence: 0, position: 3, volume: 0, separation: 0 },
      emitted: { buy: 2, sell: 1 },
    });
  });

  test('without position awareness redundant signals are emitted and restart the separation clock; fills ignore them', () => {
    const unaware = decisionConfig({ position_awareness: false });
    // hours: 0 SELL (emitted), 4 BUY, 5 BUY (too soon after 4), 8 BUY (redundant, emitted), 10 SELL (too soon after 8)
    const rows: Row[] = [SELL, HOLD, HOLD, HOLD, BUY, BUY, HOLD, HOLD, BUY, HOLD, SELL, HOLD, SELL];
    const bars = makeBars({ open: rows.map((_, i) => 100 + i) });
    const signals = decide(probabilities(...rows), bars, unaware).signals;
    expect(Array.from(signals)).toEqual([-1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, -1]);
    // One trade: the first BUY fills at hour 5's open, the SELL at hour 12 is on the last bar and never fills.
    const { trades } = simulate(bars, signals, execution({ commission: 0, slippage: 0 }));
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ entryPrice: 105, forced: true });
  });

  test('volume filter: an entry needs volume at or above its 20-bar mean; exits are never filtered', () => {
    const volume = Array.from({ length: 24 }, () => 100);
    volume[20] = 50; // window 1..20: (19·100 + 50)/20 = 97.5 > 50 → hold
    volume[22] = 97.5; // window 3..22: (17·100 + 50 + 100 + 97.5)/20 = 97.375 ≤ 97.5 → buy
    const rows: Row[] = volume.map(() => HOLD);
    rows[5] = BUY; // fewer than 20 bars of volume → hold
    rows[20] = BUY;
    rows[22] = BUY;
    rows[23] = SELL; // volume 100 is above the mean, but exits are not filtered anyway
    const bars = makeBars({ open: volume.map(() => 1), volume });
    volume[23] = 1;
    const lowExit = makeBars({ open: volume.map(() => 1), volume });
    const config = decisionConfig({ filters: { volume_filter: true, min_signal_separation: 0 } });
    const expected = volume.map(() => 0);
    expected[22] = 1;
    expected[23] = -1;
    expect(signalsOf(rows, bars, config)).toEqual(expected);
    expect(signalsOf(rows, lowExit, config)).toEqual(expected);
    expect(decide(probabilities(...rows), bars, config).summary.heldBy.volume).toBe(2);
  });

  test('volume filter on a series without volume is rejected, not silently passed', () => {
    const bars = makeBars({ open: [1, 1], volume: [0, 0] });
    const config = decisionConfig({ filters: { volume_filter: true } });
    expect(() => decide(probabilities(BUY, SELL), bars, config)).toThrow(/no volume/);
  });

  test('unknown decision keys and output formats are rejected', () => {
    expect(DecisionConfigSchema.safeParse({ confidence_treshold: 0.6 }).success).toBe(false);
    expect(DecisionConfigSchema.safeParse({ output_format: 'regression' }).success).toBe(false);
    expect(decisionConfig()).toEqual({
      output_format: 'classification',
      confidence_threshold: 0.5,
      position_awareness: true,
      filters: { min_signal_separation: 4, volume_filter: false },
    });
  });
});

describe('simulation', () => {
  test('one round trip with commission and slippage gives the hand-computed P&L', () => {
    // Capital 100 000, size 0.505, commission 1 %, slippage 25 % (large so every number is round).
    // BUY at bar 0 fills at bar 1's open 100 → 125; value = 50 500 / 1.01 = 50 000 → 400 units,
    // commission 500, cash 49 500. SELL at bar 1 fills at bar 2's open 200 → 150; value 60 000,
    // commission 600 → cash 108 900. pnl = 60 000 − 600 − 50 500 = 8 900.
    const bars = makeBars({ open: [100, 100, 200, 180], close: [100, 110, 190, 170] });
    const config = execution({ initialCapital: 100_000, positionSize: 0.505, commission: 0.01, slippage: 0.25 });
    const { equity, trades } = simulate(bars, Int8Array.from([1, -1, 0, 0]), config);
    expect(trades).toHaveLength(1);
    const [trade] = trades;
    expect(trade.entryTime).toBe(bars.time[1]);
    expect(trade.exitTime).toBe(bars.time[2]);
    expect(trade.entryPrice).toBeCloseTo(125, 9);
    expect(trade.exitPrice).toBeCloseTo(150, 9);
    expect(trade.quantity).toBeCloseTo(400, 9);
    expect(trade.pnl).toBeCloseTo(8_900, 6);
    expect(trade.return).toBeCloseTo(8_900 / 50_500, 12);
    // commissions 500 + 600, slippage 400·25 + 400·50
    expect(trade.fees).toBeCloseTo(31_100, 6);
    expect(trade.barsHeld).toBe(1);
    expect(trade.forced).toBe(false);
    // Marked at each close: bar 1 holds 400 units at 110.
    expect(Array.from(equity).map((x) => +x.toFixed(6))).toEqual([100_000, 93_500, 108_900, 108_900]);
  });

  test('with the default costs and sizing', () => {
    // 25 % of 100 000 spent including commission: a BUY filled at 100·1.0005, a SELL at 110·0.9995,
    // commission 0.1 % each side ⇒ return = (109.945·0.999) / (100.05·1.001) − 1 = 0.0967049442…,
    // pnl = 25 000 · that = 2 417.6236058.
    const bars = makeBars({ open: [100, 100, 105, 110], close: [100, 105, 108, 111] });
    const { equity, trades } = simulate(bars, Int8Array.from([1, 0, -1, 0]), execution());
    expect(trades[0].return).toBeCloseTo(0.0967049442, 9);
    expect(trades[0].pnl).toBeCloseTo(2417.6236058, 6);
    expect(equity[3]).toBeCloseTo(102_417.6236058, 6);
    expect(trades[0].barsHeld).toBe(2);
  });

  test('a signal fills at the next open: a signal on the last bar never fills', () => {
    const bars = makeBars({ open: [100, 101, 102] });
    const { equity, trades } = simulate(bars, Int8Array.from([0, 0, 1]), execution());
    expect(trades).toEqual([]);
    expect(Array.from(equity)).toEqual([100_000, 100_000, 100_000]);
  });

  test('the fill uses the next open, whatever the signal bar closed at', () => {
    const config = execution({ commission: 0, slippage: 0 });
    const a = simulate(makeBars({ open: [100, 90, 95], close: [100, 92, 96] }), Int8Array.from([1, 0, 0]), config);
    const b = simulate(makeBars({ open: [100, 90, 95], close: [150, 92, 96] }), Int8Array.from([1, 0, 0]), config);
    expect(a.trades[0].entryPrice).toBe(90);
    expect(b.trades[0].entryPrice).toBe(90);
  });

  test('an open position is closed at the last close, marked forced, at the end of the last bar', () => {
    // 25 000 spent at 100 → 250 units, no costs; closed at the last close 120 → pnl 5 000.
    const bars = makeBars({ open: [100, 100, 110], close: [100, 105, 120] });
    const { equity, trades } = simulate(bars, Int8Array.from([1, 0, 0]), execution({ commission: 0, slippage: 0 }));
    expect(trades).toEqual([
      {
        entryTime: bars.time[1],
        exitTime: bars.time[2] + HOUR,
        entryPrice: 100,
        exitPrice: 120,
        quantity: 250,
        pnl: 5_000,
        return: 0.2,
        fees: 0,
        barsHeld: 2,
        forced: true,
      },
    ]);
    expect(Array.from(equity)).toEqual([100_000, 101_250, 105_000]);
  });

  test('the forced close pays slippage and commission like any exit', () => {
    const bars = makeBars({ open: [100, 100], close: [100, 100] });
    const { equity, trades } = simulate(bars, Int8Array.from([1, 0]), execution({ commission: 0.01, slippage: 0.1 }));
    expect(trades[0].exitPrice).toBeCloseTo(90, 12);
    // 25 000 spent: 25 000/1.01 of value at 110, sold at 90, 1 % commission on the way out.
    const value = 25_000 / 1.01;
    expect(trades[0].pnl).toBeCloseTo((value / 110) * 90 * 0.99 - 25_000, 9);
    expect(equity[1]).toBeCloseTo(75_000 + (value / 110) * 90 * 0.99, 9);
  });

  test('a timeframe without a known bar length is rejected', () => {
    const bars = { ...makeBars({ open: [1, 1] }), timeframe: '3h' };
    expect(() => simulate(bars, new Int8Array(2), execution())).toThrow(/unknown timeframe/);
  });
});

describe('backtest', () => {
  const noSeparation = { decisions: { filters: { min_signal_separation: 0 } } };

  test('buy-and-hold: one fully invested round trip, first executable open to last close, same costs', () => {
    const bars = makeBars({ open: [50, 60, 100, 104, 98], close: [55, 62, 102, 99, 121] });
    const rows: Row[] = [NOT_READY, HOLD, HOLD, HOLD, HOLD];
    const report = backtest(bars, probabilities(...rows), { execution: { commission: 0.002, slippage: 0.001 } });
    // First decision at bar 1, so buy-and-hold buys bar 2's open.
    const expected = (121 * 0.999 * 0.998) / (100 * 1.001 * 1.002) - 1;
    expect(report.buyAndHold.totalReturn).toBeCloseTo(expected, 12);
    expect(report.period.startTime).toBe(bars.time[1]);
    expect(report.equity.buyAndHold[0]).toBe(100_000);
    const fullyInvested = execution({ commission: 0.002, slippage: 0.001, positionSize: 1 });
    const roundTrip = simulate(bars, Int8Array.from([0, 1, 0, 0, 0]), fullyInvested);
    expect(Array.from(report.equity.buyAndHold)).toEqual(Array.from(roundTrip.equity.subarray(1)));
  });

  test('the strategy buying at the first chance with size 1 reproduces buy-and-hold exactly', () => {
    const bars = makeBars({ open: [50, 60, 100, 104, 98], close: [55, 62, 102, 99, 121] });
    const report = backtest(bars, probabilities(BUY, HOLD, HOLD, HOLD, HOLD), { execution: { positionSize: 1 } });
    expect(report.metrics.totalReturn).toBe(report.buyAndHold.totalReturn);
    expect(report.metrics.sharpeRatio).toBe(report.buyAndHold.sharpeRatio);
    expect(report.metrics.maxDrawdown).toBe(report.buyAndHold.maxDrawdown);
  });

  test('average exposure weighs the bars held by the stake: a quarter of equity for half the bars is 12.5 %', () => {
    const bars = makeBars({ open: [100, 100, 100, 100, 100], close: [100, 100, 100, 100, 100] });
    // BUY at bar 0 fills at bar 1's open; SELL at bar 2 fills at bar 3's open: bars 1 and 2 held of 4 bar returns
    const report = backtest(bars, probabilities(BUY, HOLD, SELL, HOLD, HOLD), { ...noSeparation, execution: { commission: 0, slippage: 0 } });
    expect(report.metrics.exposure).toBe(0.5);
    expect(report.metrics.averageExposure).toBeCloseTo(0.125, 12);
    const allIn = backtest(bars, probabilities(BUY, HOLD, SELL, HOLD, HOLD), { ...noSeparation, execution: { commission: 0, slippage: 0, positionSize: 1 } });
    expect(allIn.metrics.averageExposure).toBeCloseTo(0.5, 12);
  });

  test('no trades: win rate 0, 0 trades, no profit factor, flat equity', () => {
    const bars = makeBars({ open: [100, 101, 99, 102], timeframe: '1d' });
    const report = backtest(bars, probabilities(HOLD, HOLD, SELL, HOLD));
    expect(report.trades).toEqual([]);
    expect(report.metrics).toMatchObject({
      totalTrades: 0,
      winRate: 0,
      profitFactor: null,
      totalReturn: 0,
      sharpeRatio: 0,
      maxDrawdown: 0,
      exposure: 0,
      averageExposure: 0,
      feesPaid: 0,
    });
    expect(report.decisions.summary.heldBy.position).toBe(1);
  });

  test('the result echoes the execution settings, which costs applied and where from, and the execution model', () => {
    const bars = { ...makeBars({ open: [100, 101, 99] }), symbol: 'EURUSD' };
    const report = backtest(bars, probabilities(HOLD, HOLD, HOLD), { execution: { slippage: 0.001 } });
    expect(report.execution).toEqual({
      initialCapital: 100_000,
      commission: 0.00008,
      slippage: 0.001,
      positionSize: 0.25,
      costs: {
        assetClass: 'forex_major',
        classifiedBy: 'pair of major currencies',
        commission: match.stringMatching(/^forex_major default: IBKR spot FX, .*https:\/\/www\.interactivebrokers\.com\//),
        slippage: "the strategy's backtest.slippage",
      },
      fill: 'next_bar_open',
      sizing: 'fraction_of_equity_including_entry_commission',
      quantity: 'fractional',
      direction: 'long_only',
      openPositionAtEnd: 'closed_at_last_bar_close',
      equityMarkedAt: 'bar_close',
      benchmark: 'buy_and_hold_fully_invested_same_costs',
    });
    expect(report.decisions.config.confidence_threshold).toBe(0.5);
  });

  test('an unknown execution setting is rejected', () => {
    const bars = makeBars({ open: [100, 101] });
    expect(() => backtest(bars, probabilities(HOLD, HOLD), { execution: { comission: 0.01 } as never })).toThrow();
  });

  test('a period of one bar is rejected', () => {
    const bars = makeBars({ open: [100, 101] });
    expect(() => backtest(bars, probabilities(NOT_READY, BUY))).toThrow(/at least two bars/);
  });

  test('round trips through decisions, fills and metrics', () => {
    // BUY at 0 → 100, SELL at 2 → 110 (+10 %), BUY at 3 → 108, SELL at 4 → 97.2 (−10 %); no costs.
    const bars = makeBars({ open: [100, 100, 105, 110, 108, 97.2, 99] });
    const rows: Row[] = [BUY, HOLD, SELL, BUY, SELL, HOLD, HOLD];
    const report = backtest(bars, probabilities(...rows), { ...noSeparation, execution: { commission: 0, slippage: 0 } });
    expect(report.trades.map((t) => [t.entryPrice, t.exitPrice, +t.return.toFixed(12)])).toEqual([
      [100, 110, 0.1],
      [108, 97.2, -0.1],
    ]);
    // 25 000 → +2 500; then 25 625 → −2 562.5
    expect(report.metrics.finalEquity).toBeCloseTo(99_937.5, 9);
    expect(report.metrics).toMatchObject({ totalTrades: 2, winningTrades: 1, losingTrades: 1, winRate: 0.5 });
    expect(report.metrics.profitFactor).toBeCloseTo(2_500 / 2_562.5, 12);
    // Held bars 1–2 and 4: 3 of the 6 bar returns.
    expect(report.metrics.exposure).toBe(0.5);
  });
});

describe('no look-ahead', () => {
  /** Seeded random walk with random probabilities: roughly one signal in twenty bars. */
  function randomMarket(seed: number, n: number) {
    const random = new Random(seed);
    const open = new Array<number>(n);
    const close = new Array<number>(n);
    const volume = new Array<number>(n);
    let price = 100;
    for (let t = 0; t < n; t++) {
      open[t] = price * (1 + 0.001 * random.normal());
      price = open[t] * (1 + 0.01 * random.normal());
      close[t] = price;
      volume[t] = 1000 + random.int(1000);
    }
    const rows: Row[] = [];
    for (let t = 0; t < n; t++) {
      const u = random.next();
      rows.push(t < 5 ? NOT_READY : u < 0.05 ? BUY : u < 0.1 ? SELL : u < 0.13 ? [0.375, 0.25, 0.375] : HOLD);
    }
    return { bars: makeBars({ open, close, volume }), rows };
  }

  /** Replaces every price, volume and probability after bar t. */
  function rewriteFuture(bars: Bars, rows: Row[], t: number, seed: number) {
    const random = new Random(seed);
    const changed: Bars = {
      ...bars,
      open: bars.open.slice(),
      high: bars.high.slice(),
      low: bars.low.slice(),
      close: bars.close.slice(),
      volume: bars.volume.slice(),
    };
    const future = rows.slice();
    for (let i = t + 1; i < rows.length; i++) {
      changed.open[i] = 50 + 100 * random.next();
      changed.close[i] = 50 + 100 * random.next();
      changed.high[i] = Math.max(changed.open[i], changed.close[i]);
      changed.low[i] = Math.min(changed.open[i], changed.close[i]);
      changed.volume[i] = random.int(3000);
      future[i] = [SELL, BUY, HOLD][random.int(3)];
    }
    return { changed, future };
  }

  const config = { decisions: { filters: { volume_filter: true } } } as const;

  test.each([30, 100, 257, 398])('signals and equity up to bar %i do not depend on anything after it', (t) => {
    const { bars, rows } = randomMarket(7, 400);
    const { changed, future } = rewriteFuture(bars, rows, t, 99);
    const a = backtest(bars, probabilities(...rows), config);
    const b = backtest(changed, probabilities(...future), config);
    const decisionConfig = DecisionConfigSchema.parse(config.decisions);
    const signalsA = decide(probabilities(...rows), bars, decisionConfig).signals;
    const signalsB = decide(probabilities(...future), changed, decisionConfig).signals;
    expect(Array.from(signalsB.subarray(0, t + 1))).toEqual(Array.from(signalsA.subarray(0, t + 1)));
    // Equity starts at the first decision (bar 5).
    const upTo = t + 1 - 5;
    expect(Array.from(b.equity.strategy.subarray(0, upTo))).toEqual(Array.from(a.equity.strategy.subarray(0, upTo)));
    expect(Array.from(b.equity.buyAndHold.subarray(0, upTo))).toEqual(Array.from(a.equity.buyAndHold.subarray(0, upTo)));
    // Trades that exited by bar t's open are identical; one still open at t has the same entry.
    const closedBy = (trades: typeof a.trades) => trades.filter((trade) => trade.exitTime <= bars.time[t]);
    expect(closedBy(b.trades)).toEqual(closedBy(a.trades));
    const entered = (trades: typeof a.trades) =>
      trades.filter((trade) => trade.entryTime <= bars.time[t]).map(({ entryTime, entryPrice, quantity }) => ({ entryTime, entryPrice, quantity }));
    expect(entered(b.trades)).toEqual(entered(a.trades));
    expect(a.trades.length).toBeGreaterThan(3);
    expect(BacktestReportSchema.safeParse(b).success).toBe(true);
  });

  test('at every bar: decisions and equity up to it ignore everything after it', () => {
    const { bars, rows } = randomMarket(11, 200);
    const decisionConfig = DecisionConfigSchema.parse(config.decisions);
    const before = decide(probabilities(...rows), bars, decisionConfig).signals;
    const beforeEquity = simulate(bars, before, execution()).equity;
    for (let t = 0; t < 199; t++) {
      const { changed, future } = rewriteFuture(bars, rows, t, t);
      const after = decide(probabilities(...future), changed, decisionConfig).signals;
      const afterEquity = simulate(changed, after, execution()).equity;
      const upTo = (array: Int8Array | Float64Array) => Array.from(array.subarray(0, t + 1));
      expect(upTo(after), `signals up to bar ${t}`).toEqual(upTo(before));
      expect(upTo(afterEquity), `equity up to bar ${t}`).toEqual(upTo(beforeEquity));
    }
  });

  test('a signal at bar t depends on bar t+1 through its fill price alone: the open of t+1', () => {
    const bars = makeBars({ open: [100, 100, 100, 100], close: [100, 101, 102, 103] });
    const signals = Int8Array.from([0, 1, 0, 0]);
    const config = execution({ commission: 0, slippage: 0 });
    const base = simulate(bars, signals, config);
    const otherOpen = simulate({ ...bars, open: Float64Array.from([100, 100, 80, 100]) }, signals, config);
    const otherBar = simulate(
      {
        ...bars,
        high: Float64Array.from([100, 101, 500, 103]),
        low: Float64Array.from([100, 100, 1, 100]),
        volume: new Float64Array(4),
      },
      signals,
      config,
    );
    expect(base.trades[0].entryPrice).toBe(100);
    expect(otherOpen.trades[0].entryPrice).toBe(80);
    expect(otherBar.trades).toEqual(base.trades);
    // Equity up to the signal bar is untouched by the fill.
    expect(otherOpen.equity.subarray(0, 2)).toEqual(base.equity.subarray(0, 2));
  });
});
