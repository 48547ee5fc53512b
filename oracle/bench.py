"""Benchmark of the oracle package: ``python -m oracle.bench``.

Two numbers, both printed and written into ``docs/benchmarks.md`` by hand:

1. **validation + aggregation throughput**: observations validated and aggregated per
   second, in memory (no I/O): price feeds of three agreeing sources and macro feeds of
   two, with range, staleness, deviation and spread limits all active.
2. **end-to-end fetch time for N feeds** (default 100) against a local HTTP server on
   127.0.0.1 that answers in the recorded API formats: half price feeds (two custodian
   endpoints each, quorum 2), half macro feeds (IMF DataMapper + World Bank, quorum 1).
   Measured sequentially (1 worker) and with a thread pool, as
   :func:`oracle.pipeline.run_feeds` runs them. This measures the oracle's own overhead
   (HTTP client, JSON decoding, checks), not the internet.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import parse_qs, urlparse

from oracle.aggregate import aggregate
from oracle.config import OracleConfig, isin_check_digit, parse_config
from oracle.models import LastAccepted, Observation, Unit
from oracle.pipeline import run_feeds
from oracle.validation import validate_observation

NOW = datetime(2025, 7, 1, 12, tzinfo=UTC)
QUOTE_TIME = "2025-07-01T11:30:00Z"


def make_isin(number: int) -> str:
    body = f"XS{number:09d}"
    return body + str(isin_check_digit(body))


def make_country(number: int) -> str:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return "Q" + letters[number // 26 % 26] + letters[number % 26]


# ------------------------------------------------------------------ local server
def _imf_body(indicator: str, country: str) -> bytes:
    years = {str(year): round(120 + (year - 2000) * 0.5, 1) for year in range(2000, 2031)}
    document = {
        "values": {indicator: {country: years}},
        "api": {"version": "1", "output-method": "json"},
    }
    return json.dumps(document, separators=(",", ":")).encode()


def _world_bank_body(indicator: str, country: str, query: dict[str, list[str]]) -> bytes:
    first, last = (int(part) for part in query["date"][0].split(":"))
    rows = [
        {
            "indicator": {"id": indicator, "value": "GDP growth (annual %)"},
            "country": {"id": country[:2], "value": country},
            "countryiso3code": country,
            "date": str(year),
            "value": 120 + (year - 2000) * 0.5 + 0.01,
            "unit": "",
            "obs_status": "",
            "decimal": 1,
        }
        for year in range(last, first - 1, -1)
    ]
    meta = {
        "page": 1,
        "pages": 1,
        "per_page": 50,
        "total": len(rows),
        "sourceid": "2",
        "lastupdated": "2025-07-01",
    }
    return json.dumps([meta, rows], separators=(",", ":")).encode()


def _quote_body(isin: str, bump: str) -> bytes:
    price = Decimal(98) + Decimal(bump)
    document = {
        "data": {
            "isin": isin,
            "price": {"clean": str(price), "currency": "EUR"},
            "as_of": QUOTE_TIME,
        }
    }
    return json.dumps(document).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # one segment per answer: no 40 ms delayed-ACK stalls
    latency_s = 0.0

    def do_GET(self) -> None:  # http.server's naming
        if self.latency_s:
            time.sleep(self.latency_s)
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        body: bytes | None = None
        if parts[:2] == ["custodian-a", "bonds"] or parts[:2] == ["custodian-b", "bonds"]:
            body = _quote_body(parts[2], "0.01" if parts[0].endswith("b") else "0")
        elif parts[:2] == ["api", "v1"] and len(parts) == 4:
            body = _imf_body(parts[2], parts[3])
        elif parts[:2] == ["v2", "country"] and len(parts) == 5:
            body = _world_bank_body(parts[4], parts[2], parse_qs(url.query))
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logs
        return


def _serve(port_out: Connection, latency_s: float) -> None:
    handler = type("Handler", (_Handler,), {"latency_s": latency_s})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.request_queue_size = 128
    port_out.send(server.server_address[1])
    server.serve_forever()


@contextmanager
def local_server(latency_s: float = 0.0) -> Iterator[str]:
    """A threaded HTTP server in a child process (so it does not share our GIL)."""
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(send, latency_s), daemon=True
    )
    process.start()
    try:
        if not receive.poll(30):
            raise RuntimeError("benchmark HTTP server did not start")
        yield f"http://127.0.0.1:{receive.recv()}"
    finally:
        process.terminate()
        process.join(5)


def bench_config(base: str, feeds: int) -> OracleConfig:
    price_feeds = feeds // 2
    custodian = {
        "base_url": base,
        "value_path": "data.price.clean",
        "price_unit": "percent_of_par",
        "timestamp_path": "data.as_of",
        "isin_path": "data.isin",
        "type": "custodian_http",
    }
    items: list[dict[str, Any]] = []
    for number in range(price_feeds):
        items.append(
            {
                "name": f"price-{number}",
                "kind": "price",
                "isin": make_isin(number),
                "sources": ["custodian_a", "custodian_b"],
                "aggregation": {"quorum": 2, "max_spread": {"relative_bps": 50}},
            }
        )
    for number in range(feeds - price_feeds):
        items.append(
            {
                "name": f"macro-{number}",
                "kind": "macro",
                "country": make_country(number),
                "series": "debt_to_gdp",
                "sources": ["imf", "worldbank"],
                "aggregation": {"quorum": 1, "max_spread": {"absolute": 1}},
            }
        )
    data = {
        "version": 1,
        "http": {"retry": {"attempts": 1}},
        "sources": {
            "custodian_a": dict(custodian, path="/custodian-a/bonds/{isin}"),
            "custodian_b": dict(custodian, path="/custodian-b/bonds/{isin}"),
            "imf": {"type": "imf_datamapper", "base_url": base},
            "worldbank": {
                "type": "world_bank",
                "base_url": base,
                "indicators": {"debt_to_gdp": "GC.DOD.TOTL.GD.ZS"},
            },
        },
        "feeds": items,
    }
    return parse_config(data, origin="<bench>")


def bench_end_to_end(
    feeds: int, workers: int, repeat: int, latency_s: float = 0.0
) -> dict[str, Any]:
    with local_server(latency_s) as base:
        config = bench_config(base, feeds)
        run_feeds(config, now=NOW, max_workers=workers)  # warm-up (connections, imports)
        timings: dict[str, list[float]] = {"sequential": [], "parallel": []}
        for _ in range(repeat):
            for label, count in (("sequential", 1), ("parallel", workers)):
                started = time.perf_counter()
                results = run_feeds(config, now=NOW, max_workers=count)
                timings[label].append(time.perf_counter() - started)
                failed = [r for r in results if not r.ok]
                if failed:
                    raise RuntimeError(f"benchmark feed failed: {failed[0].rejections}")
        requests_per_run = (feeds // 2) * 2 + (feeds - feeds // 2) * 2
    return {
        "feeds": feeds,
        "server_latency_ms": latency_s * 1000,
        "http_requests_per_run": requests_per_run,
        "workers": workers,
        "sequential_s_median": statistics.median(timings["sequential"]),
        "parallel_s_median": statistics.median(timings["parallel"]),
        "repeat": repeat,
    }


# ---------------------------------------------------------------- in-memory checks
def _observation(
    feed: str, source: str, value: Decimal, as_of: datetime, unit: Unit, period: str
) -> Observation:
    return Observation(
        feed, source, "bench", value, unit, period, as_of, NOW, "0" * 64, "bench:", str(value)
    )


def bench_validate_aggregate(observations: int, repeat: int) -> dict[str, Any]:
    config = bench_config("http://127.0.0.1:9", 2)  # nothing is fetched here
    price, macro = config.feeds
    price = price.model_copy(
        update={
            "sources": ["a", "b", "c"],
            "validation": price.validation.model_copy(
                update={"max_deviation": config.feeds[0].aggregation.max_spread}
            ),
        }
    )
    quote_time = NOW - timedelta(minutes=30)
    price_last = LastAccepted(Decimal("98.0"), "x", quote_time - timedelta(hours=1))
    macro_last = LastAccepted(Decimal("131.0"), "2023", datetime(2023, 12, 31, tzinfo=UTC))
    year_end = datetime(2024, 12, 31, tzinfo=UTC)
    groups = []
    count = 0
    index = 0
    while count < observations:
        if index % 2 == 0:
            step = Decimal(index % 7) / 100
            group = [
                _observation(
                    "p",
                    s,
                    Decimal("98.0") + step + offset,
                    quote_time,
                    Unit.PERCENT_OF_PAR,
                    QUOTE_TIME,
                )
                for s, offset in (("a", Decimal(0)), ("b", Decimal("0.02")), ("c", Decimal("0.01")))
            ]
            groups.append((price, group, price_last))
        else:
            group = [
                _observation(
                    "m", s, Decimal("132.0") + offset, year_end, Unit.PERCENT_OF_GDP, "2024"
                )
                for s, offset in (("imf", Decimal(0)), ("worldbank", Decimal("0.3")))
            ]
            groups.append((macro, group, macro_last))
        count += len(group)
        index += 1
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for feed, group, last in groups:
            valid = [
                o
                for o in group
                if validate_observation(o, feed, now=NOW, last_accepted=last) is None
            ]
            accepted, _ = aggregate(feed, valid, now=NOW)
            if accepted is None:
                raise RuntimeError("benchmark observation unexpectedly rejected")
        best = min(best, time.perf_counter() - started)
    return {
        "observations": count,
        "feeds_aggregated": len(groups),
        "best_of": repeat,
        "seconds": best,
        "observations_per_s": count / best,
        "feeds_per_s": len(groups) / best,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m oracle.bench",
        description="Measure the oracle: validation+aggregation throughput and end-to-end "
        "fetch time for N feeds against a local HTTP server (127.0.0.1, no internet).",
    )
    parser.add_argument("--feeds", type=int, default=100, help="feeds end to end (default 100)")
    parser.add_argument("--workers", type=int, default=8, help="threads for the parallel run")
    parser.add_argument("--observations", type=int, default=100_000, help="in-memory checks")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument(
        "--latency-ms",
        type=float,
        default=50.0,
        help="server think time for the second end-to-end run, like a real API (default 50)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv)

    checks = bench_validate_aggregate(args.observations, args.repeat)
    runs = [bench_end_to_end(args.feeds, args.workers, args.repeat)]
    if args.latency_ms > 0:
        runs.append(bench_end_to_end(args.feeds, args.workers, args.repeat, args.latency_ms / 1000))
    machine = f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})"
    if args.json:
        document = {"machine": machine, "validate_aggregate": checks, "end_to_end": runs}
        print(json.dumps(document, indent=2))
        return
    print(f"oracle benchmark ({machine})")
    print(
        f"validate + aggregate: {checks['observations_per_s']:,.0f} observations/s "
        f"({checks['feeds_per_s']:,.0f} feeds/s; {checks['observations']:,} observations, "
        f"best of {checks['best_of']})"
    )
    for run in runs:
        print(
            f"end to end, {run['feeds']} feeds ({run['http_requests_per_run']} HTTP requests to "
            f"127.0.0.1, server latency {run['server_latency_ms']:g} ms): "
            f"{run['sequential_s_median'] * 1000:,.0f} ms sequential, "
            f"{run['parallel_s_median'] * 1000:,.0f} ms with {run['workers']} workers "
            f"(median of {run['repeat']})"
        )


if __name__ == "__main__":
    main()
