"""The slices of the contract ABIs the keeper calls (kept here so a node operator needs no
compiled project: the keeper talks to deployed contracts by address)."""

from __future__ import annotations

from typing import Any


def _fn(
    name: str,
    inputs: list[tuple[str, str]],
    outputs: list[str],
    mutability: str = "view",
) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "stateMutability": mutability,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"name": "", "type": t} for t in outputs],
    }


ERC20_ABI: list[dict[str, Any]] = [
    _fn("balanceOf", [("account", "address")], ["uint256"]),
    _fn("allowance", [("owner", "address"), ("spender", "address")], ["uint256"]),
    _fn("decimals", [], ["uint8"]),
    _fn("symbol", [], ["string"]),
    _fn("approve", [("spender", "address"), ("amount", "uint256")], ["bool"], "nonpayable"),
]

BOND_ABI: list[dict[str, Any]] = [
    _fn("symbol", [], ["string"]),
    _fn("STABLECOIN", [], ["address"]),
    _fn("PAYING_AGENT_ROLE", [], ["bytes32"]),
    _fn("hasRole", [("role", "bytes32"), ("account", "address")], ["bool"]),
    _fn("periodCount", [], ["uint256"]),
    _fn("maturityDate", [], ["uint256"]),
    _fn("due_periods", [], ["uint256"]),
    _fn("recorded_periods", [], ["uint256"]),
    _fn("coupon_period", [("period", "uint256")], ["uint256", "uint256"]),
    _fn("coupon_record", [("period", "uint256")], ["uint256", "uint256", "uint256"]),
    _fn("redemption_state", [], ["uint256", "uint256", "uint256"]),
    _fn("paused", [], ["bool"]),
    _fn("defaulted", [], ["bool"]),
    _fn("roll", [], [], "nonpayable"),
    _fn("fund_coupon", [("period", "uint256"), ("amount", "uint256")], [], "nonpayable"),
    _fn("fund_redemption", [("amount", "uint256")], [], "nonpayable"),
]
