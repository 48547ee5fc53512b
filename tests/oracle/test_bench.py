"""The benchmark script still runs (tiny sizes; the numbers live in docs/benchmarks.md)."""

from __future__ import annotations

from oracle.bench import bench_end_to_end, bench_validate_aggregate, make_isin
from oracle.config import isin_check_digit


def test_bench__validate_aggregate_counts_every_observation() -> None:
    result = bench_validate_aggregate(observations=50, repeat=1)
    assert result["observations"] >= 50
    assert result["observations_per_s"] > 0


def test_bench__end_to_end_small_run_all_feeds_pushable() -> None:
    result = bench_end_to_end(feeds=4, workers=2, repeat=1)
    assert result["http_requests_per_run"] == 8
    assert result["sequential_s_median"] > 0


def test_bench__generated_isins_are_valid() -> None:
    isin = make_isin(42)
    assert int(isin[-1]) == isin_check_digit(isin[:11])
