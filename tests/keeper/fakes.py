"""A scriptable stand-in for web3's ``eth`` namespace and a signer: enough chain for the
transaction manager's unit tests (no node, no ape)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from web3.exceptions import ContractLogicError, TransactionNotFound

from keeper.chain import Chain

SENDER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
TARGET = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


class FakeSigner:
    address = SENDER

    def sign(self, tx: dict[str, Any]) -> tuple[bytes, str]:
        raw = json.dumps(tx, sort_keys=True).encode()
        return raw, "0x" + hashlib.sha256(raw).hexdigest()


@dataclass
class FakeEth:
    """A node: ``mined`` nonces get receipts at once when ``automine``."""

    automine: bool = True
    base_fee: int = 10**9
    revert_reason: str | None = None  # eth_call / estimate revert with this reason
    latest_nonce: int = 0
    mempool: dict[int, dict[str, Any]] = field(default_factory=dict)  # nonce -> tx
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    reject_with: list[str] = field(default_factory=list)  # errors for the next sends
    block: int = 100
    status: int = 1
    replay_reason: str | None = None  # eth_call at a block number reverts with this

    def call(self, tx: dict[str, Any], block: Any = "latest") -> bytes:
        if isinstance(block, int) and self.replay_reason is not None:
            raise ContractLogicError(f"execution reverted: {self.replay_reason}")
        if self.revert_reason is not None:
            raise ContractLogicError(f"execution reverted: {self.revert_reason}")
        return b""

    def estimate_gas(self, tx: dict[str, Any], block: Any = "latest") -> int:
        self.call(tx, block)
        return 50_000

    def get_block(self, tag: Any) -> dict[str, Any]:
        return {"baseFeePerGas": self.base_fee, "timestamp": 1_700_000_000, "number": self.block}

    def get_transaction_count(self, address: str, tag: Any = "latest") -> int:
        if tag == "pending":
            return max([self.latest_nonce, *(n + 1 for n in self.mempool)])
        return self.latest_nonce

    def send_raw_transaction(self, raw: bytes) -> bytes:
        if self.reject_with:
            raise ValueError(self.reject_with.pop(0))
        tx = json.loads(raw)
        tx["hash"] = "0x" + hashlib.sha256(raw).hexdigest()
        if tx["nonce"] < self.latest_nonce:
            raise ValueError("nonce too low")
        self.sent.append(tx)
        self.mempool[tx["nonce"]] = tx  # a replacement overwrites
        if self.automine:
            self.mine()
        return bytes.fromhex(tx["hash"][2:])

    def mine(self) -> None:
        while self.latest_nonce in self.mempool:
            tx = self.mempool.pop(self.latest_nonce)
            self.block += 1
            self.receipts[tx["hash"]] = {
                "transactionHash": bytes.fromhex(tx["hash"][2:]),
                "blockNumber": self.block,
                "status": self.status,
                "gasUsed": 42_000,
                "to": tx["to"],
            }
            self.latest_nonce += 1

    def foreign_tx(self) -> None:
        """Another process uses our next nonce."""
        self.mempool.pop(self.latest_nonce, None)
        self.latest_nonce += 1

    def get_transaction_receipt(self, tx_hash: str) -> dict[str, Any]:
        if tx_hash in self.receipts:
            return self.receipts[tx_hash]
        raise TransactionNotFound(f"no receipt for {tx_hash}")

    def get_transaction(self, tx_hash: str) -> dict[str, Any]:
        for tx in self.mempool.values():
            if tx["hash"] == tx_hash:
                return tx
        raise TransactionNotFound(tx_hash)

    def get_balance(self, address: str) -> int:
        return 10**18


class FakeW3:
    def __init__(self, eth: FakeEth) -> None:
        self.eth = eth


def fake_chain(eth: FakeEth) -> Chain:
    return Chain(w3=FakeW3(eth), signer=FakeSigner(), chain_id=31337)  # type: ignore[arg-type]
