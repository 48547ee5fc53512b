"""Pure helpers of the escrow and amm jobs: batching, batch keys, period ranges."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from keeper.jobs.amm import period_ranges
from keeper.jobs.escrow import batch_key, chunks


@given(st.lists(st.integers(1, 128), unique=True).map(sorted), st.integers(1, 40))
def test_period_ranges__cover_every_period_once_within_the_bound(periods, max_len):
    ranges = period_ranges(periods, max_len)
    covered = [k for k in periods if any(f <= k <= last for f, last in ranges)]
    assert covered == periods
    assert all(last - first < max_len for first, last in ranges)
    assert all(first in periods and last in periods for first, last in ranges)
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))


def test_period_ranges__contiguous_and_gaps():
    assert period_ranges([], 32) == []
    assert period_ranges([2, 3], 32) == [(2, 3)]
    assert period_ranges([1, 2, 3, 4, 5], 2) == [(1, 2), (3, 4), (5, 5)]


@given(st.lists(st.integers(0, 10**6), unique=True), st.integers(1, 50))
def test_chunks__keep_order_and_bound(items, size):
    addresses = [f"0x{i:040x}" for i in items]
    parts = chunks(addresses, size)
    assert [a for part in parts for a in part] == addresses
    assert all(0 < len(part) <= size for part in parts)


def test_batch_key__order_and_case_insensitive_distinct_per_batch():
    a, b = "0x" + "ab" * 20, "0x" + "CD" * 20
    assert batch_key("E", [a, b]) == batch_key("E", [b.lower(), a.upper().replace("0X", "0x")])
    assert batch_key("E", [a]) != batch_key("E", [a, b])
    assert batch_key("E", [a]).startswith("escrow_batch:E:")
