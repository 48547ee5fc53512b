"""Accrued interest on-chain == analytics.bond_math, exactly, for every day-count basis.

The pool's `accrued_interest_at(ts)` walks the bond's on-chain schedule and runs
modules/bond_math.vy; the expected value is `bond_math.accrued_interest_at` on the
schedule the deploy used. Month ends, 31st-of-month dates, February and short stubs are
the cases where 30/360 differs from the actual-day bases.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import bond_math
from tests.conftest import DAY, BondTerms

DC = bond_math.DayCount
# Views only: module-scoped contracts are never changed by an example.
FIXTURES_OK = [HealthCheck.function_scoped_fixture]

CASES = {
    # 30/360 with a month-end (31st) schedule: 31 Aug / 28-29 Feb.
    "30/360 semiannual month-end": BondTerms(
        date(2023, 1, 31), date(2027, 8, 31), 2, 625, basis=DC.THIRTY_360
    ),
    # 30/360 with a short first stub starting on the 31st.
    "30/360 quarterly stub": BondTerms(
        date(2024, 3, 31), date(2026, 7, 30), 4, 480, basis=DC.THIRTY_360
    ),
    "ACT/360 quarterly": BondTerms(date(2024, 2, 29), date(2026, 11, 30), 4, 350, basis=DC.ACT_360),
    "ACT/365 monthly stub": BondTerms(
        date(2024, 1, 15), date(2025, 1, 31), 12, 900, basis=DC.ACT_365
    ),
    "ACT/ACT annual stub": BondTerms(
        date(2023, 3, 10), date(2028, 3, 31), 1, 500, basis=DC.ACT_ACT
    ),
}


@pytest.fixture(scope="module")
def pools(project, admin, deploy_bond, make_feed):
    """One pool (no liquidity needed) per bond in CASES."""
    out = {}
    for name, terms in CASES.items():
        bond = deploy_bond(terms)
        feed = make_feed(bond)
        amm = admin.deploy(project.SteadyAMM, bond, feed, "lp", "LP", 30, 500, DAY, admin)
        out[name] = (amm, terms)
    return out


@pytest.fixture(scope="module")
def harness(project, admin):
    return admin.deploy(project.BondMathHarness)


def _boundary_times(terms: BondTerms) -> list[int]:
    """Before issue, each period's first second and second day, its last second, maturity."""
    out = [terms.table[0].start_ts - 1, terms.table[-1].end_ts]
    for p in terms.table:
        out += [p.start_ts, p.start_ts + DAY + DAY // 2, p.end_ts - 1]
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_accrued_interest_at__period_boundaries__equals_analytics(pools, name):
    amm, terms = pools[name]
    for ts in _boundary_times(terms):
        expected = bond_math.accrued_interest_at(terms.table, ts, terms.basis)
        assert amm.accrued_interest_at(ts) == expected, (name, ts)


@pytest.mark.parametrize("name", list(CASES))
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_accrued_interest_at__any_time__equals_analytics(pools, name, data):
    amm, terms = pools[name]
    ts = data.draw(st.integers(terms.table[0].start_ts - DAY, terms.table[-1].end_ts + DAY))
    assert amm.accrued_interest_at(ts) == bond_math.accrued_interest_at(
        terms.table, ts, terms.basis
    )


def test_accrued_interest_at__is_monotone_within_a_period_and_bounded(pools):
    amm, terms = pools["30/360 semiannual month-end"]
    p = terms.table[1]
    values = [amm.accrued_interest_at(t) for t in range(p.start_ts, p.end_ts, 7 * DAY)]
    assert values == sorted(values) and values[0] == 0 and values[-1] <= p.coupon_units


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    n=st.integers(0, 2**40),
    start=st.integers(0, bond_math.days_from_civil(9_980, 1, 1)),
    span=st.integers(0, 4_000),
)
def test_harness__civil_from_days_and_30_360__equal_analytics(harness, n, start, span):
    assert tuple(harness.civil_from_days(n)) == bond_math.civil_from_days(n)
    d1, d2 = bond_math.from_timestamp(start * DAY), bond_math.from_timestamp((start + span) * DAY)
    assert harness.day_count(start, start + span, 0) == bond_math.day_count(d1, d2, DC.THIRTY_360)


@pytest.mark.parametrize(
    "start,end",
    [
        (date(2024, 1, 31), date(2024, 3, 31)),  # D1 = 31 -> 30, D2 = 31 -> 30: 60 days
        (date(2024, 1, 30), date(2024, 3, 31)),  # D1 = 30, D2 = 31 -> 30: 60 days
        (date(2024, 1, 29), date(2024, 3, 31)),  # D1 = 29, D2 stays 31: 62 days
        (date(2024, 2, 29), date(2024, 8, 31)),  # no February rule: 182 days
        (date(2023, 12, 31), date(2024, 1, 1)),
    ],
)
def test_harness__30_360_rules__equal_analytics(harness, start, end):
    s, e = bond_math.to_timestamp(start) // DAY, bond_math.to_timestamp(end) // DAY
    assert harness.day_count(s, e, 0) == bond_math.day_count(start, end, DC.THIRTY_360)


def test_harness__accrued_interest_units__worked_example(harness):
    """The analytics docstring's example: 8_241_758 (ACT/ACT) and 8_333_333 (30/360)."""
    start = bond_math.to_timestamp(date(2024, 1, 15))
    end = bond_math.to_timestamp(date(2024, 7, 15))
    now = bond_math.to_timestamp(date(2024, 3, 15)) + 12 * 3_600 + 34 * 60
    assert harness.accrued_interest_units(25_000_000, start, end, now, 3) == 8_241_758
    assert harness.accrued_interest_units(25_000_000, start, end, now, 0) == 8_333_333
    assert harness.accrued_interest_units(25_000_000, start, end, start - 1, 0) == 0
