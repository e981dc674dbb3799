import { describe, expect, test } from 'vitest';
import type { Bars } from '../../src/engine/data/bars';
import { assetClassOf, MARKET_COSTS, resolveCosts, type AssetClass } from '../../src/engine/backtest/costs';
import { backtest } from '../../src/engine/backtest/run';

describe('asset class of a symbol', () => {
  test.each([
    ['EURUSD', 'forex_major', 'pair of major currencies'],
    ['gbpjpy', 'forex_major', 'pair of major currencies'],
    ['SP500', 'equity_index', 'known symbol'],
    ['NASDAQ', 'equity_index', 'known symbol'],
    ['GOOG', 'single_stock', 'known symbol'],
    ['USDTRY', 'single_stock', 'unknown symbol: the dearest class'],
    ['EUREUR', 'single_stock', 'unknown symbol: the dearest class'],
    ['BTCUSD', 'single_stock', 'unknown symbol: the dearest class'],
    ['XYZ', 'single_stock', 'unknown symbol: the dearest class'],
  ])('%s is %s (%s)', (symbol, assetClass, classifiedBy) => {
    expect(assetClassOf(symbol)).toEqual({ assetClass, classifiedBy });
  });

  test('an unknown symbol gets the dearest class: no market is flattered by a guess', () => {
    const roundTrip = (c: AssetClass) => 2 * (MARKET_COSTS[c].commission.rate + MARKET_COSTS[c].slippage.rate);
    const dearest = (Object.keys(MARKET_COSTS) as AssetClass[]).reduce((a, b) => (roundTrip(b) > roundTrip(a) ? b : a));
    expect(assetClassOf('XYZ').assetClass).toBe(dearest);
  });

  test('every figure cites a public source by its address', () => {
    for (const figures of Object.values(MARKET_COSTS)) {
      for (const figure of [figures.commission, figures.slippage]) expect(figure.source).toMatch(/https:\/\/\S+/);
    }
  });

  test('costs on hourly EURUSD are far below its typical bar move, unlike an equity broker’s 0.1 % + 0.05 %', () => {
    const { commission, slippage } = MARKET_COSTS.forex_major;
    // a round trip against a typical hourly EURUSD move of about 0.1 %
    expect(2 * (commission.rate + slippage.rate)).toBeLessThan(0.001 / 3);
    expect(2 * (0.001 + 0.0005)).toBeGreaterThan(0.001);
  });
});

describe('which costs apply', () => {
  test("the market's figures when the strategy sets none, each saying where it came from", () => {
    const { execution, costs } = resolveCosts({ initialCapital: 100_000, positionSize: 0.25 }, 'SP500');
    expect(execution).toEqual({ initialCapital: 100_000, positionSize: 0.25, commission: 0.00005, slippage: 0.00002 });
    expect(costs.assetClass).toBe('equity_index');
    expect(costs.commission).toMatch(/^equity_index default: IBKR Pro Fixed/);
    expect(costs.slippage).toMatch(/^equity_index default: half the S&P 500 ETF's/);
  });

  test("a strategy's own commission and slippage win, zero included", () => {
    const { execution, costs } = resolveCosts({ initialCapital: 100_000, positionSize: 0.25, commission: 0, slippage: 0.002 }, 'EURUSD');
    expect(execution).toMatchObject({ commission: 0, slippage: 0.002 });
    expect(costs).toMatchObject({ assetClass: 'forex_major', commission: "the strategy's backtest.commission", slippage: "the strategy's backtest.slippage" });
  });

  test("the backtest charges the bars' market: one round trip on EURUSD pays forex costs, on GOOG stock costs", () => {
    const HOUR = 3_600_000;
    const bars = (symbol: string): Bars => ({
      symbol,
      timeframe: '1h',
      time: Float64Array.from([0, 1, 2, 3].map((i) => i * HOUR)),
      open: Float64Array.from([100, 100, 100, 100]),
      high: Float64Array.from([100, 100, 100, 100]),
      low: Float64Array.from([100, 100, 100, 100]),
      close: Float64Array.from([100, 100, 100, 100]),
      volume: Float64Array.from([1, 1, 1, 1]),
    });
    const buyThenSell = Float32Array.from([0.75, 0.125, 0.125, 0.125, 0.125, 0.75, 0.125, 0.75, 0.125, 0.125, 0.75, 0.125]);
    const config = { decisions: { filters: { min_signal_separation: 0 } }, execution: { positionSize: 1 } };
    for (const [symbol, assetClass] of [
      ['EURUSD', 'forex_major'],
      ['GOOG', 'single_stock'],
    ] as const) {
      const report = backtest(bars(symbol), buyThenSell, config);
      const { commission, slippage } = MARKET_COSTS[assetClass];
      const expected = ((1 - slippage.rate) * (1 - commission.rate)) / ((1 + slippage.rate) * (1 + commission.rate)) - 1;
      expect(report.trades).toHaveLength(1);
      expect(report.metrics.totalReturn, symbol).toBeCloseTo(expected, 12);
      expect(report.execution.costs.assetClass).toBe(assetClass);
    }
  });
});
