"""A local custodian price API for the demo: the same JSON document a real custodian
returns (``tests/oracle/payloads/custodian/quote_ok.json``), served on 127.0.0.1.

The demo driver sets each bond's quote with :meth:`CustodianServer.set_quote` (clean
price in percent of par and the quote time, which is CHAIN time: the oracle validates
quote age against the chain clock the keeper passes it). The keeper's oracle pipeline
fetches ``GET /v1/bonds/{isin}/quote`` exactly as it would from a custodian.
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
        self._quotes: dict[str, tuple[Decimal, int]] = {}
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

    def set_quote(self, isin: str, clean_percent: Decimal, as_of: int) -> None:
        with self._lock:
            self._quotes[isin] = (clean_percent, as_of)

    def quote(self, isin: str) -> tuple[Decimal, int] | None:
        with self._lock:
            return self._quotes.get(isin)

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
                    "clean": f"{price:.4f}",
                    "currency": self.currency,
                    "basis": "percent_of_par",
                },
                "as_of": stamp,
            },
            "meta": {"api_version": "2024-11-01"},
        }
