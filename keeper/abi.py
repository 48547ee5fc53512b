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

PRICE_FEED_ABI: list[dict[str, Any]] = [
    _fn("REPORTER_ROLE", [], ["bytes32"]),
    _fn("FORWARDER_ROLE", [], ["bytes32"]),
    _fn("hasRole", [("role", "bytes32"), ("account", "address")], ["bool"]),
    _fn("decimals", [], ["uint8"]),
    _fn("description", [], ["string"]),
    _fn("max_deviation_bps", [], ["uint256"]),
    _fn("latestRoundData", [], ["uint80", "int256", "uint256", "uint256", "uint80"]),
    _fn("pending_move", [], ["address", "uint256", "uint256"]),
    _fn("submit", [("answer", "uint256"), ("observed_at", "uint256")], ["bool"], "nonpayable"),
]

PRICE_FEED_BATCHER_ABI: list[dict[str, Any]] = [
    _fn("MAX_BATCH", [], ["uint256"]),
    _fn(
        "submit_batch",
        [("feeds", "address[]"), ("answers", "uint256[]"), ("observed_at", "uint256[]")],
        ["uint256"],
        "nonpayable",
    ),
]

MACRO_FEED_ABI: list[dict[str, Any]] = [
    _fn("REPORTER_ROLE", [], ["bytes32"]),
    _fn("hasRole", [("role", "bytes32"), ("account", "address")], ["bool"]),
    _fn("frequency", [("code", "bytes3")], ["uint256"]),
    _fn("latest", [("code", "bytes3"), ("series", "uint8")],
        ["uint256", "int256", "uint256", "uint256", "uint256"]),
    _fn("observation", [("code", "bytes3"), ("series", "uint8"), ("period", "uint256")],
        ["int256", "uint256", "uint256", "uint256"]),
    _fn("period_end", [("code", "bytes3"), ("period", "uint256")], ["uint256"]),
    _fn("report", [("code", "bytes3"), ("series", "uint8"), ("period", "uint256"),
                   ("value_bps", "int256"), ("published_at", "uint256")], ["uint256"],
        "nonpayable"),
    _fn("report_pair", [("code", "bytes3"), ("period", "uint256"), ("debt_bps", "int256"),
                        ("growth_bps", "int256"), ("published_at", "uint256")], [], "nonpayable"),
]  # fmt: skip
