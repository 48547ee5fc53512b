"""Prometheus metrics and the local ``/health`` + ``/metrics`` HTTP endpoint.

Every keeper instance owns its own :class:`~prometheus_client.CollectorRegistry` (two
keepers in one test process do not collide). Metric names:

==================================== =====================================================
``keeper_job_runs_total``            runs per job and outcome (``success``/``failure``)
``keeper_job_last_success_timestamp`` wall time of the last successful run per job
``keeper_tx_total``                  transactions per label and outcome
``keeper_tx_latency_seconds``        first broadcast to mined receipt
``keeper_tx_bumps_total``            fee bumps of stuck transactions
``keeper_nonce_conflicts_total``     our nonce used by another process
``keeper_signer_balance_eth``        the signer's native balance
``keeper_price_age_seconds``         chain time since the PriceFeed's latest round (+Inf: none)
``keeper_price_awaiting_confirmation`` 1 while our large move waits for a second reporter
``keeper_oracle_rejections_total``   oracle observations refused (per feed and reason)
``keeper_feed_no_value``             1 while an oracle feed has no acceptable value
``keeper_macro_age_seconds``         chain time since the latest macro value's publication
``keeper_coupon_shortfall_units``    stablecoin units due but not fundable (alert on > 0)
``keeper_breaker_open``              1 while a job is paused by the circuit breaker
==================================== =====================================================
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

logger = logging.getLogger("keeper.metrics")


class Metrics:
    """The keeper's metrics, on a private registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.job_runs = Counter(
            "keeper_job_runs", "Job runs by outcome", ["job", "outcome"], registry=r
        )
        self.job_last_success = Gauge(
            "keeper_job_last_success_timestamp",
            "Wall time (unix s) of the last successful run",
            ["job"],
            registry=r,
        )
        self.tx = Counter("keeper_tx", "Transactions by outcome", ["label", "outcome"], registry=r)
        self.tx_latency = Histogram(
            "keeper_tx_latency_seconds",
            "First broadcast to mined receipt",
            ["label"],
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900),
            registry=r,
        )
        self.tx_bumps = Counter("keeper_tx_bumps", "Fee bumps of stuck transactions", registry=r)
        self.nonce_conflicts = Counter(
            "keeper_nonce_conflicts", "Our nonce was used by another process", registry=r
        )
        self.signer_balance = Gauge(
            "keeper_signer_balance_eth", "Native balance of the signer", registry=r
        )
        self.price_age = Gauge(
            "keeper_price_age_seconds",
            "Chain time minus updatedAt of the PriceFeed's latest round (+Inf before the first)",
            ["feed"],
            registry=r,
        )
        self.price_awaiting_confirmation = Gauge(
            "keeper_price_awaiting_confirmation",
            "1 while a large move we reported waits for a second reporter's confirmation",
            ["feed"],
            registry=r,
        )
        self.oracle_rejections = Counter(
            "keeper_oracle_rejections",
            "Oracle observations (or whole feeds) refused, by reason; never pushed",
            ["feed", "reason"],
            registry=r,
        )
        self.feed_no_value = Gauge(
            "keeper_feed_no_value",
            "1 while the oracle feed has no acceptable value (nothing can be pushed)",
            ["feed"],
            registry=r,
        )
        self.macro_age = Gauge(
            "keeper_macro_age_seconds",
            "Chain time minus published_at of the MacroFeed's latest value (+Inf: none)",
            ["sovereign", "series"],
            registry=r,
        )
        self.coupon_shortfall = Gauge(
            "keeper_coupon_shortfall_units",
            "Stablecoin units due but not fundable from the agent (alert when > 0)",
            ["bond", "period"],
            registry=r,
        )
        self.breaker_open = Gauge(
            "keeper_breaker_open", "1 while the circuit breaker pauses the job", ["job"], registry=r
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def value(self, name: str, labels: dict[str, str] | None = None) -> float | None:
        """Current sample value (tests and ``keeper status``)."""
        return self.registry.get_sample_value(name, labels or {})

    # ------------------------------------------------ escrow, amm, conversion jobs
    # Registered on first use (cached_property) so this block stands apart from the
    # metrics created in __init__:
    #   keeper_escrow_open_positions{round}        positions not yet served (0 when done)
    #   keeper_escrow_skipped_positions{round}     payouts process_batch would skip now
    #   keeper_amm_uncollected_coupon_units{pool}  funded coupons the pool has not collected
    #   keeper_conversion_check_code{contract}     DebtConversion.check() condition (0 = OK)
    @cached_property
    def escrow_open_positions(self) -> Gauge:
        return Gauge(
            "keeper_escrow_open_positions",
            "Escrow positions still to be served (bonds or refund) after the round ended",
            ["round"],
            registry=self.registry,
        )

    @cached_property
    def escrow_skipped_positions(self) -> Gauge:
        return Gauge(
            "keeper_escrow_skipped_positions",
            "Escrow payouts that fail now (PositionSkipped: blacklist, pause); alert when > 0",
            ["round"],
            registry=self.registry,
        )

    @cached_property
    def amm_uncollected_coupons(self) -> Gauge:
        return Gauge(
            "keeper_amm_uncollected_coupon_units",
            "Funded coupons owed to the pool and not collected yet (stablecoin units)",
            ["pool"],
            registry=self.registry,
        )

    @cached_property
    def conversion_check_code(self) -> Gauge:
        return Gauge(
            "keeper_conversion_check_code",
            "DebtConversion.check() condition code (0 = convert() would succeed)",
            ["contract"],
            registry=self.registry,
        )


class HealthServer:
    """``GET /health`` (JSON, 200 when healthy else 503) and ``GET /metrics`` on 127.0.0.1."""

    def __init__(
        self, metrics: Metrics, health: Callable[[], dict[str, Any]], host: str, port: int
    ) -> None:
        self._metrics = metrics
        self._health = health
        handler = self._handler()
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="keeper-health", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                if self.path.startswith("/metrics"):
                    body = outer._metrics.render()
                    self._reply(200, CONTENT_TYPE_LATEST, body)
                elif self.path.startswith("/health"):
                    state = outer._health()
                    code = 200 if state.get("healthy") else 503
                    self._reply(code, "application/json", json.dumps(state).encode())
                else:
                    self._reply(404, "text/plain", b"try /health or /metrics\n")

            def _reply(self, code: int, ctype: str, body: bytes) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                logger.debug("health %s", format % args)

        return Handler


def now() -> float:
    return time.time()
