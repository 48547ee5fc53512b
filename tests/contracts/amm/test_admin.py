"""SteadyAMM deployment checks, roles, parameter changes and their events; swap gas."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import TOKEN, time_travel

from .conftest import BAND_BPS, DEADLINE, FEE_BPS, MAX_AGE, MAX_UINT, PAR, mid_period

ZERO = "0x" + "00" * 20


def test_deploy__reads_bond_terms_and_parameters(amm, bond, feed, usdc, whitelist, terms, admin):
    assert amm.BOND() == bond.address and amm.FEED() == feed.address
    assert amm.STABLECOIN() == usdc.address and amm.WHITELIST() == whitelist.address
    assert amm.DENOMINATION() == terms.denomination_units
    assert amm.ISSUE_DATE() == terms.table[0].start_ts
    assert amm.MATURITY() == terms.table[-1].end_ts
    assert amm.DAY_COUNT() == int(terms.basis)
    assert amm.PAR_ANSWER() == PAR
    assert amm.parameters() == (FEE_BPS, BAND_BPS, MAX_AGE, False)
    assert amm.decimals() == 18 and amm.symbol() == "sBL31"
    assert amm.hasRole(amm.DEFAULT_ADMIN_ROLE(), admin)


@pytest.mark.parametrize(
    "fee,band,age,reason",
    [
        (1_001, 500, 3_600, "amm: fee out of range"),
        (30, 0, 3_600, "amm: band out of range"),
        (30, 5_001, 3_600, "amm: band out of range"),
        (30, 500, 0, "amm: oracle age out of range"),
        (30, 500, 30 * 86_400 + 1, "amm: oracle age out of range"),
    ],
)
def test_deploy__parameters_out_of_range__revert(
    project, fresh_account, bond, feed, admin, fee, band, age, reason
):
    with ape.reverts(reason):
        fresh_account.deploy(project.SteadyAMM, bond, feed, "lp", "LP", fee, band, age, admin)


def test_deploy__feed_of_another_bond_or_no_admin__reverts(
    project, fresh_account, deploy_bond, terms, make_feed, bond, feed, admin
):
    other = make_feed(deploy_bond(terms))
    with ape.reverts("amm: feed prices another bond"):
        fresh_account.deploy(project.SteadyAMM, bond, other, "lp", "LP", 30, 500, 3_600, admin)
    with ape.reverts("amm: admin is the zero address"):
        fresh_account.deploy(project.SteadyAMM, bond, feed, "lp", "LP", 30, 500, 3_600, ZERO)


def test_deploy__deployer_keeps_no_role(project, fresh_account, bond, feed, admin):
    amm = fresh_account.deploy(project.SteadyAMM, bond, feed, "lp", "LP", 30, 500, 3_600, admin)
    assert not amm.hasRole(amm.DEFAULT_ADMIN_ROLE(), fresh_account)
    assert amm.hasRole(amm.DEFAULT_ADMIN_ROLE(), admin)


@pytest.mark.parametrize(
    "setter,event,value,bad,reason",
    [
        ("set_fee", "FeeUpdated", 100, 1_001, "amm: fee out of range"),
        ("set_band", "BandUpdated", 250, 0, "amm: band out of range"),
        ("set_max_oracle_age", "MaxOracleAgeUpdated", 3_600, 0, "amm: oracle age out of range"),
    ],
)
def test_setters__admin_only_range_checked_with_event(
    amm, admin, attacker, setter, event, value, bad, reason
):
    with ape.reverts("access_control: account is missing role"):
        getattr(amm, setter)(value, sender=attacker)
    with ape.reverts(reason):
        getattr(amm, setter)(bad, sender=admin)
    before = amm.parameters()
    receipt = getattr(amm, setter)(value, sender=admin)
    admin_, old, new = getattr(amm, event).from_receipt(receipt)[0].event_arguments.values()
    after = amm.parameters()
    index = ["set_fee", "set_band", "set_max_oracle_age"].index(setter)
    assert (admin_, old, new) == (admin, before[index], value)
    assert after[index] == value
    # The other parameters are untouched.
    assert [a for i, a in enumerate(after) if i != index] == [
        b for i, b in enumerate(before) if i != index
    ]


def test_set_band__narrower_band__applies_to_next_trade(
    amm, feed, terms, chain, push_price, admin, alice
):
    time_travel(chain, mid_period(terms))
    push_price(feed, PAR)
    amm.buy(10 * TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)  # ~2 % up: fine at b = 5 %
    amm.set_band(100, sender=admin)  # 1 %: the pool is now above the band
    with ape.reverts("amm: price above band"):
        amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    amm.sell(TOKEN, 0, alice, DEADLINE, sender=alice)


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_swap__gas__within_target(amm, feed, terms, chain, push_price, alice, side):
    """Receipt gasUsed (21,000 intrinsic and the input token transfer included) <= 98,000."""
    time_travel(chain, mid_period(terms))
    push_price(feed, PAR)
    amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)  # steady state: balances exist
    amm.sell(TOKEN, 0, alice, DEADLINE, sender=alice)
    if side == "buy":
        receipt = amm.buy(10 * TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    else:
        receipt = amm.sell(10 * TOKEN, 0, alice, DEADLINE, sender=alice)
    assert receipt.gas_used <= 98_000
