"""Summaries of timed runs, shared by the in-process and the HTTP measures."""

import statistics


def summary(seconds: list[float]) -> dict:
    """Runs, median and 95th percentile, in milliseconds."""
    ms = sorted(1000 * s for s in seconds)
    p95 = statistics.quantiles(ms, n=20, method="inclusive")[18] if len(ms) > 1 else ms[0]
    return {"runs": len(ms), "median_ms": statistics.median(ms), "p95_ms": p95}
