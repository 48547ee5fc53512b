"""Escrow fixtures: a funding round on the shared test bond, funded and approved investors.

Amounts are stablecoin units (USDC, 6 decimals) unless a name says otherwise; bond token
amounts are token wei (18 decimals). The default round is the whitepaper's: T = 200,000
USDC, 10% initial share, activation when initial payments reach 10% of T, 100 USDC
minimum ticket, 90 days, minimum raise = T.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from analytics import bond_math
from tests.conftest import DAY, TOKEN, USDC, BondTerms

TARGET = 200_000 * USDC
INITIAL_BPS = 1_000
ACTIVATION_BPS = 1_000
MIN_TICKET = 100 * USDC
DURATION = 90 * DAY
FUNDS = 10**12 * USDC  # what each test investor holds

# Phase flag values (Vyper flag: 1 << declaration index).
OPEN, ACTIVE, SUCCEEDED, FAILED, CANCELLED = 1, 2, 4, 8, 16
PHASE_NAMES = {OPEN: "OPEN", ACTIVE: "ACTIVE", SUCCEEDED: "SUCCEEDED", FAILED: "FAILED"}
PHASE_NAMES[CANCELLED] = "CANCELLED"

OG_NAME = "Bondline OG BL31"
OG_SYMBOL = "OGB31"
OG_BASE_URI = "ipfs://bondline-og/BL31/"


@pytest.fixture(scope="package")
def custodian(accounts):
    """The custodian broker's account (a fresh account outside the role-named ten)."""
    account = accounts.generate_test_account()
    account.balance = 10**20  # gas money (ETH wei); generated accounts start empty
    return account


@pytest.fixture(scope="package")
def og_blueprint(admin, project) -> str:
    """ERC-5202 blueprint of OGNFT; every Escrow deploys its own collection from it."""
    receipt = admin.declare(project.OGNFT)
    return receipt.contract_address


@pytest.fixture(scope="package")
def escrow_args(bond, usdc, custodian, issuer, og_blueprint) -> Callable[..., list[Any]]:
    """escrow_args(**overrides) -> the Escrow constructor arguments, in order."""

    def _args(**overrides: Any) -> list[Any]:
        params: dict[str, Any] = {
            "bond": bond,
            "stablecoin": usdc,
            "custodian": custodian,
            "issuer": issuer,
            "target": TARGET,
            "initial_bps": INITIAL_BPS,
            "activation_bps": ACTIVATION_BPS,
            "min_ticket": MIN_TICKET,
            "duration": DURATION,
            "min_raise": 0,
            "og_blueprint": og_blueprint,
            "og_name": OG_NAME,
            "og_symbol": OG_SYMBOL,
            "og_base_uri": OG_BASE_URI,
        }
        unknown = set(overrides) - set(params)
        assert not unknown, f"unknown escrow parameters: {unknown}"
        params.update(overrides)
        return list(params.values())

    return _args


@pytest.fixture(scope="package")
def deploy_escrow(project, admin, escrow_args):
    """deploy_escrow(grant_minter=True, **overrides) -> Escrow, MINTER_ROLE granted on its bond.

    The deploy step: deploy the round, then let it mint the bond (as production does).
    """

    def _deploy(grant_minter: bool = True, **overrides: Any):
        escrow = admin.deploy(project.Escrow, *escrow_args(**overrides))
        if grant_minter:
            bond = project.BondToken.at(escrow.BOND())
            bond.grantRole(bond.MINTER_ROLE(), escrow, sender=admin)
        return escrow

    return _deploy


@pytest.fixture(scope="package")
def odd_bond(deploy_bond, chain_start):
    """A bond with a 1,500 USDC denomination: gcd(1.5e9, 1e18) = 5e8, commitment unit 3."""
    issue = bond_math.from_timestamp(chain_start)
    maturity = date(issue.year + 3, issue.month, min(issue.day, 28))
    return deploy_bond(BondTerms(issue, maturity, denomination_units=1_500 * USDC), symbol="BL3")


@pytest.fixture(scope="package")
def escrow(deploy_escrow):
    return deploy_escrow()


@pytest.fixture(scope="package")
def og_nft(project, escrow):
    return project.OGNFT.at(escrow.OG_NFT())


@pytest.fixture(scope="package")
def fund(usdc, admin):
    """fund(escrow, *accounts): mint FUNDS USDC to each account and approve the escrow."""

    def _fund(escrow, *accts) -> None:
        for a in accts:
            usdc.mint(a, FUNDS, sender=admin)
            usdc.approve(escrow, 2**256 - 1, sender=a)

    return _fund


@pytest.fixture(scope="package")
def investors(alice, bob, carol, verify, fund, escrow):
    """alice, bob and carol: KYC-verified, funded and approved for the default escrow."""
    verify(alice, bob, carol)
    fund(escrow, alice, bob, carol)
    return alice, bob, carol


@pytest.fixture(scope="package")
def usdc_blacklister(usdc, admin):
    """MockUSDC's blacklister and pauser (its deployer)."""
    assert usdc.blacklister() == admin
    return admin


def tokens_for(amount_units: int, denomination_units: int) -> int:
    """Bond token wei for a fulfilled commitment (exact when the amount is a multiple of UNIT)."""
    return amount_units * TOKEN // denomination_units


def initial_share(amount_units: int, bps: int = INITIAL_BPS) -> int:
    """ceil(amount * bps / 10_000): the initial payment for a commitment."""
    return -(-amount_units * bps // 10_000)


# --------------------------------------------------------------- small round --
# A round small enough to fill in a few transactions: T = 1,000 USDC, 10% initial share,
# activation once initial payments reach 5% of T (i.e. 500 USDC committed), 100 USDC
# minimum ticket, minimum raise 600 USDC.
SMALL_TARGET = 1_000 * USDC
SMALL_ACTIVATION_BPS = 500
SMALL_MIN_RAISE = 600 * USDC


@pytest.fixture(scope="package")
def deploy_small_round(deploy_escrow, fund, investors):
    """deploy_small_round(**overrides) -> a small round; alice, bob and carol approved."""

    def _deploy(**overrides: Any):
        params: dict[str, Any] = {
            "target": SMALL_TARGET,
            "activation_bps": SMALL_ACTIVATION_BPS,
            "min_raise": SMALL_MIN_RAISE,
        }
        params.update(overrides)
        escrow = deploy_escrow(**params)
        fund(escrow, *investors)
        return escrow

    return _deploy


@pytest.fixture(scope="package")
def small_round(deploy_small_round):
    return deploy_small_round()


def invest(escrow, who, amount: int, pay_in_full: bool = True) -> None:
    """Commit `amount` (paying the initial share) and, if asked, pay the rest."""
    escrow.commit(amount, sender=who)
    if pay_in_full:
        escrow.fulfil(amount, sender=who)


def at(chain, timestamp: int) -> None:
    """Mine the NEXT transaction at exactly `timestamp` (send it right after this call)."""
    chain.pending_timestamp = timestamp


@pytest.fixture(scope="package")
def succeed_round(chain):
    """succeed_round(escrow, alice, bob, carol): a success with one unfulfilled investor.

    alice 600 and carol 100 pay in full (raised 700 >= min raise 600); bob commits 300 and
    pays only his 30 USDC initial share. Leaves chain time at the deadline, round settled.
    """

    def _succeed(escrow, alice, bob, carol, settle: bool = True) -> None:
        invest(escrow, alice, 600 * USDC)
        escrow.commit(300 * USDC, sender=bob)
        invest(escrow, carol, 100 * USDC)
        at(chain, escrow.DEADLINE())
        if settle:
            escrow.settle(sender=carol)
        else:
            chain.mine()

    return _succeed


@pytest.fixture(scope="package")
def fail_round(chain):
    """fail_round(escrow, alice, bob): activated, but raised 500 < min raise 600 at the deadline.

    alice commits and pays 500 in full; bob commits 300 and pays only 30. Chain time is
    left at the deadline; nothing recorded yet (refunds record FAILED lazily).
    """

    def _fail(escrow, alice, bob) -> None:
        invest(escrow, alice, 500 * USDC)
        escrow.commit(300 * USDC, sender=bob)
        at(chain, escrow.DEADLINE())
        chain.mine()

    return _fail
