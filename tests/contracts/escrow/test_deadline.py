"""The deadline boundary, to the second.

Convention: the round is open while block.timestamp < DEADLINE. The deadline second
itself is on the CLOSED side: at t = DEADLINE nothing can be committed, paid or
cancelled, and the outcome is decided and can be settled.
"""

from __future__ import annotations

import ape
import pytest

from tests.conftest import USDC
from tests.contracts.escrow.conftest import ACTIVE, FAILED, SUCCEEDED, at, invest

# offset from DEADLINE -> is the round still open?
BOUNDARY = [(-1, True), (0, False), (1, False)]
IDS = ["deadline-1", "deadline", "deadline+1"]


@pytest.fixture(scope="module")
def live_round(deploy_small_round, alice, bob):
    """Active, raised 600 = min raise (a success at the deadline); bob owes 270 USDC."""
    escrow = deploy_small_round()
    invest(escrow, alice, 600 * USDC)
    escrow.commit(300 * USDC, sender=bob)
    return escrow


@pytest.mark.parametrize(("offset", "is_open"), BOUNDARY, ids=IDS)
def test_deadline__commit(live_round, carol, chain, offset, is_open):
    at(chain, live_round.DEADLINE() + offset)
    if is_open:
        live_round.commit(100 * USDC, sender=carol)
        assert live_round.position(carol).committed == 100 * USDC
    else:
        with ape.reverts("escrow: round closed"):
            live_round.commit(100 * USDC, sender=carol)


@pytest.mark.parametrize(("offset", "is_open"), BOUNDARY, ids=IDS)
def test_deadline__fulfil(live_round, bob, chain, offset, is_open):
    at(chain, live_round.DEADLINE() + offset)
    if is_open:
        live_round.fulfil(270 * USDC, sender=bob)
        assert live_round.position(bob).fulfilled
    else:
        with ape.reverts("escrow: round closed"):
            live_round.fulfil(270 * USDC, sender=bob)


@pytest.mark.parametrize(("offset", "is_open"), BOUNDARY, ids=IDS)
def test_deadline__cancel(live_round, issuer, chain, offset, is_open):
    at(chain, live_round.DEADLINE() + offset)
    if is_open:
        live_round.cancel("market conditions", sender=issuer)
        assert live_round.settled()
    else:
        with ape.reverts("escrow: outcome already decided"):
            live_round.cancel("market conditions", sender=issuer)


@pytest.mark.parametrize(("offset", "is_open"), BOUNDARY, ids=IDS)
def test_deadline__settle(live_round, custodian, usdc, chain, offset, is_open):
    at(chain, live_round.DEADLINE() + offset)
    if is_open:
        with ape.reverts("escrow: round not decided"):
            live_round.settle(sender=custodian)
    else:
        live_round.settle(sender=custodian)
        assert usdc.balanceOf(custodian) == 600 * USDC


@pytest.mark.parametrize(("offset", "is_open"), BOUNDARY, ids=IDS)
def test_deadline__views(live_round, chain, offset, is_open):
    at(chain, live_round.DEADLINE() + offset)
    chain.mine()
    assert live_round.phase() == (ACTIVE if is_open else SUCCEEDED)
    assert live_round.time_left() == (1 if is_open else 0)


@pytest.mark.parametrize(("offset", "is_open"), BOUNDARY, ids=IDS)
def test_deadline__refund_of_a_failed_round(deploy_small_round, alice, chain, offset, is_open):
    escrow = deploy_small_round()
    escrow.commit(100 * USDC, sender=alice)  # never activated
    at(chain, escrow.DEADLINE() + offset)
    if is_open:
        with ape.reverts("escrow: round not decided"):
            escrow.withdraw(sender=alice)
    else:
        escrow.withdraw(sender=alice)
        assert escrow.phase() == FAILED
