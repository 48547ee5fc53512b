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

# --------------------------------------------- escrow, amm and conversion jobs
# Escrow: Position and Totals are Vyper structs, returned as ABI tuples.


def _struct_fn(
    name: str, inputs: list[tuple[str, str]], components: list[tuple[str, str]]
) -> dict[str, Any]:
    fn = _fn(name, inputs, [])
    fn["outputs"] = [
        {
            "name": "",
            "type": "tuple",
            "components": [{"name": n, "type": t} for n, t in components],
        }
    ]
    return fn


ESCROW_ABI: list[dict[str, Any]] = [
    _fn("BOND", [], ["address"]),
    _fn("STABLECOIN", [], ["address"]),
    _fn("TARGET", [], ["uint256"]),
    _fn("MIN_RAISE", [], ["uint256"]),
    _fn("DEADLINE", [], ["uint256"]),
    _fn("SETTLE_BY", [], ["uint256"]),
    _fn("MAX_BATCH", [], ["uint256"]),
    _fn("phase", [], ["uint256"]),
    _fn("settled", [], ["bool"]),
    _fn("time_left", [], ["uint256"]),
    _struct_fn(
        "totals",
        [],
        [
            (n, "uint256")
            for n in (
                "committed",
                "paid",
                "initial",
                "raised",
                "refunded",
                "to_custodian",
                "claimed",
                "held",
                "investors",
            )
        ],
    ),
    _struct_fn(
        "position",
        [("investor", "address")],
        [
            ("committed", "uint256"),
            ("paid", "uint256"),
            ("outstanding", "uint256"),
            ("fulfilled", "bool"),
            ("closed", "bool"),
            ("withdrawable", "uint256"),
            ("claimable", "uint256"),
        ],
    ),
    _fn("settle", [], ["uint256"], "nonpayable"),
    _fn(
        "process_batch",
        [("investors", "address[]")],
        ["uint256", "uint256"],
        "nonpayable",
    ),
]

STEADY_AMM_ABI: list[dict[str, Any]] = [
    _fn("BOND", [], ["address"]),
    _fn("STABLECOIN", [], ["address"]),
    _fn("FEED", [], ["address"]),
    _fn("MATURITY", [], ["uint256"]),
    _fn("reserves", [], ["uint256", "uint256", "uint256"]),
    _fn("paused", [], ["bool"]),
    _fn(
        "collect_coupons",
        [("first_period", "uint256"), ("last_period", "uint256")],
        ["uint256"],
        "nonpayable",
    ),
    _fn("sync_conversion", [], [], "nonpayable"),
]

# The BondToken views the amm job reads on top of BOND_ABI.
BOND_COUPON_CLAIM_ABI: list[dict[str, Any]] = [
    *BOND_ABI,
    _fn(
        "claimable_coupons",
        [("account", "address"), ("first_period", "uint256"), ("last_period", "uint256")],
        ["uint256"],
    ),
    _fn("converted", [], ["bool"]),
    _fn("WHITELIST", [], ["address"]),
]

WHITELIST_ABI: list[dict[str, Any]] = [
    _fn("is_verified", [("account", "address")], ["bool"]),
]

DEBT_CONVERSION_ABI: list[dict[str, Any]] = [
    _fn("BOND", [], ["address"]),
    _fn("FEED", [], ["address"]),
    _fn("ACTION_CONVERT", [], ["uint256"]),
    _fn("ACTION_ACCRUE", [], ["uint256"]),
    _fn("converted", [], ["bool"]),
    _fn("check", [], ["bool", "uint256", "string"]),
    _fn("checkUpkeep", [("check_data", "bytes")], ["bool", "bytes"]),
    _fn("accrual_pending", [], ["bool"]),
    _fn("conversionTime", [], ["uint256"]),
    _fn("logCursor", [], ["uint256"]),
    _fn("accruedNodes", [], ["uint256"]),
    _fn("nodeCount", [], ["uint256"]),
    _fn("totalRetired", [], ["uint256"]),
    _fn("payoutFinal", [], ["bool"]),
    _fn("payoutRate", [], ["uint256"]),
    _fn("payoutDue", [], ["uint256"]),
    _fn("payoutFunded", [], ["uint256"]),
    _fn("payoutPaid", [], ["uint256"]),
    _fn("performUpkeep", [("perform_data", "bytes")], [], "nonpayable"),
]
