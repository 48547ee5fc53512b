"""SteadyAMM coupons: the pool collects what its bond tokens earn; LPs get it on withdrawal."""

from __future__ import annotations

import ape

from tests.conftest import DAY, TOKEN, time_travel

from .conftest import DEADLINE, INITIAL_BOND, MAX_UINT, PAR


def _fund_period_1(bond, usdc, admin, paying_agent, terms, chain):
    """Pass t_1, roll the record and fund coupon 1 in full; returns the amount due."""
    time_travel(chain, terms.table[0].end_ts + DAY // 2)
    bond.roll(sender=paying_agent)
    _, due, _ = bond.coupon_record(1)
    usdc.mint(paying_agent, due, sender=admin)
    usdc.approve(bond, due, sender=paying_agent)
    bond.fund_coupon(1, due, sender=paying_agent)
    return due


def test_collect_coupons__into_cash__curve_unchanged(
    amm, bond, usdc, admin, paying_agent, terms, chain, attacker
):
    _fund_period_1(bond, usdc, admin, paying_agent, terms, chain)
    owed = bond.claimable_coupons(amm, 1, 1)
    # The pool held INITIAL_BOND tokens at t_1: coupon 1 on each of them.
    assert owed == terms.coupons[0] * INITIAL_BOND // TOKEN
    x, y, cash = amm.reserves()
    receipt = amm.collect_coupons(1, 1, sender=attacker)  # permissionless
    assert receipt.return_value == owed
    assert amm.reserves() == (x, y, cash + owed)
    event = amm.CouponsCollected.from_receipt(receipt)[0]
    assert (event.caller, event.first_period, event.last_period, event.amount) == (
        attacker,
        1,
        1,
        owed,
    )
    assert usdc.balanceOf(amm) == cash + owed
    with ape.reverts("bond: nothing to claim"):
        amm.collect_coupons(1, 1, sender=attacker)


def test_collect_coupons__pool_not_verified__reverts_then_waits(
    amm, bond, usdc, admin, paying_agent, terms, chain, whitelist, kyc
):
    _fund_period_1(bond, usdc, admin, paying_agent, terms, chain)
    whitelist.revoke(amm, sender=kyc)
    with ape.reverts("bond: holder not verified"):
        amm.collect_coupons(1, 1, sender=admin)
    # Nothing is lost: once re-verified the pool collects the same amount.
    whitelist.register(amm, chain.pending_timestamp + 365 * DAY, 0, sender=kyc)
    assert (
        amm.collect_coupons(1, 1, sender=admin).return_value
        == bond.claimable_coupons(amm, 1, 1) + terms.coupons[0] * INITIAL_BOND // TOKEN
    )


def test_remove_liquidity__collects_funded_coupons_first(
    amm, bond, usdc, admin, paying_agent, terms, chain, lp
):
    _fund_period_1(bond, usdc, admin, paying_agent, terms, chain)
    owed = bond.claimable_coupons(amm, 1, 1)
    _, _, cash = amm.reserves()
    shares = amm.balanceOf(lp)
    supply = amm.totalSupply()
    usdc_before = usdc.balanceOf(lp)
    receipt = amm.remove_liquidity(shares, 0, 0, lp, DEADLINE, sender=lp)
    # The LP's withdrawal includes its share of the coupon collected in the same call.
    assert receipt.return_value[1] == (cash + owed) * shares // supply
    assert usdc.balanceOf(lp) - usdc_before == (cash + owed) * shares // supply
    assert amm.CouponsCollected.from_receipt(receipt)[0].amount == owed
    assert bond.claimable_coupons(amm, 1, 1) == 0


def test_add_liquidity__collects_funded_coupons_first(
    amm, bond, usdc, admin, paying_agent, terms, chain, feed, push_price, bob
):
    _fund_period_1(bond, usdc, admin, paying_agent, terms, chain)
    push_price(feed, PAR)
    owed = bond.claimable_coupons(amm, 1, 1)
    x, _, cash = amm.reserves()
    receipt = amm.add_liquidity(10 * TOKEN, MAX_UINT, 0, bob, DEADLINE, sender=bob)
    # The newcomer pays for its share of the coupon already owed to the pool.
    assert amm.AddLiquidity.from_receipt(receipt)[0].stable_in == -(
        -(cash + owed) * 10 * TOKEN // x
    )


def test_accrued_interest__restarts_after_coupon_date(amm, terms, chain):
    time_travel(chain, terms.table[0].end_ts - DAY)
    assert amm.accrued_interest() > 0
    time_travel(chain, terms.table[0].end_ts)
    assert amm.accrued_interest() == 0
    assert amm.current_period()[0] == 2


# ------------------------------------------------------------ debt conversion --
def _convert(bond, admin, alpha_wad):
    bond.grantRole(bond.CONVERTER_ROLE(), admin, sender=admin)
    bond.retire_fraction(alpha_wad, sender=admin)


def test_conversion__quotes_wait_then_first_trade_syncs_reserves(
    amm, bond, admin, feed, terms, chain, push_price, alice
):
    time_travel(chain, terms.table[0].start_ts + 30 * DAY)
    push_price(feed, PAR)
    x, y, cash = amm.reserves()
    price = amm.spot_price()[0]
    _convert(bond, admin, 25 * 10**16)  # retire 25 %
    with ape.reverts("amm: conversion not synced"):
        amm.quote_buy(TOKEN, skip_trace=True)
    receipt = amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    event = amm.ConversionSynced.from_receipt(receipt)[0]
    x_new = x * 3 // 4
    assert (event.bond_before, event.bond_after) == (x, x_new)
    assert event.curve_stable_after == -(-y * x_new // x)
    # The trade ran on the rescaled pool: price per token unchanged by the conversion.
    assert bond.balanceOf(amm) >= amm.reserves()[0]
    assert abs(event.curve_stable_after * TOKEN // x_new - price) <= 1
    assert amm.reserves()[2] > cash  # the buy's stablecoin came in
    with ape.reverts("amm: conversion already synced"):
        amm.sync_conversion(sender=alice)


def test_conversion__lps_can_still_withdraw_everything(amm, bond, admin, lp, usdc):
    with ape.reverts("amm: bond not converted"):
        amm.sync_conversion(sender=lp)
    _convert(bond, admin, 40 * 10**16)
    amm.sync_conversion(sender=lp)
    shares = amm.balanceOf(lp)
    x, _, cash = amm.reserves()
    supply = amm.totalSupply()
    amm.remove_liquidity(shares, 0, 0, lp, DEADLINE, sender=lp)
    assert amm.reserves()[0] == x - x * shares // supply
    assert bond.balanceOf(amm) >= amm.reserves()[0]
    assert usdc.balanceOf(amm) >= amm.reserves()[2] == cash - cash * shares // supply
