"""Transaction manager: simulate, nonce, send, persist, wait, bump, check.

Life of one keeper transaction (:meth:`TxManager.send`):

1. **Dedupe by intent key.** Every transaction has a key naming what it does
   (``fund_coupon:<bond>:7``). If a transaction with the same key is still pending (sent
   by this keeper, maybe before a restart), no new one is sent: we wait for that one.
2. **Simulate** with ``eth_call`` (block tag ``pending``) from the signer. A revert is
   foreseen, logged with its reason and raised as :class:`SimulationReverted`: no gas.
3. **Dry run** stops here (logged, nothing sent).
4. **Nonce**, under a lock: ``max(node's pending count, highest nonce we have pending
   + 1)``. Our own bookkeeping survives restarts (sqlite under ``data_dir``).
5. **Persist, then broadcast.** The signed raw transaction is written to the store
   *before* it is broadcast, so a crash in between is resumed (rebroadcast) on restart.
6. **Wait** for the receipt. No receipt after ``stuck_after_s``: re-simulate; if the
   action is no longer needed (another keeper did it) the nonce is freed with a cheap
   self-transfer, else the same transaction is re-signed with fees raised by
   ``bump_percent`` (never above ``max_fee_gwei``). If the chain's nonce moves past ours
   and none of our hashes has a receipt, another process used the nonce:
   :class:`NonceConflict`, counted and logged.
7. **Check the receipt.** Status 0: the call is replayed at the parent block to get the
   revert reason, logged and raised as :class:`TxReverted`.

On shutdown (:attr:`TxManager.stop`) waiting stops at the next poll with
:class:`TxAbandoned`; the transaction stays pending in the store and the next start
(:meth:`TxManager.resume`) picks it up.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from web3 import Web3
from web3.exceptions import ContractLogicError, TransactionNotFound

from keeper.chain import Chain
from keeper.exceptions import (
    ChainError,
    FeeCapExceeded,
    NonceConflict,
    SimulationReverted,
    TxAbandoned,
    TxError,
    TxReverted,
)
from keeper.metrics import Metrics
from keeper.settings import TxSettings

logger = logging.getLogger("keeper.tx")

GWEI = 10**9
PENDING = "pending"
MINED = "mined"
REVERTED = "reverted"
CANCELLED = "cancelled"  # replaced by a self-transfer: the action was no longer needed
DROPPED = "dropped"  # nonce used by another process, or never reached the node
FINAL = (MINED, REVERTED, CANCELLED, DROPPED)
# How long a receipt may lag behind the nonce it used before another process is blamed.
NONCE_RECEIPT_GRACE_S = 1.5


# ------------------------------------------------------------------------ fee policy
@dataclass(frozen=True, slots=True)
class Fees:
    max_fee: int  # wei per gas
    priority_fee: int  # wei per gas


@dataclass(frozen=True, slots=True)
class FeePolicy:
    """EIP-1559 fees within a cap, and the bump rule for replacements (pure, testable)."""

    priority_fee: int
    base_fee_multiplier: float
    max_fee_cap: int
    bump_percent: float

    @classmethod
    def from_settings(cls, tx: TxSettings) -> FeePolicy:
        return cls(
            priority_fee=int(tx.priority_fee_gwei * GWEI),
            base_fee_multiplier=tx.base_fee_multiplier,
            max_fee_cap=int(tx.max_fee_gwei * GWEI),
            bump_percent=tx.bump_percent,
        )

    def initial(self, base_fee: int) -> Fees:
        """``max_fee = base_fee * multiplier + priority``, clamped to the cap.

        Raises :class:`FeeCapExceeded` when even ``base_fee + priority`` is above the cap
        (the transaction could not be included: better not to send it)."""
        if base_fee + self.priority_fee > self.max_fee_cap:
            raise FeeCapExceeded(
                f"base fee {base_fee / GWEI:.3f} gwei + priority "
                f"{self.priority_fee / GWEI:.3f} gwei exceeds tx.max_fee_gwei "
                f"{self.max_fee_cap / GWEI:.3f}"
            )
        wanted = math.ceil(base_fee * self.base_fee_multiplier) + self.priority_fee
        return Fees(max_fee=min(wanted, self.max_fee_cap), priority_fee=self.priority_fee)

    def bump(self, previous: Fees, base_fee: int) -> Fees | None:
        """Fees for a replacement, or ``None`` when the cap leaves no room for a valid
        replacement (nodes want both fees at least ~10 % higher)."""
        factor = 1 + self.bump_percent / 100
        priority = max(math.ceil(previous.priority_fee * factor), previous.priority_fee + 1)
        max_fee = max(
            math.ceil(previous.max_fee * factor),
            previous.max_fee + 1,
            math.ceil(base_fee * self.base_fee_multiplier) + priority,
        )
        if max_fee > self.max_fee_cap:
            max_fee = self.max_fee_cap
            if max_fee < math.ceil(previous.max_fee * 1.1) or max_fee <= previous.max_fee:
                return None
        priority = min(priority, max_fee)
        if priority < math.ceil(previous.priority_fee * 1.1):
            return None
        return Fees(max_fee=max_fee, priority_fee=priority)


def next_nonce(chain_pending_count: int, our_pending: list[int]) -> int:
    """The nonce for a new transaction: after the node's view and after our own pending
    transactions (which a restarted node may have forgotten)."""
    candidates = [chain_pending_count]
    if our_pending:
        candidates.append(max(our_pending) + 1)
    return max(candidates)


# ---------------------------------------------------------------------------- store
@dataclass
class TxRecord:
    id: int
    key: str
    label: str
    chain_id: int
    sender: str
    nonce: int
    to: str
    data: str
    value: int
    gas: int
    status: str
    attempts: list[dict[str, Any]] = field(default_factory=list)
    created_at: float = 0.0
    first_sent_at: float | None = None
    block: int | None = None
    reason: str | None = None

    @property
    def last_fees(self) -> Fees:
        last = self.attempts[-1]
        return Fees(max_fee=int(last["max_fee"]), priority_fee=int(last["priority_fee"]))

    @property
    def hashes(self) -> list[str]:
        return [str(a["hash"]) for a in self.attempts]


class TxStore:
    """Pending and past transactions in sqlite (one file per data dir, WAL mode)."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS txs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL, label TEXT NOT NULL, chain_id INTEGER NOT NULL,
        sender TEXT NOT NULL, nonce INTEGER NOT NULL, to_addr TEXT NOT NULL,
        data TEXT NOT NULL, value TEXT NOT NULL, gas INTEGER NOT NULL,
        status TEXT NOT NULL, attempts TEXT NOT NULL, created_at REAL NOT NULL,
        first_sent_at REAL, block INTEGER, reason TEXT, updated_at REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS txs_pending ON txs (status, chain_id, sender);
    CREATE INDEX IF NOT EXISTS txs_key ON txs (key, status);
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(self.SCHEMA)

    @classmethod
    def in_dir(cls, data_dir: Path) -> TxStore:
        return cls(data_dir / "keeper-tx.sqlite")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _row(self, row: tuple[Any, ...]) -> TxRecord:
        return TxRecord(
            id=row[0], key=row[1], label=row[2], chain_id=row[3], sender=row[4], nonce=row[5],
            to=row[6], data=row[7], value=int(row[8]), gas=row[9], status=row[10],
            attempts=json.loads(row[11]), created_at=row[12], first_sent_at=row[13],
            block=row[14], reason=row[15],
        )  # fmt: skip

    _COLUMNS = (
        "id, key, label, chain_id, sender, nonce, to_addr, data, value, gas, status, "
        "attempts, created_at, first_sent_at, block, reason"
    )

    def insert(self, rec: TxRecord) -> TxRecord:
        now = time.time()
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO txs (key, label, chain_id, sender, nonce, to_addr, data, value, gas,"
                " status, attempts, created_at, first_sent_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (rec.key, rec.label, rec.chain_id, rec.sender, rec.nonce, rec.to, rec.data,
                 str(rec.value), rec.gas, rec.status, json.dumps(rec.attempts), now,
                 rec.first_sent_at, now),
            )  # fmt: skip
            rec.id = int(cur.lastrowid or 0)
            rec.created_at = now
        return rec

    def add_attempt(self, rec: TxRecord, attempt: dict[str, Any]) -> None:
        with self._lock:
            rec.attempts.append(attempt)
            self._db.execute(
                "UPDATE txs SET attempts=?, updated_at=? WHERE id=?",
                (json.dumps(rec.attempts), time.time(), rec.id),
            )

    def set_first_sent(self, rec: TxRecord, when: float) -> None:
        with self._lock:
            rec.first_sent_at = when
            self._db.execute("UPDATE txs SET first_sent_at=? WHERE id=?", (when, rec.id))

    def finish(
        self, rec: TxRecord, status: str, *, block: int | None = None, reason: str | None = None
    ) -> bool:
        """Record the outcome of a pending transaction. True for the call that ended it;
        False when another thread (another job's reconcile) already recorded it, so the
        outcome is logged and counted once."""
        with self._lock:
            rec.status, rec.block, rec.reason = status, block, reason
            cursor = self._db.execute(
                "UPDATE txs SET status=?, block=?, reason=?, updated_at=? WHERE id=? AND status=?",
                (status, block, reason, time.time(), rec.id, PENDING),
            )
            return cursor.rowcount == 1

    def pending(self, chain_id: int, sender: str) -> list[TxRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {self._COLUMNS} FROM txs WHERE status=? AND chain_id=? AND sender=?"
                " ORDER BY nonce",
                (PENDING, chain_id, sender),
            ).fetchall()
        return [self._row(r) for r in rows]

    def pending_for_key(self, chain_id: int, sender: str, key: str) -> TxRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {self._COLUMNS} FROM txs WHERE status=? AND chain_id=? AND sender=?"
                " AND key=? ORDER BY id DESC LIMIT 1",
                (PENDING, chain_id, sender, key),
            ).fetchone()
        return self._row(row) if row else None

    def all(self) -> list[TxRecord]:
        with self._lock:
            rows = self._db.execute(f"SELECT {self._COLUMNS} FROM txs ORDER BY id").fetchall()
        return [self._row(r) for r in rows]


# -------------------------------------------------------------------------- manager
@dataclass(frozen=True, slots=True)
class TxResult:
    key: str
    label: str
    status: str  # mined | dry_run | cancelled
    tx_hash: str | None = None
    block: int | None = None
    gas_used: int | None = None
    latency_s: float | None = None


def revert_reason(exc: BaseException) -> str:
    """A readable revert reason from web3's exception (``bond: ...`` when the contract
    gave one)."""
    if isinstance(exc, ContractLogicError):
        message = exc.message or str(exc)
    else:
        message = str(exc)
    return message.removeprefix("execution reverted: ").strip() or "reverted without reason"


_NONCE_LOW = ("nonce too low", "nonce is too low", "already been used")
_KNOWN = ("already known", "already imported", "known transaction", "alreadyknown")


class TxManager:
    """Sends the keeper's transactions; one instance per signer and chain."""

    def __init__(
        self,
        chain: Chain,
        settings: TxSettings,
        store: TxStore,
        metrics: Metrics,
        *,
        dry_run: bool = False,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.chain = chain
        self.settings = settings
        self.store = store
        self.metrics = metrics
        self.dry_run = dry_run
        self.stop = stop or threading.Event()
        self.policy = FeePolicy.from_settings(settings)
        self._lock = threading.Lock()
        self._clock = clock

    @property
    def w3(self) -> Web3:
        return self.chain.w3

    # ------------------------------------------------------------------ public API
    def send(self, key: str, label: str, to: str, data: str, *, wait: bool = True) -> TxResult:
        """Send ``data`` to ``to`` once for ``key`` (see the module docstring)."""
        existing = self.store.pending_for_key(self.chain.chain_id, self.chain.address, key)
        if existing is not None:
            logger.info(
                "waiting for pending transaction",
                extra={"key": key, "nonce": existing.nonce, "hashes": existing.hashes},
            )
            return self.wait(existing)
        self.simulate(label, to, data)
        if self.dry_run:
            logger.info("dry run: would send", extra={"key": key, "label": label, "to": to})
            self.metrics.tx.labels(label=label, outcome="dry_run").inc()
            return TxResult(key=key, label=label, status="dry_run")
        if self.stop.is_set():
            raise TxAbandoned(f"{label}: shutting down, not sending")
        gas = self._estimate(label, to, data)
        rec = self._broadcast_new(key, label, to, data, gas)
        if not wait:
            return TxResult(key=key, label=label, status=PENDING, tx_hash=rec.hashes[-1])
        return self.wait(rec)

    def simulate(self, label: str, to: str, data: str, *, block: str = "pending") -> bytes:
        """``eth_call`` (by default against the pending block, which on most nodes includes
        other keepers' queued transactions); :class:`SimulationReverted` if it reverts.

        A transaction of ours that is already queued is re-checked against ``latest``
        instead: on ``pending`` it would see itself and "revert"."""
        call = {"from": self.chain.address, "to": to, "data": data}
        try:
            return bytes(self.w3.eth.call(call, block))  # type: ignore[arg-type]
        except ContractLogicError as exc:
            reason = revert_reason(exc)
            logger.info("simulation reverted", extra={"label": label, "reason": reason})
            self.metrics.tx.labels(label=label, outcome="foreseen_revert").inc()
            raise SimulationReverted(label, reason) from None
        except (OSError, ValueError) as exc:
            raise ChainError(f"{label}: eth_call failed: {exc}") from exc

    def resume(self) -> list[TxRecord]:
        """At start-up: settle what the store says is pending (mined? dropped? re-broadcast
        what the node forgot). Returns the records still pending."""
        still: list[TxRecord] = []
        for rec in self.store.pending(self.chain.chain_id, self.chain.address):
            try:
                if self._settle(rec):
                    continue
            except TxError as exc:
                logger.warning(
                    "resumed transaction ended", extra={"key": rec.key, "error": str(exc)}
                )
                continue
            if self._rebroadcast(rec):
                logger.info(
                    "resumed pending transaction", extra={"key": rec.key, "nonce": rec.nonce}
                )
                still.append(rec)
        self.reconcile()
        return self.pending() if still else []

    def reconcile(self) -> None:
        """Record the outcome of pending transactions that have been mined (or whose nonce
        was taken) since we last looked; never sends anything."""
        for rec in self.store.pending(self.chain.chain_id, self.chain.address):
            try:
                self._settle(rec)
            except TxError as exc:
                logger.warning(
                    "pending transaction ended", extra={"key": rec.key, "error": str(exc)}
                )

    def pending(self) -> list[TxRecord]:
        return self.store.pending(self.chain.chain_id, self.chain.address)

    # ------------------------------------------------------------------- internals
    def _estimate(self, label: str, to: str, data: str) -> int:
        call = {"from": self.chain.address, "to": to, "data": data}
        try:
            estimate = int(self.w3.eth.estimate_gas(call, "pending"))  # type: ignore[arg-type]
        except ContractLogicError as exc:
            raise SimulationReverted(label, revert_reason(exc)) from None
        except (OSError, ValueError) as exc:
            raise ChainError(f"{label}: eth_estimateGas failed: {exc}") from exc
        gas = math.ceil(estimate * self.settings.gas_limit_multiplier)
        if estimate > self.settings.max_gas_limit:
            raise TxError(
                f"{label}: needs {estimate} gas, above tx.max_gas_limit "
                f"{self.settings.max_gas_limit}"
            )
        return min(gas, self.settings.max_gas_limit)

    def _base_fee(self) -> int:
        block = self.w3.eth.get_block("pending")
        return int(block.get("baseFeePerGas") or 0)

    def _chain_nonce(self, tag: str = "pending") -> int:
        return int(self.w3.eth.get_transaction_count(self.chain.address, tag))  # type: ignore[arg-type]

    def _sign(self, rec: TxRecord, fees: Fees, *, to: str | None = None, data: str | None = None,
              gas: int | None = None) -> tuple[bytes, str]:  # fmt: skip
        tx = {
            "chainId": self.chain.chain_id,
            "to": to or rec.to,
            "data": data if data is not None else rec.data,
            "value": rec.value if to is None else 0,
            "nonce": rec.nonce,
            "gas": gas or rec.gas,
            "maxFeePerGas": fees.max_fee,
            "maxPriorityFeePerGas": fees.priority_fee,
        }
        return self.chain.signer.sign(tx)

    def _broadcast_new(self, key: str, label: str, to: str, data: str, gas: int) -> TxRecord:
        for attempt in range(3):
            with self._lock:
                ours = [r.nonce for r in self.pending()]
                nonce = next_nonce(self._chain_nonce("pending"), ours)
                fees = self.policy.initial(self._base_fee())
                rec = TxRecord(
                    id=0, key=key, label=label, chain_id=self.chain.chain_id,
                    sender=self.chain.address, nonce=nonce, to=Web3.to_checksum_address(to),
                    data=data, value=0, gas=gas, status=PENDING,
                )  # fmt: skip
                raw, tx_hash = self._sign(rec, fees)
                rec.attempts = [self._attempt(tx_hash, fees, raw)]
                self.store.insert(rec)  # persisted before it leaves the process
                try:
                    self._raw_send(raw)
                except _NonceTooLow:
                    self.store.finish(rec, DROPPED, reason="nonce too low at broadcast")
                    self.metrics.nonce_conflicts.inc()
                    logger.warning(
                        "nonce taken by another process; retrying with a fresh nonce",
                        extra={"key": key, "nonce": nonce, "attempt": attempt + 1},
                    )
                    continue
                except Exception as exc:
                    self.store.finish(rec, DROPPED, reason=f"broadcast failed: {exc}")
                    raise ChainError(f"{label}: broadcast failed: {exc}") from exc
                self.store.set_first_sent(rec, time.time())
                logger.info(
                    "sent",
                    extra={"key": key, "label": label, "nonce": nonce, "hash": tx_hash,
                           "max_fee": fees.max_fee, "priority_fee": fees.priority_fee},
                )  # fmt: skip
                return rec
        raise NonceConflict(f"{label}: nonce kept being taken by another process")

    @staticmethod
    def _attempt(tx_hash: str, fees: Fees, raw: bytes) -> dict[str, Any]:
        return {
            "hash": tx_hash,
            "max_fee": fees.max_fee,
            "priority_fee": fees.priority_fee,
            "raw": "0x" + raw.hex(),
            "at": time.time(),
        }

    def _raw_send(self, raw: bytes) -> None:
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Exception as exc:
            text = str(exc).lower()
            if any(s in text for s in _KNOWN):
                return
            if any(s in text for s in _NONCE_LOW):
                raise _NonceTooLow(str(exc)) from exc
            raise

    def _receipt(self, rec: TxRecord) -> Any | None:
        for tx_hash in reversed(rec.hashes):
            try:
                return self.w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                continue
        return None

    def _receipt_within(self, rec: TxRecord, seconds: float) -> Any | None:
        deadline = time.monotonic() + seconds
        while True:
            receipt = self._receipt(rec)
            if receipt is not None or time.monotonic() >= deadline:
                return receipt
            time.sleep(min(0.1, seconds))

    def _settle(self, rec: TxRecord) -> TxResult | None:
        """If ``rec`` is final on chain, record it and return the result (or raise)."""
        receipt = self._receipt(rec)
        if receipt is None:
            if self._chain_nonce("latest") > rec.nonce:
                # Our nonce is used, by none of our hashes (or the receipt would exist).
                # Re-check for a moment first: a block may just have landed, and a node
                # (Anvil with interval mining, or RPC backends behind a load balancer) can
                # show the new nonce a little before it serves the receipt.
                receipt = self._receipt_within(rec, NONCE_RECEIPT_GRACE_S)
                if receipt is None:
                    why = "nonce used by another transaction"
                    if self.store.finish(rec, DROPPED, reason=why):
                        self.metrics.nonce_conflicts.inc()
                        self.metrics.tx.labels(label=rec.label, outcome="nonce_conflict").inc()
                        logger.warning(
                            "nonce taken by another process",
                            extra={"key": rec.key, "nonce": rec.nonce, "hashes": rec.hashes},
                        )
                    raise NonceConflict(f"{rec.label}: nonce {rec.nonce} used by another process")
            else:
                return None
        tx_hash = "0x" + bytes(receipt["transactionHash"]).hex().removeprefix("0x")
        block = int(receipt["blockNumber"])
        latency = None
        if rec.first_sent_at is not None:
            latency = max(0.0, time.time() - rec.first_sent_at)
        cancelled = (
            receipt.get("to") is not None
            and Web3.to_checksum_address(receipt["to"]) == Web3.to_checksum_address(rec.sender)
            and rec.to != rec.sender
        )
        if int(receipt["status"]) == 1:
            status = CANCELLED if cancelled else MINED
            if self.store.finish(rec, status, block=block):
                self.metrics.tx.labels(label=rec.label, outcome=status).inc()
                if latency is not None and status == MINED:
                    self.metrics.tx_latency.labels(label=rec.label).observe(latency)
                logger.info(
                    "mined" if status == MINED else "cancelled (nonce freed)",
                    extra={"key": rec.key, "hash": tx_hash, "block": block,
                           "gas_used": int(receipt["gasUsed"]), "latency_s": latency},
                )  # fmt: skip
            return TxResult(
                key=rec.key, label=rec.label, status=status, tx_hash=tx_hash, block=block,
                gas_used=int(receipt["gasUsed"]), latency_s=latency,
            )  # fmt: skip
        reason = self._replay_reason(rec, block)
        if self.store.finish(rec, REVERTED, block=block, reason=reason):
            self.metrics.tx.labels(label=rec.label, outcome="reverted").inc()
            logger.error(
                "transaction reverted",
                extra={"key": rec.key, "hash": tx_hash, "block": block, "reason": reason},
            )
        raise TxReverted(rec.label, tx_hash, reason)

    def _replay_reason(self, rec: TxRecord, block: int) -> str:
        call = {"from": rec.sender, "to": rec.to, "data": rec.data, "value": rec.value}
        try:
            self.w3.eth.call(call, max(block - 1, 0))  # type: ignore[arg-type]
        except ContractLogicError as exc:
            return revert_reason(exc)
        except Exception as exc:  # the node may not keep old state
            return f"unknown (replay failed: {exc})"
        return (
            "unknown (replay at the parent block succeeds: an earlier tx in the block interfered)"
        )

    def _rebroadcast(self, rec: TxRecord) -> bool:
        """Re-send the latest signed version (a restarted node may have lost it). If the
        action would now revert, free the nonce instead. False when the record ended."""
        try:
            self.simulate(rec.label, rec.to, rec.data, block="latest")
        except SimulationReverted as exc:
            return self._cancel(rec, f"no longer needed: {exc.reason}")
        raw = bytes.fromhex(str(rec.attempts[-1]["raw"]).removeprefix("0x"))
        try:
            self._raw_send(raw)
        except _NonceTooLow:
            self._settle(rec)
            return False
        except Exception as exc:
            logger.warning("rebroadcast failed", extra={"key": rec.key, "error": str(exc)})
        return True

    def _cancel(self, rec: TxRecord, why: str) -> bool:
        """Replace ``rec`` with a zero-value self-transfer at the same nonce (21,000 gas)
        so it does not revert on chain. Returns True while the cancellation is pending."""
        try:
            in_pool = self.w3.eth.get_transaction(rec.hashes[-1]) is not None  # type: ignore[arg-type]
        except TransactionNotFound:
            in_pool = False
        if not in_pool:
            # The node never saw it (or forgot it): nothing to replace; the nonce is free.
            self.store.finish(rec, DROPPED, reason=why)
            logger.info("dropped unsent transaction", extra={"key": rec.key, "why": why})
            return False
        fees = self.policy.bump(rec.last_fees, self._base_fee())
        if fees is None:
            logger.warning("cannot cancel at the fee cap; waiting", extra={"key": rec.key})
            return True
        raw, tx_hash = self._sign(rec, fees, to=rec.sender, data="0x", gas=21_000)
        self.store.add_attempt(rec, self._attempt(tx_hash, fees, raw) | {"cancel": True})
        try:
            self._raw_send(raw)
        except _NonceTooLow:
            return False
        logger.info("cancelling", extra={"key": rec.key, "why": why, "hash": tx_hash})
        return True

    def wait(self, rec: TxRecord) -> TxResult:
        """Poll for the receipt of ``rec``, bumping fees while it is stuck."""
        started = self._clock()
        last_send = started
        cancelling = any(a.get("cancel") for a in rec.attempts)
        while True:
            result = self._settle(rec)
            if result is not None:
                return result
            now = self._clock()
            if self.stop.is_set():
                raise TxAbandoned(
                    f"{rec.label}: shutdown while waiting; nonce {rec.nonce} stays pending"
                )
            if now - started > self.settings.receipt_timeout_s:
                raise TxAbandoned(
                    f"{rec.label}: no receipt after {self.settings.receipt_timeout_s:.0f} s; "
                    "still pending, the next run resumes it"
                )
            if now - last_send >= self.settings.stuck_after_s:
                last_send = now
                if not cancelling:
                    try:
                        self.simulate(rec.label, rec.to, rec.data, block="latest")
                    except SimulationReverted as exc:
                        cancelling = True
                        if not self._cancel(rec, f"no longer needed: {exc.reason}"):
                            raise TxAbandoned(f"{rec.label}: dropped ({exc.reason})") from None
                        continue
                self._bump(rec, cancel=cancelling)
            self.stop.wait(self.settings.poll_interval_s)

    def _bump(self, rec: TxRecord, *, cancel: bool) -> None:
        fees = self.policy.bump(rec.last_fees, self._base_fee())
        if fees is None:
            logger.warning(
                "stuck at the fee cap",
                extra={
                    "key": rec.key,
                    "max_fee": rec.last_fees.max_fee,
                    "cap": self.policy.max_fee_cap,
                },
            )
            return
        if cancel:
            raw, tx_hash = self._sign(rec, fees, to=rec.sender, data="0x", gas=21_000)
        else:
            raw, tx_hash = self._sign(rec, fees)
        self.store.add_attempt(
            rec, self._attempt(tx_hash, fees, raw) | ({"cancel": True} if cancel else {})
        )
        try:
            self._raw_send(raw)
        except _NonceTooLow:
            return  # mined meanwhile (or taken): the next _settle tells which
        except Exception as exc:
            logger.warning("replacement rejected", extra={"key": rec.key, "error": str(exc)})
            return
        self.metrics.tx_bumps.inc()
        logger.warning(
            "stuck transaction replaced with higher fees",
            extra={"key": rec.key, "nonce": rec.nonce, "hash": tx_hash,
                   "max_fee": fees.max_fee, "priority_fee": fees.priority_fee},
        )  # fmt: skip


class _NonceTooLow(Exception):
    pass
