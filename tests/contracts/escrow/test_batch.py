"""process_batch(investors): the keeper serves many investors; a failing payout is skipped."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import USDC
from tests.contracts.escrow.conftest import at, invest


@pytest.fixture
def mixed_success(small_round, alice, bob, carol, chain):
    """Settled success: alice paid 600 in full (raised 600 = min raise); bob and carol
    committed 300 and 100 and paid only their initial shares (30 and 10 USDC)."""
    invest(small_round, alice, 600 * USDC)
    small_round.commit(300 * USDC, sender=bob)
    small_round.commit(100 * USDC, sender=carol)
    at(chain, small_round.DEADLINE())
    small_round.settle(sender=alice)
    return small_round


def skipped(escrow, receipt) -> list[tuple[str, int, str]]:
    return [(e.investor, e.amount, e.reason) for e in escrow.PositionSkipped.from_receipt(receipt)]


def test_batch__usdc_blacklisted_investor__skipped_others_served(
    mixed_success, alice, bob, carol, attacker, usdc, admin, bond
):
    usdc.blacklist(carol, sender=admin)
    bob_before = usdc.balanceOf(bob)
    receipt = mixed_success.process_batch([alice, bob, carol], sender=attacker)
    assert receipt.return_value == (2, 1)
    assert bond.balanceOf(alice) == 6 * 10**17  # claimed for her
    assert usdc.balanceOf(bob) == bob_before + 30 * USDC  # refunded
    assert skipped(mixed_success, receipt) == [(carol, 10 * USDC, "stablecoin transfer failed")]
    [claim] = mixed_success.Claimed.from_receipt(receipt)
    assert (claim.investor, claim.caller) == (alice, attacker)
    # Carol's refund is intact and still hers.
    position = mixed_success.position(carol)
    assert not position.closed and position.withdrawable == 10 * USDC
    assert usdc.balanceOf(mixed_success) == 10 * USDC
    assert mixed_success.totals().refunded == 30 * USDC
    # Once USDC lifts the blacklist, the next batch pays her.
    usdc.unBlacklist(carol, sender=admin)
    receipt = mixed_success.process_batch([alice, bob, carol], sender=attacker)
    assert receipt.return_value == (1, 0)
    assert usdc.balanceOf(mixed_success) == 0


def test_batch__failed_round__one_blacklisted_investor_blocks_nobody(
    small_round, fail_round, alice, bob, usdc, admin, attacker
):
    fail_round(small_round, alice, bob)
    usdc.blacklist(alice, sender=admin)
    receipt = small_round.process_batch([alice, bob], sender=attacker)
    assert receipt.return_value == (1, 1)
    assert skipped(small_round, receipt) == [(alice, 500 * USDC, "stablecoin transfer failed")]
    assert small_round.position(bob).closed
    assert small_round.position(alice).withdrawable == 500 * USDC


def test_batch__usdc_paused__refunds_skipped_claims_served(
    mixed_success, alice, bob, carol, usdc, admin, bond
):
    usdc.pause(sender=admin)
    receipt = mixed_success.process_batch([alice, bob, carol], sender=alice)
    assert receipt.return_value == (1, 2)  # the claim moves no stablecoin
    assert bond.balanceOf(alice) == 6 * 10**17
    assert [s[0] for s in skipped(mixed_success, receipt)] == [bob, carol]
    usdc.unpause(sender=admin)
    assert mixed_success.process_batch([bob, carol], sender=alice).return_value == (2, 0)
    assert usdc.balanceOf(mixed_success) == 0


def test_batch__sanctioned_investors__skipped_claim_and_refund(
    mixed_success, alice, bob, whitelist, compliance, bond
):
    whitelist.blacklist(alice, "OFAC", sender=compliance)
    whitelist.blacklist(bob, "OFAC", sender=compliance)
    receipt = mixed_success.process_batch([alice, bob], sender=bob)
    assert receipt.return_value == (0, 2)
    assert skipped(mixed_success, receipt) == [
        (alice, 600 * USDC, "bond mint failed"),
        (bob, 30 * USDC, "investor blocked"),
    ]
    assert bond.balanceOf(alice) == 0
    assert mixed_success.position(alice).claimable == 6 * 10**17
    assert mixed_success.totals().claimed == 0


def test_batch__bond_paused__claims_skipped(mixed_success, alice, bond, compliance):
    bond.pause(sender=compliance)
    receipt = mixed_success.process_batch([alice], sender=alice)
    assert receipt.return_value == (0, 1)
    bond.unpause(sender=compliance)
    assert mixed_success.process_batch([alice], sender=alice).return_value == (1, 0)


def test_batch__duplicates_strangers_and_closed_positions__passed_over(
    mixed_success, alice, bob, attacker, custodian
):
    mixed_success.withdraw(sender=bob)
    batch = [alice, alice, bob, attacker, custodian]
    receipt = mixed_success.process_batch(batch, sender=attacker)
    assert receipt.return_value == (1, 0)
    assert len(mixed_success.Claimed.from_receipt(receipt)) == 1


def test_batch__keeper_receives_nothing(mixed_success, alice, bob, carol, attacker, usdc, bond):
    mixed_success.process_batch([alice, bob, carol], sender=attacker)
    assert usdc.balanceOf(attacker) == 0
    assert bond.balanceOf(attacker) == 0


def test_batch__round_undecided__reverts(small_round, alice):
    invest(small_round, alice, 600 * USDC)
    with ape.reverts("escrow: round not decided"):
        small_round.process_batch([alice], sender=alice)


def test_batch__success_not_settled__reverts(small_round, succeed_round, alice, bob, carol):
    succeed_round(small_round, alice, bob, carol, settle=False)
    with ape.reverts("escrow: round not settled"):
        small_round.process_batch([bob], sender=alice)


def test_batch__more_than_max_batch__reverts(mixed_success, alice):
    assert mixed_success.MAX_BATCH() == 50
    mixed_success.process_batch([alice] * 50, sender=alice)
    with ape.reverts():
        mixed_success.process_batch([alice] * 51, sender=alice)
