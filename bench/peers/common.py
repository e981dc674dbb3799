"""What every peer measurement shares: settings, inputs, timing, peak memory, the report line.

Keep measure() alike to bench/lib/measure.js: both sides must be timed the same way.
"""

import json
import os
import resource
import sys
import time

import numpy as np

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
with open(os.path.join(BENCH, "config.json")) as f:
    CONFIG = json.load(f)


def data_dir(n):
    return os.path.join(BENCH, ".data", f"n{n}")


def out_dir(n):
    return os.path.join(data_dir(n), "out")


def bars_csv(n):
    return os.path.join(data_dir(n), f"{CONFIG['symbol']}_{CONFIG['timeframe']}.csv")


def load_bars(n):
    """The bars CSV as a DataFrame on a datetime index, the way vectorbt and backtrader users load one.
    Times are parsed after reading: read_csv's own parse_dates took 7 s for 10^6 rows, 5× longer."""
    import pandas as pd

    bars = pd.read_csv(bars_csv(n))
    bars.index = pd.to_datetime(bars.pop("timestamp"), format="ISO8601")
    return bars


def load_signals(n):
    return np.fromfile(os.path.join(data_dir(n), "signals.i8"), dtype=np.int8)


def measure(fn):
    """Warm-up runs (at least `warmups` of them and `warmupSeconds` in all), then the median of up
    to max_runs runs within the budget; a first run longer than the whole budget is the only
    sample. Returns {samples, cpuSamples (seconds of wall and of process CPU time), warm} and
    the last result."""
    timing = CONFIG["timing"]
    result = None
    cpu_samples = []

    def run():
        nonlocal result
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        seconds = time.perf_counter() - started
        cpu_samples.append(time.process_time() - cpu)
        return seconds

    first = run()
    if first > timing["budgetSeconds"]:
        return {"samples": [first], "cpuSamples": cpu_samples, "warm": False}, result
    warmed, runs = first, 1
    while runs < timing["warmups"] or warmed < timing["warmupSeconds"]:
        warmed += run()
        runs += 1
    samples = []
    cpu_samples.clear()
    spent = 0.0
    while len(samples) < timing["maxRuns"] and (not samples or spent < timing["budgetSeconds"]):
        seconds = run()
        samples.append(seconds)
        spent += seconds
    return {"samples": samples, "cpuSamples": cpu_samples, "warm": True}, result


def emit(report):
    """The one JSON line a measurement process prints; ru_maxrss is in KiB on Linux."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(json.dumps({**report, "peakRssMb": peak}) + "\n")
    sys.stdout.flush()
