/**
 * The simulator: plays a signal stream, and buy-and-hold, through the execution model below,
 * which every result records as EXECUTION_MODEL (config.ts) next to the costs.
 *
 * - A signal decided at bar t (which saw t's close) fills at bar t+1's OPEN: the first price
 *   anyone could trade at after seeing that close. Filling at t's own close would trade on a
 *   price the decision already used (look-ahead). A signal on the last bar never fills.
 * - Fills pay slippage against the open: open·(1+slippage) to buy, open·(1−slippage) to sell.
 *   Commission is a rate on the fill value, on both sides.
 * - Long only, one position at a time: a BUY while long and a SELL while flat do nothing (with
 *   position_awareness on, the decisions never emit them anyway).
 * - An entry spends positionSize of EQUITY, entry commission included (KTRDR: 25 % of cash, with
 *   the commission carved out the same way). Since a long-only book enters only when flat,
 *   equity equals cash at every entry, so the two readings agree; equity is the one that stays
 *   meaningful if the book ever holds several positions.
 * - Quantities are fractional. KTRDR rounds down to whole units, which makes returns depend on
 *   capital (25 % of 100 000 buys 12 units of a 2 000-point index: 4 % of the intended
 *   exposure lost to rounding) and buys nothing when a unit costs more than the budget.
 * - The whole position stays until a SELL; a position still open after the last bar is closed
 *   at that bar's close, with slippage and commission, and the trade is marked forced.
 * - Equity is marked to market at every bar's close (cash + quantity·close); the last point is
 *   after the forced close, so the curve ends on the cash the trade list accounts for.
 * - The benchmark (buyAndHold below, called by run.ts) is this same model given one BUY on the
 *   first decision bar and positionSize 1, computed in one pass without a signal stream. Fully
 *   invested, because it answers "what if I had just bought the market"; a strategy that
 *   holds 25 % of equity is read against it together with its exposure.
 */
import { TIMEFRAME_MS, type Bars } from '../data/bars';
import type { ExecutionConfig } from './config';
import type { Trade } from './result';

export interface Simulation {
  /** Equity at each bar's close, one point per bar. */
  equity: Float64Array;
  trades: Trade[];
  /** Sum over the bar closes of the position's share of equity (its mean is averageExposure). */
  stakeSum: number;
}

/** Plays a signal stream (+1 buy, −1 sell, 0 hold per bar) through the execution model above. */
export function simulate(bars: Bars, signals: Int8Array, config: ExecutionConfig): Simulation {
  const { time, open, close } = bars;
  const n = time.length;
  if (signals.length !== n) throw new Error(`${signals.length} signals for ${n} bars`);
  const barMs = TIMEFRAME_MS[bars.timeframe];
  if (barMs === undefined) throw new Error(`unknown timeframe '${bars.timeframe}': the end of the last bar is unknown`);

  const { commission, positionSize } = config;
  const buyFactor = 1 + config.slippage;
  const sellFactor = 1 - config.slippage;
  const equity = new Float64Array(n);
  const trades: Trade[] = [];
  let cash = config.initialCapital;
  let position: Position | undefined;
  // The position's quantity in a local: the bar loop then reads no object, only two arrays.
  let quantity = 0;
  let stakeSum = 0;

  if (n > 0) equity[0] = cash;
  for (let t = 1; t < n; t++) {
    const pending = signals[t - 1];
    if (pending !== 0) {
      if (pending === 1 && position === undefined) {
        // Flat, so cash is the whole equity.
        position = enter(t, time[t], open[t], positionSize * cash, buyFactor, commission);
        cash -= position.cost;
        quantity = position.quantity;
      } else if (pending === -1 && position !== undefined) {
        const trade = exit(position, t, time[t], open[t], sellFactor, commission, false);
        cash += position.cost + trade.pnl;
        trades.push(trade);
        position = undefined;
      }
    }
    if (position === undefined) equity[t] = cash;
    else {
      const value = quantity * close[t];
      const total = cash + value;
      equity[t] = total;
      stakeSum += value / total;
    }
  }

  if (position !== undefined) {
    const last = n - 1;
    const trade = exit(position, n, time[last] + barMs, close[last], sellFactor, commission, true);
    cash += position.cost + trade.pnl;
    trades.push(trade);
    equity[last] = cash;
  }
  return { equity, trades, stakeSum };
}

/**
 * Buy-and-hold from bar `from` on: what simulate() gives for one BUY on bar `from` and
 * positionSize 1, in one pass without a signal stream. The curve starts at `from` (index 0 here
 * is bar `from`); every point, the trade and the forced close are computed with the same
 * expressions as simulate(), so the two agree bit for bit (test/unit/backtest.test.ts checks it
 * against a single round trip through simulate()).
 */
export function buyAndHold(bars: Bars, from: number, config: ExecutionConfig): Simulation {
  const { time, open, close } = bars;
  const n = time.length;
  if (!(from >= 0 && from < n)) throw new Error(`buy-and-hold from bar ${from} of ${n}`);
  const barMs = TIMEFRAME_MS[bars.timeframe];
  if (barMs === undefined) throw new Error(`unknown timeframe '${bars.timeframe}': the end of the last bar is unknown`);

  const { commission } = config;
  const equity = new Float64Array(n - from);
  let cash = config.initialCapital;
  const entry = from + 1;
  equity[0] = cash;
  if (entry >= n) return { equity, trades: [], stakeSum: 0 };

  // Flat until the entry, so cash is the whole equity, all of it spent (positionSize 1).
  const position = enter(entry, time[entry], open[entry], 1 * cash, 1 + config.slippage, commission);
  cash -= position.cost;
  const { quantity } = position;
  let stakeSum = 0;
  for (let t = entry; t < n; t++) {
    const value = quantity * close[t];
    const total = cash + value;
    equity[t - from] = total;
    stakeSum += value / total;
  }

  const last = n - 1;
  const trade = exit(position, n, time[last] + barMs, close[last], 1 - config.slippage, commission, true);
  cash += position.cost + trade.pnl;
  equity[last - from] = cash;
  return { equity, trades: [trade], stakeSum };
}

/** The open position: one object per trade, created whole and never written, so the bar loop reads a stable shape. */
interface Position {
  index: number;
  time: number;
  price: number;
  quantity: number;
  /** Cash the entry took: fill value plus commission. */
  cost: number;
  /** Commission plus slippage paid on entry. */
  fees: number;
}

/** Spends `budget`, commission included, at the open `quote` plus slippage. */
function enter(index: number, time: number, quote: number, budget: number, buyFactor: number, commission: number): Position {
  const value = budget / (1 + commission);
  const price = quote * buyFactor;
  const quantity = value / price;
  return { index, time, price, quantity, cost: budget, fees: value * commission + quantity * (price - quote) };
}

/** `exitIndex` is the first bar no longer held: the bar whose open filled the exit, or n for a forced close. */
function exit(position: Position, exitIndex: number, exitTime: number, quote: number, sellFactor: number, commission: number, forced: boolean): Trade {
  const exitPrice = quote * sellFactor;
  const value = position.quantity * exitPrice;
  const exitCommission = value * commission;
  const pnl = value - exitCommission - position.cost;
  return {
    entryTime: position.time,
    exitTime,
    entryPrice: position.price,
    exitPrice,
    quantity: position.quantity,
    pnl,
    return: pnl / position.cost,
    fees: position.fees + exitCommission + position.quantity * (quote - exitPrice),
    barsHeld: exitIndex - position.index,
    forced,
  };
}
