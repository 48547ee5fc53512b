"""withdraw(): refunds after a failure or a cancel, and for unfulfilled investors of a success."""

from __future__ import annotations

import ape

from tests.conftest import USDC
from tests.contracts.escrow.conftest import FAILED, invest


def test_withdraw__failed_round__everyone_gets_everything_back(
    small_round, fail_round, alice, bob, usdc
):
    before = usdc.balanceOf(alice), usdc.balanceOf(bob)
    fail_round(small_round, alice, bob)
    receipt = small_round.withdraw(sender=alice)
    [log] = small_round.Withdrawn.from_receipt(receipt)
    assert (log.investor, log.caller, log.amount) == (alice, alice, 500 * USDC)
    small_round.withdraw(sender=bob)
    assert (usdc.balanceOf(alice), usdc.balanceOf(bob)) == before
    assert usdc.balanceOf(small_round) == 0
    assert small_round.totals().refunded == 530 * USDC


def test_withdraw__failed_round__records_the_failure_lazily(small_round, fail_round, alice, bob):
    fail_round(small_round, alice, bob)
    assert not small_round.settled()
    receipt = small_round.withdraw(sender=bob)
    [log] = small_round.RoundFailed.from_receipt(receipt)
    assert log.caller == bob
    assert small_round.settled() and small_round.phase() == FAILED
    small_round.withdraw(sender=alice)  # no second RoundFailed needed
    with ape.reverts("escrow: round already closed"):
        small_round.settle(sender=alice)


def test_withdraw__success__unfulfilled_investor_gets_what_they_paid(
    small_round, succeed_round, alice, bob, carol, usdc
):
    before = usdc.balanceOf(bob)
    succeed_round(small_round, alice, bob, carol)
    assert small_round.position(bob).withdrawable == 30 * USDC
    small_round.withdraw(sender=bob)
    assert usdc.balanceOf(bob) == before
    assert usdc.balanceOf(small_round) == 0


def test_withdraw__success_not_yet_settled__unfulfilled_investor_is_not_held_up(
    small_round, succeed_round, alice, bob, carol, usdc, custodian
):
    succeed_round(small_round, alice, bob, carol, settle=False)
    small_round.withdraw(sender=bob)
    small_round.settle(sender=alice)
    assert usdc.balanceOf(custodian) == 700 * USDC
    assert usdc.balanceOf(small_round) == 0


def test_withdraw__success__fulfilled_investor__reverts(
    small_round, succeed_round, alice, bob, carol
):
    succeed_round(small_round, alice, bob, carol)
    assert small_round.position(alice).withdrawable == 0
    with ape.reverts("escrow: commitment fulfilled, claim bonds"):
        small_round.withdraw(sender=alice)


def test_withdraw__round_undecided__reverts(small_round, alice):
    invest(small_round, alice, 600 * USDC)
    with ape.reverts("escrow: round not decided"):
        small_round.withdraw(sender=alice)


def test_withdraw__twice__reverts(small_round, fail_round, alice, bob):
    fail_round(small_round, alice, bob)
    small_round.withdraw(sender=alice)
    with ape.reverts("escrow: position closed"):
        small_round.withdraw(sender=alice)


def test_withdraw__no_position__reverts(small_round, fail_round, alice, bob, carol):
    fail_round(small_round, alice, bob)
    with ape.reverts("escrow: no position"):
        small_round.withdraw(sender=carol)


def test_withdraw__sanctioned_investor__frozen_until_lifted(
    small_round, fail_round, alice, bob, whitelist, compliance, usdc
):
    fail_round(small_round, alice, bob)
    whitelist.blacklist(bob, "OFAC", sender=compliance)
    with ape.reverts("escrow: investor blocked"):
        small_round.withdraw(sender=bob)
    assert small_round.position(bob).withdrawable == 30 * USDC
    whitelist.unblacklist(bob, sender=compliance)
    small_round.withdraw(sender=bob)
    assert usdc.balanceOf(small_round) == 500 * USDC  # alice's, still hers to take


def test_withdraw__usdc_blacklisted_investor__reverts_until_lifted(
    small_round, fail_round, alice, bob, usdc, admin
):
    fail_round(small_round, alice, bob)
    usdc.blacklist(bob, sender=admin)
    with ape.reverts("Blacklistable: account is blacklisted"):
        small_round.withdraw(sender=bob)
    small_round.withdraw(sender=alice)  # one blacklisted investor blocks nobody else
    usdc.unBlacklist(bob, sender=admin)
    small_round.withdraw(sender=bob)
    assert usdc.balanceOf(small_round) == 0


def test_withdraw__usdc_paused__reverts_until_unpaused(
    small_round, fail_round, alice, bob, usdc, admin
):
    fail_round(small_round, alice, bob)
    usdc.pause(sender=admin)
    with ape.reverts("Pausable: paused"):
        small_round.withdraw(sender=alice)
    usdc.unpause(sender=admin)
    small_round.withdraw(sender=alice)
    assert small_round.position(alice).closed
