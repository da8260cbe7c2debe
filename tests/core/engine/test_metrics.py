"""Histogram buckets are cumulative and end at +Inf."""

import pytest

from core.engine.metrics import Histogram


@pytest.mark.parametrize(
    ("observed", "expected"),
    [
        ([], [("0.01", 0), ("0.1", 0), ("+Inf", 0)]),
        ([0.01], [("0.01", 1), ("0.1", 1), ("+Inf", 1)]),  # a bound is inclusive
        ([0.005, 0.05, 5.0], [("0.01", 1), ("0.1", 2), ("+Inf", 3)]),
    ],
)
def test_cumulative_buckets(observed: list[float], expected: list[tuple[str, int]]) -> None:
    histogram = Histogram((0.01, 0.1))
    for seconds in observed:
        histogram.observe(seconds)
    assert histogram.cumulative() == expected
    assert histogram.count == len(observed)
    assert histogram.total == pytest.approx(sum(observed))
