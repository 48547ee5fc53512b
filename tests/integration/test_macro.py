"""The macro job against the real MacroFeed on Anvil, fed by the real oracle pipeline
(file sources in the format of ``tests/oracle/payloads/files/ITA_macro.csv``): a new period
via ``report_pair``, a revision via ``report`` of the changed series only, nothing re-sent
when unchanged, and a period that has not ended on chain is not pushed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from keeper.exceptions import UnsafeStateError
from tests.integration.feeds import head_time, mine_at, write_oracle_config
from tests.utils.ape_speed import fast_reverts

CODE = b"ITA"
DEBT, GROWTH = 1, 2
HEADER = "iso3,year,debt_to_gdp,gdp_growth,source_note\n"


@pytest.fixture(scope="module", autouse=True)
def _fast_reverts():
    with fast_reverts():
        yield


@pytest.fixture
def reporter(paying_agent):
    return paying_agent


@pytest.fixture
def macro_feed(project, admin, reporter):
    feed = admin.deploy(project.MacroFeed, admin)
    feed.grantRole(feed.REPORTER_ROLE(), reporter, sender=admin)
    feed.add_sovereign(CODE, 1, sender=admin)
    return feed


def write_csv(path: Path, rows: dict[int, tuple[str, str]]) -> None:
    """rows: year -> (debt, growth) as fractions (1.353 = 135.3 % of GDP)."""
    lines = [
        f"ITA,{year},{debt},{growth},statistics office" for year, (debt, growth) in rows.items()
    ]
    path.write_text(HEADER + "\n".join(lines) + "\n")


def oracle_yaml(tmp_path: Path, *, validation: dict[str, Any] | None = None) -> Path:
    def source(column: str) -> dict[str, Any]:
        return {
            "type": "file",
            "path": str(tmp_path / "ITA_macro.csv"),
            "period_field": "year",
            "value_field": column,
            "country_field": "iso3",
            "unit": "fraction",
        }

    feeds = []
    for name, series, src in (("ITA-debt", "debt_to_gdp", "debt_csv"),
                              ("ITA-growth", "gdp_growth", "growth_csv")):  # fmt: skip
        feed: dict[str, Any] = {"name": name, "kind": "macro", "country": "ITA",
                                "series": series, "sources": [src]}  # fmt: skip
        if validation:
            feed["validation"] = validation
        feeds.append(feed)
    return write_oracle_config(
        tmp_path / "oracle.yaml",
        {"debt_csv": source("debt_to_gdp"), "growth_csv": source("gdp_growth")},
        feeds,
    )


def macro_job(feed) -> dict[str, Any]:
    return {
        "macro": {
            "interval_s": 60,
            "sovereigns": [
                {"name": "italy", "address": feed.address, "country": "ITA",
                 "debt_feed": "ITA-debt", "growth_feed": "ITA-growth"}
            ],
        }
    }  # fmt: skip


def observation(feed, series: int, period: int) -> tuple[int, int]:
    value, _, _, version = feed.observation(CODE, series, period)
    return int(value), int(version)


def chain_year(chain) -> int:
    return datetime.fromtimestamp(head_time(chain), UTC).year


def test_new_period_pair__revision_of_one_series__unchanged_not_resent(
    chain, tmp_path, macro_feed, reporter, feed_keeper
):
    year = chain_year(chain) - 1  # the newest usable year (newest_year_offset -1)
    csv = tmp_path / "ITA_macro.csv"
    write_csv(csv, {year - 1: ("1.346", "0.007"), year: ("1.353", "0.012")})
    keeper = feed_keeper(reporter, oracle_yaml(tmp_path), macro_job(macro_feed))
    t0 = head_time(chain)
    (report,) = keeper.run_once()
    assert report.actions == [f"macro:{macro_feed.address}:ITA:{year}:13530:120 (mined)"]
    assert observation(macro_feed, DEBT, year) == (13530, 1)
    assert observation(macro_feed, GROWTH, year) == (120, 1)
    period, _, published_at, _, _ = macro_feed.latest(CODE, DEBT)
    assert period == year and t0 <= published_at <= head_time(chain)

    # Same data: nothing is sent (MacroFeed would revert "value unchanged").
    assert keeper.run_once()[0].actions == []

    # The statistics office revises the debt ratio only: one `report` of that series.
    write_csv(csv, {year - 1: ("1.346", "0.007"), year: ("1.349", "0.012")})
    (report,) = keeper.run_once()
    assert report.actions == [f"macro:{macro_feed.address}:ITA:{year}:13490:- (mined)"]
    assert observation(macro_feed, DEBT, year) == (13490, 2)
    assert observation(macro_feed, GROWTH, year) == (120, 1)
    assert macro_feed.update_count(CODE) == 3
    assert keeper.run_once()[0].actions == []

    # A year later on chain, the next year is published: a new pair.
    mine_at(chain, int(datetime(year + 2, 1, 15, tzinfo=UTC).timestamp()))
    write_csv(csv, {year: ("1.349", "0.012"), year + 1: ("1.371", "-0.004")})
    (report,) = keeper.run_once()
    assert report.actions == [f"macro:{macro_feed.address}:ITA:{year + 1}:13710:-40 (mined)"]
    assert macro_feed.latest(CODE, GROWTH)[:2] == (year + 1, -40)
    assert keeper.run_once()[0].actions == []
    assert (
        keeper.metrics.value(
            "keeper_macro_age_seconds", {"sovereign": "italy", "series": "gdp_growth"}
        )
        is not None
    )
    assert not keeper.last_error


def test_period_not_ended_on_chain__skipped_with_a_reason(
    chain, tmp_path, macro_feed, reporter, feed_keeper
):
    this_year = chain_year(chain)
    write_csv(tmp_path / "ITA_macro.csv", {this_year: ("1.40", "0.01")})
    config = oracle_yaml(tmp_path, validation={"year": this_year})  # a pinned, unfinished year
    keeper = feed_keeper(reporter, config, macro_job(macro_feed))
    (report,) = keeper.run_once()
    assert report.actions == []
    assert report.skipped and "refuses a publication before the period ended" in report.skipped[0]
    assert macro_feed.update_count(CODE) == 0
    assert not keeper.last_error


def test_source_missing__nothing_pushed_no_value_flagged(
    chain, tmp_path, macro_feed, reporter, feed_keeper
):
    keeper = feed_keeper(reporter, oracle_yaml(tmp_path), macro_job(macro_feed))  # no CSV
    (report,) = keeper.run_once()
    assert report.actions == [] and len(report.skipped) == 2
    assert macro_feed.update_count(CODE) == 0
    for feed in ("ITA-debt", "ITA-growth"):
        assert keeper.metrics.value("keeper_feed_no_value", {"feed": feed}) == 1
        assert (
            keeper.metrics.value(
                "keeper_oracle_rejections_total", {"feed": feed, "reason": "file_error"}
            )
            == 1
        )


def test_setup__missing_role_or_unregistered_sovereign_refused(
    chain, project, admin, tmp_path, reporter, feed_keeper
):
    write_csv(tmp_path / "ITA_macro.csv", {2024: ("1.353", "0.007")})
    bare = admin.deploy(project.MacroFeed, admin)
    keeper = feed_keeper(reporter, oracle_yaml(tmp_path), macro_job(bare), name="a")
    with pytest.raises(UnsafeStateError, match="lacks REPORTER_ROLE on the MacroFeed"):
        keeper.start()
    bare.grantRole(bare.REPORTER_ROLE(), reporter, sender=admin)
    keeper = feed_keeper(reporter, oracle_yaml(tmp_path), macro_job(bare), name="b")
    with pytest.raises(UnsafeStateError, match="ITA is not registered"):
        keeper.start()
