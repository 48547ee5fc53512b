"""Conversion effects: O(1) retirement, D_tau, coupons after conversion, PLT claims."""

import ape
import pytest

from tests.conftest import TOKEN, time_travel
from tests.contracts.tsdcm.conftest import CODE, DAY, DEBT, GROWTH
from tests.utils import tsdcm_model as m


def _ts(chain, receipt) -> int:
    return chain.blocks[receipt.block_number].timestamp


def test_convert__retires_alpha_of_every_balance_and_records_D_tau(
    ready, bond, alice, bob, carol, params, last_year, chain
):
    receipt = ready.convert(sender=carol)  # anyone may call
    tau = _ts(chain, receipt)
    assert receipt.return_value == 250 * TOKEN
    assert (bond.balanceOf(alice), bond.balanceOf(bob)) == (450 * TOKEN, 300 * TOKEN)
    assert bond.totalSupply() == 750 * TOKEN
    assert (bond.retired_of(alice), bond.retired_of(bob)) == (150 * TOKEN, 100 * TOKEN)
    assert ready.totalRetired() == 250 * TOKEN
    assert ready.conversionTime() == tau
    assert ready.conversionPeriod() == last_year
    # D_tau = (1 - alpha) D_tau- = 0.75 * 75 % = 56.25 % of GDP (WAD fraction)
    assert ready.debtBeforeConversion() == 7_500
    assert ready.debtAfterConversion() == m.debt_after(7_500, params.alpha) == 5_625 * 10**14
    assert ready.nodeCount() == m.node_count(params, tau) == 6
    assert ready.logCursor() == 2  # the two prints before tau are read per node
    converted = [e for e in receipt.events if e.event_name == "Converted"][0]
    assert converted.caller == carol.address
    assert (converted.period, converted.debt_before_bps, converted.growth_bps) == (
        last_year,
        7_500,
        400,
    )
    assert (converted.total_retired, converted.node_count) == (250 * TOKEN, 6)
    retired = [e for e in receipt.events if e.event_name == "FractionRetired"][0]
    assert retired.converter == ready.address
    assert retired.alpha == params.alpha


def test_convert__revision_after_conversion_changes_nothing_recorded(
    ready, bond, feed, reporter, alice, last_year, chain
):
    ready.convert(sender=alice)
    now = chain.blocks.head.timestamp
    feed.report(CODE, DEBT, last_year, 9_500, now, sender=reporter)  # "it was above D* after all"
    feed.report(CODE, GROWTH, last_year, 100, now, sender=reporter)
    assert ready.converted()
    assert (ready.debtBeforeConversion(), ready.debtAfterConversion()) == (7_500, 5_625 * 10**14)
    assert bond.balanceOf(alice) == 450 * TOKEN
    assert ready.check()[1] == m.ALREADY_CONVERTED
    with ape.reverts("tsdcm: already converted"):
        ready.convert(sender=alice)


def test_convert__accrued_coupon_kept__retired_part_stops_earning_next_record(
    conversion, holders, report, bond, alice, bob, paying_agent, params, last_year, chain
):
    """Record 1 passes before the conversion (due on 1,000 tokens); record 2 after it
    (due on the remaining 750): the retired quarter earns nothing from record 2 on."""
    t1, c1 = bond.coupon_period(1)
    t2, c2 = bond.coupon_period(2)
    time_travel(chain, t1 + DAY)
    receipt = report(
        last_year + 1 if t1 > m.period_end(last_year + 1, 1) else last_year, 7_500, 400
    )
    time_travel(chain, _ts(chain, receipt) + params.delay)
    conversion.convert(sender=bob)
    assert bond.recorded_periods() == 1
    assert bond.coupon_record(1)[1] == 1_000 * c1
    bond.fund_coupon(1, bond.coupon_record(1)[1], sender=paying_agent)
    assert bond.claim_coupons(1, 1, sender=alice).return_value == 600 * c1
    time_travel(chain, t2)
    bond.roll(sender=paying_agent)
    assert bond.coupon_record(2)[1] == 750 * c2
    bond.fund_coupon(2, bond.coupon_record(2)[1], sender=paying_agent)
    assert bond.claim_coupons(2, 2, sender=alice).return_value == 450 * c2
    assert bond.claim_coupons(1, 2, sender=bob).return_value == 400 * c1 + 300 * c2


# ------------------------------------------------------------------------- PLT --
@pytest.fixture
def converted(ready, alice):
    ready.convert(sender=alice)
    return ready


def test_claim__before_conversion__reverts(ready, alice):
    assert ready.claimable(alice) == 0
    with ape.reverts("tsdcm: not converted"):
        ready.claim(alice, sender=alice)


def test_claim__mints_retired_of__lazy_and_settled(converted, bond, alice, bob, carol, attacker):
    plt = converted
    bond.transfer(carol, 100 * TOKEN, sender=alice)  # settles alice's retired amount
    assert plt.claimable(alice) == 150 * TOKEN
    receipt = plt.claim(alice, sender=alice)
    assert receipt.return_value == 150 * TOKEN
    event = [e for e in receipt.events if e.event_name == "PLTClaimed"][0]
    assert (event.holder, event.caller, event.amount) == (alice.address, alice.address, 150 * TOKEN)
    # anyone may trigger bob's claim; the PLT go to bob (he never moved: lazy retired_of)
    assert plt.claim(bob, sender=attacker).return_value == 100 * TOKEN
    assert (plt.balanceOf(alice), plt.balanceOf(bob), plt.balanceOf(attacker)) == (
        150 * TOKEN,
        100 * TOKEN,
        0,
    )
    assert plt.totalSupply() == plt.totalRetired() == 250 * TOKEN
    assert plt.pltClaimed(alice) == 150 * TOKEN
    for who in (alice, carol):  # already claimed / held nothing at the conversion
        assert plt.claimable(who) == 0
        with ape.reverts("tsdcm: nothing to claim"):
            plt.claim(who, sender=who)


def test_claim__blacklisted_holder__reverts(converted, whitelist, compliance, bob):
    whitelist.blacklist(bob, "sanctions", sender=compliance)
    with ape.reverts("tsdcm: account blocked"):
        converted.claim(bob, sender=bob)
    whitelist.unblacklist(bob, sender=compliance)
    assert converted.claim(bob, sender=bob).return_value == 100 * TOKEN


def test_plt_transfer__blocked_parties(
    converted, whitelist, compliance, alice, bob, carol, attacker
):
    plt = converted
    plt.claim(alice, sender=alice)
    plt.transfer(carol, 10 * TOKEN, sender=alice)
    assert plt.balanceOf(carol) == 10 * TOKEN
    whitelist.blacklist(attacker, "sanctions", sender=compliance)
    with ape.reverts("tsdcm: account blocked"):
        plt.transfer(attacker, TOKEN, sender=alice)
    plt.approve(bob, 5 * TOKEN, sender=carol)
    with ape.reverts("tsdcm: account blocked"):
        plt.transferFrom(carol, attacker, TOKEN, sender=bob)
    plt.transferFrom(carol, bob, 5 * TOKEN, sender=bob)
    assert (plt.balanceOf(carol), plt.balanceOf(bob), plt.allowance(carol, bob)) == (
        5 * TOKEN,
        5 * TOKEN,
        0,
    )
    with ape.reverts("erc20: transfer amount exceeds balance"):
        plt.transfer(bob, 6 * TOKEN, sender=carol)
