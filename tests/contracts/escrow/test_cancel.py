"""cancel(reason): the issuer calls the round off; everyone gets everything back."""

from __future__ import annotations

import ape

from tests.conftest import USDC
from tests.contracts.escrow.conftest import CANCELLED, invest


def test_cancel__open_round__by_the_issuer(small_round, alice, issuer):
    small_round.commit(100 * USDC, sender=alice)
    receipt = small_round.cancel("rating downgrade", sender=issuer)
    [log] = small_round.RoundCancelled.from_receipt(receipt)
    assert (log.issuer, log.reason) == (issuer, "rating downgrade")
    assert small_round.phase() == CANCELLED
    assert small_round.settled()


def test_cancel__active_round__everyone_withdraws_everything(
    small_round, alice, bob, issuer, usdc, custodian
):
    before = usdc.balanceOf(alice), usdc.balanceOf(bob)
    invest(small_round, alice, 600 * USDC)
    small_round.commit(300 * USDC, sender=bob)
    small_round.cancel("market closed", sender=issuer)
    assert small_round.position(alice).withdrawable == 600 * USDC
    assert small_round.position(bob).withdrawable == 30 * USDC
    small_round.withdraw(sender=alice)
    small_round.withdraw(sender=bob)
    assert (usdc.balanceOf(alice), usdc.balanceOf(bob)) == before
    assert usdc.balanceOf(small_round) == 0
    assert usdc.balanceOf(custodian) == 0


def test_cancel__not_the_issuer__reverts(small_round, alice, attacker):
    small_round.commit(100 * USDC, sender=alice)
    with ape.reverts("escrow: caller is not the issuer"):
        small_round.cancel("grief", sender=attacker)


def test_cancel__twice__reverts(small_round, issuer):
    small_round.cancel("first", sender=issuer)
    with ape.reverts("escrow: round already closed"):
        small_round.cancel("second", sender=issuer)


def test_cancel__after_settlement__reverts(small_round, succeed_round, alice, bob, carol, issuer):
    succeed_round(small_round, alice, bob, carol)
    with ape.reverts("escrow: round already closed"):
        small_round.cancel("too late", sender=issuer)


def test_cancel__then_payments__revert(small_round, alice, issuer):
    small_round.commit(600 * USDC, sender=alice)
    small_round.cancel("market closed", sender=issuer)
    with ape.reverts("escrow: round not active"):
        small_round.fulfil(100 * USDC, sender=alice)
    with ape.reverts("escrow: round closed"):
        small_round.commit(100 * USDC, sender=alice)
