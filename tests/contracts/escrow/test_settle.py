"""settle(): recording the outcome; on success the raised funds go to the custodian."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import DAY, USDC
from tests.contracts.escrow.conftest import FAILED, SUCCEEDED, at, invest


def test_settle__success__sends_only_the_raised_funds_to_the_custodian(
    small_round, succeed_round, alice, bob, carol, custodian, usdc
):
    succeed_round(small_round, alice, bob, carol, settle=False)
    assert small_round.phase() == SUCCEEDED
    assert not small_round.settled()
    receipt = small_round.settle(sender=carol)
    [log] = small_round.RoundSucceeded.from_receipt(receipt)
    assert (log.caller, log.custodian, log.raised) == (carol, custodian, 700 * USDC)
    assert usdc.balanceOf(custodian) == 700 * USDC
    # Bob's 30 USDC (unfulfilled) stays for his refund.
    assert usdc.balanceOf(small_round) == 30 * USDC
    totals = small_round.totals()
    assert (totals.to_custodian, totals.held) == (700 * USDC, 30 * USDC)
    assert small_round.settled()


def test_settle__by_a_stranger__still_pays_the_custodian(
    small_round, succeed_round, alice, bob, carol, attacker, custodian, usdc
):
    succeed_round(small_round, alice, bob, carol, settle=False)
    small_round.settle(sender=attacker)
    assert usdc.balanceOf(attacker) == 0
    assert usdc.balanceOf(custodian) == 700 * USDC


def test_settle__not_activated__records_failure(small_round, alice, chain, custodian, usdc):
    small_round.commit(400 * USDC, sender=alice)  # 40 < 50 USDC threshold
    at(chain, small_round.DEADLINE())
    receipt = small_round.settle(sender=alice)
    [log] = small_round.RoundFailed.from_receipt(receipt)
    assert not log.activated
    assert small_round.phase() == FAILED
    assert small_round.settled()
    assert usdc.balanceOf(custodian) == 0


def test_settle__under_the_minimum_raise__records_failure(small_round, fail_round, alice, bob):
    fail_round(small_round, alice, bob)
    receipt = small_round.settle(sender=bob)
    [log] = small_round.RoundFailed.from_receipt(receipt)
    assert log.activated
    assert (log.raised, log.min_raise) == (500 * USDC, 600 * USDC)
    assert small_round.phase() == FAILED


def test_settle__exactly_the_minimum_raise__succeeds(small_round, alice, chain):
    invest(small_round, alice, 600 * USDC)
    at(chain, small_round.DEADLINE())
    small_round.settle(sender=alice)
    assert small_round.phase() == SUCCEEDED


def test_settle__twice__reverts(small_round, succeed_round, alice, bob, carol):
    succeed_round(small_round, alice, bob, carol)
    with ape.reverts("escrow: round already closed"):
        small_round.settle(sender=alice)


def test_settle__after_cancel__reverts(small_round, alice, issuer, chain):
    small_round.commit(600 * USDC, sender=alice)
    small_round.cancel("issuer withdrew", sender=issuer)
    at(chain, small_round.DEADLINE())
    with ape.reverts("escrow: round already closed"):
        small_round.settle(sender=alice)


def test_settle__escrow_not_a_minter__keeps_the_funds(
    deploy_escrow, fund, investors, alice, chain, custodian, usdc, bond, admin
):
    escrow = deploy_escrow(grant_minter=False, target=1_000 * USDC, activation_bps=500)
    fund(escrow, alice)
    invest(escrow, alice, 1_000 * USDC)
    with ape.reverts("escrow: not a minter of the bond"):
        escrow.settle(sender=alice)
    assert usdc.balanceOf(custodian) == 0
    bond.grantRole(bond.MINTER_ROLE(), escrow, sender=admin)
    escrow.settle(sender=alice)
    assert usdc.balanceOf(custodian) == 1_000 * USDC


def test_settle__usdc_paused__reverts_until_unpaused(
    small_round, succeed_round, alice, bob, carol, usdc, admin, custodian
):
    succeed_round(small_round, alice, bob, carol, settle=False)
    usdc.pause(sender=admin)
    with ape.reverts("Pausable: paused"):
        small_round.settle(sender=alice)
    usdc.unpause(sender=admin)
    small_round.settle(sender=alice)
    assert usdc.balanceOf(custodian) == 700 * USDC


# ------------------------------------------------------------ settlement window --
@pytest.mark.parametrize(("offset", "succeeds"), [(-1, True), (0, False), (1, False)])
def test_settle__window_boundary(
    small_round, succeed_round, alice, bob, carol, chain, custodian, usdc, offset, succeeds
):
    """A success must be settled before SETTLE_BY; from SETTLE_BY on it counts as FAILED."""
    succeed_round(small_round, alice, bob, carol, settle=False)
    assert small_round.SETTLE_BY() == small_round.DEADLINE() + 30 * DAY
    at(chain, small_round.SETTLE_BY() + offset)
    receipt = small_round.settle(sender=alice)
    if succeeds:
        assert small_round.phase() == SUCCEEDED
        assert usdc.balanceOf(custodian) == 700 * USDC
    else:
        [log] = small_round.RoundFailed.from_receipt(receipt)
        assert log.activated and log.raised == 700 * USDC  # a success, never settled
        assert small_round.phase() == FAILED
        assert usdc.balanceOf(custodian) == 0


def test_settle__custodian_blacklisted_by_usdc__everyone_refunded_after_the_window(
    small_round, succeed_round, alice, bob, carol, chain, custodian, usdc, admin
):
    before = {who: usdc.balanceOf(who) for who in (alice, bob, carol)}
    succeed_round(small_round, alice, bob, carol, settle=False)
    usdc.blacklist(custodian, sender=admin)
    with ape.reverts("Blacklistable: account is blacklisted"):
        small_round.settle(sender=alice)
    with ape.reverts("escrow: round not settled"):
        small_round.claim(sender=alice)
    at(chain, small_round.SETTLE_BY())
    for who in (alice, bob, carol):
        small_round.withdraw(sender=who)
    assert {who: usdc.balanceOf(who) for who in (alice, bob, carol)} == before
    assert usdc.balanceOf(small_round) == 0


def test_settle__settled_success__unaffected_by_the_window(
    small_round, succeed_round, alice, bob, carol, chain, bond
):
    succeed_round(small_round, alice, bob, carol)
    at(chain, small_round.SETTLE_BY() + 1)
    chain.mine()
    assert small_round.phase() == SUCCEEDED
    small_round.claim(sender=alice)
    assert bond.balanceOf(alice) == 6 * 10**17
