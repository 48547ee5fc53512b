"""Settle each primary-market funding round once it is decided, then deliver bonds (or
refunds) to every investor in bounded batches.

For each configured round (an ``Escrow`` contract), one pass:

1. ``phase()`` says what chain time and state have decided (OPEN=1, ACTIVE=2,
   SUCCEEDED=4, FAILED=8, CANCELLED=16); ``settled()`` whether it is recorded. While the
   round is OPEN or ACTIVE nothing is done.
2. Decided but not recorded: ``settle()`` (permissionless; it sends ``raised`` to the
   immutable custodian on success, or records the failure). A settle the simulation
   foresees to revert for another reason than "already closed" (e.g. the Escrow lacks
   the bond's MINTER_ROLE) is an alert: the money waits, and the round turns FAILED at
   ``SETTLE_BY`` if nobody fixes it.
3. Once the round is over (settled success, failure, cancel): the investors come from the
   ``Committed`` logs, scanned from ``from_block`` in chunks; the scanned height and the
   investors seen closed are remembered in memory (a restart rescans, which is harmless:
   ``position(investor).closed`` is the truth). Open positions, sorted, go to
   ``process_batch`` in chunks of ``batch_size`` (<= ``MAX_BATCH``). Each chunk is first
   simulated with ``eth_call``: a chunk that would serve nobody is not sent (another
   keeper was faster, or every payout in it fails now). Payouts the contract skips
   (``PositionSkipped``: stablecoin blacklist or pause, bond paused, investor blocked)
   are alerts; those positions stay open and are retried on later passes.
4. After a success, fulfilled investors must receive their bonds before the bond's first
   coupon date (a claim after it misses coupon 1): while any is still open at that date
   an alert is raised.

Intent keys: ``escrow_settle:<escrow>`` and ``escrow_batch:<escrow>:<sha256 of the sorted
batch, 16 hex>``. Every call is permissionless: the signer needs no role, only gas.
The job never commits, pays, cancels, claims or withdraws for anyone, and never sends a
batch the simulation says would serve nobody.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError

from keeper.abi import BOND_ABI, ESCROW_ABI
from keeper.exceptions import SimulationReverted
from keeper.jobs.base import Job, JobContext, JobReport
from keeper.jobs.common import send_action, verify_contract
from keeper.settings import EscrowJob, EscrowRoundSettings
from keeper.tx import MINED, PENDING, revert_reason

AVAILABLE = True
CONTRACT = "Escrow"

OPEN, ACTIVE, SUCCEEDED, FAILED, CANCELLED = 1, 2, 4, 8, 16
PHASE_NAMES = {
    OPEN: "OPEN",
    ACTIVE: "ACTIVE",
    SUCCEEDED: "SUCCEEDED",
    FAILED: "FAILED",
    CANCELLED: "CANCELLED",
}
COMMITTED_TOPIC = "0x" + keccak(text="Committed(address,uint256,uint256,uint256,uint256)").hex()
SKIPPED_TOPIC = "0x" + keccak(text="PositionSkipped(address,uint256,string)").hex()
LOG_CHUNK_BLOCKS = 5_000  # eth_getLogs range per request (providers cap it)
REORG_OVERLAP_BLOCKS = 12  # re-scanned each pass: a reorg cannot hide a commit


def batch_key(escrow: str, batch: list[str]) -> str:
    digest = hashlib.sha256(",".join(sorted(a.lower() for a in batch)).encode()).hexdigest()
    return f"escrow_batch:{escrow}:{digest[:16]}"


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _topic_address(topic: Any) -> str:
    return Web3.to_checksum_address(bytes(topic)[-20:])


@dataclass
class _Round:
    cfg: EscrowRoundSettings
    contract: Any
    bond: Any
    batch_size: int
    first_coupon_date: int
    scanned_to: int  # last block scanned for Committed logs (from_block - 1 at first)
    investors: set[str] = field(default_factory=set)  # every committer seen
    closed: set[str] = field(default_factory=set)  # seen closed: never reopens

    @property
    def address(self) -> str:
        return str(self.contract.address)


class EscrowJobRunner(Job):
    name = "escrow"

    def __init__(self, ctx: JobContext, settings: EscrowJob) -> None:
        super().__init__(ctx)
        self.settings = settings
        self.rounds: list[_Round] = []

    def setup(self) -> None:
        self.rounds = []
        for i, cfg in enumerate(self.settings.rounds):
            where = f"jobs.escrow.rounds[{i}] ({cfg.name})"
            contract = verify_contract(
                self.ctx, cfg.address, ESCROW_ABI, where=where, what=CONTRACT,
                probes={"BOND": None, "TARGET": None, "DEADLINE": None, "MAX_BATCH": None,
                        "phase": None, "settled": None, "totals": None},
            )  # fmt: skip
            fns = contract.functions
            max_batch = int(fns.MAX_BATCH().call())
            bond = verify_contract(
                self.ctx, fns.BOND().call(), BOND_ABI, where=f"{where} BOND()",
                what="BondToken", probes={"periodCount": None, "recorded_periods": None},
            )  # fmt: skip
            first_date = int(bond.functions.coupon_period(1).call()[0])
            self.rounds.append(
                _Round(
                    cfg=cfg,
                    contract=contract,
                    bond=bond,
                    batch_size=min(cfg.batch_size, max_batch),
                    first_coupon_date=first_date,
                    scanned_to=cfg.from_block - 1,
                )
            )

    # --------------------------------------------------------------------- reading
    def _scan(self, rnd: _Round) -> None:
        """Add the committers logged since the last scan (with a small overlap)."""
        w3 = self.ctx.chain.w3
        head = int(w3.eth.block_number)
        start = max(rnd.cfg.from_block, rnd.scanned_to + 1 - REORG_OVERLAP_BLOCKS)
        while start <= head:
            end = min(start + LOG_CHUNK_BLOCKS - 1, head)
            logs = w3.eth.get_logs(
                {"address": rnd.contract.address, "fromBlock": start, "toBlock": end,
                 "topics": [COMMITTED_TOPIC]}
            )  # fmt: skip
            for log in logs:
                rnd.investors.add(_topic_address(log["topics"][1]))
            rnd.scanned_to = end
            start = end + 1

    def _open_positions(self, rnd: _Round) -> list[tuple[str, Any]]:
        """(investor, position) of every known investor whose position is still open."""
        fns = rnd.contract.functions
        out = []
        for investor in sorted(rnd.investors - rnd.closed):
            position = fns.position(investor).call()
            if position[4]:  # closed
                rnd.closed.add(investor)
                continue
            out.append((investor, position))
        return out

    # --------------------------------------------------------------------- acting
    def run(self) -> JobReport:
        report = JobReport(job=self.name)
        for rnd in self.rounds:
            self._run_round(rnd, report)
        return report

    def _run_round(self, rnd: _Round, report: JobReport) -> None:
        fns = rnd.contract.functions
        phase = int(fns.phase().call())
        if phase in (OPEN, ACTIVE):
            return
        if not fns.settled().call():
            self._settle(rnd, report)
            if phase == SUCCEEDED and not fns.settled().call():
                return  # bonds can only be delivered once the success is recorded
        self._scan(rnd)
        investors = int(fns.totals().call()[8])
        if len(rnd.investors) < investors:
            report.alerts.append(
                f"{rnd.cfg.name}: the round counts {investors} investors but the Committed "
                f"logs from block {rnd.cfg.from_block} name {len(rnd.investors)}; "
                "from_block is after the escrow's deployment block?"
            )
        open_positions = self._open_positions(rnd)
        skipped_now = 0
        sent: list[str] = []
        for batch in chunks([inv for inv, _ in open_positions], rnd.batch_size):
            skipped_now += self._deliver(rnd, batch, report, sent)
        if sent:
            skipped_now += self._wait_batches(rnd, sent, report)
        if open_positions and not self.ctx.dry_run:
            open_positions = self._open_positions(rnd)  # what the batches left open
        remaining = len(open_positions)
        self.ctx.metrics.escrow_open_positions.labels(round=rnd.cfg.name).set(remaining)
        self.ctx.metrics.escrow_skipped_positions.labels(round=rnd.cfg.name).set(skipped_now)
        if phase == SUCCEEDED and remaining > 0:
            now = self.ctx.chain.timestamp()
            owed = [inv for inv, pos in open_positions if pos[3]]  # fulfilled: bonds due
            if owed and now >= rnd.first_coupon_date:
                report.alerts.append(
                    f"{rnd.cfg.name}: {len(owed)} fulfilled investors still without their "
                    f"bonds at the bond's first coupon date {rnd.first_coupon_date}: they "
                    "miss coupon 1"
                )

    def _settle(self, rnd: _Round, report: JobReport) -> None:
        key = f"escrow_settle:{rnd.address}"
        data = rnd.contract.functions.settle()._encode_transaction_data()
        before = len(report.skipped)
        send_action(self.ctx, report, key, "escrow_settle", rnd.address, data)
        if len(report.skipped) > before and "already closed" not in report.skipped[-1]:
            report.alerts.append(
                f"{rnd.cfg.name}: settle() would revert ({report.skipped[-1]}); the round's "
                "money waits in the escrow (it turns FAILED at SETTLE_BY if this persists)"
            )
            self.log.error(
                "settle foreseen to revert",
                extra={"round": rnd.cfg.name, "skipped": report.skipped[-1]},
            )

    def _deliver(self, rnd: _Round, batch: list[str], report: JobReport, sent: list[str]) -> int:
        """Send ``batch`` without waiting for its receipt (the key goes to ``sent``);
        returns how many payouts the contract skips that no receipt will tell."""
        fn = rnd.contract.functions.process_batch(batch)
        key = batch_key(rnd.address, batch)
        try:
            done, skipped = fn.call({"from": self.ctx.chain.address}, "pending")
        except ContractLogicError as exc:
            report.skipped.append(f"{key}: {revert_reason(exc)}")
            return 0
        if done == 0:
            if skipped:
                report.alerts.append(
                    f"{rnd.cfg.name}: process_batch would skip all of {', '.join(batch)} "
                    "(payout fails now: stablecoin blacklist or pause, bond paused, investor "
                    "blocked); positions stay open and are retried"
                )
            return int(skipped)
        data = fn._encode_transaction_data()
        if len(batch) > 1 and self._gas(rnd, data) > self.ctx.tx.settings.max_gas_limit:
            # ~155k gas per bond delivery: a full MAX_BATCH can exceed tx.max_gas_limit.
            # Halve until it fits (deterministic: another keeper splits the same way).
            half = (len(batch) + 1) // 2
            return self._deliver(rnd, batch[:half], report, sent) + self._deliver(
                rnd, batch[half:], report, sent
            )
        try:
            result = self.ctx.tx.send(key, "escrow_batch", rnd.address, data, wait=False)
        except SimulationReverted as exc:
            report.skipped.append(f"{key}: {exc.reason}")
            return 0
        if result.status == PENDING:
            sent.append(key)  # its skipped payouts are read from the receipt
            return 0
        # dry run, or an earlier transaction with this key that was pending
        report.actions.append(f"{key} ({result.status})")
        return int(skipped)

    def _wait_batches(self, rnd: _Round, keys: list[str], report: JobReport) -> int:
        """Wait for the batches sent this pass (all in the mempool at once, so a second
        keeper's simulation on the pending block sees every one of them); alert on each
        payout the contract skipped. Returns the number skipped."""
        chain = self.ctx.chain
        skipped_total = 0
        for key in keys:
            rec = self.ctx.tx.store.pending_for_key(chain.chain_id, chain.address, key)
            if rec is None:
                continue
            result = self.ctx.tx.wait(rec)
            report.actions.append(f"{key} ({result.status})")
            if result.tx_hash is None or result.status != MINED:
                continue
            receipt = chain.w3.eth.get_transaction_receipt(result.tx_hash)  # type: ignore[arg-type]
            for log in receipt["logs"]:
                topics = log["topics"]
                if (
                    log["address"].lower() != rnd.address.lower()
                    or not topics
                    or "0x" + bytes(topics[0]).hex().removeprefix("0x") != SKIPPED_TOPIC
                ):
                    continue
                skipped_total += 1
                investor = _topic_address(topics[1])
                data = bytes(log["data"])
                amount = int.from_bytes(data[0:32], "big")
                length = int.from_bytes(data[64:96], "big")
                reason = data[96 : 96 + length].decode(errors="replace")
                report.alerts.append(
                    f"{rnd.cfg.name}: payout to {investor} skipped ({reason}); {amount} "
                    "stablecoin units stay in the position, retried on later passes"
                )
        return skipped_total

    def _gas(self, rnd: _Round, data: str) -> int:
        call = {"from": self.ctx.chain.address, "to": rnd.address, "data": data}
        try:
            return int(self.ctx.chain.w3.eth.estimate_gas(call, "pending"))  # type: ignore[arg-type]
        except ContractLogicError:
            return 0  # the send simulates again and reports the revert

    # --------------------------------------------------------------------- status
    def status(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for rnd in self.rounds:
            fns = rnd.contract.functions
            phase = int(fns.phase().call())
            totals = fns.totals().call()
            open_count = None
            if phase not in (OPEN, ACTIVE):
                self._scan(rnd)
                open_count = len(self._open_positions(rnd))
            rows.append(
                {
                    "round": rnd.cfg.name,
                    "address": rnd.address,
                    "phase": PHASE_NAMES.get(phase, str(phase)),
                    "settled": bool(fns.settled().call()),
                    "raised": int(totals[3]),
                    "target": int(fns.TARGET().call()),
                    "committed": int(totals[0]),
                    "investors": int(totals[8]),
                    "deadline": int(fns.DEADLINE().call()),
                    "time_left_s": int(fns.time_left().call()),
                    "open_positions": open_count,
                    "first_coupon_date": rnd.first_coupon_date,
                }
            )
        return rows


def build(ctx: JobContext, settings: EscrowJob) -> EscrowJobRunner:
    return EscrowJobRunner(ctx, settings)
