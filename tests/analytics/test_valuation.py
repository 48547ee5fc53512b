"""DCF price/yield against closed forms, and Algorithm 1 (distressed bond selection)."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from analytics.bond_math import DayCount
from analytics.errors import ConvergenceError, InputError
from analytics.valuation import (
    BondCandidate,
    BondTerms,
    DiscountCurve,
    ScreenInput,
    SelectionCriteria,
    price_bond,
    screen_bonds,
    select_bond,
    yield_from_price,
)

FACE = 1_000_000_000  # 1,000 USDC in 6-decimal units

# 5-year semiannual 5 % bond, 30/360, issued 2025-01-15
BOND = BondTerms(
    issue_date=date(2025, 1, 15),
    maturity_date=date(2030, 1, 15),
    coupon_rate_bps=500,
    frequency=2,
    denomination_units=FACE,
    day_count="30/360",
)


def _annuity_price(c: float, y: float, n: int, f: int) -> float:
    """Closed form on a coupon date: c/f * (1 - v^n) / (y/f) + v^n, v = 1/(1+y/f)."""
    v = 1.0 / (1.0 + y / f)
    return c / f * (1 - v**n) / (y / f) + v**n


def test_price__on_coupon_date__matches_annuity_closed_form() -> None:
    # settlement on a coupon date: 8 remaining coupons, no accrued interest
    result = price_bond(BOND, date(2026, 1, 15), yield_rate=0.07)
    assert result.accrued_units == 0
    assert len(result.cash_flows) == 8
    assert result.clean_pct / 100 == pytest.approx(_annuity_price(0.05, 0.07, 8, 2), rel=1e-12)
    assert result.dirty_units == pytest.approx(result.clean_units)


def test_price__yield_equals_coupon__par_on_coupon_date() -> None:
    result = price_bond(BOND, date(2027, 7, 15), yield_rate=0.05)
    assert result.clean_pct == pytest.approx(100.0, abs=1e-10)


def test_price__between_coupons__street_convention_and_accrued() -> None:
    # 2026-03-01: 30/360 accrued 46/180 of a 25 USDC coupon; next coupon in 134/180 period
    result = price_bond(BOND, date(2026, 3, 1), yield_rate=0.07)
    assert result.accrued_units == 25_000_000 * 46 // 180
    w = 134 / 180
    expected_dirty = sum(
        (25_000_000 + (FACE if j == 7 else 0)) * 1.035 ** -(w + j) for j in range(8)
    )
    assert result.dirty_units == pytest.approx(expected_dirty, rel=1e-12)
    assert result.cash_flows[0].time == pytest.approx(w)
    assert result.clean_units == pytest.approx(expected_dirty - result.accrued_units)


def test_price__modified_duration_matches_numerical_derivative() -> None:
    settle = date(2026, 3, 1)
    h = 1e-6
    up = price_bond(BOND, settle, yield_rate=0.07 + h).dirty_units
    down = price_bond(BOND, settle, yield_rate=0.07 - h).dirty_units
    mid = price_bond(BOND, settle, yield_rate=0.07)
    assert mid.modified_duration == pytest.approx(
        -(up - down) / (2 * h) / mid.dirty_units, rel=1e-6
    )


def test_price__flat_curve_equals_continuous_discounting() -> None:
    curve = DiscountCurve(tenors_years=(1.0, 5.0), zero_rates=(0.06, 0.06))
    settle = date(2026, 1, 15)
    result = price_bond(BOND, settle, curve=curve)
    expected = sum(
        cf.amount_units * math.exp(-0.06 * (cf.pay_date - settle).days / 365.0)
        for cf in result.cash_flows
    )
    assert result.dirty_units == pytest.approx(expected, rel=1e-12)
    assert result.method == "curve" and result.yield_rate is None


def test_curve__linear_interpolation_and_flat_extrapolation() -> None:
    curve = DiscountCurve(tenors_years=(1.0, 3.0), zero_rates=(0.02, 0.04))
    assert curve.zero_rate(0.5) == 0.02
    assert curve.zero_rate(2.0) == pytest.approx(0.03)
    assert curve.zero_rate(10.0) == 0.04
    assert curve.discount_factor(2.0) == pytest.approx(math.exp(-0.06))


@pytest.mark.parametrize(
    ("tenors", "rates", "match"),
    [((), (), "non-empty"), ((1.0, 1.0), (0.1, 0.1), "increasing"), ((0.0,), (0.1,), "positive")],
)
def test_curve__malformed__rejected(tenors: tuple, rates: tuple, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        DiscountCurve(tenors_years=tenors, zero_rates=rates)


@given(y=st.floats(min_value=-0.2, max_value=2.0))
def test_yield_from_price__round_trip(y: float) -> None:
    settle = date(2026, 3, 1)
    price = price_bond(BOND, settle, yield_rate=y).clean_pct
    solved = yield_from_price(BOND, settle, clean_price_pct=price)
    assert solved.yield_rate == pytest.approx(y, abs=1e-9)


def test_yield_from_price__impossible_price__convergence_error() -> None:
    for impossible in (5000.0, 0.01):  # above the -50 % yield price, below the 1000 % one
        with pytest.raises(ConvergenceError, match="no yield"):
            yield_from_price(BOND, date(2026, 3, 1), clean_price_pct=impossible)
    with pytest.raises(InputError, match="positive"):
        yield_from_price(BOND, date(2026, 3, 1), clean_price_pct=-1.0)


def test_price__settlement_at_or_after_maturity__rejected() -> None:
    with pytest.raises(InputError, match="no cash flows"):
        price_bond(BOND, date(2030, 1, 15), yield_rate=0.05)


def test_price__needs_exactly_one_discounting() -> None:
    with pytest.raises(InputError, match="exactly one"):
        price_bond(BOND, date(2026, 1, 15))


def test_price__settlement_before_issue__full_schedule_no_accrued() -> None:
    result = price_bond(BOND, date(2024, 7, 15), yield_rate=0.05)
    assert len(result.cash_flows) == 10 and result.accrued_units == 0
    # one regular period before issue, then a par bond: PV = 100 / 1.025
    assert result.dirty_pct == pytest.approx(100 / 1.025, rel=1e-12)


def test_bond_terms__validation() -> None:
    base = BOND.model_dump()
    with pytest.raises(ValidationError, match="frequency"):
        BondTerms(**{**base, "frequency": 3})
    with pytest.raises(ValidationError, match="after issue"):
        BondTerms(**{**base, "maturity_date": date(2024, 1, 1)})
    with pytest.raises(ValidationError, match="day-count"):
        BondTerms(**{**base, "day_count": "ACT/366"})
    assert BondTerms(**{**base, "day_count": "act/act"}).day_count is DayCount.ACT_ACT


def test_act_act_bond__coupon_date_price_still_closed_form() -> None:
    bond = BOND.model_copy(update={"day_count": DayCount.ACT_ACT})
    result = price_bond(bond, date(2026, 7, 15), yield_rate=0.06)
    assert result.clean_pct / 100 == pytest.approx(_annuity_price(0.05, 0.06, 7, 2), rel=1e-12)


# ------------------------------------------------------------------------- Algorithm 1

CRITERIA = SelectionCriteria(demand_threshold=1_000_000, minimum_valuation_pct=60.0)


def _candidate(**update: object) -> BondCandidate:
    data: dict[str, object] = {
        "name": "Distressed Co 2030",
        "terms": BOND,
        "issuer_health": "Stable",
        "market_demand": 2_500_000,
        "discount_rate": 0.15,
    }
    data.update(update)
    return BondCandidate(**data)  # type: ignore[arg-type]


def test_select__all_conditions_hold__selected_with_valuation() -> None:
    result = select_bond(_candidate(), CRITERIA, date(2026, 1, 15))
    assert result.selected
    assert [c.passed for c in result.checks] == [True, True, True]
    expected = price_bond(BOND, date(2026, 1, 15), yield_rate=0.15).dirty_pct
    assert result.valuation_pct == pytest.approx(expected)
    assert "SELECTED" in result.summary()


def test_select__unstable_issuer__rejected_without_valuation() -> None:
    result = select_bond(_candidate(issuer_health="Deteriorating"), CRITERIA, date(2026, 1, 15))
    assert not result.selected
    assert result.valuation_pct is None  # Algorithm 1 never reaches EVALUATEBOND
    assert len(result.checks) == 2 and not result.checks[0].passed


def test_select__health_label_case_insensitive_and_configurable() -> None:
    assert select_bond(_candidate(issuer_health="stable"), CRITERIA, date(2026, 1, 15)).selected
    relaxed = CRITERIA.model_copy(update={"accepted_issuer_health": ("Stable", "Recovering")})
    result = select_bond(_candidate(issuer_health="Recovering"), relaxed, date(2026, 1, 15))
    assert result.selected


def test_select__demand_equal_to_threshold__rejected_strictly_greater() -> None:
    result = select_bond(_candidate(market_demand=1_000_000), CRITERIA, date(2026, 1, 15))
    assert not result.selected and not result.checks[1].passed


def test_select__valuation_below_minimum__rejected() -> None:
    result = select_bond(_candidate(discount_rate=0.60), CRITERIA, date(2026, 1, 15))
    assert not result.selected
    assert result.valuation_pct is not None and result.valuation_pct < 60
    assert not result.checks[2].passed and "FAIL" in result.summary()


def test_candidate__needs_one_discounting() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        _candidate(discount_rate=None)


def test_screen__file_shape_and_order() -> None:
    data = ScreenInput.model_validate(
        {
            "criteria": {"demand_threshold": 100, "minimum_valuation_pct": 50},
            "candidates": [
                {
                    "name": "A",
                    "terms": BOND.model_dump(mode="json"),
                    "issuer_health": "Stable",
                    "market_demand": 500,
                    "curve": {"tenors_years": [1, 5], "zero_rates": [0.08, 0.1]},
                },
                {
                    "name": "B",
                    "terms": BOND.model_dump(mode="json"),
                    "issuer_health": "Distressed",
                    "market_demand": 500,
                    "discount_rate": 0.1,
                },
            ],
        }
    )
    results = screen_bonds(data.candidates, data.criteria, date(2026, 1, 15))
    assert [(r.name, r.selected) for r in results] == [("A", True), ("B", False)]
