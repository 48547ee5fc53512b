"""Escrow deployment: recorded parameters, defaults, the OG NFT collection, validation."""

from __future__ import annotations

import ape
import pytest

from tests.conftest import DAY, USDC
from tests.contracts.escrow.conftest import (
    DURATION,
    MIN_TICKET,
    OG_NAME,
    OG_SYMBOL,
    OPEN,
    TARGET,
)
from tests.contracts.escrow.rawcall import CallReverted, simulate_deploy

ZERO = "0x0000000000000000000000000000000000000000"
NO_CODE = "0x000000000000000000000000000000000000dEaD"  # an address without code


def test_deploy__records_parameters(escrow, bond, usdc, whitelist, custodian, issuer, chain):
    assert escrow.BOND() == bond
    assert escrow.STABLECOIN() == usdc
    assert escrow.WHITELIST() == whitelist
    assert escrow.CUSTODIAN() == custodian
    assert escrow.ISSUER() == issuer
    assert escrow.TARGET() == TARGET
    assert escrow.INITIAL_SHARE_BPS() == 1_000
    assert escrow.ACTIVATION_BPS() == 1_000
    # ceil(200,000 USDC * 1,000 bps / 10,000)
    assert escrow.ACTIVATION_AMOUNT() == 20_000 * USDC
    assert escrow.MIN_TICKET() == MIN_TICKET
    assert escrow.DENOMINATION() == bond.denomination() == 1_000 * USDC
    # 1,000 USDC = 1e9 units divides 1e18: every unit converts exactly.
    assert escrow.UNIT() == 1
    assert escrow.DEADLINE() == escrow.OPENED_AT() + DURATION
    assert (
        escrow.SETTLE_BY()
        == escrow.DEADLINE() + escrow.SETTLEMENT_WINDOW()
        == (escrow.DEADLINE() + 30 * DAY)
    )
    assert escrow.phase() == OPEN
    assert not escrow.settled()
    assert escrow.time_left() == escrow.DEADLINE() - chain.blocks.head.timestamp
    assert escrow.remaining_commitment() == TARGET
    assert tuple(escrow.totals()) == (0,) * 9


def test_deploy__min_raise_zero__defaults_to_target(escrow):
    assert escrow.MIN_RAISE() == TARGET


def test_deploy__min_raise_given__is_kept(deploy_escrow):
    assert deploy_escrow(min_raise=150_000 * USDC).MIN_RAISE() == 150_000 * USDC


def test_deploy__duration_zero__defaults_to_90_days(deploy_escrow):
    escrow = deploy_escrow(duration=0)
    assert escrow.DEFAULT_DURATION() == 90 * DAY
    assert escrow.DEADLINE() == escrow.OPENED_AT() + 90 * DAY


def test_deploy__custom_duration__sets_deadline(deploy_escrow):
    escrow = deploy_escrow(duration=30 * DAY)
    assert escrow.DEADLINE() == escrow.OPENED_AT() + 30 * DAY


def test_deploy__logs_round_opened(project, admin, escrow_args):
    escrow = admin.deploy(project.Escrow, *escrow_args(min_raise=123 * USDC))
    [log] = escrow.RoundOpened.from_receipt(escrow.creation_metadata.receipt)
    assert log.og_nft == escrow.OG_NFT()
    assert log.target == TARGET
    assert log.min_raise == 123 * USDC
    assert log.activation_amount == escrow.ACTIVATION_AMOUNT()
    assert log.deadline == escrow.DEADLINE()


def test_deploy__og_nft__is_a_fresh_collection_owned_by_the_escrow(escrow, og_nft, deploy_escrow):
    assert og_nft.owner() == escrow
    assert og_nft.name() == OG_NAME
    assert og_nft.symbol() == OG_SYMBOL
    assert og_nft.totalSupply() == 0
    # One collection per round.
    assert deploy_escrow().OG_NFT() != og_nft


def test_deploy__odd_denomination__commitment_unit_is_3(deploy_escrow, odd_bond):
    escrow = deploy_escrow(bond=odd_bond, target=3_000 * USDC)
    assert escrow.UNIT() == 3
    # A multiple of the unit converts exactly: 3 units = 3e18 / 1.5e9 = 2e9 token wei.
    assert escrow.tokens_for(3) == 2 * 10**9


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"custodian": ZERO}, "escrow: custodian is the zero address"),
        ({"issuer": ZERO}, "escrow: issuer is the zero address"),
        ({"target": 0}, "escrow: zero target"),
        ({"target": 2**120}, "escrow: target out of range"),
        ({"initial_bps": 0}, "escrow: initial share not in (0, 10000] bps"),
        ({"initial_bps": 10_001}, "escrow: initial share not in (0, 10000] bps"),
        ({"activation_bps": 0}, "escrow: zero activation threshold"),
        ({"activation_bps": 1_001}, "escrow: activation threshold above the initial share"),
        ({"min_ticket": 0}, "escrow: zero minimum ticket"),
        ({"min_ticket": TARGET + 1}, "escrow: minimum ticket above target"),
        ({"duration": 365 * DAY + 1}, "escrow: duration above 365 days"),
        ({"min_raise": TARGET + 1}, "escrow: minimum raise above target"),
        # 1,000,000 tokens * 1,000 USDC issue volume.
        ({"target": 10**9 * USDC + 1}, "escrow: target above the bond's unissued volume"),
        # The test bond's first coupon is ~6 months after issue.
        ({"duration": 365 * DAY}, "escrow: deadline not before the first coupon date"),
    ],
)
def test_deploy__invalid_parameter__reverts(project, admin, escrow_args, chain, overrides, reason):
    # Simulated deployment (eth_call of the creation code): same constructor run, no
    # multi-second ape error enrichment. Real reverting deployments are tested below.
    with pytest.raises(CallReverted) as reverted:
        simulate_deploy(chain.provider, project.Escrow, *escrow_args(**overrides), sender=admin)
    assert reverted.value.reason == reason


def test_deploy__simulation_of_valid_parameters__succeeds(project, admin, escrow_args, chain):
    """The control for the simulated deployments above: valid arguments do not revert."""
    simulate_deploy(chain.provider, project.Escrow, *escrow_args(), sender=admin)


def test_deploy__boundary_parameters__accepted(deploy_escrow):
    """The inclusive ends: 100% initial share, activation = initial share, ticket = raise = T."""
    escrow = deploy_escrow(
        initial_bps=10_000, activation_bps=10_000, min_ticket=TARGET, min_raise=TARGET
    )
    assert escrow.ACTIVATION_AMOUNT() == TARGET


def test_deploy__stablecoin_not_the_bonds_currency__reverts(
    project, admin, escrow_args, fresh_account
):
    other = admin.deploy(project.MockUSDC)
    with ape.reverts("escrow: stablecoin is not the bond's currency"):
        fresh_account.deploy(project.Escrow, *escrow_args(stablecoin=other))


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ("bond", "escrow: bond is not a contract"),
        ("stablecoin", "escrow: stablecoin is not a contract"),
        ("og_blueprint", "escrow: OG NFT blueprint is not a contract"),
    ],
)
def test_deploy__address_without_code__reverts(project, fresh_account, escrow_args, field, reason):
    with ape.reverts(reason):
        fresh_account.deploy(project.Escrow, *escrow_args(**{field: NO_CODE}))


def test_deploy__target_not_a_multiple_of_the_unit__reverts(
    project, fresh_account, escrow_args, odd_bond
):
    with ape.reverts("escrow: target not a multiple of the commitment unit"):
        fresh_account.deploy(project.Escrow, *escrow_args(bond=odd_bond, target=3_000 * USDC + 1))
