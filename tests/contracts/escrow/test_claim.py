"""claim(): fulfilled investors of a settled success get bond tokens and an OG NFT."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import TOKEN, USDC
from tests.contracts.escrow.conftest import OG_BASE_URI, at, invest, tokens_for


@pytest.fixture
def settled(small_round, succeed_round, alice, bob, carol):
    succeed_round(small_round, alice, bob, carol)
    return small_round


def test_claim__mints_bonds_at_the_denomination_and_an_og_nft(settled, alice, bond, project):
    og = project.OGNFT.at(settled.OG_NFT())
    assert settled.position(alice).claimable == 600 * USDC * TOKEN // bond.denomination()
    receipt = settled.claim(sender=alice)
    # 600 USDC / 1,000 USDC per token = 0.6 token = 6e17 token wei, exactly.
    assert bond.balanceOf(alice) == 6 * 10**17 == tokens_for(600 * USDC, 1_000 * USDC)
    assert receipt.return_value == 6 * 10**17
    [log] = settled.Claimed.from_receipt(receipt)
    assert (log.investor, log.caller, log.amount, log.tokens, log.og_token_id) == (
        alice,
        alice,
        600 * USDC,
        6 * 10**17,
        1,
    )
    assert og.ownerOf(1) == alice
    assert og.balanceOf(alice) == 1
    assert og.tokenURI(1) == OG_BASE_URI + "1"
    position = settled.position(alice)
    assert position.closed and position.claimable == 0
    assert settled.totals().claimed == 600 * USDC


def test_claim__og_token_ids_count_up(settled, alice, carol, project):
    og = project.OGNFT.at(settled.OG_NFT())
    settled.claim(sender=carol)
    settled.claim(sender=alice)
    assert (og.ownerOf(1), og.ownerOf(2)) == (carol, alice)
    assert og.totalSupply() == 2


def test_claim__twice__reverts(settled, alice):
    settled.claim(sender=alice)
    with ape.reverts("escrow: position closed"):
        settled.claim(sender=alice)


def test_claim__unfulfilled_investor__reverts(settled, bob):
    with ape.reverts("escrow: commitment not fulfilled"):
        settled.claim(sender=bob)


def test_claim__no_position__reverts(settled, attacker):
    with ape.reverts("escrow: no position"):
        settled.claim(sender=attacker)


def test_claim__success_not_settled__reverts(small_round, succeed_round, alice, bob, carol):
    succeed_round(small_round, alice, bob, carol, settle=False)
    with ape.reverts("escrow: round not settled"):
        small_round.claim(sender=alice)


def test_claim__round_undecided__reverts(small_round, alice):
    invest(small_round, alice, 600 * USDC)
    with ape.reverts("escrow: round not decided"):
        small_round.claim(sender=alice)


def test_claim__failed_round__reverts(small_round, fail_round, alice, bob):
    fail_round(small_round, alice, bob)
    with ape.reverts("escrow: round did not succeed"):
        small_round.claim(sender=alice)


def test_claim__cancelled_round__reverts(small_round, alice, issuer):
    invest(small_round, alice, 600 * USDC)
    small_round.cancel("withdrawn", sender=issuer)
    with ape.reverts("escrow: round did not succeed"):
        small_round.claim(sender=alice)


def test_claim__usdc_blacklisted_investor__still_gets_bonds(settled, alice, usdc, admin, bond):
    usdc.blacklist(alice, sender=admin)  # claims move no stablecoin
    settled.claim(sender=alice)
    assert bond.balanceOf(alice) == 6 * 10**17


def test_claim__sanctioned_investor__waits_until_lifted(
    settled, alice, whitelist, compliance, bond
):
    whitelist.blacklist(alice, "OFAC", sender=compliance)
    with ape.reverts("bond: account blocked"):
        settled.claim(sender=alice)
    whitelist.unblacklist(alice, sender=compliance)
    settled.claim(sender=alice)
    assert bond.balanceOf(alice) == 6 * 10**17


def test_claim__bond_paused__reverts(settled, alice, bond, compliance):
    bond.pause(sender=compliance)
    with ape.reverts("bond: paused"):
        settled.claim(sender=alice)


def test_claim__exact_conversion_with_a_denomination_not_dividing_1e18(
    deploy_escrow, odd_bond, fund, investors, chain
):
    """1,500 USDC per token, unit 3: every claim is exact, so the sum is exact too."""
    alice, bob, carol = investors
    escrow = deploy_escrow(
        bond=odd_bond, target=3_000 * USDC, activation_bps=100, min_ticket=3, min_raise=3
    )
    fund(escrow, *investors)
    amounts = {alice: 1_000 * USDC + 2, bob: 333_333_333, carol: 3}
    for who, amount in amounts.items():
        invest(escrow, who, amount)
    at(chain, escrow.DEADLINE())
    escrow.settle(sender=carol)
    raised = sum(amounts.values())
    minted = 0
    for who, amount in amounts.items():
        tokens = escrow.claim(sender=who).return_value
        assert tokens * 1_500 * USDC == amount * TOKEN  # no rounding at all
        minted += tokens
    assert minted == odd_bond.totalSupply() == raised * TOKEN // (1_500 * USDC)
    assert minted * 1_500 * USDC == raised * TOKEN
