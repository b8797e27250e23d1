"""The one timer the benchmarks share: the best of a few runs (the least disturbed by the machine)."""

from __future__ import annotations

import time


def best_of(fn, repeat: int = 3) -> float:
    """The shortest wall time, in seconds, of ``repeat`` calls of ``fn``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
