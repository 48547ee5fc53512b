"""SteadyAMM liquidity: first deposit at the oracle price, proportional add/remove, guards."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import TOKEN, time_travel
from tests.utils.amm_model import MINIMUM_LIQUIDITY, mul_div_up

from .conftest import DEADLINE, INITIAL_BOND, MAX_AGE, MAX_UINT, PAR, mid_period


def test_first_deposit__at_oracle_price__locks_minimum(new_pool, usdc, bond, terms, lp):
    amm, feed = new_pool
    answer = feed.latestRoundData()[1]
    assert answer == PAR
    usdc_before = usdc.balanceOf(lp)
    receipt = amm.add_liquidity(INITIAL_BOND, MAX_UINT, 0, lp, DEADLINE, sender=lp)
    # stable = bond_in * answer * denomination / (100e8 * 1e18), rounded up: 1,000 tokens at par
    stable = mul_div_up(INITIAL_BOND * answer, terms.denomination_units, PAR * TOKEN)
    assert stable == 1_000_000 * 10**6
    assert receipt.return_value == INITIAL_BOND - MINIMUM_LIQUIDITY
    assert amm.balanceOf(lp) == INITIAL_BOND - MINIMUM_LIQUIDITY
    assert amm.balanceOf(amm) == MINIMUM_LIQUIDITY  # locked forever
    assert amm.totalSupply() == INITIAL_BOND
    assert amm.reserves() == (INITIAL_BOND, stable, stable)
    assert usdc_before - usdc.balanceOf(lp) == stable
    assert bond.balanceOf(amm) == INITIAL_BOND and usdc.balanceOf(amm) == stable
    event = amm.AddLiquidity.from_receipt(receipt)[0]
    assert (event.sender, event.receiver, event.bond_in, event.stable_in) == (
        lp,
        lp,
        INITIAL_BOND,
        stable,
    )
    # The pool price equals the oracle price.
    assert amm.spot_price()[0] == amm.oracle_price()[0] == 1_000 * 10**6


def test_first_deposit__off_par_oracle__rounds_up(new_pool, push_price, lp):
    amm, feed = new_pool
    push_price(feed, 97_12345678)  # 97.12345678 % of par
    amm.add_liquidity(3 * TOKEN + 7, MAX_UINT, 0, lp, DEADLINE, sender=lp)
    x, y, _ = amm.reserves()
    assert y == mul_div_up((3 * TOKEN + 7) * 97_12345678, 1_000 * 10**6, PAR * TOKEN)
    assert y * PAR * TOKEN >= x * 97_12345678 * 1_000 * 10**6  # never below the oracle


def test_first_deposit__stale_oracle_or_dust__reverts(new_pool, chain, push_price, lp):
    amm, feed = new_pool
    with ape.reverts("amm: deposit too small"):
        amm.add_liquidity(MINIMUM_LIQUIDITY, MAX_UINT, 0, lp, DEADLINE, sender=lp)
    time_travel(chain, feed.latestRoundData()[3] + MAX_AGE + 1)
    with ape.reverts("amm: oracle price stale"):
        amm.add_liquidity(TOKEN, MAX_UINT, 0, lp, DEADLINE, sender=lp)
    push_price(feed, PAR)
    amm.add_liquidity(TOKEN, MAX_UINT, 0, lp, DEADLINE, sender=lp)


def test_add__proportional__matches_model(amm, model, chain, terms, feed, push_price, alice, bob):
    time_travel(chain, mid_period(terms))
    push_price(feed, PAR)
    amm.buy(7 * TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)  # cash != y now
    x, y, cash = amm.reserves()
    model.x, model.y, model.cash = x, y, cash
    assert cash > y
    stable, shares = model.add_liquidity(bob.address, 33 * TOKEN + 1, 0)
    with ape.reverts("amm: slippage"):
        amm.add_liquidity(33 * TOKEN + 1, stable - 1, 0, bob, DEADLINE, sender=bob)
    with ape.reverts("amm: slippage"):
        amm.add_liquidity(33 * TOKEN + 1, stable, shares + 1, bob, DEADLINE, sender=bob)
    receipt = amm.add_liquidity(33 * TOKEN + 1, stable, shares, bob, DEADLINE, sender=bob)
    assert receipt.return_value == shares == amm.balanceOf(bob)
    assert amm.reserves() == (model.x, model.y, model.cash)
    assert amm.totalSupply() == model.supply
    # The price is unchanged (up to the rounding up of y).
    assert model.y * x >= y * model.x


def test_remove__pro_rata__matches_model_and_slippage(amm, model, usdc, bond, lp):
    shares = amm.balanceOf(lp) // 3
    bond_out, stable_out = model.quote_remove(shares)
    assert amm.quote_remove_liquidity(shares) == (bond_out, stable_out)
    with ape.reverts("amm: slippage"):
        amm.remove_liquidity(shares, bond_out + 1, 0, lp, DEADLINE, sender=lp)
    with ape.reverts("amm: slippage"):
        amm.remove_liquidity(shares, 0, stable_out + 1, lp, DEADLINE, sender=lp)
    before = (usdc.balanceOf(lp), bond.balanceOf(lp))
    receipt = amm.remove_liquidity(shares, bond_out, stable_out, lp, DEADLINE, sender=lp)
    model.remove_liquidity(lp.address, shares)
    assert receipt.return_value == (bond_out, stable_out)
    assert amm.reserves() == (model.x, model.y, model.cash)
    assert (usdc.balanceOf(lp), bond.balanceOf(lp)) == (
        before[0] + stable_out,
        before[1] + bond_out,
    )
    event = amm.RemoveLiquidity.from_receipt(receipt)[0]
    assert (event.shares, event.bond_out, event.stable_out) == (shares, bond_out, stable_out)


def test_remove__all_shares__leaves_locked_minimum_at_the_same_price(amm, lp, bob):
    price = amm.spot_price()[0]
    amm.remove_liquidity(amm.balanceOf(lp), 0, 0, lp, DEADLINE, sender=lp)
    x, y, cash = amm.reserves()
    assert amm.totalSupply() == MINIMUM_LIQUIDITY
    assert x == MINIMUM_LIQUIDITY and y == cash == 1_000_000  # 0.001 token, 1 USDC
    # The dust left behind keeps the price (rounding cannot distort it), so a new LP
    # can deposit proportionally at a sane price.
    assert amm.spot_price()[0] == price
    receipt = amm.add_liquidity(TOKEN, MAX_UINT, 0, bob, DEADLINE, sender=bob)
    assert amm.AddLiquidity.from_receipt(receipt)[0].stable_in == 1_000 * 10**6


def test_remove__more_than_balance_or_zero__reverts(amm, lp, alice):
    with ape.reverts("erc20: burn amount exceeds balance"):
        amm.remove_liquidity(amm.balanceOf(lp) + 1, 0, 0, lp, DEADLINE, sender=lp)
    with ape.reverts("erc20: burn amount exceeds balance"):
        amm.remove_liquidity(1, 0, 0, alice, DEADLINE, sender=alice)
    with ape.reverts("amm: zero amount"):
        amm.remove_liquidity(0, 0, 0, lp, DEADLINE, sender=lp)


def test_remove__paused_stale_or_matured__still_works(amm, chain, terms, compliance, lp):
    amm.pause(sender=compliance)
    amm.remove_liquidity(TOKEN, 0, 0, lp, DEADLINE, sender=lp)
    time_travel(chain, terms.table[-1].end_ts + 1)  # oracle stale, bond matured
    amm.remove_liquidity(TOKEN, 0, 0, lp, DEADLINE, sender=lp)


def test_add__paused_or_matured__reverts(amm, chain, terms, compliance, lp):
    amm.pause(sender=compliance)
    with ape.reverts("amm: paused"):
        amm.add_liquidity(TOKEN, MAX_UINT, 0, lp, DEADLINE, sender=lp)
    amm.unpause(sender=compliance)
    time_travel(chain, terms.table[-1].end_ts)
    with ape.reverts("amm: bond matured"):
        amm.add_liquidity(TOKEN, MAX_UINT, 0, lp, DEADLINE, sender=lp)


def test_liquidity__deadline_passed__reverts(amm, chain, lp):
    past = chain.blocks.head.timestamp - 1
    with ape.reverts("amm: deadline passed"):
        amm.add_liquidity(TOKEN, MAX_UINT, 0, lp, past, sender=lp)
    with ape.reverts("amm: deadline passed"):
        amm.remove_liquidity(TOKEN, 0, 0, lp, past, sender=lp)


@pytest.mark.parametrize("who", ["sender", "receiver"])
def test_liquidity__blacklisted_party__reverts(amm, whitelist, compliance, attacker, lp, who):
    amm.add_liquidity(TOKEN, MAX_UINT, 0, attacker, DEADLINE, sender=attacker)
    whitelist.blacklist(attacker, "sanctions", sender=compliance)
    sender, receiver = (attacker, lp) if who == "sender" else (lp, attacker)
    with ape.reverts("amm: account blocked"):
        amm.add_liquidity(TOKEN, MAX_UINT, 0, receiver, DEADLINE, sender=sender)
    with ape.reverts("amm: account blocked"):
        amm.remove_liquidity(1, 0, 0, receiver, DEADLINE, sender=sender)


def test_lp_token__transfer__blocked_for_blacklisted(amm, whitelist, compliance, lp, attacker):
    amm.transfer(attacker, 10, sender=lp)
    amm.approve(lp, 5, sender=attacker)
    whitelist.blacklist(attacker, "sanctions", sender=compliance)
    with ape.reverts("amm: account blocked"):
        amm.transfer(attacker, 1, sender=lp)
    with ape.reverts("amm: account blocked"):
        amm.transfer(lp, 1, sender=attacker)
    with ape.reverts("amm: account blocked"):
        amm.transferFrom(attacker, lp, 1, sender=lp)
    whitelist.unblacklist(attacker, sender=compliance)
    amm.transferFrom(attacker, lp, 5, sender=lp)
    assert amm.balanceOf(attacker) == 5
