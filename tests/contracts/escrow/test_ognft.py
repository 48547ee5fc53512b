"""OGNFT: only the escrow that deployed the collection can mint; badges are ERC-721s."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import USDC
from tests.contracts.escrow.conftest import OG_BASE_URI

ERC721_ID = "0x80ac58cd"
ERC721_METADATA_ID = "0x5b5e139f"


@pytest.fixture
def badge(small_round, succeed_round, alice, bob, carol, og_of):
    """Alice's OG NFT (token id 1) after a settled success."""
    succeed_round(small_round, alice, bob, carol)
    small_round.claim(sender=alice)
    return og_of(small_round)


@pytest.fixture(scope="session")
def og_of(project):
    return lambda escrow: project.OGNFT.at(escrow.OG_NFT())


@pytest.mark.parametrize("who", ["admin", "issuer", "attacker"])
def test_ognft__mint_by_anyone_but_the_escrow__reverts(og_nft, who, request):
    with ape.reverts("ownable: caller is not the owner"):
        og_nft.mint(request.getfixturevalue(who), sender=request.getfixturevalue(who))


def test_ognft__no_way_to_add_minters_or_move_ownership(og_nft):
    names = {abi.name for abi in og_nft.contract_type.abi if getattr(abi, "name", None)}
    assert "mint" in names
    assert not names & {"set_minter", "safe_mint", "transfer_ownership", "renounce_ownership"}


def test_ognft__erc721_metadata_and_interfaces(og_nft):
    assert og_nft.supportsInterface(ERC721_ID)
    assert og_nft.supportsInterface(ERC721_METADATA_ID)


def test_ognft__badge_uri_transfer_and_burn(badge, alice, attacker):
    assert badge.tokenURI(1) == OG_BASE_URI + "1"
    assert badge.tokenOfOwnerByIndex(alice, 0) == 1
    badge.transferFrom(alice, attacker, 1, sender=alice)
    assert badge.ownerOf(1) == attacker
    badge.burn(1, sender=attacker)
    assert badge.totalSupply() == 0


def test_ognft__unfulfilled_investor_gets_none(badge, small_round, bob):
    small_round.withdraw(sender=bob)
    assert badge.balanceOf(bob) == 0
    assert small_round.position(bob).paid == 30 * USDC
