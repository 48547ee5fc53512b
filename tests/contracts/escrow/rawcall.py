"""Cheap `eth_call`s for the hot loop of the property test.

An ape contract call costs 10-30 ms (argument conversion, web3 middlewares), and a
reverting ape transaction 200-300 ms (ape builds a source traceback for the error).
The state machine makes thousands of calls. This helper sends the JSON-RPC request
straight to the provider (about 2 ms), encodes and decodes with eth_abi, and turns a
revert into :class:`CallReverted` with the decoded reason. Use it only where speed
matters; unit tests use ape's contract objects.
"""

from __future__ import annotations

from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector

_ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)


class CallReverted(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _arg_types(signature: str) -> list[str]:
    inner = signature[signature.index("(") + 1 : signature.rindex(")")]
    return [t for t in inner.split(",") if t]


class RawContract:
    """Calls one contract's functions by signature, e.g. ``call("position(address)", a)``."""

    def __init__(self, provider: Any, address: Any):
        self._request = provider.web3.provider.make_request
        self.address = str(address)

    def call(
        self,
        signature: str,
        *args: Any,
        returns: tuple[str, ...] = ("uint256",),
        sender: str | None = None,
    ) -> Any:
        """Simulate at the latest block. Returns one value, or a tuple for several outputs."""
        selector = function_signature_to_4byte_selector(signature)
        values_in = [str(a.address) if hasattr(a, "address") else a for a in args]
        data = selector + encode(_arg_types(signature), values_in)
        tx: dict[str, str] = {"to": self.address, "data": "0x" + data.hex()}
        if sender is not None:
            tx["from"] = str(sender)
        response = self._request("eth_call", [tx, "latest"])
        if "error" in response:
            raise CallReverted(_revert_reason(response["error"]))
        values = decode(list(returns), bytes.fromhex(response["result"][2:]))
        return values[0] if len(returns) == 1 else values


def _revert_reason(error: dict[str, Any]) -> str:
    data = error.get("data") or "0x"
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else b""
    if raw[:4] == _ERROR_SELECTOR:
        return decode(["string"], raw[4:])[0]
    return error.get("message", "")


def simulate_deploy(provider: Any, container: Any, *args: Any, sender: Any) -> None:
    """Run `container`'s constructor with `args` in an `eth_call` (nothing is deployed).

    Raises :class:`CallReverted` with the constructor's revert reason; returns if the
    deployment would succeed. ape takes seconds to enrich a reverted deployment's error,
    this takes milliseconds.
    """
    txn = container.constructor.serialize_transaction(*args)
    tx = {"from": str(sender.address), "data": "0x" + bytes(txn.data).hex()}
    response = provider.web3.provider.make_request("eth_call", [tx, "latest"])
    if "error" in response:
        raise CallReverted(_revert_reason(response["error"]))
