"""Helpers the escrow, amm and conversion jobs share: checking that a configured address
is the contract the job expects, and sending one action into a :class:`JobReport`."""

from __future__ import annotations

from typing import Any

from eth_abi.exceptions import DecodingError
from web3.contract import Contract
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, Web3ValidationError

from keeper.exceptions import SimulationReverted, UnsafeStateError
from keeper.jobs.base import JobContext, JobReport
from keeper.tx import TxResult

# What a call to the wrong contract (or to an account without code) raises; connection
# errors are not in here on purpose: a node that is down is retried, not "unsafe".
_NOT_THAT_CONTRACT = (
    ContractLogicError,
    BadFunctionCallOutput,
    DecodingError,
    Web3ValidationError,
)


def verify_contract(
    ctx: JobContext,
    address: str,
    abi: list[dict[str, Any]],
    *,
    where: str,
    what: str,
    probes: dict[str, Any],
) -> Contract:
    """The contract at ``address``, after checking it answers like a ``what``.

    ``probes`` maps view names (no arguments) to a check of the answer: ``None`` (any
    answer decodes) or the exact value expected. Raises :class:`UnsafeStateError` naming
    the config key (``where``) when there is no code at the address or a probe fails: a
    keeper pointed at the wrong contract must not start sending transactions to it."""
    contract = ctx.chain.contract(address, abi)
    code = ctx.chain.w3.eth.get_code(contract.address)
    if len(code) == 0:
        raise UnsafeStateError(
            f"{where}: no contract at {contract.address} on chain {ctx.chain.chain_id} "
            f"(expected a {what}); check the address and chain.network"
        )
    for name, expected in probes.items():
        try:
            answer = getattr(contract.functions, name)().call()
        except _NOT_THAT_CONTRACT as exc:
            raise UnsafeStateError(
                f"{where}: {contract.address} is not a {what}: its {name}() view failed "
                f"({type(exc).__name__}: {exc}); check the address"
            ) from None
        if expected is not None and answer != expected:
            raise UnsafeStateError(
                f"{where}: {contract.address} is not a {what}: {name}() answered {answer!r}, "
                f"a {what} answers {expected!r}; check the address"
            )
    return contract


def send_action(
    ctx: JobContext, report: JobReport, key: str, label: str, to: str, data: str
) -> TxResult | None:
    """Send through the transaction manager (simulated first); a foreseen revert goes to
    ``report.skipped`` and returns ``None``."""
    try:
        result = ctx.tx.send(key, label, to, data)
    except SimulationReverted as exc:
        report.skipped.append(f"{key}: {exc.reason}")
        return None
    report.actions.append(f"{key} ({result.status})")
    return result
