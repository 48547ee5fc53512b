"""The main job (current stage): deploy a bond on a local Anvil and walk it through its life.

Run with ``./bondline demo`` (sets everything up on a fresh machine first). It starts
Anvil (ape-foundry), deploys MockUSDC, the Whitelist and a 3-year semi-annual 5% bond
whose schedule comes from ``analytics.bond_math``, onboards three investors, moves chain
time across coupon dates (chain time, not wall time, decides what is due), funds coupons
(one only partially, as a distressed issuer would), lets holders claim, redeems at
maturity, and prints the on-chain state at each step.
"""

from __future__ import annotations

from datetime import date

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from analytics import bond_math

TOKEN = 10**18
USDC = 10**6


def _usdc(units: int) -> str:
    return f"{units / USDC:,.2f} USDC"


def _tok(wei: int) -> str:
    return f"{wei / TOKEN:,.4f}"


def _jump(ts: int) -> None:
    if ts > chain.pending_timestamp:
        chain.pending_timestamp = ts
    chain.mine()


def _state(bond, usdc, names: dict) -> None:
    now = chain.pending_timestamp
    click.echo(
        f"  chain date {bond_math.from_timestamp(now)}  supply {_tok(bond.totalSupply())} tokens"
        f"  records {bond.recorded_periods()}/{bond.periodCount()}"
        f"  contract holds {_usdc(usdc.balanceOf(bond))}"
        f"  default={bond.defaulted()}"
    )
    for label, acct in names.items():
        bal, cash = _tok(bond.balanceOf(acct)), _usdc(usdc.balanceOf(acct))
        click.echo(f"    {label:<6} bond {bal:>10}  usdc {cash:>16}")


@click.command(cls=ConnectedProviderCommand)
@click.option("--years", default=3, show_default=True, help="Bond tenor in years.")
@click.option(
    "--recovery-bps",
    default=10_000,
    show_default=True,
    help="Share of principal the issuer pays at maturity (10000 = 100%).",
)
def cli(years: int, recovery_bps: int):
    """Deploy a bond on a local Anvil and print its state through its life."""
    admin, kyc, compliance, agent, minter = (accounts.test_accounts[i] for i in range(5))
    alice, bob, carol = (accounts.test_accounts[i] for i in range(5, 8))
    names = {"alice": alice, "bob": bob, "carol": carol}

    click.echo("== deploy")
    usdc = admin.deploy(project.MockUSDC)
    wl = admin.deploy(project.Whitelist, admin)
    wl.grantRole(wl.KYC_OPERATOR_ROLE(), kyc, sender=admin)
    wl.grantRole(wl.COMPLIANCE_ROLE(), compliance, sender=admin)
    issue = bond_math.from_timestamp(chain.pending_timestamp)
    maturity = date(issue.year + years, issue.month, min(issue.day, 28))
    basis = bond_math.DayCount.ACT_ACT
    table = bond_math.coupon_table(issue, maturity, 2, 500, 1_000 * USDC, basis)
    bond = admin.deploy(
        project.BondToken,
        f"Bondline 5% {maturity.year}",
        "BL",
        "XS0000000001",
        admin,
        usdc,
        wl,
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
    bond.grantRole(bond.PAYING_AGENT_ROLE(), agent, sender=admin)
    bond.grantRole(bond.PAUSER_ROLE(), compliance, sender=admin)
    click.echo(
        f"  Whitelist  {wl.address}\n  MockUSDC   {usdc.address}\n  BondToken  {bond.address}"
    )
    click.echo(
        f"  {bond.name()} ISIN {bond.isin()}: {len(table)} coupons, {basis.label}, "
        f"issue {issue}, maturity {maturity}"
    )
    for p in table:
        click.echo(
            f"    period {p.index:>2}  {p.start} -> {p.end}  {_usdc(p.coupon_units)} per token"
        )

    click.echo("== onboard investors (KYC) and issue tokens")
    expiry = chain.pending_timestamp + (years + 2) * 365 * 86_400
    wl.register_batch([alice, bob, carol], [expiry] * 3, [380, 276, 250], sender=kyc)
    bond.mint(alice, 60 * TOKEN, sender=minter)
    bond.mint(bob, 40 * TOKEN, sender=minter)
    usdc.mint(agent, 10_000_000 * USDC, sender=admin)
    usdc.approve(bond, 2**256 - 1, sender=agent)
    _state(bond, usdc, names)

    for p in table:
        _jump(p.end_ts + 3600)
        if p.index == 1:
            click.echo(f"== after record date 1 ({p.end}) alice sells 20 tokens to carol")
            bond.transfer(carol, 20 * TOKEN, sender=alice)  # ex-coupon: alice keeps coupon 1
        bond.roll(sender=agent)
        _, due, _ = bond.coupon_record(p.index)
        amount = due if p.index != 2 else due // 2
        bond.fund_coupon(p.index, amount, sender=agent)
        note = " (issuer short: 50% funded)" if p.index == 2 else ""
        click.echo(
            f"== coupon {p.index} on {p.end}: due {_usdc(due)}, funded {_usdc(amount)}{note}"
        )
        if p.index == 3:
            _, due2, funded2 = bond.coupon_record(2)
            top_up = due2 - funded2
            bond.fund_coupon(2, top_up, sender=agent)
            click.echo(f"   coupon 2 topped up by {_usdc(top_up)}")
        for label, acct in names.items():
            owed = bond.claimable_coupons(acct, 1, p.index)
            if owed:
                paid = bond.claim_coupons(1, p.index, sender=acct).return_value
                click.echo(f"   {label} claims {_usdc(paid)}")
    click.echo("== maturity: redemption")
    due, _, supply = bond.redemption_state()
    bond.fund_redemption(due * recovery_bps // 10_000, sender=agent)
    if recovery_bps < 10_000:
        bond.declare_default("principal shortfall at maturity", sender=admin)
    for label, acct in names.items():
        bal = bond.balanceOf(acct)
        if bal:
            paid = bond.redeem(bal, sender=acct).return_value
            click.echo(f"   {label} redeems {_tok(bal)} tokens for {_usdc(paid)}")
    _state(bond, usdc, names)
    click.echo(
        f"== done: coupons funded {_usdc(bond.totalCouponFunded())}, "
        f"claimed {_usdc(bond.totalCouponPaid())}; "
        f"redemption due {_usdc(due)} on {_tok(supply)} tokens"
    )
