"""Interleaved timing: every contender runs once per round, so drift and the
load of a shared machine fall on all of them alike; medians over rounds."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np


@dataclass
class Stats:
    times: list[float]

    @property
    def median(self) -> float:
        return float(np.median(self.times))

    @property
    def best(self) -> float:
        return float(np.min(self.times))

    @property
    def spread(self) -> float:
        """Interquartile range over the median: how noisy the rounds were."""
        q1, q3 = np.percentile(self.times, [25, 75])
        return float((q3 - q1) / self.median) if self.median > 0 else 0.0


def interleaved(contenders: Mapping[str, Callable[[int], object]], rounds: int, warmup: int = 1) -> dict[str, Stats]:
    """Times each ``fn(round_index)``; the order rotates from round to round."""
    names = list(contenders)
    for w in range(warmup):
        for n in names:
            contenders[n](w)
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        shift = r % len(names)
        for n in names[shift:] + names[:shift]:
            t0 = time.perf_counter()
            contenders[n](r)
            times[n].append(time.perf_counter() - t0)
    return {n: Stats(times[n]) for n in names}


def in_threads(fn: Callable[[np.ndarray], object], array: np.ndarray, threads: int) -> None:
    """fn over `threads` contiguous parts of `array`, one Python thread each
    (numpy releases the GIL inside reductions and copies)."""
    if threads <= 1:
        fn(array)
        return
    parts = np.array_split(array, threads)
    workers = [threading.Thread(target=fn, args=(p,)) for p in parts[1:]]
    for w in workers:
        w.start()
    fn(parts[0])
    for w in workers:
        w.join()


def loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def wait_for_quiet(max_load: float, max_wait_s: float) -> float:
    """Waits (up to max_wait_s) for the 1-minute load average to drop below max_load."""
    deadline = time.monotonic() + max_wait_s
    while loadavg() > max_load and time.monotonic() < deadline:
        time.sleep(10)
    return loadavg()
