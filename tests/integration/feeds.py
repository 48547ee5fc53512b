"""Shared set-up of the prices and macro job tests: real PriceFeed / PriceFeedBatcher /
MacroFeed contracts on ape's Anvil, a custodian quote API served by pytest-httpserver on
127.0.0.1 in the recorded payload format of ``tests/oracle``, and keeper configs that
point the real oracle pipeline at them.

The fixtures (``feed_keeper``, ``custodian_token``, the 127.0.0.1 listen address of
pytest-httpserver) are in ``tests/integration/conftest.py``.
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from keeper.settings import parse_settings
from tests.oracle.conftest import ISIN, TOKEN, TOKEN_ENV, payload_json

PRICE_FEED = "btp-price"
PAR = 10**10  # 100 % of par, 8 decimals
FEED_MAX_DEVIATION_BPS = 1_000  # PriceFeed: larger moves need a second reporter
# The oracle's HTTP client, fast enough for tests: a 0.3 s read timeout, 2 attempts.
TEST_HTTP: dict[str, Any] = {
    "connect_timeout_s": 0.5,
    "read_timeout_s": 0.3,
    "retry": {
        "attempts": 2,
        "backoff_initial_s": 0.001,
        "backoff_factor": 2.0,
        "backoff_max_s": 0.002,
        "jitter": 0,
    },
}
FAST_TX = {"stuck_after_s": 5, "receipt_timeout_s": 30, "poll_interval_s": 0.05}


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


class Custodian:
    """The custodian quote API (``GET /v1/bonds/{isin}/quote``), answering with the body of
    ``custodian/quote_ok.json`` with the price and quote time set by the test, or a fault:
    ``status`` (e.g. 500), ``raw`` (a body that is not a quote), ``hang`` (no answer until
    released or ``hang_s`` passed)."""

    def __init__(self, server: HTTPServer, isin: str = ISIN) -> None:
        self.server = server
        self.isin = isin
        self.price = "98.745"
        self.as_of = 0
        self.status = 200
        self.raw: str | None = None
        self.hang = False
        self.hang_s = 1.0
        self.release = threading.Event()
        self.requests = 0
        server.expect_request(f"/v1/bonds/{isin}/quote").respond_with_handler(self._handle)

    def quote(self, price: str, as_of: int) -> None:
        self.price, self.as_of = price, as_of
        self.status, self.raw, self.hang = 200, None, False
        self.release.set()

    def _handle(self, request: Request) -> Response:
        self.requests += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return Response('{"error": "unauthorized"}', status=401)
        if self.hang:
            self.release.clear()
            self.release.wait(self.hang_s)
        if self.raw is not None:
            return Response(self.raw, status=self.status, content_type="application/json")
        if self.status != 200:
            return Response("<html><body>Internal Server Error</body></html>", status=self.status,
                            content_type="text/html")  # fmt: skip
        document = payload_json("custodian/quote_ok.json")
        document["data"]["isin"] = self.isin
        document["data"]["price"]["clean"] = self.price
        document["data"]["as_of"] = iso(self.as_of)
        return Response(json.dumps(document), status=200, content_type="application/json")


def custodian_source(base_url: str) -> dict[str, Any]:
    """The custodian source exactly as tests/oracle configures it (auth, ISIN, currency)."""
    return {
        "type": "custodian_http",
        "base_url": base_url,
        "path": "/v1/bonds/{isin}/quote",
        "auth": {"header": "Authorization", "env": TOKEN_ENV, "prefix": "Bearer "},
        "value_path": "data.price.clean",
        "price_unit": "percent_of_par",
        "timestamp_path": "data.as_of",
        "isin_path": "data.isin",
        "currency_path": "data.price.currency",
        "expected_currency": "EUR",
    }


def write_oracle_config(
    path: Path, sources: dict[str, Any], feeds: list[dict[str, Any]], http: dict | None = None
) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "http": copy.deepcopy(http or TEST_HTTP),
                "sources": sources,
                "feeds": feeds,
            }
        )
    )
    return path


def keeper_config(data_dir: Path, oracle_config: Path, jobs: dict[str, Any]) -> Any:
    return parse_settings(
        {
            "version": 1,
            "chain": {"network": "ethereum:local:foundry"},
            "signer": {"test_account": 3},
            "data_dir": str(data_dir),
            "oracle_config": str(oracle_config),
            "health": {"enabled": False},
            "tx": FAST_TX,
            "jobs": jobs,
        }
    )


def mine_at(chain: Any, timestamp: int) -> int:
    """Mine one block at ``timestamp`` (if later than the pending one); its timestamp."""
    if timestamp > chain.pending_timestamp:
        chain.pending_timestamp = timestamp
    chain.mine()
    return int(chain.blocks.head.timestamp)


def head_time(chain: Any) -> int:
    return int(chain.blocks.head.timestamp)
