"""Coupons: record date = coupon date, funding (full, partial, top-up) and claims."""

import ape
import pytest

from tests.conftest import TOKEN, USDC, time_travel

COUPON = 25 * USDC  # 5% semi-annual ACT/ACT on 1000 USDC: 25 USDC per token per period


@pytest.fixture
def setup(bond, minter, alice, bob, verify, funded_agent):
    """alice 60 tokens, bob 40 tokens, both verified."""
    verify(alice, bob)
    bond.mint(alice, 60 * TOKEN, sender=minter)
    bond.mint(bob, 40 * TOKEN, sender=minter)
    return bond


def t(bond, k):
    return bond.coupon_period(k)[0]


def test_coupon_amount__regular_period_is_25_usdc(bond):
    assert bond.coupon_period(2)[1] == COUPON


# ------------------------------------------------------------ record date --
def test_claim__tokens_moved_after_record_before_funding__old_holder_paid(
    setup, chain, alice, bob, paying_agent, usdc
):
    bond = setup
    time_travel(chain, t(bond, 1) + 3600)
    bond.transfer(bob, 60 * TOKEN, sender=alice)  # after t_1, before funding (rolls lazily)
    assert bond.recorded_periods() == 1
    bond.fund_coupon(1, bond.coupon_record(1)[1], sender=paying_agent)
    c1 = bond.coupon_period(1)[1]
    assert bond.claim_coupons(1, 1, sender=alice).return_value == 60 * c1
    assert bond.claim_coupons(1, 1, sender=bob).return_value == 40 * c1


def test_claim__transfer_one_second_before_record__new_holder_paid(
    setup, chain, alice, bob, paying_agent
):
    bond = setup
    time_travel(chain, t(bond, 1) - 2)
    chain.pending_timestamp = t(bond, 1) - 1
    bond.transfer(bob, 60 * TOKEN, sender=alice)  # block timestamp t_1 - 1: cum-coupon
    time_travel(chain, t(bond, 1) + 1)
    bond.roll(sender=paying_agent)
    bond.fund_coupon(1, bond.coupon_record(1)[1], sender=paying_agent)
    c1 = bond.coupon_period(1)[1]
    assert bond.claimable_coupons(alice, 1, 1) == 0
    assert bond.claimable_coupons(bob, 1, 1) == 100 * c1


def test_claim__transfer_in_block_at_record_timestamp__old_holder_paid(
    setup, chain, alice, bob, paying_agent
):
    bond = setup
    time_travel(chain, t(bond, 1) - 1)
    chain.pending_timestamp = t(bond, 1)
    bond.transfer(bob, 60 * TOKEN, sender=alice)  # block timestamp == t_1: ex-coupon
    bond.fund_coupon(1, bond.coupon_record(1)[1], sender=paying_agent)
    c1 = bond.coupon_period(1)[1]
    assert bond.claimable_coupons(alice, 1, 1) == 60 * c1
    assert bond.claimable_coupons(bob, 1, 1) == 40 * c1


def test_claim__entitlement_independent_of_funding_and_claim_time(
    setup, chain, alice, bob, carol, paying_agent
):
    bond = setup
    # Balances at t_1: alice 60, bob 40. At t_2: alice 10, bob 40, carol 50.
    time_travel(chain, t(bond, 1) + 10)
    bond.transfer(carol, 50 * TOKEN, sender=alice)
    time_travel(chain, t(bond, 2) + 10)
    bond.transfer(alice, 40 * TOKEN, sender=bob)  # after t_2
    time_travel(chain, t(bond, 3) + 10)
    bond.roll(sender=paying_agent)
    for k in (1, 2, 3):
        bond.fund_coupon(k, bond.coupon_record(k)[1], sender=paying_agent)
    c = [bond.coupon_period(k)[1] for k in (1, 2, 3)]
    assert bond.shares_at_record(alice, 1) == 60 * TOKEN
    assert bond.shares_at_record(alice, 2) == 10 * TOKEN
    assert bond.shares_at_record(alice, 3) == 50 * TOKEN
    assert bond.shares_at_record(bob, 3) == 0
    assert bond.claim_coupons(1, 3, sender=alice).return_value == 60 * c[0] + 10 * c[1] + 50 * c[2]
    assert bond.claimable_coupons(bob, 1, 3) == 40 * c[0] + 40 * c[1]
    assert bond.claimable_coupons(carol, 1, 3) == 50 * c[1] + 50 * c[2]


def test_roll__records_supply_and_due_once(setup, chain, attacker):
    bond = setup
    time_travel(chain, t(bond, 2) + 1)
    assert bond.recorded_periods() == 0
    assert bond.due_periods() == 2
    tx = bond.roll(sender=attacker)  # anyone may roll
    assert bond.recorded_periods() == 2
    events = [e for e in tx.events if e.event_name == "CouponRecorded"]
    assert [e.period for e in events] == [1, 2]
    shares, due, funded = bond.coupon_record(2)
    assert shares == 100 * TOKEN and due == 100 * COUPON and funded == 0
    assert len(bond.roll(sender=attacker).events) == 0


# ---------------------------------------------------------------- funding --
def test_fund_coupon__by_non_agent__reverts(setup, chain, attacker):
    time_travel(chain, t(setup, 1))
    with ape.reverts("access_control: account is missing role"):
        setup.fund_coupon(1, 1, sender=attacker)


def test_fund_coupon__before_record_date__reverts(setup, chain, paying_agent):
    time_travel(chain, t(setup, 1) - 10)
    with ape.reverts("bond: period not recorded yet"):
        setup.fund_coupon(1, 1, sender=paying_agent)


def test_fund_coupon__more_than_due__reverts(setup, chain, paying_agent):
    time_travel(chain, t(setup, 1))
    setup.roll(sender=paying_agent)
    due = setup.coupon_record(1)[1]
    with ape.reverts("bond: funding exceeds coupon due"):
        setup.fund_coupon(1, due + 1, sender=paying_agent)


def test_fund_coupon__zero__reverts(setup, chain, paying_agent):
    time_travel(chain, t(setup, 1))
    with ape.reverts("bond: zero amount"):
        setup.fund_coupon(1, 0, sender=paying_agent)


def test_fund_coupon__pulls_stablecoin_and_emits(setup, chain, paying_agent, usdc):
    bond = setup
    time_travel(chain, t(bond, 2))
    before = usdc.balanceOf(paying_agent)
    tx = bond.fund_coupon(2, 1_000 * USDC, sender=paying_agent)
    assert usdc.balanceOf(bond) == 1_000 * USDC
    assert usdc.balanceOf(paying_agent) == before - 1_000 * USDC
    event = [e for e in tx.events if e.event_name == "CouponFunded"][0]
    assert (event.period, event.amount, event.funded, event.due) == (
        2,
        1_000 * USDC,
        1_000 * USDC,
        100 * COUPON,
    )
    assert bond.totalCouponFunded() == 1_000 * USDC


# ------------------------------------------------------------------ claims --
def test_claim__partial_funding_pro_rata_then_top_up(setup, chain, alice, bob, paying_agent, usdc):
    bond = setup
    time_travel(chain, t(bond, 2))
    bond.roll(sender=paying_agent)
    due = bond.coupon_record(2)[1]
    assert due == 100 * COUPON
    bond.fund_coupon(2, due // 4, sender=paying_agent)  # 25% funded (distressed issuer)
    assert bond.claim_coupons(2, 2, sender=alice).return_value == 60 * COUPON // 4
    with ape.reverts("bond: nothing to claim"):
        bond.claim_coupons(2, 2, sender=alice)
    bond.fund_coupon(2, due - due // 4, sender=paying_agent)  # top-up to 100%
    assert bond.claim_coupons(2, 2, sender=alice).return_value == 60 * COUPON - 60 * COUPON // 4
    assert bond.claim_coupons(2, 2, sender=bob).return_value == 40 * COUPON
    assert usdc.balanceOf(bond) == 0
    assert bond.totalCouponPaid() == bond.totalCouponFunded() == due


def test_claim__many_periods_in_one_call(setup, chain, alice, paying_agent, usdc):
    bond = setup
    time_travel(chain, t(bond, 4))
    bond.roll(sender=paying_agent)
    expected = 0
    for k in range(1, 5):
        bond.fund_coupon(k, bond.coupon_record(k)[1], sender=paying_agent)
        expected += 60 * bond.coupon_period(k)[1]
    tx = bond.claim_coupons(1, 4, sender=alice)
    assert tx.return_value == expected
    assert usdc.balanceOf(alice) == expected
    event = [e for e in tx.events if e.event_name == "CouponsClaimed"][0]
    assert (event.first_period, event.last_period, event.amount) == (1, 4, expected)


def test_claim__twice__reverts(setup, chain, alice, paying_agent):
    time_travel(chain, t(setup, 1))
    setup.roll(sender=paying_agent)
    setup.fund_coupon(1, setup.coupon_record(1)[1], sender=paying_agent)
    setup.claim_coupons(1, 1, sender=alice)
    with ape.reverts("bond: nothing to claim"):
        setup.claim_coupons(1, 1, sender=alice)


def test_claim__before_funding__reverts(setup, chain, alice):
    time_travel(chain, t(setup, 1) + 1)
    with ape.reverts("bond: nothing to claim"):
        setup.claim_coupons(1, 1, sender=alice)


def test_claim__before_record_date__reverts(setup, alice):
    with ape.reverts("bond: period not recorded yet"):
        setup.claim_coupons(1, 1, sender=alice)


def test_claim__bad_range__reverts(setup, chain, alice):
    time_travel(chain, t(setup, 2))
    with ape.reverts("bond: bad period range"):
        setup.claim_coupons(2, 1, sender=alice)
    with ape.reverts("bond: bad period range"):
        setup.claim_coupons(0, 1, sender=alice)


def test_claim__unverified_holder__waits_until_verified(
    setup, chain, alice, carol, paying_agent, verify
):
    bond = setup
    bond.transfer(carol, 10 * TOKEN, sender=alice)  # carol holds but has no KYC
    time_travel(chain, t(bond, 1))
    bond.roll(sender=paying_agent)
    bond.fund_coupon(1, bond.coupon_record(1)[1], sender=paying_agent)
    c1 = bond.coupon_period(1)[1]
    with ape.reverts("bond: holder not verified"):
        bond.claim_coupons(1, 1, sender=carol)
    time_travel(chain, t(bond, 3))  # a year later she passes KYC
    verify(carol)
    assert bond.claim_coupons(1, 1, sender=carol).return_value == 10 * c1


def test_claim__blacklisted_holder__reverts(
    setup, chain, alice, whitelist, compliance, paying_agent
):
    time_travel(chain, t(setup, 1))
    setup.roll(sender=paying_agent)
    setup.fund_coupon(1, setup.coupon_record(1)[1], sender=paying_agent)
    whitelist.blacklist(alice, "x", sender=compliance)
    with ape.reverts("bond: holder not verified"):
        setup.claim_coupons(1, 1, sender=alice)


def test_claim__when_paused__reverts(setup, chain, alice, compliance, paying_agent):
    time_travel(chain, t(setup, 1))
    setup.roll(sender=paying_agent)
    setup.fund_coupon(1, setup.coupon_record(1)[1], sender=paying_agent)
    setup.pause(sender=compliance)
    with ape.reverts("bond: paused"):
        setup.claim_coupons(1, 1, sender=alice)


def test_claim__holder_with_no_balance_at_record__reverts(
    setup, chain, carol, paying_agent, verify
):
    verify(carol)
    time_travel(chain, t(setup, 1))
    setup.roll(sender=paying_agent)
    setup.fund_coupon(1, setup.coupon_record(1)[1], sender=paying_agent)
    with ape.reverts("bond: nothing to claim"):
        setup.claim_coupons(1, 1, sender=carol)


def test_claim__rounding_dust_stays_in_contract(
    bond, minter, alice, bob, carol, verify, chain, funded_agent, usdc
):
    # Three holders of 1 wei-ish odd amounts: floor division leaves dust, never overpays.
    verify(alice, bob, carol)
    for who in (alice, bob, carol):
        bond.mint(who, TOKEN // 3, sender=minter)
    time_travel(chain, bond.coupon_period(1)[0])
    bond.roll(sender=funded_agent)
    due = bond.coupon_record(1)[1]
    bond.fund_coupon(1, due, sender=funded_agent)
    paid = sum(bond.claim_coupons(1, 1, sender=w).return_value for w in (alice, bob, carol))
    assert paid <= due
    assert due - paid < 3  # < 1 unit per holder
    assert usdc.balanceOf(bond) == due - paid
