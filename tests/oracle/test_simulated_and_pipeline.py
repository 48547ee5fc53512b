"""Simulated source (real TSDCM model and a stand-in), JSON paths, pipeline guarantees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from oracle.config import SimulatedSourceConfig
from oracle.jsonpath import JsonPath, JsonPathLookupError, JsonPathSyntaxError
from oracle.models import FeedKind, MacroSeries, Observation, RejectionReason
from oracle.pipeline import FeedPipeline, run_feeds
from oracle.sources import FeedRequest, Source
from oracle.sources.simulated import SimulatedMacroSource
from tests.oracle.conftest import NOW, build_config, run_feed

SIM = {"type": "simulated", "seed": 7, "start_year": 2020, "years": 10, "dt": 0.01}


def request(series: MacroSeries, *, year: int | None = None) -> FeedRequest:
    return FeedRequest(
        feed="sim",
        kind=FeedKind.MACRO,
        now=NOW,
        country="SIM",
        series=series,
        newest_year=2024,
        pinned_year=year,
    )


@dataclass(frozen=True)
class StandInPath:
    t: Any
    debt_ratio: Any
    growth: Any
    regime: Any


def stand_in(config: Any = None, *, years: float = 10.0, dt: float = 0.01, seed: int = 0) -> Any:
    """Same signature as analytics.sovereign.simulate_path; linear, so results are exact."""
    n = round(years / dt)
    t = np.arange(n + 1) * dt
    return StandInPath(t, 1.0 + 0.01 * t, 0.02 + 0.0 * t, np.zeros(n + 1, dtype=np.int8))


def test_simulated__stand_in__year_end_debt_and_mean_growth() -> None:
    source = SimulatedMacroSource(
        "sim", SimulatedSourceConfig.model_validate(SIM), simulator=stand_in, clock=lambda: NOW
    )
    debt = source.fetch(request(MacroSeries.DEBT_TO_GDP))
    growth = source.fetch(request(MacroSeries.GDP_GROWTH))
    # 2024 is k = 4: debt at t = 5 is 1.05 -> 105 %; growth 2 %.
    assert (debt.period, debt.value) == ("2024", Decimal("105.000000"))
    assert (growth.period, growth.value) == ("2024", Decimal("2.000000"))
    assert debt.payload_sha256 == growth.payload_sha256  # one simulated payload


def test_simulated__beyond_horizon__missing_period() -> None:
    source = SimulatedMacroSource(
        "sim", SimulatedSourceConfig.model_validate(SIM), simulator=stand_in
    )
    with pytest.raises(Exception) as caught:
        source.fetch(request(MacroSeries.DEBT_TO_GDP, year=2035))
    assert caught.value.reason is RejectionReason.MISSING_PERIOD  # type: ignore[attr-defined]


def test_simulated__real_model__seeded_and_reproducible(base_url: str) -> None:
    pytest.importorskip("analytics.sovereign")
    sources = {"sim": SIM}
    feeds = [
        {"name": name, "kind": "macro", "country": "SIM", "series": series, "sources": ["sim"]}
        for name, series in (("d", "debt_to_gdp"), ("g", "gdp_growth"))
    ]
    config = build_config(base_url, sources=sources, feeds=feeds)
    first = [run_feed(config, name) for name in ("d", "g")]
    again = [run_feed(config, name) for name in ("d", "g")]
    for one, two in zip(first, again, strict=True):
        assert one.accepted is not None and two.accepted is not None
        assert one.accepted.value == two.accepted.value
        assert one.accepted.period == "2024"
    other = dict(SIM, seed=8)
    config8 = build_config(base_url, sources={"sim": other}, feeds=feeds)
    assert run_feed(config8, "d").accepted.value != first[0].accepted.value  # type: ignore[union-attr]


def test_simulated__model_overrides_validated_against_analytics(base_url: str) -> None:
    pytest.importorskip("analytics.sovereign")
    from oracle.config import parse_config
    from oracle.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_config(
            {
                "version": 1,
                "sources": {"sim": dict(SIM, model={"initial_debt_ratio": -1})},
                "feeds": [
                    {
                        "name": "d",
                        "kind": "macro",
                        "country": "SIM",
                        "series": "debt_to_gdp",
                        "sources": ["sim"],
                    },
                ],
            }  # fmt: skip
        )
    assert "initial_debt_ratio" in str(caught.value)


# ----------------------------------------------------------------------- json paths
def test_jsonpath__keys_indices_quoted() -> None:
    document = {"data": {"quotes": [{"p": 1}, {"p": 2}], "a.b": 3}}
    assert JsonPath.parse("$.data.quotes[-1].p").resolve(document) == 2
    assert JsonPath.parse('data["a.b"]').resolve(document) == 3


@pytest.mark.parametrize("text", ["", "$", ".a", "a..b", "a.[0]", "a b", "a[x]"])
def test_jsonpath__syntax_errors(text: str) -> None:
    with pytest.raises(JsonPathSyntaxError):
        JsonPath.parse(text)


def test_jsonpath__lookup_error_says_where_it_stopped() -> None:
    with pytest.raises(JsonPathLookupError) as caught:
        JsonPath.parse("data.quotes[5].p").resolve({"data": {"quotes": [1]}})
    assert "$.data.quotes has 1 items" in caught.value.message


# ------------------------------------------------------------------------- pipeline
class Exploding(Source):
    source_type = "test"

    def fetch(self, request: FeedRequest) -> Observation:
        raise ZeroDivisionError("bug")


def test_pipeline__adapter_bug__internal_error_and_other_sources_still_count(
    serve_standard: None, base_url: str
) -> None:
    config = build_config(base_url)
    feed = config.feed("ITA-growth")
    good = FeedPipeline.from_config(config, "ITA-growth", clock=lambda: NOW).sources[0]
    pipeline = FeedPipeline(feed, [good, Exploding("worldbank")], clock=lambda: NOW)
    result = pipeline.run(now=NOW)
    assert result.accepted is None  # quorum 2
    reasons = [(r.source, r.reason) for r in result.rejections]
    assert ("worldbank", RejectionReason.INTERNAL_ERROR) in reasons
    assert len(result.observations) == 1


def test_pipeline__sources_must_match_the_feed(base_url: str) -> None:
    config = build_config(base_url)
    with pytest.raises(ValueError, match="wants sources"):
        FeedPipeline(config.feed("ITA-debt"), [Exploding("other")])


def test_run_feeds__parallel_results_in_config_order(serve_standard: None, base_url: str) -> None:
    config = build_config(base_url)
    results = run_feeds(config, now=NOW, max_workers=3)
    assert [r.feed for r in results] == ["btp-price", "ITA-debt", "ITA-growth"]
    assert all(r.ok for r in results)


def test_run_feeds__unknown_feed_name__key_error_before_fetching(base_url: str) -> None:
    with pytest.raises(KeyError, match="btp-price, ITA-debt, ITA-growth"):
        run_feeds(build_config(base_url), ["nope"], now=NOW)


def test_observation_times_are_utc(serve_standard: None, base_url: str) -> None:
    result = run_feed(build_config(base_url), "btp-price")
    (observation,) = result.observations
    assert observation.as_of.tzinfo is not None
    assert observation.as_of == datetime(2025, 6, 30, 15, 30, tzinfo=UTC)
