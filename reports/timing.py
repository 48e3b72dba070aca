"""Timing for the benchmark commands (bench_evaluation, bench_impact)."""

import statistics
import time

from django.db import connection
from django.test.utils import CaptureQueriesContext


def timed(run, arguments: dict, runs: int) -> tuple[object, float, int]:
    """The result, the median time in seconds over `runs` runs after a warm-up, and the queries of one run."""
    run(**arguments)
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            result = run(**arguments)
            times.append(time.perf_counter() - began)
    return result, statistics.median(times), len(queries)
