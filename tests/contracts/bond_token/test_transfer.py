"""BondToken ERC-20 behaviour: mint, transfer, allowance, permit, pause, blacklist."""

import ape
import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from tests.conftest import TOKEN, time_travel

ZERO = "0x" + "00" * 20


@pytest.fixture
def holders(bond, minter, alice, bob):
    bond.mint(alice, 100 * TOKEN, sender=minter)
    bond.mint(bob, 50 * TOKEN, sender=minter)
    return alice, bob


# ------------------------------------------------------------------ mint --
def test_mint__by_minter__credits_and_emits(bond, minter, alice):
    tx = bond.mint(alice, 7 * TOKEN, sender=minter)
    assert bond.balanceOf(alice) == 7 * TOKEN
    assert bond.totalSupply() == 7 * TOKEN
    event = tx.events[0]
    assert event.event_name == "Transfer"
    assert event.sender == ZERO and event.receiver == alice and event.value == 7 * TOKEN


def test_mint__by_non_minter__reverts(bond, attacker, alice):
    with ape.reverts("access_control: account is missing role"):
        bond.mint(alice, TOKEN, sender=attacker)


def test_mint__beyond_issue_volume__reverts(bond, minter, alice):
    bond.mint(alice, bond.issueVolume(), sender=minter)
    with ape.reverts("bond: issue volume exceeded"):
        bond.mint(alice, 1, sender=minter)


def test_mint__zero_amount__reverts(bond, minter, alice):
    with ape.reverts("bond: zero amount"):
        bond.mint(alice, 0, sender=minter)


def test_mint__to_blocked_account__reverts(bond, minter, compliance, whitelist, alice):
    whitelist.blacklist(alice, "x", sender=compliance)
    with ape.reverts("bond: account blocked"):
        bond.mint(alice, TOKEN, sender=minter)


def test_mint__at_maturity__reverts(bond, minter, alice, chain):
    time_travel(chain, bond.maturityDate())
    with ape.reverts("bond: matured"):
        bond.mint(alice, TOKEN, sender=minter)


def test_mint__when_paused__reverts(bond, minter, compliance, alice):
    bond.pause(sender=compliance)
    with ape.reverts("bond: paused"):
        bond.mint(alice, TOKEN, sender=minter)


# -------------------------------------------------------------- transfer --
def test_transfer__moves_balance(bond, holders, alice, bob):
    tx = bond.transfer(bob, 30 * TOKEN, sender=alice)
    assert bond.balanceOf(alice) == 70 * TOKEN
    assert bond.balanceOf(bob) == 80 * TOKEN
    assert bond.totalSupply() == 150 * TOKEN
    assert tx.events[0].value == 30 * TOKEN


def test_transfer__unverified_receiver__allowed(bond, holders, alice, carol, whitelist):
    # Secondary market is permissionless: only "not blocked" is required.
    assert not whitelist.is_verified(carol)
    bond.transfer(carol, TOKEN, sender=alice)
    assert bond.balanceOf(carol) == TOKEN


def test_transfer__exceeds_balance__reverts(bond, holders, alice, bob):
    with ape.reverts("bond: amount exceeds balance"):
        bond.transfer(bob, 100 * TOKEN + 1, sender=alice)


def test_transfer__to_zero_address__reverts(bond, holders, alice):
    with ape.reverts("bond: transfer to the zero address"):
        bond.transfer(ZERO, TOKEN, sender=alice)


def test_transfer__to_self__keeps_balance(bond, holders, alice):
    bond.transfer(alice, 10 * TOKEN, sender=alice)
    assert bond.balanceOf(alice) == 100 * TOKEN


@pytest.mark.parametrize("who", ["sender", "receiver"])
def test_transfer__blacklisted_party__reverts(
    bond, holders, whitelist, compliance, alice, bob, who
):
    whitelist.blacklist(alice if who == "sender" else bob, "sanctions", sender=compliance)
    with ape.reverts("bond: account blocked"):
        bond.transfer(bob, TOKEN, sender=alice)


def test_transfer__after_unblacklist__allowed(bond, holders, whitelist, compliance, alice, bob):
    whitelist.blacklist(alice, "x", sender=compliance)
    whitelist.unblacklist(alice, sender=compliance)
    bond.transfer(bob, TOKEN, sender=alice)
    assert bond.balanceOf(bob) == 51 * TOKEN


def test_transfer__when_paused__reverts_and_unpause_restores(bond, holders, compliance, alice, bob):
    tx = bond.pause(sender=compliance)
    assert bond.paused()
    assert tx.events[0].event_name == "Paused"
    with ape.reverts("bond: paused"):
        bond.transfer(bob, TOKEN, sender=alice)
    bond.unpause(sender=compliance)
    assert not bond.paused()
    bond.transfer(bob, TOKEN, sender=alice)


def test_pause__by_attacker__reverts(bond, attacker):
    with ape.reverts("access_control: account is missing role"):
        bond.pause(sender=attacker)


def test_pause__twice__reverts(bond, compliance):
    bond.pause(sender=compliance)
    with ape.reverts("bond: paused"):
        bond.pause(sender=compliance)


def test_unpause__not_paused__reverts(bond, compliance):
    with ape.reverts("bond: not paused"):
        bond.unpause(sender=compliance)


# ------------------------------------------------------- allowance/permit --
def test_transfer_from__with_allowance__spends_it(bond, holders, alice, bob, carol):
    bond.approve(carol, 10 * TOKEN, sender=alice)
    bond.transferFrom(alice, bob, 4 * TOKEN, sender=carol)
    assert bond.allowance(alice, carol) == 6 * TOKEN
    assert bond.balanceOf(bob) == 54 * TOKEN


def test_transfer_from__without_allowance__reverts(bond, holders, alice, bob, attacker):
    with ape.reverts("erc20: insufficient allowance"):
        bond.transferFrom(alice, attacker, TOKEN, sender=attacker)


def test_transfer_from__blocked_owner__reverts(
    bond, holders, whitelist, compliance, alice, bob, carol
):
    bond.approve(carol, 10 * TOKEN, sender=alice)
    whitelist.blacklist(alice, "x", sender=compliance)
    with ape.reverts("bond: account blocked"):
        bond.transferFrom(alice, bob, TOKEN, sender=carol)


def test_transfer_from__blocked_spender__reverts(
    bond, holders, whitelist, compliance, alice, bob, carol
):
    bond.approve(carol, 10 * TOKEN, sender=alice)
    whitelist.blacklist(carol, "x", sender=compliance)
    with ape.reverts("bond: account blocked"):
        bond.transferFrom(alice, bob, TOKEN, sender=carol)


def _permit_signature(bond, chain, owner, spender, value, deadline):
    data = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "Permit",
        "domain": {
            "name": bond.name(),
            "version": "1",
            "chainId": chain.chain_id,
            "verifyingContract": bond.address,
        },
        "message": {
            "owner": owner.address,
            "spender": spender.address,
            "value": value,
            "nonce": bond.nonces(owner),
            "deadline": deadline,
        },
    }
    return Account.sign_message(encode_typed_data(full_message=data), owner.private_key)


def test_permit__valid_signature__sets_allowance(bond, chain, alice, carol, attacker):
    deadline = chain.pending_timestamp + 3600
    sig = _permit_signature(bond, chain, alice, carol, 5 * TOKEN, deadline)
    bond.permit(alice, carol, 5 * TOKEN, deadline, sig.v, sig.r, sig.s, sender=attacker)
    assert bond.allowance(alice, carol) == 5 * TOKEN
    assert bond.nonces(alice) == 1


def test_permit__replayed_signature__reverts(bond, chain, alice, carol, attacker):
    deadline = chain.pending_timestamp + 3600
    sig = _permit_signature(bond, chain, alice, carol, 5 * TOKEN, deadline)
    bond.permit(alice, carol, 5 * TOKEN, deadline, sig.v, sig.r, sig.s, sender=attacker)
    with ape.reverts("erc20: invalid signature"):
        bond.permit(alice, carol, 5 * TOKEN, deadline, sig.v, sig.r, sig.s, sender=attacker)
