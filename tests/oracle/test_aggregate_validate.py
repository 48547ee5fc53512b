"""Validation limits and aggregation rules, on in-memory observations (no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracle.aggregate import aggregate, median
from oracle.config import MacroFeedConfig, PriceFeedConfig, Tolerance
from oracle.models import LastAccepted, Observation, RejectionReason, Unit
from oracle.validation import validate_observation
from tests.oracle.conftest import ISIN, NOW

R = RejectionReason


def price_feed(sources: list[str], **extra: Any) -> PriceFeedConfig:
    return PriceFeedConfig.model_validate(
        {"name": "p", "kind": "price", "isin": ISIN, "sources": sources, **extra}
    )


def macro_feed(sources: list[str], **extra: Any) -> MacroFeedConfig:
    return MacroFeedConfig.model_validate(
        {
            "name": "m",
            "kind": "macro",
            "country": "ITA",
            "series": "gdp_growth",
            "sources": sources,
            **extra,
        }
    )


def obs(
    source: str,
    value: str | Decimal,
    *,
    as_of: datetime = NOW - timedelta(hours=1),
    period: str | None = None,
    unit: Unit = Unit.PERCENT_OF_PAR,
) -> Observation:
    return Observation(
        feed="f",
        source=source,
        source_type="test",
        value=Decimal(value),
        unit=unit,
        period=period or as_of.isoformat(),
        as_of=as_of,
        fetched_at=NOW,
        payload_sha256="0" * 64,
        location="test:",
        raw_value=str(value),
    )


def year_obs(source: str, value: str, year: int) -> Observation:
    return obs(
        source,
        value,
        as_of=datetime(year, 12, 31, tzinfo=UTC),
        period=str(year),
        unit=Unit.PERCENT_PER_YEAR,
    )


# -------------------------------------------------------------------- validation
def test_validate__inside_every_limit__accepted() -> None:
    assert validate_observation(obs("a", "98"), price_feed(["a"]), now=NOW) is None


def test_validate__range_bounds_are_inclusive() -> None:
    feed = price_feed(["a"], validation={"range": {"min": 50, "max": 150}})
    assert validate_observation(obs("a", "150"), feed, now=NOW) is None
    rejection = validate_observation(obs("a", "150.0001"), feed, now=NOW)
    assert rejection is not None and rejection.reason is R.OUT_OF_RANGE


def test_validate__age_exactly_at_limit__accepted_one_second_more_stale() -> None:
    feed = price_feed(["a"], validation={"max_age_s": 3600})
    at_limit = obs("a", "98", as_of=NOW - timedelta(seconds=3600))
    beyond = obs("a", "98", as_of=NOW - timedelta(seconds=3601))
    assert validate_observation(at_limit, feed, now=NOW) is None
    rejection = validate_observation(beyond, feed, now=NOW)
    assert rejection is not None and rejection.reason is R.STALE


def test_validate__deviation_at_limit_accepted_beyond_rejected() -> None:
    feed = price_feed(["a"], validation={"max_deviation": {"relative_bps": 100}})
    last = LastAccepted(Decimal("100"), "p", NOW - timedelta(days=1))
    assert validate_observation(obs("a", "101"), feed, now=NOW, last_accepted=last) is None
    rejection = validate_observation(obs("a", "101.01"), feed, now=NOW, last_accepted=last)
    assert rejection is not None and rejection.reason is R.DEVIATION_LIMIT
    assert "+1.01 (+101 bps)" in rejection.message


def test_validate__no_deviation_limit_without_last_accepted() -> None:
    feed = price_feed(["a"], validation={"max_deviation": {"relative_bps": 1}})
    assert validate_observation(obs("a", "150"), feed, now=NOW) is None


def test_validate__macro_lag_boundary() -> None:
    feed = macro_feed(["a"], validation={"max_lag_years": 2})  # newest usable year 2024
    assert validate_observation(year_obs("a", "1", 2022), feed, now=NOW) is None
    rejection = validate_observation(year_obs("a", "1", 2021), feed, now=NOW)
    assert rejection is not None and rejection.reason is R.STALE


def test_validate__revision_of_the_same_period_allowed() -> None:
    feed = macro_feed(["a"])
    last = LastAccepted(Decimal("0.7"), "2024", datetime(2024, 12, 31, tzinfo=UTC))
    assert (
        validate_observation(year_obs("a", "0.8", 2024), feed, now=NOW, last_accepted=last) is None
    )


def test_tolerance__relative_against_zero_reference() -> None:
    tolerance = Tolerance(relative_bps=Decimal(100))
    assert tolerance.exceeded(Decimal("0.1"), Decimal(0))
    assert not tolerance.exceeded(Decimal(0), Decimal(0))


# -------------------------------------------------------------------- aggregation
def test_median__odd_and_even() -> None:
    assert median([Decimal(3), Decimal(1), Decimal(2)]) == 2
    assert median([Decimal(4), Decimal(1), Decimal(2), Decimal(3)]) == Decimal("2.5")
    with pytest.raises(ValueError):
        median([])


def test_aggregate__three_agree__median_and_spread() -> None:
    feed = price_feed(
        ["a", "b", "c"], aggregation={"quorum": 2, "max_spread": {"relative_bps": 100}}
    )
    early = NOW - timedelta(hours=3)
    values = [obs("a", "98.7"), obs("b", "98.9", as_of=early), obs("c", "98.8")]
    accepted, rejections = aggregate(feed, values, now=NOW)
    assert rejections == []
    assert accepted is not None
    assert accepted.value == Decimal("98.8")
    assert accepted.spread == Decimal("0.2")
    assert accepted.as_of == early  # as fresh as its stalest input
    assert accepted.sources == ("a", "b", "c")


def test_aggregate__no_observation__no_quorum() -> None:
    accepted, rejections = aggregate(price_feed(["a"]), [], now=NOW)
    assert accepted is None
    assert [r.reason for r in rejections] == [R.NO_QUORUM]


def test_aggregate__macro_picks_newest_year_with_quorum() -> None:
    feed = macro_feed(["a", "b", "c"], aggregation={"quorum": 2, "max_spread": {"absolute": 1}})
    values = [year_obs("a", "0.7", 2024), year_obs("b", "0.9", 2023), year_obs("c", "1.0", 2023)]
    accepted, rejections = aggregate(feed, values, now=NOW)
    assert accepted is not None
    assert (accepted.period, accepted.value) == ("2023", Decimal("0.95"))
    assert [(r.source, r.reason) for r in rejections] == [("a", R.PERIOD_MISMATCH)]


decimals = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(500), places=4)


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(decimals, min_size=1, max_size=7),
    quorum=st.integers(min_value=1, max_value=7),
    spread_bps=st.integers(min_value=1, max_value=5_000),
)
def test_aggregate__properties(values: list[Decimal], quorum: int, spread_bps: int) -> None:
    """Whatever the inputs: the value lies within the agreeing observations, every input is
    either behind the value or rejected (never both), and the quorum always holds."""
    names = [f"s{i}" for i in range(len(values))]
    quorum = min(quorum, len(values))
    feed = price_feed(
        names, aggregation={"quorum": quorum, "max_spread": {"relative_bps": spread_bps}}
    )
    observations = [obs(name, value) for name, value in zip(names, values, strict=True)]
    accepted, rejections = aggregate(feed, observations, now=NOW)

    rejected = {r.source for r in rejections if r.source is not None}
    if accepted is None:
        assert any(r.source is None for r in rejections)
        return
    used = set(accepted.sources)
    assert len(used) >= quorum
    assert used.isdisjoint(rejected)
    assert used | rejected == set(names)
    inputs = [o.value for o in accepted.observations]
    assert min(inputs) <= accepted.value <= max(inputs)
    center = median(values)
    tolerance = Tolerance(relative_bps=Decimal(spread_bps))
    assert all(not tolerance.exceeded(v, center) for v in inputs)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(decimals, min_size=1, max_size=6), data=st.data())
def test_aggregate__order_of_sources_does_not_matter(values: list[Decimal], data: Any) -> None:
    names = [f"s{i}" for i in range(len(values))]
    feed = price_feed(names, aggregation={"quorum": 1, "max_spread": {"relative_bps": 300}})
    observations = [obs(n, v) for n, v in zip(names, values, strict=True)]
    shuffled = data.draw(st.permutations(observations))
    first, _ = aggregate(feed, observations, now=NOW)
    second, _ = aggregate(feed, shuffled, now=NOW)
    assert (first and first.value) == (second and second.value)
