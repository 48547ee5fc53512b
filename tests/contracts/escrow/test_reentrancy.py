"""The Escrow's `@nonreentrant` lock holds while it pays out (CEI is tested by the model)."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import bond_math
from tests.conftest import USDC, BondTerms
from tests.contracts.escrow.conftest import at


@pytest.fixture
def hostile_round(project, admin, whitelist, deploy_escrow, chain_start, verify, alice):
    """A failed round whose stablecoin calls back into the escrow from `transfer`."""
    token = admin.deploy(project.MockReentrantToken)
    issue = bond_math.from_timestamp(chain_start)
    terms = BondTerms(issue, date(issue.year + 2, issue.month, min(issue.day, 28)))
    bond = admin.deploy(
        project.BondToken,
        "Hostile",
        "HST",
        "XS0000000666",
        admin,
        token,
        whitelist,
        terms.denomination_units,
        terms.issue_volume,
        terms.rate_bps,
        terms.frequency,
        bond_math.to_timestamp(terms.issue),
        int(terms.basis),
        terms.dates,
        terms.coupons,
        admin,
    )
    escrow = deploy_escrow(bond=bond, stablecoin=token, target=1_000 * USDC)
    verify(alice)
    token.mint(alice, 1_000 * USDC, sender=admin)
    token.approve(escrow, 2**256 - 1, sender=alice)
    escrow.commit(500 * USDC, sender=alice)  # 50 USDC paid, never activated
    return token, escrow


def test_reentrancy__withdraw_cannot_be_reentered(hostile_round, alice, chain):
    token, escrow = hostile_round
    at(chain, escrow.DEADLINE())
    reentry = escrow.process_batch.encode_input([alice])
    token.arm(escrow, reentry, sender=alice)
    escrow.withdraw(sender=alice)
    assert token.attempted()
    assert not token.reentry_succeeded()  # the lock refused the nested call
    # The same call, not nested, succeeds (alice is already closed: passed over).
    receipt = escrow.process_batch([alice], sender=alice)
    assert receipt.return_value == (0, 0)
    assert token.balanceOf(alice) == 1_000 * USDC
