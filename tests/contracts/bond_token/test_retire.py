"""The conversion hook: retiring a fraction alpha of every balance in O(1)."""

import ape
import pytest

from tests.conftest import TOKEN, time_travel

WAD = 10**18
ALPHA = 3 * WAD // 10  # retire 30%


@pytest.fixture
def converter(fresh_account):
    return fresh_account


@pytest.fixture
def held(bond, admin, minter, alice, bob, verify, converter, funded_agent):
    verify(alice, bob)
    bond.grantRole(bond.CONVERTER_ROLE(), converter, sender=admin)
    bond.mint(alice, 60 * TOKEN, sender=minter)
    bond.mint(bob, 40 * TOKEN, sender=minter)
    return bond


def test_retire__scales_every_balance_and_supply(held, converter, alice, bob):
    tx = held.retire_fraction(ALPHA, sender=converter)
    assert held.balanceOf(alice) == 42 * TOKEN
    assert held.balanceOf(bob) == 28 * TOKEN
    assert held.totalSupply() == 70 * TOKEN
    assert held.converted()
    assert tx.return_value == 30 * TOKEN
    event = tx.events[0]
    assert event.event_name == "FractionRetired"
    assert (event.scale_before, event.scale_after) == (WAD, 7 * WAD // 10)
    assert (event.supply_before, event.supply_after) == (100 * TOKEN, 70 * TOKEN)


def test_retire__by_non_converter__reverts(held, attacker):
    with ape.reverts("access_control: account is missing role"):
        held.retire_fraction(ALPHA, sender=attacker)


@pytest.mark.parametrize("alpha", [0, WAD, WAD + 1])
def test_retire__alpha_outside_open_interval__reverts(held, converter, alpha):
    with ape.reverts("bond: alpha outside (0, 1)"):
        held.retire_fraction(alpha, sender=converter)


def test_retire__twice__reverts(held, converter):
    held.retire_fraction(ALPHA, sender=converter)
    with ape.reverts("bond: already converted"):
        held.retire_fraction(ALPHA, sender=converter)


def test_retire__after_maturity__reverts(held, converter, chain):
    time_travel(chain, held.maturityDate())
    with ape.reverts("bond: matured"):
        held.retire_fraction(ALPHA, sender=converter)


def test_retired_of__lazy_and_settled_agree(held, converter, alice, bob, carol):
    assert held.retired_of(alice) == 0
    held.retire_fraction(ALPHA, sender=converter)
    assert held.retired_of(alice) == 18 * TOKEN  # untouched: computed from shares
    held.transfer(carol, 10 * TOKEN, sender=alice)  # settles alice and carol
    assert held.retired_of(alice) == 18 * TOKEN
    assert held.retired_of(carol) == 0  # held nothing at conversion
    assert held.retired_of(bob) == 12 * TOKEN
    # After a conversion amounts convert to shares rounding up: the sender may
    # give up to 1 wei more than `amount`, the receiver gets at least `amount`.
    assert 32 * TOKEN - 1 <= held.balanceOf(alice) <= 32 * TOKEN
    assert held.balanceOf(carol) >= 10 * TOKEN


def test_retire__accrued_coupon_kept_next_coupon_on_remaining(
    held, converter, alice, paying_agent, chain
):
    bond = held
    t1, c1 = bond.coupon_period(1)
    t2, c2 = bond.coupon_period(2)
    time_travel(chain, t1 + 10)
    bond.retire_fraction(ALPHA, sender=converter)  # after record 1, before its funding
    bond.fund_coupon(1, bond.coupon_record(1)[1], sender=paying_agent)
    assert bond.coupon_record(1)[1] == 100 * c1  # due on the pre-conversion supply
    assert bond.claim_coupons(1, 1, sender=alice).return_value == 60 * c1
    time_travel(chain, t2)
    bond.roll(sender=paying_agent)
    assert bond.coupon_record(2)[1] == 70 * c2  # the retired 30% earns nothing more
    bond.fund_coupon(2, bond.coupon_record(2)[1], sender=paying_agent)
    assert bond.claim_coupons(2, 2, sender=alice).return_value == 42 * c2


def test_retire__redemption_on_remaining_supply(held, converter, alice, paying_agent, chain):
    bond = held
    bond.retire_fraction(ALPHA, sender=converter)
    time_travel(chain, bond.maturityDate())
    bond.roll(sender=paying_agent)
    due, _, supply = bond.redemption_state()
    assert supply == 70 * TOKEN
    assert due == 70 * bond.denomination()
    bond.fund_redemption(due, sender=paying_agent)
    assert bond.redeem(42 * TOKEN, sender=alice).return_value == 42 * bond.denomination()
