"""backtrader on the shared bars and signals: python backtrader_backtest.py N

Configured to our execution model. The signal of bar t is acted on at bar t+1's open with
cheat-on-open: next_open() of bar t+1 sees only t+1's open, reads the signal of bar t and
fills at that open, so the entry can be sized on the price it fills at (25 % of cash,
commission carved out, fractional), which an order sent at t's close could not. Slippage on
the fill (slip_out: allowed past the bar's high or low, as ours), commission as a rate on the
fill value both sides, long only. The timing covers building the engine, feeding the bars
and running the strategy.
"""

import sys

import backtrader as bt

from common import CONFIG, emit, load_bars, load_signals, measure

n = int(sys.argv[1])
bars = load_bars(n)
signals = load_signals(n)
execution = CONFIG["execution"]


class Replay(bt.Strategy):
    def __init__(self):
        self.trades = 0

    def next_open(self):
        t = len(self.data) - 1
        signal = signals[t - 1] if t > 0 else 0
        if signal == 1 and not self.position:
            budget = execution["positionSize"] * self.broker.get_cash()
            quote = self.data.open[0] * (1 + execution["slippage"])
            self.buy(size=budget / (1 + execution["commission"]) / quote)
        elif signal == -1 and self.position:
            self.close()

    def notify_trade(self, trade):
        if trade.isclosed:
            self.trades += 1


def run():
    cerebro = bt.Cerebro(stdstats=False, cheat_on_open=True)
    cerebro.adddata(bt.feeds.PandasData(dataname=bars, openinterest=None))
    cerebro.addstrategy(Replay)
    cerebro.broker.setcash(execution["initialCapital"])
    cerebro.broker.setcommission(commission=execution["commission"])
    cerebro.broker.set_slippage_perc(execution["slippage"], slip_open=True, slip_match=True, slip_out=True)
    strategy = cerebro.run()[0]
    return {"finalEquity": cerebro.broker.getvalue(), "trades": strategy.trades}


timing, result = measure(run)
emit({"n": n, **timing, "check": result})
