"""commit(C_i): who may commit, the initial share, the minimum ticket, the over-commit cap,
activation, and the commitment unit."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import USDC
from tests.contracts.escrow.conftest import (
    ACTIVE,
    MIN_TICKET,
    OPEN,
    SMALL_TARGET,
    TARGET,
    initial_share,
    invest,
)


def test_commit__verified_investor__pays_the_initial_share(escrow, investors, alice, usdc):
    before = usdc.balanceOf(alice)
    receipt = escrow.commit(1_000 * USDC, sender=alice)
    assert usdc.balanceOf(alice) == before - 100 * USDC
    assert usdc.balanceOf(escrow) == 100 * USDC
    position = escrow.position(alice)
    assert (position.committed, position.paid, position.outstanding) == (
        1_000 * USDC,
        100 * USDC,
        900 * USDC,
    )
    assert not position.fulfilled and not position.closed
    [log] = escrow.Committed.from_receipt(receipt)
    assert (log.investor, log.requested, log.accepted) == (alice, 1_000 * USDC, 1_000 * USDC)
    assert (log.initial_payment, log.committed) == (100 * USDC, 1_000 * USDC)
    totals = escrow.totals()
    assert (totals.committed, totals.paid, totals.initial, totals.held) == (
        1_000 * USDC,
        100 * USDC,
        100 * USDC,
        100 * USDC,
    )
    assert totals.investors == 1


def test_commit__unverified_investor__reverts(escrow, investors, attacker, fund):
    fund(escrow, attacker)
    with ape.reverts("escrow: investor not verified"):
        escrow.commit(1_000 * USDC, sender=attacker)


def test_commit__kyc_expired__reverts(escrow, whitelist, kyc, attacker, fund, chain):
    fund(escrow, attacker)
    expiry = chain.pending_timestamp + 1_000
    whitelist.register(attacker, expiry, 380, sender=kyc)
    chain.pending_timestamp = expiry - 1
    escrow.commit(MIN_TICKET, sender=attacker)  # verified while block.timestamp < expiry
    chain.pending_timestamp = expiry
    with ape.reverts("escrow: investor not verified"):
        escrow.commit(MIN_TICKET, sender=attacker)


def test_commit__blacklisted_by_compliance__reverts(
    escrow, investors, alice, whitelist, compliance
):
    whitelist.blacklist(alice, "OFAC", sender=compliance)
    with ape.reverts("escrow: investor not verified"):
        escrow.commit(1_000 * USDC, sender=alice)


def test_commit__zero__reverts(escrow, investors, alice):
    with ape.reverts("escrow: zero amount"):
        escrow.commit(0, sender=alice)


def test_commit__minimum_ticket__accepted_one_unit_less_reverts(escrow, investors, alice, bob):
    escrow.commit(MIN_TICKET, sender=alice)
    with ape.reverts("escrow: below the minimum ticket"):
        escrow.commit(MIN_TICKET - 1, sender=bob)


def test_commit__top_up__minimum_applies_to_the_position(escrow, investors, alice):
    escrow.commit(MIN_TICKET, sender=alice)
    escrow.commit(1, sender=alice)  # the position (100 USDC + 1 unit) is above the ticket
    assert escrow.position(alice).committed == MIN_TICKET + 1
    assert escrow.totals().investors == 1


def test_commit__initial_share__rounds_up_to_the_unit(escrow, investors, alice):
    amount = 100 * USDC + 1  # 10% = 10,000,000.1 units
    assert escrow.initial_payment(amount) == initial_share(amount) == 10 * USDC + 1
    escrow.commit(amount, sender=alice)
    assert escrow.position(alice).paid == 10 * USDC + 1


def test_commit__over_the_target__is_capped_to_the_remainder(small_round, alice, bob, usdc):
    small_round.commit(900 * USDC, sender=alice)
    before = usdc.balanceOf(bob)
    receipt = small_round.commit(500 * USDC, sender=bob)
    assert receipt.return_value == 100 * USDC
    [log] = small_round.Committed.from_receipt(receipt)
    assert (log.requested, log.accepted, log.initial_payment) == (
        500 * USDC,
        100 * USDC,
        10 * USDC,
    )
    # Bob pays the initial share of what was accepted, not of what he asked.
    assert usdc.balanceOf(bob) == before - 10 * USDC
    assert small_round.position(bob).committed == 100 * USDC
    assert small_round.remaining_commitment() == 0
    assert small_round.totals().committed == SMALL_TARGET


def test_commit__target_fully_committed__reverts(small_round, alice, bob):
    small_round.commit(SMALL_TARGET, sender=alice)
    with ape.reverts("escrow: target fully committed"):
        small_round.commit(100 * USDC, sender=bob)


def test_commit__closing_ticket_below_the_minimum__accepted(deploy_small_round, alice, bob):
    escrow = deploy_small_round(min_ticket=300 * USDC)
    escrow.commit(800 * USDC, sender=alice)
    # 200 USDC left, below the 300 USDC ticket: only a commit taking all of it is allowed.
    with ape.reverts("escrow: below the minimum ticket"):
        escrow.commit(100 * USDC, sender=bob)
    receipt = escrow.commit(1_000 * USDC, sender=bob)
    assert receipt.return_value == 200 * USDC
    assert escrow.remaining_commitment() == 0


def test_commit__activation__when_initial_payments_reach_the_threshold(small_round, alice, bob):
    # Threshold: 5% of 1,000 USDC = 50 USDC of initial payments (10% of 500 committed).
    assert small_round.ACTIVATION_AMOUNT() == 50 * USDC
    receipt = small_round.commit(490 * USDC, sender=alice)
    assert small_round.phase() == OPEN
    assert not small_round.Activated.from_receipt(receipt)
    receipt = small_round.commit(100 * USDC, sender=bob)  # 49 + 10 = 59 >= 50
    assert small_round.phase() == ACTIVE
    [log] = small_round.Activated.from_receipt(receipt)
    assert (log.initial_total, log.activation_amount) == (59 * USDC, 50 * USDC)
    assert small_round.activated_at() == receipt.timestamp


def test_commit__activation_at_exactly_the_threshold(small_round, alice):
    small_round.commit(500 * USDC, sender=alice)  # initial 50 USDC == threshold
    assert small_round.phase() == ACTIVE


def test_commit__whitepaper_defaults__activate_when_fully_committed(escrow, investors, alice):
    # 10% initial share and a 10%-of-T threshold: sum(0.1 C_i) >= 0.1 T <=> sum C_i >= T,
    # up to the initial share's rounding up: ceil((T - 9) / 10) = T / 10 already activates.
    escrow.commit(TARGET - 10, sender=alice)  # pays T/10 - 1 unit
    assert escrow.phase() == OPEN
    escrow.commit(1, sender=alice)  # T - 9: pays 1 more unit, T/10 in total
    assert escrow.totals().initial == escrow.ACTIVATION_AMOUNT()
    assert escrow.phase() == ACTIVE


def test_commit__fulfilled_investor_commits_more__leaves_raised_until_paid(small_round, alice):
    invest(small_round, alice, 600 * USDC)
    assert small_round.totals().raised == 600 * USDC
    small_round.commit(100 * USDC, sender=alice)
    position = small_round.position(alice)
    assert (position.committed, position.paid, position.fulfilled) == (
        700 * USDC,
        610 * USDC,
        False,
    )
    assert small_round.totals().raised == 0
    small_round.fulfil(90 * USDC, sender=alice)
    assert small_round.totals().raised == 700 * USDC


def test_commit__full_initial_share__fulfils_at_once(deploy_small_round, alice):
    escrow = deploy_small_round(initial_bps=10_000)
    receipt = escrow.commit(300 * USDC, sender=alice)
    assert escrow.position(alice).fulfilled
    assert escrow.CommitmentFulfilled.from_receipt(receipt)
    assert escrow.totals().raised == 300 * USDC


def test_commit__usdc_blacklisted_investor__reverts(escrow, investors, alice, usdc, admin):
    usdc.blacklist(alice, sender=admin)
    with ape.reverts("Blacklistable: account is blacklisted"):
        escrow.commit(1_000 * USDC, sender=alice)


def test_commit__after_cancel__reverts(escrow, investors, alice, issuer):
    escrow.cancel("issuer withdrew the issue", sender=issuer)
    with ape.reverts("escrow: round closed"):
        escrow.commit(1_000 * USDC, sender=alice)


@pytest.fixture(scope="module")
def odd_round(deploy_escrow, odd_bond, fund, investors):
    escrow = deploy_escrow(bond=odd_bond, target=3_000 * USDC)
    fund(escrow, *investors)
    return escrow


def test_commit__not_a_multiple_of_the_unit__reverts(odd_round, alice):
    assert odd_round.UNIT() == 3
    with ape.reverts("escrow: amount not a multiple of the commitment unit"):
        odd_round.commit(100 * USDC + 1, sender=alice)
    odd_round.commit(100 * USDC + 2, sender=alice)  # 100,000,002 = 3 * 33,333,334
    assert odd_round.position(alice).committed == 100 * USDC + 2
