"""SteadyAMM swaps: amounts (vs the reference model), band, accrued interest, halts, guards."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import DAY, TOKEN, time_travel
from tests.utils.amm_model import AmmRevert

from .conftest import DEADLINE, MAX_AGE, MAX_UINT, PAR, at, mid_period


@pytest.fixture
def mid(chain, amm, feed, terms, push_price):
    """Half-way through coupon period 1 with a fresh oracle at par; returns that time."""
    time_travel(chain, mid_period(terms))
    push_price(feed, PAR)
    return chain.blocks.head.timestamp


def _balances(usdc, bond, *accts):
    return [(usdc.balanceOf(a), bond.balanceOf(a)) for a in accts]


# ------------------------------------------------------------------- buy / sell --
def test_buy__mid_period__pays_clean_plus_accrued_as_model(
    amm, model, mid, chain, usdc, bond, alice, bob
):
    model.set_oracle(PAR, mid)
    ts = at(chain, mid + 60)
    clean, accrued, dirty = model.buy(10 * TOKEN, MAX_UINT, ts)
    assert accrued > 0  # accrued interest is charged mid period
    (usdc_a, bond_a), (usdc_b, bond_b) = _balances(usdc, bond, alice, bob)

    receipt = amm.buy(10 * TOKEN, MAX_UINT, bob, DEADLINE, sender=alice)

    assert receipt.return_value == dirty
    event = amm.Buy.from_receipt(receipt)[0]
    assert (event.buyer, event.receiver, event.bond_out) == (alice, bob, 10 * TOKEN)
    assert (event.clean_in, event.accrued_in) == (clean, accrued)
    assert amm.reserves() == (model.x, model.y, model.cash)
    assert usdc.balanceOf(alice) == usdc_a - dirty
    assert bond.balanceOf(bob) == bond_b + 10 * TOKEN
    assert usdc.balanceOf(bob) == usdc_b and bond.balanceOf(alice) == bond_a


def test_sell__mid_period__receives_clean_plus_accrued_as_model(
    amm, model, mid, chain, usdc, bond, alice, bob
):
    model.set_oracle(PAR, mid)
    ts = at(chain, mid + 60)
    clean, accrued, dirty = model.sell(10 * TOKEN, 0, ts)
    assert accrued > 0
    (usdc_a, bond_a), (usdc_b, _) = _balances(usdc, bond, alice, bob)

    receipt = amm.sell(10 * TOKEN, dirty, bob, DEADLINE, sender=alice)

    assert receipt.return_value == dirty
    event = amm.Sell.from_receipt(receipt)[0]
    assert (event.seller, event.receiver, event.bond_in) == (alice, bob, 10 * TOKEN)
    assert (event.clean_out, event.accrued_out) == (clean, accrued)
    assert amm.reserves() == (model.x, model.y, model.cash)
    assert bond.balanceOf(alice) == bond_a - 10 * TOKEN
    assert usdc.balanceOf(bob) == usdc_b + dirty and usdc.balanceOf(alice) == usdc_a


def test_buy_then_sell__round_trip__never_profits_and_k_grows(amm, mid, alice):
    x0, y0, _ = amm.reserves()
    paid = amm.buy(5 * TOKEN, MAX_UINT, alice, DEADLINE, sender=alice).return_value
    got = amm.sell(5 * TOKEN, 0, alice, DEADLINE, sender=alice).return_value
    assert got < paid
    x1, y1, _ = amm.reserves()
    assert x1 * y1 > x0 * y0


def test_buy__accrued_interest__zero_on_coupon_date_and_before_issue_day_ends(
    amm, feed, terms, chain, push_price, alice
):
    t1 = terms.table[0].end_ts
    time_travel(chain, t1 - DAY)
    push_price(feed, PAR)
    # Day before the coupon date: almost the whole coupon has accrued.
    assert amm.accrued_interest() == terms.coupons[0] * (
        (t1 - DAY) // DAY - terms.table[0].start_ts // DAY
    ) // ((t1 - terms.table[0].start_ts) // DAY)
    at(chain, t1)
    receipt = amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    # At t_1 the token is ex-coupon: the buyer pays no accrued interest.
    assert amm.Buy.from_receipt(receipt)[0].accrued_in == 0
    assert amm.current_period() == (2, t1, terms.table[1].end_ts, terms.coupons[1])


def test_buy__slippage__reverts_one_unit_below_price(amm, model, mid, chain, alice):
    model.set_oracle(PAR, mid)
    ts = at(chain, mid + 60)
    _, _, dirty = model.quote_buy(TOKEN, ts)
    with ape.reverts("amm: slippage"):
        amm.buy(TOKEN, dirty - 1, alice, DEADLINE, sender=alice)
    at(chain, ts + 1)
    assert amm.buy(TOKEN, dirty, alice, DEADLINE, sender=alice).return_value == dirty


def test_sell__slippage__reverts_one_unit_above_price(amm, model, mid, chain, alice):
    model.set_oracle(PAR, mid)
    ts = at(chain, mid + 60)
    _, _, dirty = model.quote_sell(TOKEN, ts)
    with ape.reverts("amm: slippage"):
        amm.sell(TOKEN, dirty + 1, alice, DEADLINE, sender=alice)
    at(chain, ts + 1)
    assert amm.sell(TOKEN, dirty, alice, DEADLINE, sender=alice).return_value == dirty


def test_trade__deadline__passes_at_deadline_reverts_after(amm, mid, chain, alice):
    ts = at(chain, mid + 60)
    with ape.reverts("amm: deadline passed"):
        amm.buy(TOKEN, MAX_UINT, alice, ts - 1, sender=alice)
    at(chain, ts + 1)
    with ape.reverts("amm: deadline passed"):
        amm.sell(TOKEN, 0, alice, ts, sender=alice)
    at(chain, ts + 2)
    amm.sell(TOKEN, 0, alice, ts + 2, sender=alice)


def test_trade__zero_or_whole_reserve__reverts(amm, mid, alice):
    x, _, _ = amm.reserves()
    with ape.reverts("amm: zero amount"):
        amm.buy(0, MAX_UINT, alice, DEADLINE, sender=alice)
    with ape.reverts("amm: zero amount"):
        amm.sell(0, 0, alice, DEADLINE, sender=alice)
    with ape.reverts("amm: insufficient bond reserve"):
        amm.buy(x, MAX_UINT, alice, DEADLINE, sender=alice)


# ------------------------------------------------------------------------- band --
def test_buy__past_upper_band__reverts_naming_the_bound(amm, mid, alice):
    # Buying 5 % of the pool lifts the clean price by about 10 % > b = 5 %.
    with ape.reverts("amm: price above band"):
        amm.buy(50 * TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)


def test_sell__past_lower_band__reverts_naming_the_bound(amm, mid, alice):
    with ape.reverts("amm: price below band"):
        amm.sell(50 * TOKEN, 0, alice, DEADLINE, sender=alice)


@pytest.mark.parametrize("side", ["buy", "sell"])
def test_band__edge__largest_trade_passes_one_wei_more_reverts(amm, model, mid, chain, alice, side):
    """The contract's band edge matches the model to the wei (P_new == bound passes)."""
    model.set_oracle(PAR, mid)
    ts = at(chain, mid + 60)
    quote = model.quote_buy if side == "buy" else model.quote_sell
    lo, hi = 1, 100 * TOKEN  # lo passes the band, hi does not
    while hi - lo > 1:
        m = (lo + hi) // 2
        try:
            quote(m, ts)
            lo = m
        except AmmRevert:
            hi = m
    reason = "amm: price above band" if side == "buy" else "amm: price below band"
    with pytest.raises(AmmRevert, match=reason):
        quote(hi, ts)
    trade = amm.buy if side == "buy" else amm.sell
    limit = MAX_UINT if side == "buy" else 0
    with ape.reverts(reason):
        trade(hi, limit, alice, DEADLINE, sender=alice)
    at(chain, ts + 1)
    trade(lo, limit, alice, DEADLINE, sender=alice)
    # The pool now sits at the bound: any further trade that way reverts.
    with ape.reverts(reason):
        trade(TOKEN // 1000, limit, alice, DEADLINE, sender=alice)


def test_band__pool_above_band__only_sells_pass(amm, feed, mid, push_price, alice):
    # Oracle drops 10 %: P_max = 94.5 % of par, the pool (at par) is above the band.
    push_price(feed, PAR * 90 // 100)
    with ape.reverts("amm: price above band"):
        amm.buy(TOKEN // 100, MAX_UINT, alice, DEADLINE, sender=alice)
    # A sell moves the price toward the band: it passes though it ends above the band.
    amm.sell(10 * TOKEN, 0, alice, DEADLINE, sender=alice)
    p_min, _, p_max = amm.band()
    clean, _, _ = amm.spot_price()
    assert clean > p_max
    # Overshooting below P_min is not allowed.
    with ape.reverts("amm: price below band"):
        amm.sell(200 * TOKEN, 0, alice, DEADLINE, sender=alice)
    assert p_min < clean


def test_band__pool_below_band__only_buys_pass(amm, feed, mid, push_price, alice):
    push_price(feed, PAR * 110 // 100)
    with ape.reverts("amm: price below band"):
        amm.sell(TOKEN // 100, 0, alice, DEADLINE, sender=alice)
    amm.buy(10 * TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    with ape.reverts("amm: price above band"):
        amm.buy(300 * TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)


# ----------------------------------------------------------------------- oracle --
def test_trade__oracle_age__max_age_passes_one_second_more_stale(
    amm, feed, mid, chain, push_price, alice
):
    updated = push_price(feed, PAR)
    at(chain, updated + MAX_AGE)
    amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    at(chain, updated + MAX_AGE + 1)
    with ape.reverts("amm: oracle price stale"):
        amm.sell(TOKEN, 0, alice, DEADLINE, sender=alice)
    with ape.reverts("amm: oracle price stale"):
        amm.quote_buy(TOKEN, skip_trace=True)
    push_price(feed, PAR)
    amm.sell(TOKEN, 0, alice, DEADLINE, sender=alice)


def test_add_liquidity__no_oracle_round__reverts_missing(
    project, admin, bond, make_feed, lp, chain
):
    feed = make_feed(bond)  # no price pushed
    amm = admin.deploy(project.SteadyAMM, bond, feed, "lp", "LP", 30, 500, MAX_AGE, admin)
    bond.approve(amm, MAX_UINT, sender=lp)
    with ape.reverts("amm: oracle price missing"):
        amm.add_liquidity(TOKEN, MAX_UINT, 0, lp, DEADLINE, sender=lp)


# ------------------------------------------------------------------ halts/guards --
def test_trade__at_maturity__halts(amm, feed, terms, chain, push_price, alice, lp):
    time_travel(chain, terms.table[-1].end_ts - 3_600)
    push_price(feed, PAR)
    amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    at(chain, terms.table[-1].end_ts)
    with ape.reverts("amm: bond matured"):
        amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    with ape.reverts("amm: bond matured"):
        amm.sell(TOKEN, 0, alice, DEADLINE, sender=alice)
    assert amm.accrued_interest() == 0


def test_trade__paused__halts_until_unpaused(amm, mid, compliance, attacker, alice):
    with ape.reverts("access_control: account is missing role"):
        amm.pause(sender=attacker)
    receipt = amm.pause(sender=compliance)
    assert amm.Paused.from_receipt(receipt)[0].account == compliance
    assert amm.paused()
    with ape.reverts("amm: paused"):
        amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)
    with ape.reverts("amm: paused"):
        amm.sell(TOKEN, 0, alice, DEADLINE, sender=alice)
    with ape.reverts("amm: already paused"):
        amm.pause(sender=compliance)
    receipt = amm.unpause(sender=compliance)
    assert amm.Unpaused.from_receipt(receipt)[0].account == compliance
    with ape.reverts("amm: not paused"):
        amm.unpause(sender=compliance)
    amm.buy(TOKEN, MAX_UINT, alice, DEADLINE, sender=alice)


def test_trade__blacklisted_trader_or_receiver__reverts(
    amm, mid, whitelist, compliance, attacker, alice
):
    amm.buy(TOKEN, MAX_UINT, attacker, DEADLINE, sender=attacker)
    whitelist.blacklist(attacker, "OFAC", sender=compliance)
    with ape.reverts("amm: account blocked"):
        amm.buy(TOKEN, MAX_UINT, attacker, DEADLINE, sender=attacker)
    with ape.reverts("amm: account blocked"):
        amm.sell(TOKEN, 0, alice, DEADLINE, sender=attacker)
    with ape.reverts("amm: account blocked"):
        amm.buy(TOKEN, MAX_UINT, attacker, DEADLINE, sender=alice)
    with ape.reverts("amm: account blocked"):
        amm.sell(TOKEN, 0, attacker, DEADLINE, sender=alice)
    with ape.reverts("amm: receiver is the zero address"):
        amm.buy(TOKEN, MAX_UINT, "0x" + "00" * 20, DEADLINE, sender=alice)
    whitelist.unblacklist(attacker, sender=compliance)
    amm.sell(TOKEN, 0, attacker, DEADLINE, sender=attacker)


# ----------------------------------------------------------------------- quotes --
def test_quotes__match_trades_and_model(amm, model, mid, chain, alice):
    model.set_oracle(PAR, mid)
    ts = at(chain, mid + 60)
    chain.mine()
    assert amm.quote_buy(3 * TOKEN) == model.quote_buy(3 * TOKEN, ts)
    assert amm.quote_sell(3 * TOKEN) == model.quote_sell(3 * TOKEN, ts)
    assert amm.accrued_interest() == model.bond.accrued(ts) > 0

    budget = 5_000 * 10**6  # 5,000 USDC, dirty
    dx = amm.quote_buy_exact_in(budget)
    assert dx == model.quote_buy_exact_in(budget, ts)
    assert amm.quote_buy(dx)[2] <= budget < amm.quote_buy(dx + 1)[2]

    wanted = 7_000 * 10**6
    dx = amm.quote_sell_exact_out(wanted)
    assert dx == model.quote_sell_exact_out(wanted, ts)
    assert amm.quote_sell(dx - 1)[2] < wanted <= amm.quote_sell(dx)[2]

    # The quoted amounts are what the trades then charge and pay.
    quoted = amm.quote_buy(2 * TOKEN)[2]
    assert amm.buy(2 * TOKEN, quoted, alice, DEADLINE, sender=alice).return_value == quoted


def test_quotes__beyond_band_or_liquidity__revert(amm, mid):
    with ape.reverts("amm: price above band"):
        amm.quote_buy(50 * TOKEN, skip_trace=True)
    with ape.reverts("amm: price below band"):
        amm.quote_sell(50 * TOKEN, skip_trace=True)
    with ape.reverts("amm: price above band"):
        amm.quote_buy_exact_in(10**8 * 10**6, skip_trace=True)
    _, _, cash = amm.reserves()
    with ape.reverts("amm: insufficient stablecoin"):
        amm.quote_sell_exact_out(cash + 1, skip_trace=True)
    assert amm.quote_buy_exact_in(0) == 0


def test_views__spot_price_and_band(amm, feed, terms, mid, push_price):
    push_price(feed, 98 * 10**8)  # 98 % of par
    price, updated = amm.oracle_price()
    assert price == 980 * 10**6 and updated == feed.latestRoundData()[3]
    assert amm.band() == (931 * 10**6, 980 * 10**6, 1_029 * 10**6)
    x, y, _ = amm.reserves()
    clean, ai, dirty = amm.spot_price()
    assert clean == y * TOKEN // x == 1_000 * 10**6
    assert ai == amm.accrued_interest() > 0 and dirty == clean + ai
