"""Counters and latency histograms the Moderator keeps for monitoring (pure).

The web layer renders them in Prometheus' format; nothing here knows it.
"""

import bisect
from collections import Counter
from dataclasses import dataclass, field

__all__ = ["LATENCY_BUCKETS", "Histogram", "Stats"]

# Seconds: hashing an image takes milliseconds, a video up to seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(slots=True)
class Histogram:
    buckets: tuple[float, ...] = LATENCY_BUCKETS
    counts: list[int] = field(default_factory=list)  # per bucket, plus one for +Inf
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.buckets) + 1)

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.buckets, seconds)] += 1
        self.total += seconds
        self.count += 1

    def cumulative(self) -> list[tuple[str, int]]:
        """``(upper bound, observations at or below it)``, ending with ``+Inf``."""
        bounds = [*(repr(b) for b in self.buckets), "+Inf"]
        running, out = 0, []
        for bound, count in zip(bounds, self.counts, strict=True):
            running += count
            out.append((bound, running))
        return out


@dataclass(slots=True)
class Stats:
    """``messages`` seen, ``matches`` found; effects by ``kind:ending`` live with the
    performer (``Moderator.counts``)."""

    events: Counter[str] = field(default_factory=Counter)
    bank_matches: Counter[str] = field(default_factory=Counter)  # by bank (never by entry)
    quarantines: Counter[str] = field(default_factory=Counter)  # entries quarantined, by bank
    shadow_matches: Counter[str] = field(default_factory=Counter)  # by bank in shadow
    hashing: Histogram = field(default_factory=Histogram)
    matching: Histogram = field(default_factory=Histogram)
