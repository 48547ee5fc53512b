"""The main job: the protocol's whole life on a local chain, driven by the real keeper.

Sequence (chain time starts at a fixed date, so every run tells the same story):

1. start Anvil (state dumped to ``OUT/chain-state.json`` at the end);
2. deploy one corporate and one sovereign bond from ``config/deploy.local.yaml`` with the
   same routine as ``ape run deploy`` (deployment file ``OUT/deployment.json``);
3. start a local custodian price API and the real keeper daemon (``keeper run``) with
   ``OUT/keeper.yaml`` + ``OUT/oracle.yaml`` (prices from the custodian API, macro data
   from the simulated sovereign model);
4. onboard simulated investors (KYC, commit, fulfil) in both escrow rounds;
5. move chain time forward event by event (escrow deadlines, coupon dates, year ends,
   quarterly price moves) and after each jump wait until the keeper has settled: the
   keeper settles the rounds and delivers the bonds, pushes prices and macro data, funds
   coupons and the redemption, collects the AMM's coupons and fires the TSDCM
   conversion; the simulated users seed the AMMs, trade, claim coupons and PLT, redeem;
6. print a summary (``OUT/summary.json``, plots in ``OUT/demo.png``) read back from the
   chain, stop the keeper and Anvil (which writes the state file).

The demo users act through ape accounts; the keeper acts only through its own process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from deployment.anvil import Anvil, free_port
from deployment.demo.keeper_proc import KeeperProcess
from oracle.local_custodian import CustodianServer

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = ROOT / "config" / "deploy.local.yaml"
START = int(datetime(2027, 1, 4, tzinfo=UTC).timestamp())  # chain time at genesis
DAY = 86_400
TOKEN = 10**18
JOBS = ["coupons", "prices", "macro", "escrow", "amm", "conversion"]
logger = logging.getLogger("bondline.demo")


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


@dataclass
class DemoOptions:
    out_dir: Path
    config: Path = DEFAULT_CONFIG
    seed: int = 7
    investors: int = 8
    live: bool = True  # redraw the status view in place (a terminal)
    quiet: bool = False  # headless: no status view at all
    keep_node: bool = False  # leave Anvil running after the summary (tests)


@dataclass
class Event:
    ts: int
    kind: str
    detail: str = ""


@dataclass
class Timeline:
    """What the run recorded at each step, for the view, the plots and the summary."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


class DemoRun:
    def __init__(self, options: DemoOptions, render: Callable[[dict[str, Any]], None]) -> None:
        self.o = options
        self.render = render
        self.rng = random.Random(options.seed)
        self.out = options.out_dir
        self.timeline = Timeline()
        self.node: Anvil | None = None
        self.keeper: KeeperProcess | None = None
        self.custodian: CustodianServer | None = None
        self.prices: dict[str, Decimal] = {}
        self.started = time.monotonic()
        self.timing: dict[str, float] = {}

    @contextlib.contextmanager
    def timed(self, what: str) -> Iterator[None]:
        """Add the wall time of the block to ``timing[what]`` (reported in the summary)."""
        started = time.monotonic()
        try:
            yield
        finally:
            self.timing[what] = self.timing.get(what, 0.0) + time.monotonic() - started

    # ------------------------------------------------------------------ plumbing
    def log(self, ts: int, kind: str, detail: str) -> None:
        self.timeline.events.append(Event(ts, kind, detail))

    def run(self) -> dict[str, Any]:
        self.out.mkdir(parents=True, exist_ok=True)
        # Every run is a new chain: nothing of a previous run may leak into it (the
        # keeper's transaction store belongs to the old chain).
        for stale in ("chain-state.json", "deployment.json", "keeper.log", "summary.json",
                      "demo.png", "keeper.yaml", "oracle.yaml"):  # fmt: skip
            (self.out / stale).unlink(missing_ok=True)
        shutil.rmtree(self.out / "keeper-data", ignore_errors=True)
        self.node = Anvil(
            "--timestamp", str(START), "--dump-state", str(self.out / "chain-state.json"),
            "--accounts", "10", "--balance", "1000000", "--base-fee", "1000000000",
        ).start()  # fmt: skip
        try:
            from ape import networks

            with networks.parse_network_choice(self.node.url):
                return self._run_connected()
        finally:
            if self.keeper is not None:
                self.keeper.stop()
            if self.custodian is not None:
                self.custodian.stop()
            if not self.o.keep_node:
                self.node.stop()

    def _run_connected(self) -> dict[str, Any]:
        from ape import accounts, project

        from deployment.demo import scenario

        self.project = project
        self.accounts = accounts
        self.s = scenario.Scenario(self)
        with self.timed("deploy"):
            self.s.deploy()
        self.custodian = CustodianServer().start()
        self.s.write_configs()
        with self.timed("onboarding"):
            self.s.onboard()
        self.keeper = KeeperProcess(
            self.out / "keeper.yaml", self.s.health_port, self.out / "keeper.log"
        )
        with self.timed("keeper start"):
            self.keeper.start(JOBS)
        self.step("keeper started")
        schedule = self.s.schedule()
        for ts, label in schedule:
            self.node_jump(ts)
            self.s.move_prices()
            with self.timed("keeper work"):
                self.keeper.settle(JOBS)
            with self.timed("users"):
                self.s.act(label)
            with self.timed("status reads"):
                self.step(label)
        summary = self.s.summary()
        summary["steps"] = len(schedule)
        summary["timing_s"] = {k: round(v, 1) for k, v in self.timing.items()}
        summary["wall_seconds"] = round(time.monotonic() - self.started, 1)
        (self.out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        self.s.plot(self.out / "demo.png")
        return summary

    def node_jump(self, ts: int) -> int:
        assert self.node is not None
        return self.node.jump_to(ts)

    def step(self, label: str) -> None:
        snapshot = self.s.snapshot(label)
        self.timeline.steps.append(snapshot)
        if not self.o.quiet:
            self.render(snapshot)


def price_step(rng: random.Random, price: Decimal, *, years: float, pull: float, vol: float,
               cap: float) -> Decimal:  # fmt: skip
    """One move of the custodian's clean price: mean-reverting to par with noise,
    clipped to ``cap`` (a fraction) so a single move stays below the feeds' large-move
    threshold (larger moves need a second reporter by design)."""
    p = float(price)
    move = pull * (100.0 - p) * years + vol * math.sqrt(years) * rng.gauss(0.0, 1.0)
    move = max(-cap * p, min(cap * p, move))
    return Decimal(f"{p + move:.4f}")


def write_yaml(path: Path, doc: dict[str, Any], header: str) -> None:
    path.write_text(header + yaml.safe_dump(doc, sort_keys=False))


__all__ = ["DemoOptions", "DemoRun", "free_port", "price_step", "write_yaml", "START", "DAY"]
