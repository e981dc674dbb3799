"""vectorbt Portfolio.from_signals on the shared bars and signals.

    python vectorbt_backtest.py N numba|rust warm   median of timed calls after a compile warm-up
    python vectorbt_backtest.py N numba|rust cold   one call in this fresh process (timed from outside)

Configured to our execution model: a signal at bar t fills at bar t+1's open (entries and exits
shifted one bar, price=open), slippage on the fill, commission on the fill value both sides,
an entry spends 25 % of cash with the commission carved out of it (size_type='percent', which
caps the order at 0.25·cash and sizes it as cash_limit / (1 + fees) / slipped price, as ours),
fractional quantities, long only.
"""

import sys
import time

started = time.perf_counter()
import numpy as np  # noqa: E402
import vectorbt as vbt  # noqa: E402

from common import CONFIG, emit, load_bars, load_signals, measure  # noqa: E402

imported = time.perf_counter()
n, engine, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
bars = load_bars(n)
signals = load_signals(n)
execution = CONFIG["execution"]
close = bars["close"].to_numpy()
open_ = bars["open"].to_numpy()
entries = np.zeros(n, dtype=bool)
exits = np.zeros(n, dtype=bool)
entries[1:] = signals[:-1] == 1
exits[1:] = signals[:-1] == -1
loaded = time.perf_counter()


def run(upto=n):
    # engine is named on every call: with vectorbt-rust installed, 'auto' would pick Rust.
    return vbt.Portfolio.from_signals(
        close[:upto],
        entries[:upto],
        exits[:upto],
        price=open_[:upto],
        size=execution["positionSize"],
        size_type="percent",
        fees=execution["commission"],
        slippage=execution["slippage"],
        init_cash=execution["initialCapital"],
        direction="longonly",
        engine=engine,
    )


def check(portfolio):
    return {"finalEquity": float(portfolio.final_value()), "trades": int(portfolio.trades.count())}


if mode == "warm":
    # Compiles (or loads from numba's cache) the kernels on a few bars, outside the timing.
    check(run(100))
    timing, portfolio = measure(run)
    emit({"n": n, **timing, "check": check(portfolio)})
else:
    result = check(run())
    ran = time.perf_counter()
    emit({
        "n": n,
        "phasesMs": {"import": (imported - started) * 1e3, "load": (loaded - imported) * 1e3, "run": (ran - loaded) * 1e3},
        "check": result,
    })
