"""fulfil(amount): paying the rest of a commitment, in one or several payments."""

from __future__ import annotations

import ape

from tests.conftest import USDC
from tests.contracts.escrow.conftest import ACTIVE, SMALL_TARGET, SUCCEEDED, invest


def test_fulfil__before_activation__reverts(small_round, alice):
    small_round.commit(100 * USDC, sender=alice)  # 10 USDC initial, threshold 50
    with ape.reverts("escrow: round not active"):
        small_round.fulfil(90 * USDC, sender=alice)


def test_fulfil__several_payments__until_fulfilled(small_round, alice, usdc):
    small_round.commit(600 * USDC, sender=alice)
    receipt = small_round.fulfil(200 * USDC, sender=alice)
    [log] = small_round.Paid.from_receipt(receipt)
    assert (log.amount, log.paid, log.committed) == (200 * USDC, 260 * USDC, 600 * USDC)
    assert not small_round.CommitmentFulfilled.from_receipt(receipt)
    assert not small_round.position(alice).fulfilled
    receipt = small_round.fulfil(340 * USDC, sender=alice)
    assert small_round.CommitmentFulfilled.from_receipt(receipt)
    position = small_round.position(alice)
    assert position.fulfilled and position.outstanding == 0
    assert small_round.totals().raised == 600 * USDC
    assert usdc.balanceOf(small_round) == 600 * USDC


def test_fulfil__more_than_owed__takes_only_what_is_owed(small_round, alice, usdc):
    small_round.commit(600 * USDC, sender=alice)
    before = usdc.balanceOf(alice)
    receipt = small_round.fulfil(10_000 * USDC, sender=alice)
    assert receipt.return_value == 540 * USDC
    assert usdc.balanceOf(alice) == before - 540 * USDC


def test_fulfil__already_fulfilled__reverts(small_round, alice):
    invest(small_round, alice, 600 * USDC)
    with ape.reverts("escrow: commitment already fulfilled"):
        small_round.fulfil(1, sender=alice)


def test_fulfil__without_commitment__reverts(small_round, alice, bob):
    small_round.commit(600 * USDC, sender=alice)
    with ape.reverts("escrow: no commitment"):
        small_round.fulfil(100 * USDC, sender=bob)


def test_fulfil__zero__reverts(small_round, alice):
    small_round.commit(600 * USDC, sender=alice)
    with ape.reverts("escrow: zero amount"):
        small_round.fulfil(0, sender=alice)


def test_fulfil__investor_sanctioned_after_commit__reverts(
    small_round, alice, whitelist, compliance
):
    small_round.commit(600 * USDC, sender=alice)
    whitelist.blacklist(alice, "OFAC", sender=compliance)
    with ape.reverts("escrow: investor not verified"):
        small_round.fulfil(100 * USDC, sender=alice)


def test_fulfil__usdc_paused__reverts(small_round, alice, usdc, admin):
    small_round.commit(600 * USDC, sender=alice)
    usdc.pause(sender=admin)
    with ape.reverts("Pausable: paused"):
        small_round.fulfil(100 * USDC, sender=alice)


def test_fulfil__target_reached__round_succeeds_before_the_deadline(
    small_round, alice, bob, issuer, chain
):
    invest(small_round, alice, 700 * USDC)
    small_round.commit(300 * USDC, sender=bob)
    assert small_round.phase() == ACTIVE
    receipt = small_round.fulfil(270 * USDC, sender=bob)
    [log] = small_round.TargetReached.from_receipt(receipt)
    assert log.raised == SMALL_TARGET
    assert small_round.time_left() > 0
    assert small_round.phase() == SUCCEEDED
    # Decided: the issuer can no longer cancel, anyone can settle now.
    with ape.reverts("escrow: outcome already decided"):
        small_round.cancel("too late", sender=issuer)
    small_round.settle(sender=bob)
    assert small_round.settled()
