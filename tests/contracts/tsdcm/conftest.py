"""Fixtures for the macro feed and the TSDCM (DebtConversion).

The sovereign is Italy ("ITA", annual data); the bond is the shared 5-year `bond`
fixture, issued on the chain's start date (2026 on this machine: the last complete
year is `LAST_YEAR`). The issuer account is the sovereign's treasury (SOVEREIGN_ROLE).
"""

from __future__ import annotations

import pytest

from analytics import bond_math
from tests.conftest import TOKEN, time_travel
from tests.utils.ape_speed import fast_reverts
from tests.utils.tsdcm_model import WAD, YEAR, Params

CODE = b"ITA"
DEBT, GROWTH = 1, 2
DAY = 86_400


@pytest.fixture(scope="package", autouse=True)
def _package_setup(
    conversion, report, last_year, funded_agent, verify, minter, alice, bob, carol, attacker
):
    """Deploy the shared contracts before any test's isolation snapshot (ape warns and
    rebases otherwise), and skip ape's per-revert source traceback (seconds each; the
    revert reasons are still checked)."""
    with fast_reverts():
        yield


@pytest.fixture(scope="package")
def reporter(accounts):
    """The keeper's oracle signer (REPORTER_ROLE on the MacroFeed)."""
    acct = accounts.generate_test_account()
    acct.balance = 10**21
    return acct


@pytest.fixture(scope="package")
def treasury(issuer):
    """The sovereign's treasury: the issuer of a sovereign bond."""
    return issuer


@pytest.fixture(scope="package")
def feed(project, admin, reporter):
    macro = admin.deploy(project.MacroFeed, admin)
    macro.grantRole(macro.REPORTER_ROLE(), reporter, sender=admin)
    macro.add_sovereign(CODE, 1, sender=admin)
    return macro


@pytest.fixture(scope="package")
def last_year(chain_start) -> int:
    """The last complete calendar year at the start of the session."""
    return bond_math.from_timestamp(chain_start).year - 1


@pytest.fixture(scope="package")
def params(chain_start) -> Params:
    """Paper 4.3 thresholds (D* 80 %, g* 3 %), T six years out, annual data."""
    return Params(
        debt_threshold=8_000,
        growth_threshold=300,
        alpha=WAD // 4,
        beta=WAD // 10,
        gamma=3 * WAD // 10,
        plt_maturity=chain_start + 6 * YEAR,
        max_age=400 * DAY,
        delay=7 * DAY,
        confirmations=1,
    )


@pytest.fixture(scope="package")
def deploy_conversion(project, admin, treasury, bond, feed):
    """deploy_conversion(params, grant=True, ...) -> DebtConversion for `bond`."""

    def _deploy(p: Params, *, grant: bool = True, on=None, code: bytes = CODE, sender=None):
        target = on or bond
        conv = (sender or admin).deploy(
            project.DebtConversion,
            target,
            feed,
            code,
            p.as_terms(),
            admin,
            treasury,
            "Bondline PLT ITA",
            "PLT",
        )
        if grant:
            target.grantRole(target.CONVERTER_ROLE(), conv, sender=admin)
        return conv

    return _deploy


@pytest.fixture(scope="package")
def conversion(deploy_conversion, params):
    return deploy_conversion(params)


@pytest.fixture(scope="package")
def report(feed, reporter, chain):
    """report(period, debt_bps, growth_bps, published_at=None): push one period's pair."""

    def _report(period: int, debt: int, growth: int, published_at: int | None = None):
        when = chain.blocks.head.timestamp if published_at is None else published_at
        return feed.report_pair(CODE, period, debt, growth, when, sender=reporter)

    return _report


@pytest.fixture
def holders(bond, minter, alice, bob, verify):
    """alice holds 600 tokens and bob 400; both KYC-verified."""
    verify(alice, bob)
    bond.mint(alice, 600 * TOKEN, sender=minter)
    bond.mint(bob, 400 * TOKEN, sender=minter)
    return alice, bob


@pytest.fixture
def ready(conversion, holders, report, last_year, params, chain):
    """Good data for the last year (D 75 %, g 4 %), confirmation delay elapsed."""
    receipt = report(last_year, 7_500, 400)
    time_travel(chain, chain.blocks[receipt.block_number].timestamp + params.delay)
    return conversion
