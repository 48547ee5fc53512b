"""BondToken construction: terms, ERC-7092 getters and parameter validation."""

from datetime import date

import ape
import pytest

from analytics import bond_math
from tests.conftest import TOKEN, USDC, BondTerms

ZERO = "0x" + "00" * 20


def test_terms__erc7092_getters(bond, terms, usdc, issuer):
    assert bond.name() == "Bondline 5% 2031"
    assert bond.symbol() == "BL31"
    assert bond.decimals() == 18
    assert bond.isin() == "XS0000000001"
    assert bond.issuer() == issuer
    assert bond.currency() == usdc.address
    assert bond.denomination() == 1_000 * USDC
    assert bond.issueVolume() == 1_000_000 * TOKEN
    assert bond.couponRate() == 500
    assert bond.couponFrequency() == 2
    assert bond.issueDate() == bond_math.to_timestamp(terms.issue)
    assert bond.maturityDate() == bond_math.to_timestamp(terms.maturity)
    assert bond.dayCountBasis() == int(bond_math.DayCount.ACT_ACT)
    assert bond.periodCount() == len(terms.table) == 10
    assert bond.totalSupply() == 0
    assert bond.scale() == 10**18


def test_terms__schedule_matches_bond_math(bond, terms):
    for p in terms.table:
        assert bond.coupon_period(p.index) == (p.end_ts, p.coupon_units)
    with ape.reverts("bond: no such period"):
        bond.coupon_period(len(terms.table) + 1)
    with ape.reverts("bond: no such period"):
        bond.coupon_period(0)


def test_roles__admin_holds_admin_role_only(bond, admin, minter):
    assert bond.hasRole(bond.DEFAULT_ADMIN_ROLE(), admin)
    assert bond.hasRole(bond.MINTER_ROLE(), minter)
    assert not bond.hasRole(bond.MINTER_ROLE(), admin)


def _args(terms, usdc, whitelist_, issuer_, admin_, **over):
    args = dict(
        name="B",
        symbol="B",
        isin="XS1",
        issuer=issuer_,
        stablecoin=usdc,
        whitelist=whitelist_,
        denomination=terms.denomination_units,
        volume=terms.issue_volume,
        rate=terms.rate_bps,
        frequency=terms.frequency,
        issue=bond_math.to_timestamp(terms.issue),
        basis=int(terms.basis),
        dates=terms.dates,
        coupons=terms.coupons,
        admin=admin_,
    )
    args.update(over)
    return list(args.values())


@pytest.mark.parametrize(
    "override, reason",
    [
        ({"issuer": ZERO}, "bond: issuer is the zero address"),
        ({"stablecoin": ZERO}, "bond: stablecoin is the zero address"),
        ({"whitelist": ZERO}, "bond: whitelist is the zero address"),
        ({"admin": ZERO}, "bond: admin is the zero address"),
        ({"denomination": 0}, "bond: zero denomination"),
        ({"volume": 0}, "bond: issue volume out of range"),
        ({"volume": 2**128}, "bond: issue volume out of range"),
        ({"rate": 10_001}, "bond: coupon rate above 100%"),
        ({"frequency": 3}, "bond: frequency not 1, 2, 4 or 12"),
        ({"basis": 4}, "bond: unknown day-count code"),
        ({"dates": [], "coupons": []}, "bond: empty coupon schedule"),
        ({"coupons": [1]}, "bond: schedule length mismatch"),
    ],
)
def test_constructor__invalid_parameter__reverts(
    project, fresh_account, admin, terms, usdc, whitelist, issuer, override, reason
):
    with ape.reverts(reason):
        fresh_account.deploy(
            project.BondToken, *_args(terms, usdc, whitelist, issuer, admin, **override)
        )


def test_constructor__dates_not_increasing__reverts(
    project, fresh_account, admin, terms, usdc, whitelist, issuer
):
    dates = list(terms.dates)
    dates[3], dates[4] = dates[4], dates[3]
    with ape.reverts("bond: coupon dates not increasing after issue"):
        fresh_account.deploy(
            project.BondToken, *_args(terms, usdc, whitelist, issuer, admin, dates=dates)
        )


def test_constructor__first_date_not_after_issue__reverts(
    project, fresh_account, admin, terms, usdc, whitelist, issuer
):
    issue = terms.dates[0]
    with ape.reverts("bond: coupon dates not increasing after issue"):
        fresh_account.deploy(
            project.BondToken, *_args(terms, usdc, whitelist, issuer, admin, issue=issue)
        )


def test_constructor__coupon_above_denomination__reverts(
    project, fresh_account, admin, terms, usdc, whitelist, issuer
):
    coupons = [terms.denomination_units + 1] + terms.coupons[1:]
    with ape.reverts("bond: coupon above denomination"):
        fresh_account.deploy(
            project.BondToken, *_args(terms, usdc, whitelist, issuer, admin, coupons=coupons)
        )


def test_constructor__quarterly_30_360__deploys(deploy_bond):
    t = BondTerms(
        date(2026, 1, 31), date(2029, 1, 31), frequency=4, basis=bond_math.DayCount.THIRTY_360
    )
    bond = deploy_bond(t)
    assert bond.periodCount() == 12
    assert bond.dayCountBasis() == 0
    # quarterly 5% on 1000 USDC under 30/360: 12.5 USDC each regular period
    assert bond.coupon_period(5)[1] == 12_500_000
