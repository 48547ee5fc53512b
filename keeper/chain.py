"""Connection to the node and the signer, through ape.

* The network comes from ``chain.network``: an ape network choice
  (``ethereum:local:foundry``, ``ethereum:mainnet:node``) or an RPC URL
  (``http://127.0.0.1:8545``), exactly what ``ape ... --network`` accepts.
* The signer is an ape account: a keystore alias (``ape accounts import keeper``) unlocked
  with the passphrase from the environment variable ``signer.passphrase_env``, or, for
  local chains and tests, one of ape's test accounts. The config never holds a key.

:class:`Chain` is the small surface the rest of the keeper uses (web3 for reads and
``eth_call``, the signer for signing, chain time). Tests build one straight from ape's test
provider with :meth:`Chain.from_provider`.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from web3 import Web3
from web3.contract import Contract

from keeper.exceptions import ChainError, SignerError, UnsafeStateError
from keeper.settings import KeeperSettings, SignerSettings

logger = logging.getLogger("keeper.chain")


class Signer(Protocol):
    """Signs an EIP-1559 transaction given as a dict; returns (raw bytes, tx hash hex)."""

    @property
    def address(self) -> str: ...

    def sign(self, tx: dict[str, Any]) -> tuple[bytes, str]: ...


class ApeSigner:
    """An ape account (keystore or test account) as a :class:`Signer`."""

    def __init__(self, account: Any, ecosystem: Any) -> None:
        self._account = account
        self._ecosystem = ecosystem

    @property
    def address(self) -> str:
        return str(self._account.address)

    def sign(self, tx: dict[str, Any]) -> tuple[bytes, str]:
        txn = self._ecosystem.create_transaction(
            chain_id=tx["chainId"],
            to=tx["to"],
            data=tx["data"],
            value=tx.get("value", 0),
            nonce=tx["nonce"],
            gas_limit=tx["gas"],
            max_fee=tx["maxFeePerGas"],
            max_priority_fee=tx["maxPriorityFeePerGas"],
            type=2,
        )
        signed = self._account.sign_transaction(txn)
        if signed is None or signed.signature is None:
            raise SignerError(f"account {self.address} refused to sign")
        raw = bytes(signed.serialize_transaction())
        return raw, "0x" + bytes(signed.txn_hash).hex().removeprefix("0x")


def load_signer(settings: SignerSettings, ecosystem: Any) -> ApeSigner:
    """The ape account named by the settings, unlocked for unattended signing."""
    from ape import accounts

    if settings.test_account is not None:
        test_accounts = accounts.test_accounts
        if settings.test_account >= len(test_accounts):
            raise SignerError(
                f"signer.test_account {settings.test_account} does not exist "
                f"(there are {len(test_accounts)} test accounts)"
            )
        return ApeSigner(test_accounts[settings.test_account], ecosystem)
    assert settings.alias is not None and settings.passphrase_env is not None
    try:
        account = accounts.load(settings.alias)
    except Exception as exc:  # ape raises its own AccountsError
        raise SignerError(
            f"no ape account with alias {settings.alias!r} ({exc}); "
            f"import it with `ape accounts import {settings.alias}`"
        ) from None
    passphrase = os.environ.get(settings.passphrase_env)
    if passphrase is None:
        raise SignerError(
            f"environment variable {settings.passphrase_env} (signer.passphrase_env) is not "
            "set; export the keystore passphrase there"
        )
    try:
        account.set_autosign(True, passphrase=passphrase)
    except Exception as exc:
        raise SignerError(f"cannot unlock account {settings.alias!r}: {exc}") from None
    return ApeSigner(account, ecosystem)


@dataclass
class Chain:
    """Reads, calls and chain time; the signer that pays for the keeper's transactions."""

    w3: Web3
    signer: Signer
    chain_id: int

    @classmethod
    def from_provider(cls, provider: Any, account: Any) -> Chain:
        """Wrap an already connected ape provider and an ape account (used by tests)."""
        return cls(
            w3=provider.web3,
            signer=ApeSigner(account, provider.network.ecosystem),
            chain_id=int(provider.chain_id),
        )

    @property
    def address(self) -> str:
        return self.signer.address

    def timestamp(self) -> int:
        """Chain time: the timestamp of the latest block (never wall-clock time)."""
        try:
            return int(self.w3.eth.get_block("latest")["timestamp"])
        except Exception as exc:
            raise ChainError(f"cannot read the latest block: {exc}") from exc

    def contract(self, address: str, abi: list[dict[str, Any]]) -> Contract:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)

    def balance(self, address: str | None = None) -> int:
        return int(self.w3.eth.get_balance(Web3.to_checksum_address(address or self.address)))


@contextlib.contextmanager
def connect(settings: KeeperSettings, *, network: str | None = None) -> Iterator[Chain]:
    """Connect through ape to ``network`` (default ``chain.network``) and load the signer."""
    from ape import networks

    choice = network or settings.chain.network
    try:
        context = networks.parse_network_choice(choice)
        provider = context.__enter__()
    except Exception as exc:
        raise ChainError(f"cannot connect to {choice!r}: {exc}") from exc
    try:
        chain_id = int(provider.chain_id)
        expected = settings.chain.chain_id
        if expected is not None and chain_id != expected:
            raise UnsafeStateError(
                f"connected to chain id {chain_id} but chain.chain_id is {expected}; "
                "refusing to sign on the wrong chain"
            )
        signer = load_signer(settings.signer, provider.network.ecosystem)
        logger.info(
            "connected",
            extra={"network": choice, "chain_id": chain_id, "signer": signer.address},
        )
        yield Chain(w3=provider.web3, signer=signer, chain_id=chain_id)
    finally:
        context.__exit__(None, None, None)
