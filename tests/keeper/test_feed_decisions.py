"""The prices and macro jobs' decisions without a chain: when a price is pushed (deviation,
heartbeat, first round, never an old quote) and what a macro pass sends."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from keeper.jobs.macro import (
    DEBT_TO_GDP,
    GDP_GROWTH,
    MacroAction,
    SeriesValue,
    chain_period,
    period_as_of,
    plan_macro,
)
from keeper.jobs.prices import (
    DEVIATION,
    FIRST_ROUND,
    HEARTBEAT,
    INVALID,
    NOT_DUE,
    NOT_NEWER,
    OnChainRound,
    decide_price,
)

T = 1_790_000_000
ROUND = OnChainRound(round_id=7, answer=10_000_000_000, updated_at=T)  # 100 % of par


def decide(answer: int, quote_time: float, chain_time: int, onchain: OnChainRound = ROUND):
    return decide_price(
        onchain, answer=answer, quote_time=quote_time, chain_time=chain_time,
        deviation_bps=50, heartbeat_s=3600,
    )  # fmt: skip


def test_first_round__pushed_with_the_quote_time():
    d = decide(9_874_500_000, T - 5, T, OnChainRound(0, 0, 0))
    assert (d.push, d.reason, d.answer, d.observed_at) == (True, FIRST_ROUND, 9_874_500_000, T - 5)


def test_small_move_before_heartbeat__not_due():
    d = decide(10_049_999_999, T + 60, T + 100)  # 49.99999 bps
    assert (d.push, d.reason) == (False, NOT_DUE)


def test_move_exactly_at_the_threshold__due_on_deviation():
    d = decide(10_050_000_000, T + 60, T + 100)  # 50 bps
    assert (d.push, d.reason, d.observed_at) == (True, DEVIATION, T + 60)
    assert decide(9_950_000_000, T + 60, T + 100).reason == DEVIATION  # downwards too


def test_heartbeat__due_at_exactly_heartbeat_seconds_of_chain_time():
    assert decide(10_000_000_001, T + 3500, T + 3599).reason == NOT_DUE
    d = decide(10_000_000_001, T + 3500, T + 3600)
    assert (d.push, d.reason) == (True, HEARTBEAT)


def test_quote_not_newer_than_the_round__never_pushed_even_when_due():
    for quote_time in (T, T - 1, T + 0.9):  # floored to whole seconds
        d = decide(11_000_000_000, quote_time, T + 4000)
        assert (d.push, d.reason) == (False, NOT_NEWER)


def test_quote_in_the_future__observed_at_capped_at_chain_time():
    d = decide(11_000_000_000, T + 500, T + 100)
    assert (d.push, d.observed_at) == (True, T + 100)
    # capped to a chain time not after the round: nothing newer to say
    assert decide(11_000_000_000, T + 500, T).reason == NOT_NEWER


def test_non_positive_answer__never_pushed():
    assert decide(0, T + 10, T + 5000).reason == INVALID


@given(
    answer=st.integers(1, 10**12),
    onchain_answer=st.integers(1, 10**12),
    updated_at=st.integers(1, 2**40),
    quote_offset=st.floats(-10_000, 10_000, allow_nan=False),
    chain_offset=st.integers(0, 10_000),
    deviation_bps=st.integers(1, 10_000),
    heartbeat_s=st.integers(10, 86_400),
)
def test_property__a_push_is_always_newer_than_chain_and_not_in_the_future(
    answer, onchain_answer, updated_at, quote_offset, chain_offset, deviation_bps, heartbeat_s
):
    onchain = OnChainRound(1, onchain_answer, updated_at)
    chain_time = updated_at + chain_offset
    d = decide_price(
        onchain, answer=answer, quote_time=updated_at + quote_offset, chain_time=chain_time,
        deviation_bps=deviation_bps, heartbeat_s=heartbeat_s,
    )  # fmt: skip
    moved = abs(answer - onchain_answer) * 10_000 >= deviation_bps * onchain_answer
    due = moved or chain_time - updated_at >= heartbeat_s
    newer = min(int(updated_at + quote_offset // 1), chain_time) > updated_at
    assert d.push == (due and newer)
    if d.push:
        assert updated_at < d.observed_at <= chain_time
    else:
        assert d.reason == (NOT_DUE if not due else NOT_NEWER)


# ------------------------------------------------------------------------- macro
def sv(period: int, bps: int, version: int = 0, onchain: int = 0) -> SeriesValue:
    return SeriesValue(period, bps, version, onchain)


def test_macro__new_period_both_series__one_pair():
    assert plan_macro(sv(2025, 13530), sv(2025, 120)) == [MacroAction(2025, 13530, 120)]


def test_macro__unchanged__nothing():
    assert plan_macro(sv(2025, 13530, 1, 13530), sv(2025, 120, 2, 120)) == []


def test_macro__revision_of_one_series__only_that_series():
    actions = plan_macro(sv(2025, 13490, 1, 13530), sv(2025, 120, 1, 120))
    assert actions == [MacroAction(2025, 13490, None)]
    assert not actions[0].is_pair and actions[0].series == DEBT_TO_GDP
    growth = plan_macro(sv(2025, 13530, 1, 13530), sv(2025, 110, 1, 120))
    assert growth == [MacroAction(2025, None, 110)] and growth[0].series == GDP_GROWTH


def test_macro__both_revised__a_pair_of_revisions():
    assert plan_macro(sv(2025, 13490, 1, 13530), sv(2025, 110, 1, 120)) == [
        MacroAction(2025, 13490, 110)
    ]


def test_macro__different_periods_or_one_series_missing__separate_reports():
    assert plan_macro(sv(2025, 13530), sv(2024, 120)) == [
        MacroAction(2025, 13530, None),
        MacroAction(2024, None, 120),
    ]
    assert plan_macro(None, sv(2025, 120)) == [MacroAction(2025, None, 120)]
    assert plan_macro(None, None) == []


def test_macro__keys_name_the_values_and_dashes_for_untouched_series():
    address = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert MacroAction(2025, 13530, -40).key(address, "ITA") == (
        f"macro:{address}:ITA:2025:13530:-40"
    )
    assert MacroAction(2025, None, 120).key(address, "ITA").endswith(":2025:-:120")


def test_periods__annual_and_quarterly_encoding():
    assert chain_period("2024", 1) == 2024
    assert chain_period("2024-Q3", 4) == 202403 and chain_period("2024Q1", 4) == 202401
    assert chain_period("2024", 4) is None and chain_period("2024-Q3", 1) is None
    assert chain_period("2024-Q5", 4) is None
    assert period_as_of(2024, 1).isoformat() == "2024-12-31T00:00:00+00:00"
    assert period_as_of(202404, 4).isoformat() == "2024-12-31T00:00:00+00:00"
    assert period_as_of(202401, 4).isoformat() == "2024-03-31T00:00:00+00:00"
