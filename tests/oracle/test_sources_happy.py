"""Each adapter against its recorded payload: values, units, periods and provenance."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal

from pytest_httpserver import HTTPServer

from oracle.models import FeedKind, RejectionReason, Unit
from tests.oracle.conftest import (
    IMF_DEBT_PATH,
    ISIN,
    NOW,
    QUOTE_PATH,
    TOKEN,
    WB_GROWTH_PATH,
    build_config,
    payload_bytes,
    run_feed,
    wb_query,
)


def test_custodian__recorded_quote__percent_of_par_with_provenance(
    httpserver: HTTPServer, base_url: str
) -> None:
    httpserver.expect_request(
        QUOTE_PATH, headers={"Authorization": f"Bearer {TOKEN}"}
    ).respond_with_data(payload_bytes("custodian/quote_ok.json"), content_type="application/json")
    result = run_feed(build_config(base_url), "btp-price")

    assert result.rejections == ()
    accepted = result.accepted
    assert accepted is not None
    assert accepted.kind is FeedKind.PRICE
    assert accepted.value == Decimal("98.745")
    assert accepted.unit is Unit.PERCENT_OF_PAR
    assert accepted.period == "2025-06-30T15:30:00Z"
    (obs,) = result.observations
    assert obs.raw_value == "98.745"
    assert obs.fetched_at == NOW
    assert obs.location == f"{base_url}{QUOTE_PATH}"
    assert (
        obs.payload_sha256 == hashlib.sha256(payload_bytes("custodian/quote_ok.json")).hexdigest()
    )
    assert accepted.to_fixed(8) == 9_874_500_000


def test_custodian__per_unit_unix_seconds__converted_to_percent_of_par(
    serve: Callable[..., None], base_url: str
) -> None:
    serve("/quotes", "custodian/quote_per_unit.json")
    sources = {
        "flat": {
            "type": "custodian_http",
            "base_url": base_url,
            "path": "/quotes",
            "params": {"isin": ISIN},
            "value_path": "price",
            "price_unit": "per_unit",
            "face_value": 1000,
            "timestamp_path": "ts",
            "timestamp_format": "unix_seconds",
            "isin_path": "isin",
        }
    }
    feeds = [{"name": "p", "kind": "price", "isin": ISIN, "sources": ["flat"]}]
    result = run_feed(build_config(base_url, sources=sources, feeds=feeds), "p")

    assert result.rejections == ()
    assert result.accepted is not None
    assert result.accepted.value == Decimal("98.745")  # 987.45 / 1000 * 100
    assert result.accepted.period == "2025-06-30T15:30:00Z"


def test_imf__recorded_series__newest_actual_year_not_projection(
    serve: Callable[..., None], base_url: str
) -> None:
    serve(IMF_DEBT_PATH, "imf/GGXWDG_NGDP_ITA.json")
    result = run_feed(build_config(base_url), "ITA-debt")

    assert result.rejections == ()
    accepted = result.accepted
    assert accepted is not None
    # 2025-2030 are WEO projections; newest_year_offset -1 stops at 2024.
    assert (accepted.period, accepted.value, accepted.unit) == (
        "2024",
        Decimal("135.3"),
        Unit.PERCENT_OF_GDP,
    )
    assert result.observations[0].meta["indicator"] == "GGXWDG_NGDP"


def test_imf__newest_year_offset_zero__uses_current_year_estimate(
    serve: Callable[..., None], base_url: str
) -> None:
    serve(IMF_DEBT_PATH, "imf/GGXWDG_NGDP_ITA.json")
    feeds = [
        {
            "name": "ITA-debt",
            "kind": "macro",
            "country": "ITA",
            "series": "debt_to_gdp",
            "sources": ["imf"],
            "validation": {"newest_year_offset": 0},
        }
    ]
    result = run_feed(build_config(base_url, feeds=feeds), "ITA-debt")
    assert result.accepted is not None
    assert (result.accepted.period, result.accepted.value) == ("2025", Decimal("137.4"))


def test_imf__pinned_year__reports_that_year(serve: Callable[..., None], base_url: str) -> None:
    serve(IMF_DEBT_PATH, "imf/GGXWDG_NGDP_ITA.json")
    feeds = [
        {
            "name": "ITA-debt",
            "kind": "macro",
            "country": "ITA",
            "series": "debt_to_gdp",
            "sources": ["imf"],
            "validation": {"year": 2020},
        }
    ]
    result = run_feed(build_config(base_url, feeds=feeds), "ITA-debt")
    assert result.accepted is not None
    assert (result.accepted.period, result.accepted.value) == ("2020", Decimal("154.9"))


def test_world_bank__two_pages__rows_merged_and_hash_covers_both(
    httpserver: HTTPServer, base_url: str
) -> None:
    page1 = payload_bytes("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json")
    page2 = payload_bytes("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page2.json")
    httpserver.expect_request(WB_GROWTH_PATH, query_string=wb_query(1)).respond_with_data(page1)
    httpserver.expect_request(WB_GROWTH_PATH, query_string=wb_query(2)).respond_with_data(page2)
    feeds = [
        {
            "name": "wb",
            "kind": "macro",
            "country": "ITA",
            "series": "gdp_growth",
            "sources": ["worldbank"],
            "validation": {"max_lag_years": 0},
        }
    ]
    result = run_feed(build_config(base_url, feeds=feeds), "wb")

    assert result.rejections == ()
    (obs,) = result.observations
    assert (obs.period, obs.value) == ("2024", Decimal("0.716845210837468"))
    assert obs.unit is Unit.PERCENT_PER_YEAR
    assert obs.meta["pages"] == "2"
    assert obs.meta["lastupdated"] == "2025-07-01"
    assert obs.payload_sha256 == hashlib.sha256(page1 + page2).hexdigest()
    assert len(httpserver.log) == 2


def test_world_bank__newest_years_null__falls_back_to_newest_published_year(
    serve: Callable[..., None], base_url: str
) -> None:
    serve(
        WB_GROWTH_PATH,
        "worldbank/NY.GDP.MKTP.KD.ZG_ITA_recent_null.json",
        query=wb_query(1, per_page=50),
    )
    sources = {"worldbank": {"type": "world_bank", "base_url": base_url, "window_years": 10}}
    feeds = [
        {
            "name": "wb",
            "kind": "macro",
            "country": "ITA",
            "series": "gdp_growth",
            "sources": ["worldbank"],
        }
    ]
    result = run_feed(build_config(base_url, sources=sources, feeds=feeds), "wb")

    assert result.accepted is not None
    assert result.accepted.period == "2022"
    assert result.observations[0].meta["skipped_null_years"] == "2024,2023"


def test_imf_and_world_bank__agree__median_of_two(serve_standard: None, base_url: str) -> None:
    result = run_feed(build_config(base_url), "ITA-growth")

    assert result.rejections == ()
    accepted = result.accepted
    assert accepted is not None
    assert accepted.sources == ("imf", "worldbank")
    assert accepted.period == "2024"
    assert accepted.value == (Decimal("0.7") + Decimal("0.716845210837468")) / 2
    assert accepted.spread == Decimal("0.016845210837468")


def test_file_csv__fraction_converted_and_other_country_rows_ignored(base_url: str) -> None:
    feeds = [
        {
            "name": "csv",
            "kind": "macro",
            "country": "ITA",
            "series": "debt_to_gdp",
            "sources": ["debt_csv"],
        }
    ]
    result = run_feed(build_config(base_url, feeds=feeds), "csv")
    assert result.rejections == ()
    assert result.accepted is not None
    assert (result.accepted.period, result.accepted.value) == ("2024", Decimal("135.300"))
    assert result.observations[0].location.endswith("files/ITA_macro.csv")


def test_file_json__newest_quote_of_the_isin_in_utc(base_url: str) -> None:
    feeds = [{"name": "p", "kind": "price", "isin": ISIN, "sources": ["prices_json"]}]
    result = run_feed(build_config(base_url, feeds=feeds), "p")
    assert result.rejections == ()
    assert result.accepted is not None
    assert result.accepted.value == Decimal("98.76")
    assert result.accepted.period == "2025-06-30T15:30:00Z"


def test_feed_result__to_dict__is_json_ready(serve_standard: None, base_url: str) -> None:
    import json

    result = run_feed(build_config(base_url), "ITA-debt")
    document = json.loads(json.dumps(result.to_dict()))
    assert document["accepted"]["value"] == "135.3"
    assert document["accepted"]["provenance"][0]["source"] == "imf"
    assert document["rejections"] == []
    assert RejectionReason.STALE.value == "stale"
