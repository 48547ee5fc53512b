"""Gas benchmark for Whitelist + BondToken (issue 2).

Run:  ./bondline shell  then  ape run bench_bond
(or:  source .venv/bin/activate && PATH=<anvil bin>:$PATH ape run bench_bond)

Every figure is the mined transaction receipt's gasUsed, which includes the
21,000 intrinsic gas (the same measure as a wallet or Etherscan shows). It is
NOT the execution-only gas that `ape test --gas` reports from traces.
"""

from __future__ import annotations

import secrets
from datetime import date

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from analytics import bond_math

TOKEN = 10**18
USDC = 10**6


def _deploy_protocol(admin, holders_n: int):
    """Deploy USDC, Whitelist and a 5-year semi-annual bond with `holders_n` holders."""
    kyc, agent, minter, a, b, c = (accounts.test_accounts[i] for i in range(1, 7))
    usdc = admin.deploy(project.MockUSDC)
    wl = admin.deploy(project.Whitelist, admin)
    wl.grantRole(wl.KYC_OPERATOR_ROLE(), kyc, sender=admin)
    issue = bond_math.from_timestamp(chain.pending_timestamp)
    maturity = date(issue.year + 5, issue.month, min(issue.day, 28))
    table = bond_math.coupon_table(
        issue, maturity, 2, 500, 1_000 * USDC, bond_math.DayCount.ACT_ACT
    )
    bond = admin.deploy(
        project.BondToken,
        "Bench 5% bond",
        "BENCH",
        "XS0000000042",
        admin,
        usdc,
        wl,
        1_000 * USDC,
        10**9 * TOKEN,
        500,
        2,
        bond_math.to_timestamp(issue),
        int(bond_math.DayCount.ACT_ACT),
        [p.end_ts for p in table],
        [p.coupon_units for p in table],
        admin,
    )
    bond.grantRole(bond.MINTER_ROLE(), minter, sender=admin)
    bond.grantRole(bond.PAYING_AGENT_ROLE(), agent, sender=admin)
    expiry = chain.pending_timestamp + 50 * 365 * 86_400
    wl.register_batch([a, b, c], [expiry] * 3, [380] * 3, sender=kyc)
    for who in (a, b, c):
        bond.mint(who, 100 * TOKEN, sender=minter)
    # Other holders: fresh addresses, minted before the first record date.
    for _ in range(holders_n - 3):
        bond.mint("0x" + secrets.token_hex(20), 10 * TOKEN, sender=minter)
    usdc.mint(agent, 10**12 * USDC, sender=admin)
    usdc.approve(bond, 2**256 - 1, sender=agent)
    return bond, usdc, wl, kyc, agent, minter, a, b, c


def _measure(holders_n: int) -> dict[str, int]:
    admin = accounts.test_accounts[0]
    snap = chain.snapshot()
    bond, usdc, wl, kyc, agent, minter, a, b, c = _deploy_protocol(admin, holders_n)
    d, e = accounts.test_accounts[7], accounts.test_accounts[8]
    wl.register_batch([d, e], [chain.pending_timestamp + 10**9] * 2, [380] * 2, sender=kyc)
    bond.mint(d, 100 * TOKEN, sender=minter)
    bond.mint(e, 100 * TOKEN, sender=minter)
    # Steady state: claimants already hold some USDC (no fresh balance slot).
    for who in (a, b, c, d, e):
        usdc.mint(who, USDC, sender=admin)

    out: dict[str, int] = {}
    out["transfer, existing holders (warm)"] = bond.transfer(b, TOKEN, sender=a).gas_used
    fresh = "0x" + secrets.token_hex(20)
    out["transfer to a new holder"] = bond.transfer(fresh, TOKEN, sender=a).gas_used

    # c sends to fresh addresses once per period, so it carries a 9-entry
    # history when it claims; a, d and e never move after the first record.
    n = bond.periodCount()
    for k in range(1, n + 1):
        chain.pending_timestamp = bond.coupon_period(k)[0] - 3600
        chain.mine()
        if k >= 2:
            # The keeper snapshots each record date as soon as it passes
            # (anyone may); this is the one-off cost per period.
            r = bond.roll(sender=agent)
            if k == 2:
                out["roll: snapshot one record date (once per period, keeper)"] = r.gas_used
        r = bond.transfer("0x" + secrets.token_hex(20), TOKEN, sender=c)
        if k == 2:
            out["transfer to new holder, first in a new period (sender checkpoint)"] = r.gas_used
    chain.pending_timestamp = bond.maturityDate() + 1
    chain.mine()
    bond.roll(sender=agent)
    for k in range(1, n + 1):
        r = bond.fund_coupon(k, bond.coupon_record(k)[1], sender=agent)
        if k == 2:
            out["fund one coupon period in full (paying agent)"] = r.gas_used
    bond.claim_coupons(1, 1, sender=e)  # warm-up: lifetime payout counter becomes non-zero
    out["claim 1 period (account's first claim)"] = bond.claim_coupons(1, 1, sender=a).gas_used
    out["claim 1 more period (same account)"] = bond.claim_coupons(2, 2, sender=a).gas_used
    out["claim 10 periods (account's first claim)"] = bond.claim_coupons(1, 10, sender=d).gas_used
    out["claim 10 periods, holder with 9 checkpoints"] = bond.claim_coupons(
        1, 10, sender=c
    ).gas_used
    bond.fund_redemption(bond.redemption_state()[0], sender=agent)
    out["redeem (burn + principal payout)"] = bond.redeem(bond.balanceOf(a), sender=a).gas_used
    chain.restore(snap)
    return out


@click.command(cls=ConnectedProviderCommand)
def cli():
    """Print receipt gasUsed for BondToken operations with 10 and 500 holders."""
    admin = accounts.test_accounts[0]
    plain = admin.deploy(project.MockPlainERC20)
    plain.mint(admin, 100 * TOKEN, sender=admin)
    plain.transfer(accounts.test_accounts[1], 10 * TOKEN, sender=admin)
    ref = plain.transfer(accounts.test_accounts[1], TOKEN, sender=admin).gas_used

    small = _measure(10)
    click.echo("measured 10 holders", err=True)
    large = _measure(500)
    click.echo("measured 500 holders", err=True)

    click.echo("| operation | 10 holders | 500 holders |")
    click.echo("|---|---:|---:|")
    click.echo(f"| reference: plain snekmate ERC-20 transfer (warm) | {ref:,} | {ref:,} |")
    for key in small:
        click.echo(f"| {key} | {small[key]:,} | {large[key]:,} |")
