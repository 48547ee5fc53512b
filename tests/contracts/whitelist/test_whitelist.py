"""Whitelist: registration with expiry and jurisdiction, batch, revoke, blacklist."""

import ape
import pytest

from tests.conftest import DAY, JURISDICTION_IT, YEAR, time_travel


def test_constructor__zero_admin__reverts(project, fresh_account):
    with ape.reverts("whitelist: admin is the zero address"):
        fresh_account.deploy(project.Whitelist, "0x" + "00" * 20)


def test_constructor__admin_other_than_deployer__deployer_keeps_no_role(project, admin, alice):
    wl = admin.deploy(project.Whitelist, alice)
    assert wl.hasRole(wl.DEFAULT_ADMIN_ROLE(), alice)
    assert not wl.hasRole(wl.DEFAULT_ADMIN_ROLE(), admin)


def test_register__by_kyc_operator__verifies_with_expiry_and_jurisdiction(
    whitelist, kyc, alice, chain
):
    expiry = chain.pending_timestamp + YEAR
    tx = whitelist.register(alice, expiry, JURISDICTION_IT, sender=kyc)
    assert whitelist.is_verified(alice)
    assert not whitelist.is_blocked(alice)
    assert whitelist.investor(alice) == (True, True, False, expiry, JURISDICTION_IT)
    (event,) = tx.events
    assert event.event_name == "InvestorRegistered"
    assert event.account == alice and event.expiry == expiry and event.operator == kyc


def test_register__by_non_operator__reverts(whitelist, attacker, alice, chain):
    with ape.reverts("access_control: account is missing role"):
        whitelist.register(alice, chain.pending_timestamp + YEAR, 1, sender=attacker)


def test_register__expiry_in_past__reverts(whitelist, kyc, alice, chain):
    with ape.reverts("whitelist: expiry not in the future"):
        whitelist.register(alice, chain.pending_timestamp - 1, 1, sender=kyc)


def test_register__zero_address__reverts(whitelist, kyc, chain):
    with ape.reverts("whitelist: zero address"):
        whitelist.register("0x" + "00" * 20, chain.pending_timestamp + YEAR, 1, sender=kyc)


def test_is_verified__after_expiry__false(whitelist, kyc, alice, chain):
    expiry = chain.pending_timestamp + 10 * DAY
    whitelist.register(alice, expiry, 1, sender=kyc)
    time_travel(chain, expiry - 1)
    assert whitelist.is_verified(alice)
    time_travel(chain, expiry)
    assert not whitelist.is_verified(alice)


def test_register__renewal_extends_expiry(whitelist, kyc, alice, chain):
    whitelist.register(alice, chain.pending_timestamp + DAY, 1, sender=kyc)
    new_expiry = chain.pending_timestamp + 2 * YEAR
    whitelist.register(alice, new_expiry, 2, sender=kyc)
    assert whitelist.investor(alice)[3:] == (new_expiry, 2)


def test_is_verified__unregistered__false(whitelist, alice):
    assert not whitelist.is_verified(alice)
    assert whitelist.investor(alice) == (False, False, False, 0, 0)


def test_register_batch__registers_all(whitelist, kyc, alice, bob, carol, chain):
    expiry = chain.pending_timestamp + YEAR
    tx = whitelist.register_batch([alice, bob, carol], [expiry] * 3, [1, 2, 3], sender=kyc)
    assert all(whitelist.is_verified(a) for a in (alice, bob, carol))
    assert whitelist.investor(carol)[4] == 3
    assert len(tx.events) == 3


def test_register_batch__length_mismatch__reverts(whitelist, kyc, alice, bob, chain):
    expiry = chain.pending_timestamp + YEAR
    with ape.reverts("whitelist: batch length mismatch"):
        whitelist.register_batch([alice, bob], [expiry], [1, 2], sender=kyc)


def test_register_batch__empty__reverts(whitelist, kyc):
    with ape.reverts("whitelist: empty batch"):
        whitelist.register_batch([], [], [], sender=kyc)


def test_register_batch__one_bad_entry__reverts_whole_batch(whitelist, kyc, alice, bob, chain):
    expiry = chain.pending_timestamp + YEAR
    with ape.reverts("whitelist: expiry not in the future"):
        whitelist.register_batch([alice, bob], [expiry, 1], [1, 2], sender=kyc)
    assert not whitelist.is_verified(alice)


def test_register_batch__by_non_operator__reverts(whitelist, attacker, alice, chain):
    with ape.reverts("access_control: account is missing role"):
        whitelist.register_batch([alice], [chain.pending_timestamp + YEAR], [1], sender=attacker)


def test_revoke__clears_registration(whitelist, kyc, alice, chain):
    whitelist.register(alice, chain.pending_timestamp + YEAR, 1, sender=kyc)
    tx = whitelist.revoke(alice, sender=kyc)
    assert not whitelist.is_verified(alice)
    assert whitelist.investor(alice) == (False, False, False, 0, 0)
    assert tx.events[0].event_name == "InvestorRevoked"


def test_revoke__not_registered__reverts(whitelist, kyc, alice):
    with ape.reverts("whitelist: account not registered"):
        whitelist.revoke(alice, sender=kyc)


def test_revoke__by_non_operator__reverts(whitelist, kyc, attacker, alice, chain):
    whitelist.register(alice, chain.pending_timestamp + YEAR, 1, sender=kyc)
    with ape.reverts("access_control: account is missing role"):
        whitelist.revoke(alice, sender=attacker)


def test_blacklist__blocks_and_unverifies(whitelist, kyc, compliance, alice, chain):
    whitelist.register(alice, chain.pending_timestamp + YEAR, 1, sender=kyc)
    tx = whitelist.blacklist(alice, "OFAC SDN 2026-114", sender=compliance)
    assert whitelist.is_blocked(alice)
    assert not whitelist.is_verified(alice)
    event = tx.events[0]
    assert event.event_name == "AccountBlacklisted"
    assert event.reason == "OFAC SDN 2026-114" and event.officer == compliance


def test_blacklist__unregistered_address__blocked(whitelist, compliance, attacker):
    whitelist.blacklist(attacker, "sanctions", sender=compliance)
    assert whitelist.is_blocked(attacker)


def test_blacklist__by_kyc_operator__reverts(whitelist, kyc, alice):
    with ape.reverts("access_control: account is missing role"):
        whitelist.blacklist(alice, "x", sender=kyc)


def test_blacklist__twice__reverts(whitelist, compliance, alice):
    whitelist.blacklist(alice, "x", sender=compliance)
    with ape.reverts("whitelist: already blacklisted"):
        whitelist.blacklist(alice, "x", sender=compliance)


def test_register__blacklisted_account__stays_blocked(whitelist, kyc, compliance, alice, chain):
    whitelist.blacklist(alice, "x", sender=compliance)
    whitelist.register(alice, chain.pending_timestamp + YEAR, 1, sender=kyc)
    assert whitelist.is_blocked(alice)
    assert not whitelist.is_verified(alice)


def test_revoke__blacklisted_account__stays_blocked(whitelist, kyc, compliance, alice, chain):
    whitelist.register(alice, chain.pending_timestamp + YEAR, 1, sender=kyc)
    whitelist.blacklist(alice, "x", sender=compliance)
    whitelist.revoke(alice, sender=kyc)
    assert whitelist.is_blocked(alice)


def test_unblacklist__restores_verification(whitelist, kyc, compliance, alice, chain):
    whitelist.register(alice, chain.pending_timestamp + YEAR, 1, sender=kyc)
    whitelist.blacklist(alice, "x", sender=compliance)
    tx = whitelist.unblacklist(alice, sender=compliance)
    assert whitelist.is_verified(alice) and not whitelist.is_blocked(alice)
    assert tx.events[0].event_name == "AccountUnblacklisted"


def test_unblacklist__not_blacklisted__reverts(whitelist, compliance, alice):
    with ape.reverts("whitelist: not blacklisted"):
        whitelist.unblacklist(alice, sender=compliance)


def test_unblacklist__by_attacker__reverts(whitelist, compliance, attacker, alice):
    whitelist.blacklist(alice, "x", sender=compliance)
    with ape.reverts("access_control: account is missing role"):
        whitelist.unblacklist(alice, sender=attacker)


@pytest.mark.parametrize("blocked", ["first", "second", "both", "none"])
def test_are_unblocked__each_side(whitelist, compliance, alice, bob, blocked):
    if blocked in ("first", "both"):
        whitelist.blacklist(alice, "x", sender=compliance)
    if blocked in ("second", "both"):
        whitelist.blacklist(bob, "x", sender=compliance)
    assert whitelist.are_unblocked(alice, bob) == (blocked == "none")


def test_grant_role__by_non_admin__reverts(whitelist, attacker):
    with ape.reverts("access_control: account is missing role"):
        whitelist.grantRole(whitelist.KYC_OPERATOR_ROLE(), attacker, sender=attacker)
