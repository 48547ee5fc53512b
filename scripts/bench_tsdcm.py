"""Gas benchmark for MacroFeed + DebtConversion (TSDCM) (issue 5).

Run:  ./bondline shell  then  ape run bench_tsdcm
(or:  source .venv/bin/activate && PATH=<anvil bin>:$PATH ape run bench_tsdcm)

Every figure is the mined transaction receipt's gasUsed, which includes the 21,000
intrinsic gas (the same measure as a wallet or Etherscan shows). It is NOT the
execution-only gas that `ape test --gas` reports from traces.

The whole scenario runs twice, on a bond with 10 and with 500 holders (the extra holders
are random fresh addresses minted through the bond's MINTER_ROLE): `convert` retires a
fraction of every balance in O(1), so its gas must not depend on the number of holders.
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
WAD = 10**18
DAY = 86_400
YEAR = 31_557_600  # Julian year, s (DebtConversion.YEAR)
CODE = b"ITA"
DEBT, GROWTH = 1, 2


def _period_end(year: int) -> int:
    return bond_math.days_from_civil(year + 1, 1, 1) * DAY


def _travel(timestamp: int) -> None:
    if timestamp > chain.blocks.head.timestamp:
        chain.pending_timestamp = timestamp
        chain.mine()


def _deploy(holders_n: int):
    """USDC, Whitelist, a 5-year semi-annual bond with `holders_n` holders, MacroFeed and
    its TSDCM (D* 80 %, g* 3 %, alpha 25 %, beta 0.1, gamma 0.3, T in 6 years, 7-day
    confirmation delay, one confirming period)."""
    admin, kyc, agent, minter, reporter, treasury, a, b, c = (
        accounts.test_accounts[i] for i in range(9)
    )
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
        treasury,
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
    expiry = chain.pending_timestamp + 50 * 365 * DAY
    wl.register_batch([a, b, c], [expiry] * 3, [380] * 3, sender=kyc)
    for who in (a, b, c):
        bond.mint(who, 100 * TOKEN, sender=minter)
    for _ in range(holders_n - 3):
        bond.mint("0x" + secrets.token_hex(20), 10 * TOKEN, sender=minter)

    feed = admin.deploy(project.MacroFeed, admin)
    feed.grantRole(feed.REPORTER_ROLE(), reporter, sender=admin)
    feed.add_sovereign(CODE, 1, sender=admin)
    terms = {
        "debt_threshold_bps": 8_000,
        "growth_threshold_bps": 300,
        "alpha": WAD // 4,
        "beta": WAD // 10,
        "gamma": 3 * WAD // 10,
        "plt_maturity": chain.pending_timestamp + 6 * YEAR,
        "max_age": 400 * DAY,
        "confirmation_delay": 7 * DAY,
        "confirmations": 1,
    }
    conv = admin.deploy(
        project.DebtConversion, bond, feed, CODE, terms, admin, treasury, "Bench PLT", "PLT"
    )
    # Deployment step: the bond's admin lets the TSDCM retire the fraction.
    bond.grantRole(bond.CONVERTER_ROLE(), conv, sender=admin)
    usdc.mint(treasury, 10**12 * USDC, sender=admin)
    usdc.approve(conv, 2**256 - 1, sender=treasury)
    # Steady state: redeemers already hold some USDC (no fresh balance slot).
    for who in (a, b, c):
        usdc.mint(who, USDC, sender=admin)
    return feed, conv, bond, reporter, treasury, a, b, c


def _measure(holders_n: int) -> dict[str, int]:
    snap = chain.snapshot()
    feed, conv, bond, reporter, treasury, a, b, c = _deploy(holders_n)
    year = bond_math.from_timestamp(chain.blocks.head.timestamp).year - 1
    now = chain.blocks.head.timestamp
    out: dict[str, int] = {}

    # Macro feed: the keeper pushes last year's pair (one IMF WEO release).
    out["macro: report_pair, new period (debt + growth)"] = feed.report_pair(
        CODE, year - 1, 8_600, 250, now, sender=reporter
    ).gas_used
    out["macro: report one series, new period"] = feed.report(
        CODE, DEBT, year, 7_500, now, sender=reporter
    ).gas_used
    r = feed.report(CODE, GROWTH, year, 400, now, sender=reporter)
    out["macro: revision (new version of a period)"] = feed.report(
        CODE, DEBT, year, 7_400, now, sender=reporter
    ).gas_used

    # Conversion once the confirmation delay is over.
    _travel(chain.blocks[r.block_number].timestamp + 7 * DAY + 60)
    bond.roll(sender=a)  # no record date pending in either run
    assert conv.check()[0], conv.check()
    out["convert (retire alpha of every holder, O(1))"] = conv.convert(sender=a).gas_used

    out["accrue: first node (conversion period)"] = conv.accrue(sender=a).gas_used
    conv.claim(c, sender=c)  # warm-up: the PLT supply is non-zero from here on
    out["claim PLT (holder untouched since the conversion)"] = conv.claim(a, sender=a).gas_used
    bond.transfer(c, TOKEN, sender=b)  # settles b's retired amount in the bond
    out["claim PLT (holder moved after the conversion)"] = conv.claim(b, sender=b).gas_used
    out["transfer PLT (existing holders)"] = conv.transfer(c, TOKEN, sender=a).gas_used

    # Next year's statistics, folded into the integral.
    _travel(_period_end(year + 1) + 100 * DAY)
    now = chain.blocks.head.timestamp
    feed.report_pair(CODE, year + 1, 7_300, 520, now, sender=reporter)
    out["accrue: one new observation (log entry + node)"] = conv.accrue(sender=a).gas_used
    feed.report(CODE, GROWTH, year + 1, 480, now, sender=reporter)
    out["accrue: revision of an accrued node"] = conv.accrue(sender=a).gas_used

    # T: the remaining 4 nodes hold the last growth known; the payout becomes final.
    _travel(conv.pltMaturity())
    out["accrue at T: hold 4 missing nodes + finalise payout"] = conv.accrue(sender=a).gas_used
    due = conv.payoutDue()
    out["fund payout (sovereign, half of due)"] = conv.fund_payout(
        due // 2, sender=treasury
    ).gas_used
    conv.fund_payout(due - due // 2, sender=treasury)
    out["redeem PLT (first redemption: burn + stablecoin payout)"] = conv.redeem(
        conv.balanceOf(a), sender=a
    ).gas_used
    chain.restore(snap)
    return out


@click.command(cls=ConnectedProviderCommand)
def cli():
    """Print receipt gasUsed for MacroFeed and TSDCM operations with 10 and 500 holders."""
    small = _measure(10)
    click.echo("measured 10 holders", err=True)
    large = _measure(500)
    click.echo("measured 500 holders", err=True)
    key = "convert (retire alpha of every holder, O(1))"
    spread = abs(large[key] - small[key]) / small[key]
    assert spread < 0.01, f"convert gas differs by {spread:.2%} between 10 and 500 holders"

    click.echo("| operation | 10 holders | 500 holders |")
    click.echo("|---|---:|---:|")
    for k in small:
        click.echo(f"| {k} | {small[k]:,} | {large[k]:,} |")
