"""The issue's feature build in Python: python features.py N pandas|talib

RSI, EMA, MACD, Bollinger, ATR, ADX/±DI and three triangular memberships on RSI, in the column
order of bench/lib/featureSet.js, written to .data/nN/out/features-<peer>.f64 for the check.

pandas: vectorised pandas/numpy written to our conventions, so values agree from the first bar:
Wilder averages seeded with the mean of their first `period` values (one seed value, then
ewm(adjust=False) from it), EMA as ewm(span, adjust=True), MACD on ewm(adjust=False), sample
standard deviation (ddof=1) for the bands.

talib: TA-Lib's own functions with its own seeding (EMA and MACD start from an SMA, ATR and
ADX from Wilder sums over bars 1…period), which differs from ours only during warm-up; the
check compares from config.features.compareFromBar on. TA-Lib's bands use the population
deviation, so its multiplier is scaled by √(period / (period − 1)) to draw the same bands.
ADX, +DI and −DI are three TA-Lib calls (it has no call returning all three).
"""

import math
import os
import sys

import numpy as np

from common import CONFIG, emit, load_bars, measure, out_dir

FEATURES = CONFIG["features"]


def memberships(rsi):
    out = []
    for a, b, c in FEATURES["rsiMemberships"].values():
        rise = (rsi - a) / (b - a)
        fall = (c - rsi) / (c - b)
        # NaN (warm-up) stays NaN: np.minimum propagates it and both comparisons are False.
        out.append(np.where((rsi < a) | (rsi > c), 0.0, np.minimum(rise, fall)))
    return out


def wilder(values, period, start):
    """Wilder's average of a Series from position `start`, seeded with the mean of its first `period` values."""
    seeded = values.copy()
    seed_at = start + period - 1
    seeded.iloc[seed_at] = values.iloc[start : start + period].mean()
    seeded.iloc[:seed_at] = np.nan
    return seeded.ewm(alpha=1 / period, adjust=False).mean()


def build_pandas(bars):
    close, high, low = bars["close"], bars["high"], bars["low"]
    p = FEATURES["rsi"]["period"]
    change = close.diff()
    gain = wilder(change.clip(lower=0), p, 1)
    loss = wilder(-change.clip(upper=0), p, 1)
    total = gain + loss
    rsi = (100 * gain / total).where(total != 0, 50.0).where(total.notna())

    e = FEATURES["ema"]["period"]
    ema = close.ewm(span=e, adjust=True).mean()
    ema.iloc[: e - 1] = np.nan

    m = FEATURES["macd"]
    line = close.ewm(span=m["fast_period"], adjust=False).mean() - close.ewm(span=m["slow_period"], adjust=False).mean()
    signal = line.ewm(span=m["signal_period"], adjust=False).mean()
    histogram = line - signal
    signal_warmup = m["slow_period"] + m["signal_period"] - 2
    line.iloc[: m["slow_period"] - 1] = np.nan
    signal.iloc[:signal_warmup] = np.nan
    histogram.iloc[:signal_warmup] = np.nan

    b = FEATURES["bbands"]
    rolling = close.rolling(b["period"])
    middle = rolling.mean()
    width = b["multiplier"] * rolling.std()

    previous = close.shift(1)
    true_range = np.maximum(high - low, np.maximum((high - previous).abs(), (low - previous).abs()))
    true_range.iloc[0] = high.iloc[0] - low.iloc[0]
    atr = wilder(true_range, FEATURES["atr"]["period"], 0)

    d = FEATURES["adx"]["period"]
    up = high.diff()
    down = -low.diff()
    plus_move = up.where((up > down) & (up > 0), 0.0)
    minus_move = down.where((down > up) & (down > 0), 0.0)
    smoothed_range = wilder(true_range, d, 1)
    plus_di = (100 * wilder(plus_move, d, 1) / smoothed_range).where(smoothed_range != 0, 0.0).where(smoothed_range.notna())
    minus_di = (100 * wilder(minus_move, d, 1) / smoothed_range).where(smoothed_range != 0, 0.0).where(smoothed_range.notna())
    di_sum = plus_di + minus_di
    dx = (100 * (plus_di - minus_di).abs() / di_sum).where(di_sum != 0, 0.0).where(di_sum.notna())
    adx = wilder(dx, d, d)

    rsi = rsi.to_numpy()
    columns = [rsi, ema, line, signal, histogram, middle + width, middle, middle - width, atr, adx, plus_di, minus_di]
    return [np.asarray(c, dtype=np.float64) for c in columns] + memberships(rsi)


def build_talib(bars):
    import talib

    close, high, low = (bars[c].to_numpy() for c in ("close", "high", "low"))
    rsi = talib.RSI(close, FEATURES["rsi"]["period"])
    ema = talib.EMA(close, FEATURES["ema"]["period"])
    m = FEATURES["macd"]
    line, signal, histogram = talib.MACD(close, m["fast_period"], m["slow_period"], m["signal_period"])
    b = FEATURES["bbands"]
    deviations = b["multiplier"] * math.sqrt(b["period"] / (b["period"] - 1))
    upper, middle, lower = talib.BBANDS(close, b["period"], deviations, deviations, 0)
    atr = talib.ATR(high, low, close, FEATURES["atr"]["period"])
    d = FEATURES["adx"]["period"]
    adx = talib.ADX(high, low, close, d)
    plus_di = talib.PLUS_DI(high, low, close, d)
    minus_di = talib.MINUS_DI(high, low, close, d)
    return [rsi, ema, line, signal, histogram, upper, middle, lower, atr, adx, plus_di, minus_di] + memberships(rsi)


n, peer = int(sys.argv[1]), sys.argv[2]
build = {"pandas": build_pandas, "talib": build_talib}[peer]
bars = load_bars(n)
timing, columns = measure(lambda: build(bars))
np.concatenate(columns).astype("<f8").tofile(os.path.join(out_dir(n), f"features-{peer}.f64"))
emit({"n": n, **timing})
