"""Gas benchmark of the SteadyAMM and the bond price feed (issue 4).

    ape run bench_amm                     # local network: ape starts Anvil itself

Deploys the stablecoin mock, Whitelist, a 5-year semi-annual 5% bond, its PriceFeed,
a PriceFeedBatcher and a SteadyAMM on the local chain, then prints the receipt
``gasUsed`` (the 21,000 intrinsic gas included) of: a buy and a sell (each including
the input token transfer), a proportional add and a remove of liquidity, a single
price update and a batch of 10 price updates. Every measured call is made in a
steady state (accounts already hold both tokens, infinite approvals, not the first
round of a feed), mid coupon period so that accrued interest is charged.
"""

from __future__ import annotations

from datetime import date

import click
from ape import accounts, chain, project

from analytics import bond_math

USDC = 10**6
TOKEN = 10**18
DAY = 86_400
PAR = 100 * 10**8  # feed answer at 100 % of par (8 decimals)
MAX_UINT = 2**256 - 1

# Uniswap V2 reference (issue 4): router swap on Anvil 1.7.1, receipt gasUsed.
UNISWAP_V2_ROUTER_SWAP = 97_726
SWAP_TARGET = 98_000
UPDATE_TARGET = 50_000


class Row:
    """One benchmark line (a plain class: ape runs scripts via runpy, where dataclasses fail)."""

    def __init__(self, action: str, gas: int, target: int | None = None) -> None:
        self.action = action
        self.gas = gas
        self.target = target

    def status(self) -> str:
        if self.target is None:
            return ""
        return "ok" if self.gas <= self.target else "OVER"


def deploy_protocol(basis: bond_math.DayCount):
    """Deploy the contracts a pool needs; returns a namespace of contracts and accounts."""
    test = accounts.test_accounts
    admin, kyc, reporter, reporter2, minter, lp, trader = (test[i] for i in range(7))

    usdc = admin.deploy(project.MockUSDC)
    whitelist = admin.deploy(project.Whitelist, admin)
    whitelist.grantRole(whitelist.KYC_OPERATOR_ROLE(), kyc, sender=admin)

    issue = bond_math.from_timestamp(chain.pending_timestamp)
    maturity = date(issue.year + 5, issue.month, min(issue.day, 28))
    table = bond_math.coupon_table(issue, maturity, 2, 500, 1_000 * USDC, basis)
    bond = admin.deploy(
        project.BondToken,
        "Bondline 5% 2031",
        "BL31",
        "XS0000000001",
        admin,
        usdc,
        whitelist,
        1_000 * USDC,
        1_000_000 * TOKEN,
        500,
        2,
        bond_math.to_timestamp(issue),
        int(basis),
        [p.end_ts for p in table],
        [p.coupon_units for p in table],
        admin,
    )
    bond.grantRole(bond.MINTER_ROLE(), minter, sender=admin)

    feed = admin.deploy(project.PriceFeed, bond, "BL31 clean price / % of par", 500, admin)
    for r in (reporter, reporter2):
        feed.grantRole(feed.REPORTER_ROLE(), r, sender=admin)
    chain.mine(deltatime=60)
    feed.submit(PAR, chain.blocks.head.timestamp, sender=reporter)

    amm = admin.deploy(
        project.SteadyAMM, bond, feed, "steadyAMM BL31/USDC", "sBL31", 30, 500, DAY, admin
    )
    # Deployment step: the KYC operator verifies the pool so it can collect coupons.
    expiry = chain.pending_timestamp + 10 * 365 * DAY
    whitelist.register(amm, expiry, 0, sender=kyc)

    for who in (lp, trader):
        bond.mint(who, 10_000 * TOKEN, sender=minter)
        usdc.mint(who, 10_000_000 * USDC, sender=admin)
        bond.approve(amm, MAX_UINT, sender=who)
        usdc.approve(amm, MAX_UINT, sender=who)
    return {
        "admin": admin,
        "reporter": reporter,
        "lp": lp,
        "trader": trader,
        "usdc": usdc,
        "bond": bond,
        "feed": feed,
        "amm": amm,
        "table": table,
    }


def measure_amm(basis: bond_math.DayCount) -> list[Row]:
    env = deploy_protocol(basis)
    amm, lp, trader, feed, reporter = (env[k] for k in ("amm", "lp", "trader", "feed", "reporter"))
    deadline = 2**64
    amm.add_liquidity(2_000 * TOKEN, MAX_UINT, 0, lp, deadline, sender=lp)

    # Mid first coupon period (accrued interest > 0), fresh oracle.
    table = env["table"]
    mid = (table[0].start_ts + table[0].end_ts) // 2
    chain.pending_timestamp = max(mid, chain.pending_timestamp)
    chain.mine()
    chain.mine(deltatime=60)
    feed.submit(PAR + 10**7, chain.blocks.head.timestamp, sender=reporter)

    # Warm-up trades so that the measured ones are in a steady state.
    amm.buy(TOKEN, MAX_UINT, trader, deadline, sender=trader)
    amm.sell(TOKEN, 0, trader, deadline, sender=trader)

    label = bond_math.DayCount(basis).label
    rows = [
        Row(
            f"swap: buy 10 bond tokens ({label})",
            amm.buy(10 * TOKEN, MAX_UINT, trader, deadline, sender=trader).gas_used,
            SWAP_TARGET,
        ),
        Row(
            f"swap: sell 10 bond tokens ({label})",
            amm.sell(10 * TOKEN, 0, trader, deadline, sender=trader).gas_used,
            SWAP_TARGET,
        ),
    ]
    if basis == bond_math.DayCount.ACT_ACT:
        usdc, bond = env["usdc"], env["bond"]
        usdc.approve(lp, MAX_UINT, sender=trader)
        rows += [
            Row(
                "reference: MockUSDC transferFrom alone (a buy's input leg)",
                usdc.transferFrom(trader, lp, 10**6, sender=lp).gas_used,
            ),
            Row(
                "reference: BondToken transfer alone (a buy's output leg)",
                bond.transfer(lp, TOKEN, sender=trader).gas_used,
            ),
        ]
        rows += [
            Row(
                "add liquidity (proportional)",
                amm.add_liquidity(100 * TOKEN, MAX_UINT, 0, lp, deadline, sender=lp).gas_used,
            ),
            Row(
                "remove liquidity",
                amm.remove_liquidity(100 * TOKEN, 0, 0, lp, deadline, sender=lp).gas_used,
            ),
        ]
    return rows


def measure_feeds() -> list[Row]:
    env = deploy_protocol(bond_math.DayCount.ACT_ACT)
    admin, reporter, bond = env["admin"], env["reporter"], env["bond"]
    batcher = admin.deploy(project.PriceFeedBatcher)
    feeds = [env["feed"]]
    for i in range(1, 10):
        feed = admin.deploy(project.PriceFeed, bond, f"bench feed {i}", 500, admin)
        feed.grantRole(feed.REPORTER_ROLE(), reporter, sender=admin)
        feeds.append(feed)
    for feed in feeds:
        feed.grantRole(feed.FORWARDER_ROLE(), batcher, sender=admin)
    # First rounds (not measured), then one more block so timestamps advance.
    chain.mine(deltatime=60)
    ts = chain.blocks.head.timestamp
    batcher.submit_batch(feeds, [PAR] * 10, [ts] * 10, sender=reporter)
    chain.mine(deltatime=60)
    ts = chain.blocks.head.timestamp
    single = feeds[0].submit(PAR + 12_345_678, ts, sender=reporter).gas_used
    chain.mine(deltatime=60)
    ts = chain.blocks.head.timestamp
    batch = batcher.submit_batch(
        feeds, [PAR + 23_456_789 + i for i in range(10)], [ts] * 10, sender=reporter
    ).gas_used
    return [
        Row("price update: single feed", single, UPDATE_TARGET),
        Row("price update: batch of 10 feeds", batch),
        Row("price update: batch of 10, per feed", batch // 10),
    ]


def markdown(rows: list[Row]) -> str:
    lines = [
        "| action | gasUsed (receipt) | target | status |",
        "| --- | ---: | ---: | --- |",
    ]
    for r in rows:
        target = f"{r.target:,}" if r.target else ""
        lines.append(f"| {r.action} | {r.gas:,} | {target} | {r.status()} |")
    return "\n".join(lines)


def main() -> None:
    """Print receipt gasUsed of AMM trades, liquidity changes and price updates."""
    rows: list[Row] = []
    snapshot = chain.snapshot()
    rows += measure_amm(bond_math.DayCount.ACT_ACT)
    chain.restore(snapshot)
    snapshot = chain.snapshot()
    rows += measure_amm(bond_math.DayCount.THIRTY_360)
    chain.restore(snapshot)
    rows += measure_feeds()
    click.echo(markdown(rows))
    click.echo(
        f"\nReference: Uniswap V2 swap through its router, receipt gasUsed on Anvil 1.7.1: "
        f"{UNISWAP_V2_ROUTER_SWAP:,}."
    )
