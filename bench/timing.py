"""Best-of-N timing shared by the benches that time quick store reads."""

from __future__ import annotations

import time


def best(fn, runs: int = 5) -> float:
    """The fastest of ``runs`` calls of ``fn`` in seconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)
