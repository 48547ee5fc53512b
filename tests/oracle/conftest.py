"""Shared fixtures: recorded payloads, a local HTTP server on 127.0.0.1, config builders.

Every test runs at the fixed instant ``NOW`` (1 July 2025, noon UTC): the newest usable
macro year is therefore 2024, and the recorded custodian quote (30 June 2025 15:30 UTC) is
20.5 hours old.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from oracle.config import OracleConfig, parse_config
from oracle.models import FeedResult, LastAccepted
from oracle.pipeline import FeedPipeline
from oracle.transport import HttpClient

PAYLOADS = Path(__file__).parent / "payloads"
NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
ISIN = "IT0005083057"
TOKEN_ENV = "BONDLINE_TEST_CUSTODIAN_TOKEN"
TOKEN = "s3cret-token"

IMF_DEBT_PATH = "/external/datamapper/api/v1/GGXWDG_NGDP/ITA"
IMF_GROWTH_PATH = "/external/datamapper/api/v1/NGDP_RPCH/ITA"
WB_GROWTH_PATH = "/v2/country/ITA/indicator/NY.GDP.MKTP.KD.ZG"
QUOTE_PATH = f"/v1/bonds/{ISIN}/quote"

# Tiny, deterministic backoff so retry tests stay fast.
FAST_HTTP: dict[str, Any] = {
    "connect_timeout_s": 0.5,
    "read_timeout_s": 0.5,
    "retry": {
        "attempts": 3,
        "backoff_initial_s": 0.001,
        "backoff_factor": 2.0,
        "backoff_max_s": 0.004,
        "jitter": 0,
    },
}


def payload_bytes(name: str) -> bytes:
    return (PAYLOADS / name).read_bytes()


def payload_json(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def dumps(document: Any) -> str:
    return json.dumps(document, separators=(",", ":"))


def wb_query(page: int, *, per_page: int = 5, first: int = 2015, last: int = 2024) -> dict:
    return {
        "format": "json",
        "date": f"{first}:{last}",
        "per_page": str(per_page),
        "page": str(page),
    }


def standard_sources(base: str) -> dict[str, Any]:
    """One source of each HTTP/file type, pointing at the local server ``base``."""
    return {
        "custodian": {
            "type": "custodian_http",
            "base_url": base,
            "path": "/v1/bonds/{isin}/quote",
            "auth": {"header": "Authorization", "env": TOKEN_ENV, "prefix": "Bearer "},
            "value_path": "data.price.clean",
            "price_unit": "percent_of_par",
            "timestamp_path": "data.as_of",
            "isin_path": "data.isin",
            "currency_path": "data.price.currency",
            "expected_currency": "EUR",
        },
        "imf": {"type": "imf_datamapper", "base_url": f"{base}/external/datamapper"},
        "worldbank": {"type": "world_bank", "base_url": base, "per_page": 5, "window_years": 10},
        "debt_csv": {
            "type": "file",
            "path": "files/{country}_macro.csv",
            "period_field": "year",
            "value_field": "debt_to_gdp",
            "country_field": "iso3",
            "unit": "fraction",
        },
        "prices_json": {
            "type": "file",
            "path": "files/prices.json",
            "records_path": "quotes",
            "period_field": "time",
            "value_field": "price",
            "isin_field": "isin",
            "unit": "percent_of_par",
        },
    }


def standard_feeds() -> list[dict[str, Any]]:
    return [
        {"name": "btp-price", "kind": "price", "isin": ISIN, "sources": ["custodian"]},
        {
            "name": "ITA-debt",
            "kind": "macro",
            "country": "ITA",
            "series": "debt_to_gdp",
            "sources": ["imf"],
        },
        {
            "name": "ITA-growth",
            "kind": "macro",
            "country": "ITA",
            "series": "gdp_growth",
            "sources": ["imf", "worldbank"],
            "aggregation": {"quorum": 2, "max_spread": {"absolute": "0.5"}},
        },
    ]


def config_mapping(
    base: str,
    *,
    feeds: list[dict[str, Any]] | None = None,
    sources: dict[str, Any] | None = None,
    http: dict[str, Any] | None = None,
) -> dict[str, Any]:
    settings = copy.deepcopy(FAST_HTTP)
    settings.update(http or {})
    return {
        "version": 1,
        "http": settings,
        "sources": sources if sources is not None else standard_sources(base),
        "feeds": feeds if feeds is not None else standard_feeds(),
    }


def build_config(base: str, **kwargs: Any) -> OracleConfig:
    return parse_config(config_mapping(base, **kwargs), origin="<test>", base_dir=PAYLOADS)


def run_feed(
    config: OracleConfig,
    feed: str,
    *,
    last_accepted: LastAccepted | None = None,
    now: datetime = NOW,
    http: HttpClient | None = None,
) -> FeedResult:
    pipeline = FeedPipeline.from_config(
        config, feed, http=http or HttpClient(clock=lambda: now), clock=lambda: now
    )
    return pipeline.run(last_accepted=last_accepted, now=now)


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    return ("127.0.0.1", 0)


@pytest.fixture(autouse=True)
def custodian_token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN


@pytest.fixture
def base_url(httpserver: HTTPServer) -> str:
    return httpserver.url_for("").rstrip("/")


@pytest.fixture
def serve(httpserver: HTTPServer) -> Callable[..., None]:
    """``serve(path, body_or_payload_name, status=200, content_type=..., query=...)``."""

    def _serve(
        path: str,
        body: str | bytes,
        *,
        status: int = 200,
        content_type: str = "application/json",
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body
        if isinstance(body, str) and re.fullmatch(r"[\w.-]+/[\w.-]+\.(json|html|xml|csv)", body):
            data = payload_bytes(body)
        httpserver.expect_request(path, query_string=query).respond_with_data(
            data, status=status, content_type=content_type, headers=headers
        )

    return _serve


@pytest.fixture
def serve_standard(serve: Callable[..., None]) -> Iterator[None]:
    """All the recorded happy-path payloads of the standard feeds."""
    serve(QUOTE_PATH, "custodian/quote_ok.json")
    serve(IMF_DEBT_PATH, "imf/GGXWDG_NGDP_ITA.json")
    serve(IMF_GROWTH_PATH, "imf/NGDP_RPCH_ITA.json")
    serve(WB_GROWTH_PATH, "worldbank/NY.GDP.MKTP.KD.ZG_ITA_page1.json", query=wb_query(1))
    serve(WB_GROWTH_PATH, "worldbank/NY.GDP.MKTP.KD.ZG_ITA_page2.json", query=wb_query(2))
    yield
