"""Push custodian prices to each bond's PriceFeed: heartbeat + deviation threshold per feed,
values from the oracle pipeline.

For each configured feed, one pass:

1. Read the PriceFeed's ``latestRoundData()`` (answer, ``updatedAt``) and **chain time**
   (the latest block's timestamp; wall-clock time is never used to decide anything).
2. Run the feed's oracle pipeline with ``now`` = chain time and ``last_accepted`` = the
   on-chain round (so the oracle's staleness, monotonicity and deviation limits apply
   against what is on chain). Only ``FeedResult.accepted`` can be pushed; every rejection
   is counted in ``keeper_oracle_rejections_total{feed,reason}`` and a feed without an
   acceptable value sets ``keeper_feed_no_value{feed}`` to 1.
3. :func:`decide_price` (pure): the feed is **due** when it has no round yet, when the
   accepted value moved at least ``deviation_bps`` from the on-chain answer, or when
   ``chain time - updatedAt >= heartbeat_s``. The report's ``observed_at`` is the
   accepted quote time (unix s, floored) capped at chain time; when that is not after
   the on-chain ``updatedAt`` the source has nothing newer and nothing is sent.
4. Due feeds are sent in one ``PriceFeedBatcher.submit_batch`` (at most ``MAX_BATCH``
   per transaction) when a batcher is configured and more than one feed is due, else
   one ``submit`` each. Each transaction is simulated first; a foreseen revert (another
   keeper already pushed that quote: ``feed: timestamp not after latest``) is logged and
   skipped. A batch that would revert is retried feed by feed, so one bad report does
   not hold back the others.

**Large moves.** PriceFeed holds a move above its own ``max_deviation_bps`` as a proposal
until a *different* reporter confirms it. While our own proposal is open and the source
still says the same (within that limit of the proposal), nothing is re-sent (it could not
confirm itself); ``keeper_price_awaiting_confirmation{feed}`` is 1 and the pass reports an
alert.

Idempotent: the intent key of a report is ``price:<feed address>:<observed_at>`` (a batch:
``price_batch:<batcher>:<n>:<digest of its feed:observed_at pairs>``), and a quote that is
already on chain is never newer than ``updatedAt``, so a second pass or a second keeper
finds nothing to do.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from web3 import Web3

from keeper.abi import PRICE_FEED_ABI, PRICE_FEED_BATCHER_ABI
from keeper.exceptions import SimulationReverted, TxReverted, UnsafeStateError
from keeper.jobs.base import Job, JobContext, JobReport
from keeper.jobs.feeds import (
    FeedRunner,
    chain_datetime,
    load_oracle,
    oracle_feed,
    record_result,
    rejection_summary,
)
from keeper.settings import PriceFeedSettings, PricesJob
from oracle.models import LastAccepted

AVAILABLE = True
DECIMALS = 8  # PriceFeed answers: percent of par with 8 decimals
SCALE = 10**DECIMALS
MAX_BPS = 10_000

# Why a feed is (or is not) pushed: stable strings for logs and tests.
FIRST_ROUND = "first_round"
DEVIATION = "deviation"
HEARTBEAT = "heartbeat"
NOT_DUE = "not_due"
NOT_NEWER = "quote_not_newer"
INVALID = "invalid_answer"


# ----------------------------------------------------------------- decision logic
@dataclass(frozen=True, slots=True)
class OnChainRound:
    """``latestRoundData()`` of a PriceFeed: ``round_id`` 0 means no round yet."""

    round_id: int
    answer: int  # percent of par, 8 decimals
    updated_at: int  # unix s

    @property
    def has_round(self) -> bool:
        return self.round_id > 0

    def as_last_accepted(self) -> LastAccepted | None:
        if not self.has_round:
            return None
        when = chain_datetime(self.updated_at)
        return LastAccepted(
            value=Decimal(self.answer).scaleb(-DECIMALS),
            period=when.isoformat().replace("+00:00", "Z"),
            as_of=when,
        )


@dataclass(frozen=True, slots=True)
class PriceDecision:
    push: bool
    reason: str  # FIRST_ROUND, DEVIATION, HEARTBEAT (push) or NOT_DUE, NOT_NEWER, INVALID
    answer: int  # what would be reported (8 decimals)
    observed_at: int  # unix s


def moved_bps(answer: int, reference: int) -> Decimal:
    """``|answer - reference|`` in bps of ``reference`` (for logs)."""
    if reference == 0:
        return Decimal("Infinity")
    return (Decimal(abs(answer - reference)) * MAX_BPS / reference).quantize(Decimal("0.01"))


def within(answer: int, reference: int, max_bps: int) -> bool:
    """PriceFeed's own rule: ``|answer - reference| <= reference * max_bps / 10_000``."""
    return abs(answer - reference) * MAX_BPS <= reference * max_bps


def decide_price(
    onchain: OnChainRound,
    *,
    answer: int,
    quote_time: float,
    chain_time: int,
    deviation_bps: int,
    heartbeat_s: int,
) -> PriceDecision:
    """Push or not (pure). ``answer``: the oracle's accepted value, 8 decimals;
    ``quote_time``: its ``as_of`` (unix s); ``chain_time``: the latest block's timestamp."""
    observed_at = min(math.floor(quote_time), chain_time)
    if answer <= 0:
        return PriceDecision(False, INVALID, answer, observed_at)
    if not onchain.has_round:
        reason = FIRST_ROUND
    elif abs(answer - onchain.answer) * MAX_BPS >= deviation_bps * onchain.answer:
        reason = DEVIATION
    elif chain_time - onchain.updated_at >= heartbeat_s:
        reason = HEARTBEAT
    else:
        return PriceDecision(False, NOT_DUE, answer, observed_at)
    if observed_at <= onchain.updated_at:
        return PriceDecision(False, NOT_NEWER, answer, observed_at)
    return PriceDecision(True, reason, answer, observed_at)


# ---------------------------------------------------------------------------- job
class _Feed:
    def __init__(self, ctx: JobContext, cfg: PriceFeedSettings) -> None:
        self.cfg = cfg
        self.contract = ctx.chain.contract(cfg.address, PRICE_FEED_ABI)

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def read(self) -> OnChainRound:
        round_id, answer, _, updated_at, _ = self.contract.functions.latestRoundData().call()
        return OnChainRound(int(round_id), int(answer), int(updated_at))


@dataclass
class _Due:
    feed: _Feed
    onchain: OnChainRound
    decision: PriceDecision


class PricesJobRunner(Job):
    name = "prices"

    def __init__(self, ctx: JobContext, settings: PricesJob) -> None:
        super().__init__(ctx)
        self.settings = settings
        oracle = load_oracle(ctx.oracle_config, self.name)
        for i, cfg in enumerate(settings.feeds):
            oracle_feed(oracle, cfg.feed, f"jobs.prices.feeds[{i}].feed ({cfg.name})", "price")
        self.oracle = oracle
        self.runner = FeedRunner(oracle, [cfg.feed for cfg in settings.feeds])
        self.feeds: list[_Feed] = []
        self.batcher: Any = None
        self.max_batch = 1

    def setup(self) -> None:
        chain = self.ctx.chain
        me = chain.address
        feeds = []
        batcher_address = self.settings.batcher
        for i, cfg in enumerate(self.settings.feeds):
            where = f"jobs.prices.feeds[{i}] ({cfg.name})"
            if not chain.w3.eth.get_code(Web3.to_checksum_address(cfg.address)):
                raise UnsafeStateError(f"{where}: no contract at {cfg.address} (wrong address?)")
            feed = _Feed(self.ctx, cfg)
            fns = feed.contract.functions
            decimals = int(fns.decimals().call())
            if decimals != DECIMALS:
                raise UnsafeStateError(
                    f"{where}: {cfg.address} reports {decimals} decimals, a PriceFeed has "
                    f"{DECIMALS}; check the address"
                )
            if not fns.hasRole(fns.REPORTER_ROLE().call(), me).call():
                raise UnsafeStateError(
                    f"{where}: the signer {me} lacks REPORTER_ROLE on the PriceFeed "
                    f"{cfg.address}; grant it (grantRole(REPORTER_ROLE, {me})) or remove "
                    "the feed"
                )
            if batcher_address is not None:
                if not fns.hasRole(fns.FORWARDER_ROLE().call(), batcher_address).call():
                    raise UnsafeStateError(
                        f"{where}: the batcher {batcher_address} lacks FORWARDER_ROLE on the "
                        f"PriceFeed {cfg.address}; grant it (grantRole(FORWARDER_ROLE, "
                        f"{batcher_address})) or remove `jobs.prices.batcher`"
                    )
            feeds.append(feed)
        if batcher_address is not None:
            if not chain.w3.eth.get_code(Web3.to_checksum_address(batcher_address)):
                raise UnsafeStateError(
                    f"jobs.prices.batcher: no contract at {batcher_address} (wrong address?)"
                )
            self.batcher = chain.contract(batcher_address, PRICE_FEED_BATCHER_ABI)
            self.max_batch = int(self.batcher.functions.MAX_BATCH().call())
        self.feeds = feeds

    # --------------------------------------------------------------------- acting
    def run(self) -> JobReport:
        report = JobReport(job=self.name)
        metrics = self.ctx.metrics
        chain_time = self.ctx.chain.timestamp()
        onchain = {feed.cfg.name: feed.read() for feed in self.feeds}
        results = self.runner.run(
            {f.cfg.name: (f.cfg.feed, onchain[f.cfg.name].as_last_accepted()) for f in self.feeds},
            chain_datetime(chain_time),
        )
        due: list[_Due] = []
        for feed in self.feeds:
            name = feed.cfg.name
            state = onchain[name]
            self._set_age(feed, state, chain_time)
            result = results[name]
            record_result(metrics, name, result)
            accepted = result.accepted
            if accepted is None:
                message = f"{name}: no acceptable value ({rejection_summary(result)}); not pushed"
                report.skipped.append(message)
                self.log.warning(
                    "feed has no acceptable value; nothing pushed",
                    extra={"feed": name, "reasons": rejection_summary(result),
                           "age_s": chain_time - state.updated_at if state.has_round else None},
                )  # fmt: skip
                continue
            decision = decide_price(
                state,
                answer=accepted.to_fixed(DECIMALS),
                quote_time=accepted.as_of.timestamp(),
                chain_time=chain_time,
                deviation_bps=feed.cfg.deviation_bps,
                heartbeat_s=feed.cfg.heartbeat_s,
            )
            if not decision.push:
                # An open proposal of ours would make the decision "push" (its quote is
                # newer than the round and far from it): none is waiting.
                metrics.price_awaiting_confirmation.labels(feed=name).set(0)
                if decision.reason == NOT_NEWER:
                    report.skipped.append(
                        f"{name}: {decision.reason} (quote at {decision.observed_at}, on chain "
                        f"{state.updated_at})"
                    )
                    self.log.info(
                        "feed due but the source has no newer quote",
                        extra={"feed": name, "quote_time": decision.observed_at,
                               "updated_at": state.updated_at},
                    )  # fmt: skip
                continue
            if self._awaiting_confirmation(feed, state, decision, report):
                continue
            moved = moved_bps(decision.answer, state.answer) if state.has_round else None
            self.log.info(
                "price due",
                extra={"feed": name, "why": decision.reason, "answer": decision.answer,
                       "onchain": state.answer, "moved_bps": str(moved),
                       "observed_at": decision.observed_at},
            )  # fmt: skip
            due.append(_Due(feed, state, decision))
        self._push(due, report)
        return report

    def _awaiting_confirmation(
        self, feed: _Feed, state: OnChainRound, decision: PriceDecision, report: JobReport
    ) -> bool:
        """True when our own large-move proposal is open and still says the same: a
        second report from us cannot confirm it, so nothing is sent."""
        gauge = self.ctx.metrics.price_awaiting_confirmation.labels(feed=feed.cfg.name)
        if not state.has_round:
            gauge.set(0)
            return False
        fns = feed.contract.functions
        max_dev = int(fns.max_deviation_bps().call())
        if within(decision.answer, state.answer, max_dev):
            gauge.set(0)
            return False
        proposer, proposed, proposed_at = fns.pending_move().call()
        mine = int(proposed) > 0 and Web3.to_checksum_address(proposer) == self.ctx.chain.address
        if mine and within(decision.answer, int(proposed), max_dev):
            gauge.set(1)
            moved = moved_bps(decision.answer, state.answer)
            message = (
                f"{feed.cfg.name}: large move to {decision.answer} ({moved} bps, above the "
                f"feed's {max_dev} bps) awaits a second reporter "
                f"(our proposal {int(proposed)} observed at {int(proposed_at)})"
            )
            report.alerts.append(message)
            self.log.warning(
                "large move awaits a second reporter's confirmation",
                extra={"feed": feed.cfg.name, "proposed": int(proposed),
                       "onchain": state.answer, "max_deviation_bps": max_dev},
            )  # fmt: skip
            return True
        return False

    def _push(self, due: list[_Due], report: JobReport) -> None:
        if not due:
            return
        singles = due
        if self.batcher is not None and len(due) > 1:
            singles = []
            for start in range(0, len(due), self.max_batch):
                chunk = due[start : start + self.max_batch]
                if len(chunk) == 1 or not self._send_batch(chunk, report):
                    singles.extend(chunk)
        failures: list[TxReverted] = []
        for item in singles:
            fns = item.feed.contract.functions
            data = fns.submit(
                item.decision.answer, item.decision.observed_at
            )._encode_transaction_data()
            key = f"price:{item.feed.address}:{item.decision.observed_at}"
            try:
                self._send(report, key, "price_submit", item.feed.address, data)
            except SimulationReverted:
                continue  # logged and reported as skipped by _send
            except TxReverted as exc:
                failures.append(exc)
                report.alerts.append(f"{key}: reverted on chain: {exc.reason}")
        self._after_push(due, report)
        if failures:
            raise failures[0]

    def _send_batch(self, chunk: list[_Due], report: JobReport) -> bool:
        """One ``submit_batch``; False when simulation foresees a revert (then the caller
        sends the reports one by one)."""
        pairs = [f"{item.feed.address}:{item.decision.observed_at}" for item in chunk]
        digest = hashlib.sha256(",".join(pairs).encode()).hexdigest()[:16]
        key = f"price_batch:{self.batcher.address}:{len(chunk)}:{digest}"
        data = self.batcher.functions.submit_batch(
            [item.feed.address for item in chunk],
            [item.decision.answer for item in chunk],
            [item.decision.observed_at for item in chunk],
        )._encode_transaction_data()
        self.log.info("sending price batch", extra={"key": key, "reports": pairs})
        try:
            self._send(report, key, "price_batch", str(self.batcher.address), data)
        except SimulationReverted:
            self.log.warning(
                "price batch would revert; sending the reports one by one", extra={"key": key}
            )
            return False
        return True

    def _send(self, report: JobReport, key: str, label: str, to: str, data: str) -> None:
        """Send through the transaction manager; a foreseen revert is recorded as skipped,
        logged, and re-raised for the caller to decide."""
        try:
            result = self.ctx.tx.send(key, label, to, data)
        except SimulationReverted as exc:
            report.skipped.append(f"{key}: {exc.reason}")
            self.log.info("not sent: simulation reverts", extra={"key": key, "reason": exc.reason})
            raise
        report.actions.append(f"{key} ({result.status})")

    def _after_push(self, due: list[_Due], report: JobReport) -> None:
        """Read back what was pushed: the age gauge, and a report held as a proposal."""
        if self.ctx.dry_run:
            return
        chain_time = self.ctx.chain.timestamp()
        for item in due:
            state = item.feed.read()
            self._set_age(item.feed, state, chain_time)
            held = state.updated_at < item.decision.observed_at
            if held and state.has_round and item.onchain.has_round:
                proposer, proposed, _ = item.feed.contract.functions.pending_move().call()
                if int(proposed) == item.decision.answer and (
                    Web3.to_checksum_address(proposer) == self.ctx.chain.address
                ):
                    self.ctx.metrics.price_awaiting_confirmation.labels(
                        feed=item.feed.cfg.name
                    ).set(1)
                    report.alerts.append(
                        f"{item.feed.cfg.name}: large move to {item.decision.answer} held as a "
                        "proposal until a second reporter confirms it"
                    )

    def _set_age(self, feed: _Feed, state: OnChainRound, chain_time: int) -> None:
        age = float(chain_time - state.updated_at) if state.has_round else math.inf
        self.ctx.metrics.price_age.labels(feed=feed.cfg.name).set(age)

    # --------------------------------------------------------------------- status
    def status(self) -> list[dict[str, Any]]:
        chain_time = self.ctx.chain.timestamp()
        rows: list[dict[str, Any]] = []
        for feed in self.feeds:
            state = feed.read()
            fns = feed.contract.functions
            proposer, proposed, proposed_at = fns.pending_move().call()
            age = chain_time - state.updated_at if state.has_round else None
            rows.append(
                {
                    "feed": feed.cfg.name,
                    "oracle_feed": feed.cfg.feed,
                    "address": feed.address,
                    "round_id": state.round_id,
                    "answer": state.answer,
                    "price_percent_of_par": (
                        str(Decimal(state.answer).scaleb(-DECIMALS)) if state.has_round else None
                    ),
                    "updated_at": state.updated_at if state.has_round else None,
                    "age_s": age,
                    "heartbeat_s": feed.cfg.heartbeat_s,
                    "deviation_bps": feed.cfg.deviation_bps,
                    "heartbeat_overdue": age is None or age >= feed.cfg.heartbeat_s,
                    "feed_max_deviation_bps": int(fns.max_deviation_bps().call()),
                    "pending_move": (
                        {"proposer": proposer, "answer": int(proposed),
                         "observed_at": int(proposed_at)} if int(proposed) else None
                    ),
                }
            )  # fmt: skip
        return rows


def build(ctx: JobContext, settings: PricesJob) -> PricesJobRunner:
    return PricesJobRunner(ctx, settings)
