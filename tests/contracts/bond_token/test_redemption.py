"""Redemption at maturity (full and pro-rata recovery) and the default flag."""

import ape
import pytest

from tests.conftest import TOKEN, USDC, time_travel

FACE = 1_000 * USDC


@pytest.fixture
def matured(bond, minter, alice, bob, verify, funded_agent, chain):
    """alice 60, bob 40 tokens, chain time at maturity, records rolled."""
    verify(alice, bob)
    bond.mint(alice, 60 * TOKEN, sender=minter)
    bond.mint(bob, 40 * TOKEN, sender=minter)
    time_travel(chain, bond.maturityDate())
    bond.roll(sender=funded_agent)
    return bond


def test_redemption_state__frozen_at_maturity(matured):
    assert matured.redemption_state() == (100 * FACE, 0, 100 * TOKEN)


def test_redeem__fully_funded__pays_face_value_and_burns(matured, alice, paying_agent, usdc):
    bond = matured
    bond.fund_redemption(100 * FACE, sender=paying_agent)
    tx = bond.redeem(60 * TOKEN, sender=alice)
    assert tx.return_value == 60 * FACE
    assert usdc.balanceOf(alice) == 60 * FACE
    assert bond.balanceOf(alice) == 0
    assert bond.totalSupply() == 40 * TOKEN
    assert bond.redemption_of(alice) == (60 * TOKEN, 60 * FACE)
    names = [e.event_name for e in tx.events]
    assert "Redeemed" in names and "Transfer" in names


def test_redeem__partial_funding__pro_rata_recovery_then_top_up(
    matured, alice, bob, paying_agent, usdc
):
    bond = matured
    bond.fund_redemption(40 * FACE, sender=paying_agent)  # 40% recovery
    assert bond.redeem(60 * TOKEN, sender=alice).return_value == 24 * FACE
    assert bond.redeem(20 * TOKEN, sender=bob).return_value == 8 * FACE
    with ape.reverts("bond: nothing to redeem"):
        bond.redeem(0, sender=alice)
    bond.fund_redemption(60 * FACE, sender=paying_agent)  # issuer pays the rest later
    assert bond.redeem(0, sender=alice).return_value == 36 * FACE  # burned tokens keep their claim
    assert bond.redeem(20 * TOKEN, sender=bob).return_value == 32 * FACE
    assert usdc.balanceOf(bond) == 0


def test_redeem__before_maturity__reverts(bond, minter, alice, verify):
    verify(alice)
    bond.mint(alice, TOKEN, sender=minter)
    with ape.reverts("bond: not matured"):
        bond.redeem(TOKEN, sender=alice)


def test_redeem__not_funded__reverts(matured, alice):
    with ape.reverts("bond: redemption not funded"):
        matured.redeem(TOKEN, sender=alice)


def test_redeem__unverified_holder__reverts(matured, alice, carol, paying_agent):
    matured.transfer(carol, TOKEN, sender=alice)  # transfers remain possible after maturity
    matured.fund_redemption(100 * FACE, sender=paying_agent)
    with ape.reverts("bond: holder not verified"):
        matured.redeem(TOKEN, sender=carol)


def test_redeem__more_than_balance__reverts(matured, alice, paying_agent):
    matured.fund_redemption(100 * FACE, sender=paying_agent)
    with ape.reverts("bond: amount exceeds balance"):
        matured.redeem(61 * TOKEN, sender=alice)


def test_redeem__when_paused__reverts(matured, alice, paying_agent, compliance):
    matured.fund_redemption(100 * FACE, sender=paying_agent)
    matured.pause(sender=compliance)
    with ape.reverts("bond: paused"):
        matured.redeem(TOKEN, sender=alice)


def test_fund_redemption__before_maturity__reverts(bond, funded_agent):
    with ape.reverts("bond: not matured"):
        bond.fund_redemption(1, sender=funded_agent)


def test_fund_redemption__above_due__reverts(matured, paying_agent):
    with ape.reverts("bond: funding exceeds principal due"):
        matured.fund_redemption(100 * FACE + 1, sender=paying_agent)


def test_fund_redemption__by_attacker__reverts(matured, attacker):
    with ape.reverts("access_control: account is missing role"):
        matured.fund_redemption(1, sender=attacker)


def test_fund_redemption__zero__reverts(matured, paying_agent):
    with ape.reverts("bond: zero amount"):
        matured.fund_redemption(0, sender=paying_agent)


def test_last_coupon_and_principal__both_paid_at_maturity(matured, alice, paying_agent, usdc):
    bond = matured
    n = bond.periodCount()
    bond.fund_coupon(n, bond.coupon_record(n)[1], sender=paying_agent)
    bond.fund_redemption(100 * FACE, sender=paying_agent)
    coupon = bond.claim_coupons(n, n, sender=alice).return_value
    principal = bond.redeem(60 * TOKEN, sender=alice).return_value
    assert coupon == 60 * bond.coupon_period(n)[1]
    assert principal == 60 * FACE
    # Burning after maturity does not change the recorded final coupon.
    assert bond.coupon_record(n)[0] == 100 * TOKEN


# ---------------------------------------------------------------- default --
def test_declare_default__by_trustee__sets_flag_and_emits(bond, admin):
    tx = bond.declare_default("missed coupon 3", sender=admin)
    assert bond.defaulted()
    assert tx.events[0].event_name == "DefaultDeclared"
    assert tx.events[0].reason == "missed coupon 3"


def test_declare_default__by_attacker__reverts(bond, attacker):
    with ape.reverts("access_control: account is missing role"):
        bond.declare_default("x", sender=attacker)


def test_declare_default__twice__reverts(bond, admin):
    bond.declare_default("x", sender=admin)
    with ape.reverts("bond: already in default"):
        bond.declare_default("x", sender=admin)


def test_cure_default__clears_flag(bond, admin):
    bond.declare_default("x", sender=admin)
    bond.cure_default(sender=admin)
    assert not bond.defaulted()


def test_cure_default__not_in_default__reverts(bond, admin):
    with ape.reverts("bond: not in default"):
        bond.cure_default(sender=admin)
