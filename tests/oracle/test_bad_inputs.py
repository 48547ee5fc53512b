"""Bad inputs, one case each, through the full pipeline against a local HTTP server.

Every case asserts the *specific* rejection reason and a fragment of its message, and that
nothing was accepted (except the outlier case, where the two agreeing sources still
publish). The matching success cases are in ``test_sources_happy.py``.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from oracle.config import OracleConfig
from oracle.models import LastAccepted, RejectionReason
from tests.oracle.conftest import (
    IMF_DEBT_PATH,
    IMF_GROWTH_PATH,
    ISIN,
    PAYLOADS,
    QUOTE_PATH,
    TOKEN_ENV,
    WB_GROWTH_PATH,
    build_config,
    dumps,
    payload_bytes,
    payload_json,
    run_feed,
    standard_sources,
    wb_query,
)

R = RejectionReason


@dataclass
class Env:
    serve: Callable[..., None]
    base_url: str
    httpserver: HTTPServer
    monkeypatch: pytest.MonkeyPatch


@dataclass
class Case:
    feed: str
    reason: RejectionReason
    fragment: str
    _: KW_ONLY
    config: OracleConfig | None = None
    last: LastAccepted | None = None
    source: str | None = None  # expected rejection source (None: feed level)
    publishes: bool = False  # whether the feed still publishes a value


CASES: dict[str, Callable[[Env], Case]] = {}


def case(function: Callable[[Env], Case]) -> Callable[[Env], Case]:
    CASES[function.__name__] = function
    return function


def quote(**changes: Any) -> str:
    """The recorded custodian quote with fields of ``data`` / ``data.price`` replaced."""
    document = payload_json("custodian/quote_ok.json")
    for key, value in changes.items():
        target = document["data"]["price"] if key in {"clean", "currency"} else document["data"]
        if value is _DELETE:
            del target[key]
        else:
            target[key] = value
    return dumps(document)


_DELETE = object()


def macro_feed(name: str, series: str, sources: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "macro",
        "country": "ITA",
        "series": series,
        "sources": sources,
        **extra,
    }


def wb_only(env: Env, **source: Any) -> OracleConfig:
    sources = standard_sources(env.base_url)
    sources["worldbank"].update(source)
    return build_config(
        env.base_url,
        sources=sources,
        feeds=[macro_feed("wb", "gdp_growth", ["worldbank"])],
    )


# ---------------------------------------------------------------------- transport
@case
def http_500_on_every_attempt(env: Env) -> Case:
    env.serve(QUOTE_PATH, '{"error": "internal"}', status=500)
    return Case("btp-price", R.HTTP_ERROR, "gave up after 3 attempts", source="custodian")


@case
def http_504_gateway_html_page(env: Env) -> Case:
    env.serve(QUOTE_PATH, "custodian/gateway_timeout.html", status=504, content_type="text/html")
    return Case("btp-price", R.HTTP_ERROR, "HTTP 504", source="custodian")


@case
def http_401_bad_token__names_the_env_var(env: Env) -> Case:
    env.serve(QUOTE_PATH, "custodian/unauthorized.json", status=401)
    return Case(
        "btp-price", R.HTTP_ERROR, f"check the credential in ${TOKEN_ENV}", source="custodian"
    )


@case
def http_429_rate_limited_on_every_attempt(env: Env) -> Case:
    env.serve(QUOTE_PATH, "custodian/rate_limited.json", status=429, headers={"Retry-After": "0"})
    return Case("btp-price", R.HTTP_ERROR, "HTTP 429", source="custodian")


@case
def http_403_cdn_access_denied_html(env: Env) -> Case:
    env.serve(IMF_DEBT_PATH, "imf/access_denied.html", status=403, content_type="text/html")
    return Case("ITA-debt", R.HTTP_ERROR, "'Access Denied'", source="imf")


@case
def read_timeout_on_every_attempt(env: Env) -> Case:
    def slow(_request: Request) -> Response:
        time.sleep(0.25)
        return Response(payload_bytes("custodian/quote_ok.json"), content_type="application/json")

    env.httpserver.expect_request(QUOTE_PATH).respond_with_handler(slow)
    config = build_config(
        env.base_url,
        http={"read_timeout_s": 0.05, "retry": {"attempts": 2, "backoff_initial_s": 0.001}},
    )
    return Case(
        "btp-price", R.TIMEOUT, "gave up after 2 attempts", config=config, source="custodian"
    )


@case
def connection_refused(env: Env) -> Case:
    with socket.socket() as probe:  # a port nobody listens on any more
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sources = standard_sources(f"http://127.0.0.1:{port}")
    config = build_config(env.base_url, sources=sources)
    return Case(
        "btp-price", R.CONNECTION_ERROR, "cannot connect", config=config, source="custodian"
    )


@case
def auth_env_var_missing(env: Env) -> Case:
    env.monkeypatch.delenv(TOKEN_ENV)
    return Case("btp-price", R.MISSING_CREDENTIAL, TOKEN_ENV, source="custodian")


@case
def auth_env_var_with_pasted_newline__secret_not_echoed(env: Env) -> Case:
    env.monkeypatch.setenv(TOKEN_ENV, "abc\ndef")
    return Case("btp-price", R.MISSING_CREDENTIAL, "control characters", source="custodian")


@case
def body_larger_than_limit(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(venue="X" * 4_000))
    config = build_config(env.base_url, http={"max_body_bytes": 2_048})
    return Case("btp-price", R.PAYLOAD_TOO_LARGE, "2,048", config=config, source="custodian")


# ------------------------------------------------------------------ payload shape
@case
def html_maintenance_page_with_http_200(env: Env) -> Case:
    env.serve(QUOTE_PATH, "custodian/maintenance.html", content_type="text/html; charset=utf-8")
    return Case("btp-price", R.HTML_BODY, "Scheduled maintenance", source="custodian")


@case
def truncated_json(env: Env) -> Case:
    env.serve(IMF_DEBT_PATH, payload_bytes("imf/GGXWDG_NGDP_ITA.json")[:120])
    return Case("ITA-debt", R.NOT_JSON, "not valid JSON", source="imf")


@case
def xml_instead_of_json(env: Env) -> Case:
    env.serve(
        WB_GROWTH_PATH,
        "worldbank/NY.GDP.MKTP.KD.ZG_ITA_no_format.xml",
        content_type="application/xml",
        query=wb_query(1),
    )
    return Case("wb", R.NOT_JSON, "XML document", config=wb_only(env), source="worldbank")


@case
def nan_literal_in_json(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote().replace('"98.745"', "NaN"))
    return Case("btp-price", R.NOT_JSON, "NaN", source="custodian")


@case
def empty_body(env: Env) -> Case:
    env.serve(IMF_DEBT_PATH, b"")
    return Case("ITA-debt", R.EMPTY_BODY, "empty body", source="imf")


@case
def world_bank_error_120_invalid_value(env: Env) -> Case:
    env.serve(WB_GROWTH_PATH, "worldbank/error_120_invalid_value.json", query=wb_query(1))
    return Case("wb", R.API_ERROR, "120 Invalid value", config=wb_only(env), source="worldbank")


@case
def world_bank_error_175_indicator_not_found(env: Env) -> Case:
    env.serve(WB_GROWTH_PATH, "worldbank/error_175_indicator_not_found.json", query=wb_query(1))
    return Case(
        "wb", R.API_ERROR, "indicator was not found", config=wb_only(env), source="worldbank"
    )


@case
def imf_answer_without_values(env: Env) -> Case:
    env.serve(IMF_DEBT_PATH, "imf/api_only.json")
    return Case("ITA-debt", R.API_ERROR, "only its 'api' block", source="imf")


@case
def custodian_field_renamed(env: Env) -> Case:
    document = payload_json("custodian/quote_ok.json")
    document["data"]["price"]["clean_price"] = document["data"]["price"].pop("clean")
    env.serve(QUOTE_PATH, dumps(document))
    return Case("btp-price", R.SCHEMA_DRIFT, "key 'clean' not found", source="custodian")


@case
def world_bank_object_instead_of_pair(env: Env) -> Case:
    env.serve(WB_GROWTH_PATH, dumps({"page": 1, "data": []}), query=wb_query(1))
    return Case(
        "wb",
        R.SCHEMA_DRIFT,
        "expected [paging metadata, rows]",
        config=wb_only(env),
        source="worldbank",
    )


@case
def imf_year_key_not_a_year(env: Env) -> Case:
    document = payload_json("imf/GGXWDG_NGDP_ITA.json")
    document["values"]["GGXWDG_NGDP"]["ITA"]["FY2024"] = 135.3
    env.serve(IMF_DEBT_PATH, dumps(document))
    return Case("ITA-debt", R.SCHEMA_DRIFT, "'FY2024', not a year", source="imf")


@case
def world_bank_paging_total_mismatch(env: Env) -> Case:
    page2 = payload_json("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page2.json")
    page2[1] = page2[1][:4]
    env.serve(WB_GROWTH_PATH, "worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json", query=wb_query(1))
    env.serve(WB_GROWTH_PATH, dumps(page2), query=wb_query(2))
    return Case("wb", R.PAGING_ERROR, "collected 9 rows", config=wb_only(env), source="worldbank")


@case
def world_bank_more_pages_than_allowed(env: Env) -> Case:
    env.serve(WB_GROWTH_PATH, "worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json", query=wb_query(1))
    config = wb_only(env, max_pages=1)
    return Case("wb", R.PAGING_ERROR, "exceed max_pages=1", config=config, source="worldbank")


@case
def world_bank_page_count_changes_while_paging(env: Env) -> Case:
    page2 = payload_json("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page2.json")
    page2[0].update(pages=3, total=11)
    env.serve(WB_GROWTH_PATH, "worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json", query=wb_query(1))
    env.serve(WB_GROWTH_PATH, dumps(page2), query=wb_query(2))
    return Case(
        "wb", R.PAGING_ERROR, "changed while paging", config=wb_only(env), source="worldbank"
    )


# ---------------------------------------------------------------- payload content
@case
def custodian_price_null(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(clean=None))
    return Case("btp-price", R.NULL_VALUE, "is null", source="custodian")


@case
def world_bank_every_year_null(env: Env) -> Case:
    page = payload_json("worldbank/NY.GDP.MKTP.KD.ZG_ITA_recent_null.json")
    for row in page[1]:
        row["value"] = None
    page[0].update(per_page=5)
    page1 = [dict(page[0], pages=2), page[1][:5]]
    page2 = [dict(page[0], pages=2, page=2), page[1][5:]]
    env.serve(WB_GROWTH_PATH, dumps(page1), query=wb_query(1))
    env.serve(WB_GROWTH_PATH, dumps(page2), query=wb_query(2))
    return Case(
        "wb",
        R.NULL_VALUE,
        "null for every year up to 2024",
        config=wb_only(env),
        source="worldbank",
    )


@case
def imf_pinned_year_missing(env: Env) -> Case:
    env.serve(IMF_DEBT_PATH, "imf/GGXWDG_NGDP_ITA.json")
    feeds = [macro_feed("ITA-debt", "debt_to_gdp", ["imf"], validation={"year": 1995})]
    config = build_config(env.base_url, feeds=feeds)
    return Case("ITA-debt", R.MISSING_PERIOD, "pinned year 1995", config=config, source="imf")


@case
def world_bank_no_data_in_range(env: Env) -> Case:
    env.serve(WB_GROWTH_PATH, "worldbank/no_data.json", query=wb_query(1))
    return Case(
        "wb", R.MISSING_PERIOD, "years present: none", config=wb_only(env), source="worldbank"
    )


@case
def imf_unknown_country_answers_every_country(env: Env) -> Case:
    path = "/external/datamapper/api/v1/GGXWDG_NGDP/ITL"
    env.serve(path, "imf/GGXWDG_NGDP_all_countries.json")
    feeds = [
        {
            "name": "typo",
            "kind": "macro",
            "country": "ITL",
            "series": "debt_to_gdp",
            "sources": ["imf"],
        }
    ]
    config = build_config(env.base_url, feeds=feeds)
    return Case("typo", R.WRONG_COUNTRY, "7 other countries (AFG, ALB", config=config, source="imf")


@case
def world_bank_rows_for_another_country(env: Env) -> Case:
    page1 = payload_json("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json")
    for row in page1[1]:
        row.update(countryiso3code="GRC", country={"id": "GR", "value": "Greece"})
    env.serve(WB_GROWTH_PATH, dumps(page1), query=wb_query(1))
    return Case(
        "wb", R.WRONG_COUNTRY, "'GRC' (Greece), not ITA", config=wb_only(env), source="worldbank"
    )


@case
def world_bank_rows_for_another_indicator(env: Env) -> Case:
    page1 = payload_json("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json")
    page1[1][0]["indicator"] = {"id": "NY.GDP.MKTP.CD", "value": "GDP (current US$)"}
    env.serve(WB_GROWTH_PATH, dumps(page1), query=wb_query(1))
    return Case(
        "wb", R.WRONG_INDICATOR, "'NY.GDP.MKTP.CD'", config=wb_only(env), source="worldbank"
    )


@case
def imf_values_for_another_indicator(env: Env) -> Case:
    env.serve(IMF_DEBT_PATH, "imf/NGDP_RPCH_ITA.json")
    return Case("ITA-debt", R.WRONG_INDICATOR, "NGDP_RPCH, not GGXWDG_NGDP", source="imf")


@case
def custodian_quote_for_another_isin(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(isin="XS2199248424"))
    return Case("btp-price", R.WRONG_INSTRUMENT, "'XS2199248424'", source="custodian")


@case
def custodian_quote_in_another_currency(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(currency="USD"))
    return Case("btp-price", R.UNIT_MISMATCH, "'USD'", source="custodian")


@case
def custodian_price_not_a_number(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(clean="n/a"))
    return Case("btp-price", R.INVALID_NUMBER, "'n/a', not a number", source="custodian")


@case
def custodian_price_boolean(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(clean=True))
    return Case("btp-price", R.INVALID_NUMBER, "a boolean", source="custodian")


@case
def custodian_timestamp_without_offset(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(as_of="2025-06-30T15:30:00"))
    return Case("btp-price", R.INVALID_TIMESTAMP, "no UTC offset", source="custodian")


@case
def custodian_timestamp_missing(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(as_of=_DELETE))
    return Case("btp-price", R.SCHEMA_DRIFT, "key 'as_of' not found", source="custodian")


# ---------------------------------------------------------------- validation limits
@case
def custodian_price_zero(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(clean="0"))
    return Case(
        "btp-price", R.OUT_OF_RANGE, "outside the allowed range [0.01, 500]", source="custodian"
    )


@case
def imf_debt_decimal_point_slip(env: Env) -> Case:
    document = payload_json("imf/GGXWDG_NGDP_ITA.json")
    document["values"]["GGXWDG_NGDP"]["ITA"]["2024"] = 1353
    env.serve(IMF_DEBT_PATH, dumps(document))
    return Case("ITA-debt", R.OUT_OF_RANGE, "1353 percent_of_gdp", source="imf")


@case
def custodian_quote_three_days_old(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(as_of="2025-06-28T12:00:00Z"))
    return Case("btp-price", R.STALE, "3d 0h old", source="custodian")


@case
def custodian_quote_in_the_future(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(as_of="2025-07-01T13:00:00Z"))
    return Case("btp-price", R.FUTURE_TIMESTAMP, "1h 0m in the future", source="custodian")


@case
def imf_series_ends_years_ago(env: Env) -> Case:
    document = payload_json("imf/GGXWDG_NGDP_ITA.json")
    series = document["values"]["GGXWDG_NGDP"]["ITA"]
    for year in range(2020, 2031):
        del series[str(year)]
    env.serve(IMF_DEBT_PATH, dumps(document))
    return Case("ITA-debt", R.STALE, "newest available year is 2019", source="imf")


@case
def older_than_last_accepted(env: Env) -> Case:
    env.serve(IMF_DEBT_PATH, "imf/GGXWDG_NGDP_ITA.json")
    feeds = [macro_feed("ITA-debt", "debt_to_gdp", ["imf"], validation={"year": 2023})]
    last = LastAccepted(Decimal("135.3"), "2024", datetime(2024, 12, 31, tzinfo=UTC))
    config = build_config(env.base_url, feeds=feeds)
    return Case(
        "ITA-debt",
        R.STALE,
        "older than the last accepted period 2024",
        config=config,
        last=last,
        source="imf",
    )


@case
def price_jump_beyond_deviation_limit(env: Env) -> Case:
    env.serve(QUOTE_PATH, quote(clean="88.10"))
    feeds = [
        {
            "name": "btp-price",
            "kind": "price",
            "isin": ISIN,
            "sources": ["custodian"],
            "validation": {"max_deviation": {"relative_bps": 500}},
        }
    ]
    last = LastAccepted(
        Decimal("98.70"), "2025-06-30T09:00:00Z", datetime(2025, 6, 30, 9, tzinfo=UTC)
    )
    config = build_config(env.base_url, feeds=feeds)
    return Case(
        "btp-price", R.DEVIATION_LIMIT, "(-1074 bps)", config=config, last=last, source="custodian"
    )


# -------------------------------------------------------------------- files
@case
def file_missing(env: Env) -> Case:
    sources = standard_sources(env.base_url)
    sources["debt_csv"]["path"] = "files/{country}_missing.csv"
    feeds = [macro_feed("csv", "debt_to_gdp", ["debt_csv"])]
    config = build_config(env.base_url, sources=sources, feeds=feeds)
    return Case(
        "csv", R.FILE_ERROR, "ITA_missing.csv does not exist", config=config, source="debt_csv"
    )


@case
def csv_column_renamed(env: Env) -> Case:
    sources = standard_sources(env.base_url)
    sources["debt_csv"]["value_field"] = "gross_debt"
    feeds = [macro_feed("csv", "debt_to_gdp", ["debt_csv"])]
    config = build_config(env.base_url, sources=sources, feeds=feeds)
    return Case(
        "csv", R.SCHEMA_DRIFT, "lacks column(s) gross_debt", config=config, source="debt_csv"
    )


@case
def csv_without_rows_for_the_country(env: Env) -> Case:
    feeds = [
        {
            "name": "csv",
            "kind": "macro",
            "country": "PRT",
            "series": "debt_to_gdp",
            "sources": ["debt_csv"],
        }
    ]
    sources = standard_sources(env.base_url)
    sources["debt_csv"]["path"] = "files/ITA_macro.csv"
    config = build_config(env.base_url, sources=sources, feeds=feeds)
    return Case(
        "csv",
        R.WRONG_COUNTRY,
        "iso3 = PRT (values there: GRC, ITA)",
        config=config,
        source="debt_csv",
    )


# --------------------------------------------------------------- aggregation
def _growth_pair(env: Env, wb_value: Any) -> None:
    page1 = payload_json("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json")
    page1[1][0]["value"] = wb_value
    env.serve(IMF_GROWTH_PATH, "imf/NGDP_RPCH_ITA.json")
    env.serve(WB_GROWTH_PATH, dumps(page1), query=wb_query(1))
    env.serve(WB_GROWTH_PATH, "worldbank/NY.GDP.MKTP.KD.ZG_ITA_page2.json", query=wb_query(2))


@case
def two_sources_disagree(env: Env) -> Case:
    _growth_pair(env, 2.9)
    return Case("ITA-growth", R.SPREAD_TOO_WIDE, "imf=0.7, worldbank=2.9")


@case
def quorum_not_met_when_one_source_fails(env: Env) -> Case:
    env.serve(IMF_GROWTH_PATH, "imf/NGDP_RPCH_ITA.json")
    env.serve(WB_GROWTH_PATH, "worldbank/error_120_invalid_value.json", query=wb_query(1))
    return Case("ITA-growth", R.NO_QUORUM, "1 valid observation(s) from 2 source(s)")


@case
def sources_report_different_years(env: Env) -> Case:
    page1 = payload_json("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json")
    page1[1][0]["value"] = None  # World Bank has not published 2024 yet
    env.serve(IMF_GROWTH_PATH, "imf/NGDP_RPCH_ITA.json")
    env.serve(WB_GROWTH_PATH, dumps(page1), query=wb_query(1))
    env.serve(WB_GROWTH_PATH, "worldbank/NY.GDP.MKTP.KD.ZG_ITA_page2.json", query=wb_query(2))
    return Case("ITA-growth", R.NO_QUORUM, "observations per year: 2023: 1, 2024: 1")


@case
def source_reports_an_older_year_than_the_aggregated_one(env: Env) -> Case:
    page1 = payload_json("worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json")
    page1[1][0]["value"] = None  # World Bank has not published 2024 yet
    env.serve(IMF_GROWTH_PATH, "imf/NGDP_RPCH_ITA.json")
    env.serve(WB_GROWTH_PATH, dumps(page1), query=wb_query(1))
    env.serve(WB_GROWTH_PATH, "worldbank/NY.GDP.MKTP.KD.ZG_ITA_page2.json", query=wb_query(2))
    feeds = [
        macro_feed(
            "ITA-growth",
            "gdp_growth",
            ["imf", "worldbank"],
            aggregation={"quorum": 1, "max_spread": {"absolute": "0.5"}},
        )
    ]
    config = build_config(env.base_url, feeds=feeds)
    return Case(
        "ITA-growth", R.PERIOD_MISMATCH, "reports 2023; the feed aggregates 2024", config=config,
        source="worldbank", publishes=True,
    )  # fmt: skip


@case
def third_source_is_an_outlier(env: Env) -> Case:
    env.serve(IMF_DEBT_PATH, "imf/GGXWDG_NGDP_ITA.json")
    sources = standard_sources(env.base_url)
    sources["debt_json"] = {
        "type": "file",
        "path": str(PAYLOADS / "files" / "ITA_macro.csv"),
        "period_field": "year",
        "value_field": "gdp_growth",  # wrong column wired by mistake: 0.7 % instead of 135 %
        "country_field": "iso3",
        "unit": "fraction",
    }
    feeds = [
        macro_feed(
            "ITA-debt",
            "debt_to_gdp",
            ["imf", "debt_csv", "debt_json"],
            aggregation={"quorum": 2, "max_spread": {"relative_bps": 100}},
        )
    ]
    config = build_config(env.base_url, sources=sources, feeds=feeds)
    return Case(
        "ITA-debt", R.OUTLIER, "0.700 is beyond", config=config, source="debt_json", publishes=True
    )


# ------------------------------------------------------------------------ the test
@pytest.fixture
def env(
    serve: Callable[..., None],
    base_url: str,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Env:
    return Env(serve, base_url, httpserver, monkeypatch)


def test_bad_input_table__has_at_least_forty_named_cases() -> None:
    assert len(CASES) >= 40
    assert len({function.__name__ for function in CASES.values()}) == len(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input__rejected_with_its_specific_reason(name: str, env: Env) -> None:
    spec = CASES[name](env)
    config = spec.config or build_config(env.base_url)
    result = run_feed(config, spec.feed, last_accepted=spec.last)

    matching = [r for r in result.rejections if r.reason is spec.reason]
    reasons = [(r.reason.value, r.message) for r in result.rejections]
    assert matching, f"expected {spec.reason.value}, got {reasons}"
    rejection = matching[0]
    assert spec.fragment in rejection.message, rejection.message
    assert rejection.source == spec.source
    if spec.publishes:
        assert result.accepted is not None
        rejected = {id(r.observation) for r in result.rejections if r.observation}
        assert all(id(obs) not in rejected for obs in result.accepted.observations)
    else:
        assert result.accepted is None
        # the first rejection is the precise one; the rest can only be feed-level follow-ups
        assert result.rejections[0].reason is spec.reason or spec.source is None
        assert all(r.source is None for r in result.rejections[1:] if r is not rejection)
