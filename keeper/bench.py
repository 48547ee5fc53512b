"""Benchmark of the keeper's prices job: ``python -m keeper.bench`` (from the repository root,
after ``ape compile``; Anvil on ``PATH``).

It starts its own Anvil (interval mining, one block per ``--block-time`` seconds, like a
real chain rather than one block per transaction), deploys PriceFeeds and a
PriceFeedBatcher, serves a custodian quote API on 127.0.0.1 in the custodian payload format
of ``tests/oracle/payloads/custodian/quote_ok.json``, and runs the real keeper daemon
(``Keeper.run_forever``: apscheduler, transaction manager, oracle pipeline) against them.

(a) **Latency**: one feed, the prices job every ``--interval`` seconds. ``--changes``
    times, after a random pause (so changes land at a random phase of the schedule), the
    custodian's price moves 1 % (above the 50 bps deviation threshold) and the clock runs
    until ``latestRoundData()`` shows the new answer (polled every 10 ms). Reported:
    median, p95, min, max of source change -> mined update.
(b) **Throughput**: ``--feeds`` feeds, batcher on; every feed's price moves 0.6 % every
    0.5 s, for ``--seconds`` seconds. Reported: rounds mined per minute (``AnswerUpdated``
    events), per feed, the longest gap between two updates of one feed, and the gas of a
    batch.

Nothing here is simulated: the numbers are wall-clock times of real processes on this
machine. Figures go into ``docs/benchmarks.md`` (section "Keeper") by hand.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import random
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from eth_utils import keccak
from web3 import HTTPProvider, Web3

from deployment.anvil import Anvil
from oracle.config import isin_check_digit
from oracle.local_custodian import CustodianServer

ANSWER_UPDATED = "0x" + keccak(text="AnswerUpdated(int256,uint256,uint256)").hex()
SIGNER_INDEX = 3  # ape / Anvil test account the keeper signs with
FEED_MAX_DEVIATION_BPS = 1_000


def make_isin(number: int) -> str:
    body = f"XS{number:09d}"
    return body + str(isin_check_digit(body))


# ------------------------------------------------------------------- deployment
def _abi(contract_type: Any) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", by_alias=True) for item in contract_type.abi]


class Deployment:
    """PriceFeeds (signer = REPORTER, batcher = FORWARDER) and a PriceFeedBatcher, deployed
    with web3 from Anvil's unlocked dev accounts while automine is on."""

    def __init__(self, w3: Web3, feeds: int) -> None:
        from ape import project

        self.w3 = w3
        admin = w3.eth.accounts[0]
        self.signer = w3.eth.accounts[SIGNER_INDEX]
        types = {
            n: project.get_contract(n).contract_type for n in ("PriceFeed", "PriceFeedBatcher")
        }
        self.feed_abi = _abi(types["PriceFeed"])

        def deploy(name: str, *args: Any) -> str:
            ct = types[name]
            factory = w3.eth.contract(abi=_abi(ct), bytecode=ct.deployment_bytecode.bytecode)
            tx = factory.constructor(*args).transact({"from": admin})
            return str(w3.eth.wait_for_transaction_receipt(tx)["contractAddress"])

        self.batcher = deploy("PriceFeedBatcher")
        # A PriceFeed only records the bond it prices; any non-zero address serves here.
        bond = w3.eth.accounts[9]
        self.feeds: list[Any] = []
        for i in range(feeds):
            address = deploy("PriceFeed", bond, f"BENCH{i} / % of par", FEED_MAX_DEVIATION_BPS,
                             admin)  # fmt: skip
            feed = w3.eth.contract(address=address, abi=self.feed_abi)
            fns = feed.functions
            for role, who in ((fns.REPORTER_ROLE().call(), self.signer),
                              (fns.FORWARDER_ROLE().call(), self.batcher)):  # fmt: skip
                w3.eth.wait_for_transaction_receipt(
                    fns.grantRole(role, who).transact({"from": admin})
                )
            self.feeds.append(feed)


# ------------------------------------------------------------------------ keeper
def keeper_settings(
    node: str, workdir: Path, custodian: CustodianServer, feeds: list[Any], isins: list[str], *,
    interval: float, batcher: str | None,
) -> Any:  # fmt: skip
    from keeper.settings import parse_settings

    oracle = workdir / "oracle.yaml"
    oracle.write_text(
        yaml.safe_dump(
            {
                "version": 1,
                "http": {"connect_timeout_s": 1, "read_timeout_s": 2, "retry": {"attempts": 2}},
                "sources": {
                    "custodian": custodian.source_config(),
                },
                "feeds": [
                    {"name": f"price-{i}", "kind": "price", "isin": isin, "sources": ["custodian"]}
                    for i, isin in enumerate(isins)
                ],
            }
        )
    )
    job: dict[str, Any] = {
        "interval_s": interval,
        "feeds": [
            {"name": f"price-{i}", "feed": f"price-{i}", "address": feed.address,
             "heartbeat_s": 3600, "deviation_bps": 50}
            for i, feed in enumerate(feeds)
        ],
    }  # fmt: skip
    if batcher:
        job["batcher"] = batcher
    return parse_settings(
        {
            "version": 1,
            "chain": {"network": node},
            "signer": {"test_account": SIGNER_INDEX},
            "data_dir": str(workdir / "keeper-data"),
            "oracle_config": str(oracle),
            "health": {"enabled": False},
            "tx": {"poll_interval_s": 0.05, "stuck_after_s": 30, "receipt_timeout_s": 120},
            "circuit_breaker": {"max_consecutive_failures": 1000},
            "jobs": {"prices": job},
        }
    )


@contextmanager
def running_keeper(settings: Any, network: str) -> Iterator[Any]:
    from keeper.chain import connect
    from keeper.scheduler import Keeper

    with connect(settings, network=network) as chain:
        keeper = Keeper(settings, chain)
        thread = threading.Thread(
            target=keeper.run_forever, kwargs={"install_signals": False}, daemon=True
        )
        thread.start()
        try:
            yield keeper
        finally:
            keeper.stop.set()
            thread.join(60)
            keeper.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]  # nearest-rank


# ------------------------------------------------------------------- scenarios
def bench_latency(node: str, dep: Any, quotes: CustodianServer, isin: str, *,
                  changes: int, interval: float, workdir: Path) -> dict[str, Any]:  # fmt: skip
    feed = dep.feeds[0]
    (workdir / "latency").mkdir()
    settings = keeper_settings(node, workdir / "latency", quotes, [feed], [isin],
                               interval=interval, batcher=None)  # fmt: skip
    quotes.set_quote(isin, "100.00", int(time.time()) - 1)
    latencies: list[float] = []
    missed = 0
    rng = random.Random(7)
    with running_keeper(settings, node):
        _wait_answer(feed, 10_000_000_000, 60)
        price = 100.0
        for _ in range(changes):
            time.sleep(rng.uniform(0, interval))
            price = 101.0 if price == 100.0 else 100.0
            quotes.set_quote(isin, f"{price:.2f}", int(time.time()))
            started = time.monotonic()
            if _wait_answer(feed, round(price * 10**8), 30):
                latencies.append(time.monotonic() - started)
            else:
                missed += 1
    return {
        "changes": changes,
        "missed": missed,
        "median_s": statistics.median(latencies),
        "p95_s": percentile(latencies, 95),
        "min_s": min(latencies),
        "max_s": max(latencies),
        "mean_s": statistics.fmean(latencies),
    }


def _wait_answer(feed: Any, answer: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if int(feed.functions.latestRoundData().call()[1]) == answer:
            return True
        time.sleep(0.01)
    return False


def bench_throughput(node: str, w3: Web3, dep: Any, quotes: CustodianServer,
                     isins: list[str], *, seconds: float, interval: float,
                     workdir: Path) -> dict[str, Any]:  # fmt: skip
    feeds = dep.feeds
    (workdir / "throughput").mkdir()
    settings = keeper_settings(node, workdir / "throughput", quotes, feeds, isins,
                               interval=interval, batcher=dep.batcher)  # fmt: skip
    stop = threading.Event()

    def market() -> None:
        # Every 0.5 s every price moves 0.6 % (zigzag: 50 steps up, 50 down), so any pass
        # at least 0.5 s after a feed's last round finds it >= 50 bps away. (A plain
        # up/down flip would alias with a 1 s schedule and hide every change.)
        step = 0
        while not stop.is_set():
            level = step % 100 if step % 100 < 50 else 100 - step % 100
            now = int(time.time())
            for i, isin in enumerate(isins):
                quotes.set_quote(isin, f"{(90 + i % 20) * 1.006**level:.6f}", now)
            step += 1
            stop.wait(0.5)

    market_thread = threading.Thread(target=market, daemon=True)
    market_thread.start()
    try:
        with running_keeper(settings, node) as keeper:
            time.sleep(max(3 * interval, 3))  # first rounds and a warm pipeline
            start_block = int(w3.eth.block_number) + 1
            started = time.monotonic()
            time.sleep(seconds)
            end_block = int(w3.eth.block_number)
            elapsed = time.monotonic() - started
            batches = keeper.metrics.value(
                "keeper_tx_total", {"label": "price_batch", "outcome": "mined"}
            )
            if keeper.fatal or keeper.last_error:
                raise RuntimeError(f"keeper failed: {keeper.fatal or keeper.last_error}")
    finally:
        stop.set()
        market_thread.join(5)
    logs = w3.eth.get_logs({"fromBlock": start_block, "toBlock": end_block,
                            "topics": [ANSWER_UPDATED]})  # fmt: skip
    per_feed: dict[str, list[int]] = defaultdict(list)
    blocks: dict[int, int] = {}
    gas: list[int] = []
    seen_tx: set[bytes] = set()
    for log in logs:
        block = int(log["blockNumber"])
        if block not in blocks:
            blocks[block] = int(w3.eth.get_block(block)["timestamp"])
        per_feed[str(log["address"])].append(blocks[block])
        tx = bytes(log["transactionHash"])
        if tx not in seen_tx:
            seen_tx.add(tx)
            gas.append(int(w3.eth.get_transaction_receipt(tx)["gasUsed"]))
    gaps = [b - a for times in per_feed.values() for a, b in zip(times, times[1:], strict=False)]
    minutes = elapsed / 60
    return {
        "feeds": len(feeds),
        "seconds": round(elapsed, 1),
        "rounds": len(logs),
        "rounds_per_minute": len(logs) / minutes,
        "per_feed_per_minute": len(logs) / minutes / len(feeds),
        "feeds_updated": len(per_feed),
        "max_gap_s": max(gaps) if gaps else None,
        "transactions": len(seen_tx),
        "gas_per_tx_mean": statistics.fmean(gas) if gas else None,
        "batches_mined_total": batches,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m keeper.bench",
        description="Benchmark the keeper's prices job on a local Anvil with a local custodian "
        "price API: (a) latency from a source price change to the mined PriceFeed update, "
        "(b) feed updates one keeper gets mined per minute with the batcher. Run from the "
        "repository root after `ape compile`, with anvil on PATH (./bondline shell).",
    )
    parser.add_argument("--changes", type=int, default=100, help="price changes for (a)")
    parser.add_argument("--interval", type=float, default=1.0, help="prices job interval, s")
    parser.add_argument("--block-time", type=int, default=1, help="Anvil block time, s")
    parser.add_argument("--feeds", type=int, default=64, help="feeds for (b)")
    parser.add_argument(
        "--seconds", type=float, default=40.0, help="duration of (b), s (scaled to a minute)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    from keeper import logs

    logging.basicConfig(level=logging.ERROR)
    logs.configure("ERROR", json_format=False)  # job failures, with their reasons

    isins = [make_isin(i + 1) for i in range(max(args.feeds, 1) + 1)]
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="keeper-bench-") as tmp,
        Anvil() as anvil,
        CustodianServer(currency="EUR") as quotes,
    ):
        workdir = Path(tmp)
        node = anvil.url
        w3 = Web3(HTTPProvider(node, request_kwargs={"timeout": 10}))
        deployment = Deployment(w3, args.feeds + 1)
        anvil.rpc("evm_setAutomine", [False])
        anvil.rpc("evm_setIntervalMining", [max(1, round(args.block_time))])
        latency_dep = _Slice(deployment, deployment.feeds[:1])
        throughput_dep = _Slice(deployment, deployment.feeds[1:])
        latency = bench_latency(
            node, latency_dep, quotes, isins[0], changes=args.changes,
            interval=args.interval, workdir=workdir,
        )  # fmt: skip
        throughput = bench_throughput(
            node, w3, throughput_dep, quotes, isins[1 : args.feeds + 1],
            seconds=args.seconds, interval=args.interval, workdir=workdir,
        )  # fmt: skip
    result = {
        "machine": f"{platform.machine()}, {platform.python_implementation()} "
        f"{platform.python_version()}",
        "interval_s": args.interval,
        "block_time_s": args.block_time,
        "latency": latency,
        "throughput": throughput,
        "wall_s": round(time.monotonic() - started, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    lat, thr = latency, throughput
    print(f"keeper bench: prices job every {args.interval:g} s, Anvil block time "
          f"{args.block_time:g} s ({result['machine']})")  # fmt: skip
    print(f"(a) source change -> mined update, {lat['changes']} changes ({lat['missed']} missed):")
    print(f"    median {lat['median_s']:.3f} s, p95 {lat['p95_s']:.3f} s, min {lat['min_s']:.3f} s,"
          f" max {lat['max_s']:.3f} s, mean {lat['mean_s']:.3f} s")  # fmt: skip
    print(f"(b) {thr['feeds']} feeds moving 0.6 % every 0.5 s, batcher on, {thr['seconds']} s:")
    print(
        f"    {thr['rounds_per_minute']:.0f} rounds mined per minute "
        f"({thr['per_feed_per_minute']:.1f} per feed), {thr['feeds_updated']}/{thr['feeds']} "
        "feeds updated,"
    )
    print(f"    longest gap between two updates of a feed {thr['max_gap_s']} s")
    print(f"    {thr['transactions']} transactions, mean gasUsed {thr['gas_per_tx_mean']:.0f}")
    print(f"total wall time {result['wall_s']} s")


class _Slice:
    """A view of the deployment with a subset of its feeds."""

    def __init__(self, deployment: Deployment, feeds: list[Any]) -> None:
        self.batcher = deployment.batcher
        self.feeds = feeds


if __name__ == "__main__":  # pragma: no cover
    main()
