"""A local custodian price API: the same JSON document a real custodian returns
(``tests/oracle/payloads/custodian/quote_ok.json``), served on 127.0.0.1, for the main job
(``deployment.demo``) and the keeper benchmark (``keeper.bench``).

The driver sets each bond's quote with :meth:`CustodianServer.set_quote` (clean price in
percent of par, as text or Decimal, and the quote time; in the demo that is CHAIN time:
the oracle validates quote age against the clock the keeper passes it). The oracle's
``custodian_http`` source (:meth:`CustodianServer.source_config`) fetches
``GET /v1/bonds/{isin}/quote`` exactly as it would from a custodian.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PATH_PREFIX = "/v1/bonds/"
PATH_SUFFIX = "/quote"


class CustodianServer:
    def __init__(self, currency: str = "USD") -> None:
        self.currency = currency
        self._quotes: dict[str, tuple[str, int]] = {}
        self._lock = threading.Lock()
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server naming)
                status, body = server._answer(self.path)
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CustodianServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def set_quote(self, isin: str, clean_percent: Decimal | str, as_of: int) -> None:
        with self._lock:
            self._quotes[isin] = (str(clean_percent), as_of)

    def source_config(self) -> dict[str, Any]:
        """The oracle's ``custodian_http`` source for this server (a `sources:` entry)."""
        return {
            "type": "custodian_http",
            "base_url": self.base_url,
            "path": PATH_PREFIX + "{isin}" + PATH_SUFFIX,
            "value_path": "data.price.clean",
            "price_unit": "percent_of_par",
            "timestamp_path": "data.as_of",
            "timestamp_format": "iso8601",
            "isin_path": "data.isin",
            "currency_path": "data.price.currency",
            "expected_currency": self.currency,
        }

    def __enter__(self) -> CustodianServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, path: str) -> tuple[int, dict[str, Any]]:
        path = path.split("?", 1)[0]
        if not (path.startswith(PATH_PREFIX) and path.endswith(PATH_SUFFIX)):
            return 404, {"error": {"code": "not_found", "message": f"no route {path}"}}
        isin = path[len(PATH_PREFIX) : -len(PATH_SUFFIX)]
        with self._lock:
            self.requests += 1
            quote = self._quotes.get(isin)
        if quote is None:
            return 404, {"error": {"code": "unknown_isin", "message": f"no quote for {isin}"}}
        price, as_of = quote
        stamp = datetime.fromtimestamp(as_of, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return 200, {
            "data": {
                "isin": isin,
                "venue": "OTC",
                "price": {
                    "clean": price,
                    "currency": self.currency,
                    "basis": "percent_of_par",
                },
                "as_of": stamp,
            },
            "meta": {"api_version": "2024-11-01"},
        }
