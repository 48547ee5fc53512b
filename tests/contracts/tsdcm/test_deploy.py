"""DebtConversion construction: every parameter validated, roles, immutable terms."""

from dataclasses import replace

import ape
import pytest

from tests.conftest import USDC, YEAR, BondTerms, time_travel
from tests.contracts.tsdcm.conftest import CODE, DAY
from tests.utils.tsdcm_model import WAD

ZERO = "0x" + "00" * 20


def test_deploy__terms_roles_and_plt_metadata(
    conversion, params, bond, feed, usdc, whitelist, admin, treasury
):
    c = conversion
    assert (c.BOND(), c.FEED(), c.STABLECOIN(), c.WHITELIST()) == (bond, feed, usdc, whitelist)
    assert (c.sovereign(), c.frequency(), c.denomination()) == (CODE, 1, 1_000 * USDC)
    assert c.bondMaturity() == bond.maturityDate()
    assert (c.debtThreshold(), c.growthThreshold()) == (8_000, 300)
    assert (c.alpha(), c.beta(), c.gamma()) == (WAD // 4, WAD // 10, 3 * WAD // 10)
    assert c.pltMaturity() == params.plt_maturity
    assert (c.maxAge(), c.confirmationDelay(), c.confirmations()) == (400 * DAY, 7 * DAY, 1)
    assert c.hasRole(c.SOVEREIGN_ROLE(), treasury)
    assert c.hasRole(c.DEFAULT_ADMIN_ROLE(), admin)
    assert not c.hasRole(c.SOVEREIGN_ROLE(), admin)
    assert (c.name(), c.symbol(), c.decimals(), c.totalSupply()) == (
        "Bondline PLT ITA",
        "PLT",
        18,
        0,
    )
    assert not c.converted()
    assert not c.payoutFinal()


def test_deploy__admin_other_than_deployer__deployer_keeps_nothing(
    project, bond, feed, params, admin, treasury, fresh_account
):
    c = fresh_account.deploy(
        project.DebtConversion, bond, feed, CODE, params.as_terms(), admin, treasury, "P", "P"
    )
    assert c.hasRole(c.DEFAULT_ADMIN_ROLE(), admin)
    assert not c.hasRole(c.DEFAULT_ADMIN_ROLE(), fresh_account)


BAD_TERMS = [
    ({"debt_threshold": 0}, "tsdcm: debt threshold out of range"),
    ({"debt_threshold": 100_001}, "tsdcm: debt threshold out of range"),
    ({"growth_threshold": -10_001}, "tsdcm: growth threshold out of range"),
    ({"growth_threshold": 100_001}, "tsdcm: growth threshold out of range"),
    ({"alpha": 0}, "tsdcm: alpha outside (0, 1)"),
    ({"alpha": WAD}, "tsdcm: alpha outside (0, 1)"),
    ({"beta": 100 * WAD + 1}, "tsdcm: beta above 100"),
    ({"gamma": 100 * WAD + 1}, "tsdcm: gamma above 100"),
    ({"plt_maturity": 0}, "tsdcm: PLT maturity not in the future"),
    ({"plt_maturity": 2**64}, "tsdcm: PLT maturity beyond 50 years"),
    ({"max_age": DAY - 1}, "tsdcm: freshness limit outside [1 day, 2 years]"),
    ({"max_age": 2 * 31_557_600 + 1}, "tsdcm: freshness limit outside [1 day, 2 years]"),
    ({"delay": DAY - 1}, "tsdcm: confirmation delay under 1 day"),
    ({"delay": 400 * DAY}, "tsdcm: confirmation delay not below freshness limit"),
    ({"confirmations": 0}, "tsdcm: confirmations outside [1, 8]"),
    ({"confirmations": 9}, "tsdcm: confirmations outside [1, 8]"),
]


@pytest.mark.parametrize("over,reason", BAD_TERMS, ids=[r for _, r in BAD_TERMS])
def test_deploy__bad_terms__reverts(
    project, bond, feed, params, admin, treasury, fresh_account, over, reason
):
    bad = replace(params, **over)
    with ape.reverts(reason):
        fresh_account.deploy(
            project.DebtConversion, bond, feed, CODE, bad.as_terms(), admin, treasury, "P", "P"
        )


def test_deploy__boundary_terms__accepted(project, bond, feed, params, admin, treasury, chain):
    """The edges of every range are valid (each failure case above has a success twin)."""
    edge = replace(
        params,
        debt_threshold=100_000,
        growth_threshold=-10_000,
        alpha=WAD - 1,
        beta=100 * WAD,
        gamma=100 * WAD,
        max_age=2 * 31_557_600,
        delay=DAY,
        confirmations=8,
    )
    c = admin.deploy(
        project.DebtConversion, bond, feed, CODE, edge.as_terms(), admin, treasury, "P", "P"
    )
    assert c.confirmations() == 8
    low = replace(
        params,
        debt_threshold=1,
        growth_threshold=100_000,
        alpha=1,
        beta=0,
        gamma=0,
        max_age=DAY + 1,
        delay=DAY,
    )
    assert (
        admin.deploy(
            project.DebtConversion, bond, feed, CODE, low.as_terms(), admin, treasury, "P", "P"
        ).alpha()
        == 1
    )


@pytest.mark.parametrize("which", ["bond", "feed", "admin", "treasury"])
def test_deploy__zero_address__reverts(
    project, bond, feed, params, admin, treasury, fresh_account, which
):
    args = {"bond": bond, "feed": feed, "admin": admin, "treasury": treasury}
    args[which] = ZERO
    with ape.reverts(f"tsdcm: {which} is the zero address"):
        fresh_account.deploy(
            project.DebtConversion,
            args["bond"],
            args["feed"],
            CODE,
            params.as_terms(),
            args["admin"],
            args["treasury"],
            "P",
            "P",
        )


def test_deploy__sovereign_not_in_feed__reverts(
    project, bond, feed, params, admin, treasury, fresh_account
):
    with ape.reverts("tsdcm: sovereign not in the macro feed"):
        fresh_account.deploy(
            project.DebtConversion, bond, feed, b"FRA", params.as_terms(), admin, treasury, "P", "P"
        )


def test_deploy__bond_already_converted__reverts(
    project, bond, feed, params, admin, treasury, holders, fresh_account
):
    bond.grantRole(bond.CONVERTER_ROLE(), admin, sender=admin)
    bond.retire_fraction(WAD // 2, sender=admin)
    with ape.reverts("tsdcm: bond already converted"):
        fresh_account.deploy(
            project.DebtConversion, bond, feed, CODE, params.as_terms(), admin, treasury, "P", "P"
        )


def test_deploy__bond_matured__reverts(
    project, bond, feed, params, admin, treasury, chain, fresh_account
):
    time_travel(chain, bond.maturityDate())
    late = replace(params, plt_maturity=bond.maturityDate() + YEAR)
    with ape.reverts("tsdcm: bond matured"):
        fresh_account.deploy(
            project.DebtConversion, bond, feed, CODE, late.as_terms(), admin, treasury, "P", "P"
        )


@pytest.mark.parametrize(
    "volume_tokens,denomination,gamma",
    [(10**6, 10**30, 100 * WAD), (3 * 10**20, 10**15, WAD)],
    ids=["product-over-256-bits", "due-over-128-bits"],
)
def test_deploy__payout_could_overflow__reverts(
    project,
    deploy_bond,
    terms,
    feed,
    params,
    admin,
    treasury,
    fresh_account,
    volume_tokens,
    denomination,
    gamma,
):
    """Issue volume x max payout rate x denomination must fit in 256 bits, and the
    largest possible payout due in 128 bits."""
    huge = BondTerms(
        terms.issue,
        terms.maturity,
        denomination_units=denomination,
        issue_volume_tokens=volume_tokens,
    )
    big_bond = deploy_bond(huge)
    with ape.reverts("tsdcm: payout could overflow"):
        fresh_account.deploy(
            project.DebtConversion,
            big_bond,
            feed,
            CODE,
            replace(params, gamma=gamma).as_terms(),
            admin,
            treasury,
            "P",
            "P",
        )
    # The same bond with a modest gamma fits.
    modest = replace(params, gamma=WAD // 100)
    assert (
        admin.deploy(
            project.DebtConversion,
            big_bond,
            feed,
            CODE,
            modest.as_terms(),
            admin,
            treasury,
            "P",
            "P",
        ).denomination()
        == denomination
    )
