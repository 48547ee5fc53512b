"""One exception hierarchy for the keeper package.

``KeeperError`` is the root. Callers care about these branches:

* :class:`ConfigError` - the YAML configuration is invalid; carries every problem, each
  naming the key, what is wrong and the fix. Raised at start-up, before any chain access.
* :class:`ChainError` - the node cannot be reached or answers nonsense (retried next run).
* :class:`TxError` - a transaction could not be sent or did not do what was intended:
  :class:`SimulationReverted` (foreseen by ``eth_call``, nothing was sent),
  :class:`TxReverted` (mined with status 0, reason logged), :class:`FeeCapExceeded`
  (the network is more expensive than the configured cap; nothing sent or no more bumps),
  :class:`TxAbandoned` (shutdown while waiting; the transaction stays persisted and a
  restart resumes it), :class:`NonceConflict` (another process used our nonce).
* :class:`UnsafeStateError` - the circuit breaker: the keeper must stop (wrong chain id,
  signer without the role it needs, repeated failures). The daemon exits non-zero.
* :class:`JobNotAvailable` - a job was configured whose contract is not part of this
  release; the message says which and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass


class KeeperError(Exception):
    """Root of every exception the keeper raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the keeper configuration file."""

    location: str  # the YAML key, e.g. "jobs.coupons.bonds[0].address"
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.location}: {self.problem}\n    fix: {self.fix}"


def config_location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as the YAML key a person reads: ``jobs.coupons.bonds[0]``
    (pydantic's internal validator steps left out)."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif item.startswith(("function-", "json-or-python", "lax-or-strict")):
            continue
        else:
            parts.append(f".{item}" if parts else item)
    return "".join(parts) or "(top level)"


class ConfigError(KeeperError):
    """The configuration file is missing, unreadable or invalid."""

    def __init__(self, path: str, issues: list[ConfigIssue]) -> None:
        self.path = path
        self.issues = list(issues)
        count = len(self.issues)
        header = f"invalid keeper config {path}: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([header, *(f"  - {issue}" for issue in self.issues)]))


class ChainError(KeeperError):
    """The node is unreachable or misbehaves (timeouts, connection refused, bad answers)."""


class SignerError(KeeperError):
    """The signer cannot be loaded (unknown alias, missing passphrase variable, ...)."""


class TxError(KeeperError):
    """A transaction was not sent, or did not succeed."""


class SimulationReverted(TxError):
    """``eth_call`` says the transaction would revert: nothing was sent."""

    def __init__(self, label: str, reason: str) -> None:
        self.label = label
        self.reason = reason
        super().__init__(f"{label}: simulation reverted: {reason}")


class TxReverted(TxError):
    """Mined with status 0 (gas was spent); ``reason`` is the replayed revert reason."""

    def __init__(self, label: str, tx_hash: str, reason: str) -> None:
        self.label = label
        self.tx_hash = tx_hash
        self.reason = reason
        super().__init__(f"{label}: transaction {tx_hash} reverted: {reason}")


class FeeCapExceeded(TxError):
    """The fee the network wants is above ``tx.max_fee_gwei``."""


class TxAbandoned(TxError):
    """Shutdown (or a timeout) while waiting for a receipt; the tx stays persisted."""


class NonceConflict(TxError):
    """Another process used the nonce of one of our transactions."""


class UnsafeStateError(KeeperError):
    """The circuit breaker: continuing could lose money or spam the chain. Stop."""


class JobNotAvailable(KeeperError):
    """A configured job needs a contract this release does not ship yet."""
