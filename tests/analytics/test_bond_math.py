"""Tests for analytics.bond_math: day counts, schedules, coupons and accrued interest.

Every expected number is worked out by hand in a comment next to it. USDC has 6 decimals,
so a 1000 USDC denomination is 1_000_000_000 units and 5% is 500 bps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from analytics.bond_math import (
    SECONDS_PER_DAY,
    CouponPeriod,
    DayCount,
    accrued_interest_at,
    accrued_interest_units,
    civil_from_days,
    clean_price,
    coupon_amount,
    coupon_schedule,
    coupon_table,
    day_count,
    days_from_civil,
    days_in_month,
    dirty_price,
    from_timestamp,
    to_timestamp,
    year_fraction,
)

DENOM = 1_000_000_000  # 1000 USDC in 6-decimal units
RATE = 500  # 5% in bps
EPOCH = date(1970, 1, 1)

bases = st.sampled_from(list(DayCount))
frequencies = st.sampled_from([1, 2, 4, 12])
modern_dates = st.dates(min_value=date(1970, 1, 1), max_value=date(2200, 12, 31))


def ts(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> int:
    """Independent oracle for timestamps: the standard library."""
    return int(datetime(y, m, d, hh, mm, ss, tzinfo=UTC).timestamp())


# ---------------------------------------------------------------------------------------
# DayCount
# ---------------------------------------------------------------------------------------


def test_day_count_codes__are_the_on_chain_values() -> None:
    assert [int(b) for b in DayCount] == [0, 1, 2, 3]
    assert DayCount.THIRTY_360 == 0
    assert DayCount.ACT_360 == 1
    assert DayCount.ACT_365 == 2
    assert DayCount.ACT_ACT == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30/360", DayCount.THIRTY_360),
        ("ACT/360", DayCount.ACT_360),
        ("act/365", DayCount.ACT_365),
        (" Act/Act ", DayCount.ACT_ACT),
    ],
)
def test_parse__market_names_case_insensitive(text: str, expected: DayCount) -> None:
    assert DayCount.parse(text) is expected
    assert DayCount.parse(expected.label) is expected


@pytest.mark.parametrize("text", ["ACT/364", "30E/360", "", "actual"])
def test_parse__unknown_name__lists_valid_names(text: str) -> None:
    with pytest.raises(ValueError, match="30/360, ACT/360, ACT/365, ACT/ACT"):
        DayCount.parse(text)


# ---------------------------------------------------------------------------------------
# Civil calendar algorithms
# ---------------------------------------------------------------------------------------


def test_days_from_civil__known_values() -> None:
    assert days_from_civil(1970, 1, 1) == 0
    assert days_from_civil(1969, 12, 31) == -1
    # 2000-03-01: 30 years of 365 days + 7 leap days (72..96) = 10957 to 2000-01-01,
    # + 31 (Jan) + 29 (Feb 2000 is a leap month) = 11017
    assert days_from_civil(2000, 3, 1) == 11017
    assert civil_from_days(11017) == (2000, 3, 1)
    assert civil_from_days(11016) == (2000, 2, 29)


def test_days_from_civil__matches_datetime_every_day_1600_to_2400() -> None:
    # Exhaustive over two full 400-year eras, covering the 1700/1800/1900/2100 non-leap
    # centuries and the 1600/2000/2400 leap ones.
    epoch = EPOCH.toordinal()
    d = date(1600, 1, 1)
    last = date(2400, 12, 31)
    one = timedelta(days=1)
    while d <= last:
        n = d.toordinal() - epoch
        assert days_from_civil(d.year, d.month, d.day) == n, d
        assert civil_from_days(n) == (d.year, d.month, d.day), d
        d += one


@given(st.dates())
def test_civil_days__round_trip_over_full_date_range(d: date) -> None:
    n = days_from_civil(d.year, d.month, d.day)
    assert n == d.toordinal() - EPOCH.toordinal()
    assert civil_from_days(n) == (d.year, d.month, d.day)


@given(st.integers(min_value=days_from_civil(1, 1, 1), max_value=days_from_civil(9999, 12, 31)))
def test_civil_days__round_trip_from_day_numbers(n: int) -> None:
    assert days_from_civil(*civil_from_days(n)) == n


@pytest.mark.parametrize(
    ("y", "m", "d"),
    [(2023, 2, 29), (2024, 2, 30), (2024, 4, 31), (2024, 13, 1), (2024, 0, 1), (0, 1, 1)],
)
def test_days_from_civil__invalid_date__raises(y: int, m: int, d: int) -> None:
    with pytest.raises(ValueError):
        days_from_civil(y, m, d)


def test_civil_from_days__before_year_one__raises() -> None:
    assert civil_from_days(days_from_civil(1, 1, 1)) == (1, 1, 1)
    with pytest.raises(ValueError, match="before 0001-01-01"):
        civil_from_days(days_from_civil(1, 1, 1) - 1)


class U256(int):
    """An int that fails on any step uint256 could not do (negative or >= 2**256)."""

    def _wrap(self, value: int) -> U256:
        if not 0 <= value < 2**256:
            raise OverflowError(f"uint256 out of range: {value}")
        return U256(value)

    def __add__(self, o: int) -> U256:
        return self._wrap(int(self) + int(o))

    def __radd__(self, o: int) -> U256:
        return self._wrap(int(o) + int(self))

    def __sub__(self, o: int) -> U256:
        return self._wrap(int(self) - int(o))

    def __rsub__(self, o: int) -> U256:
        return self._wrap(int(o) - int(self))

    def __mul__(self, o: int) -> U256:
        return self._wrap(int(self) * int(o))

    def __rmul__(self, o: int) -> U256:
        return self._wrap(int(o) * int(self))

    def __floordiv__(self, o: int) -> U256:
        return self._wrap(int(self) // int(o))

    def __rfloordiv__(self, o: int) -> U256:
        return self._wrap(int(o) // int(self))

    def __mod__(self, o: int) -> U256:
        return self._wrap(int(self) % int(o))

    def __rmod__(self, o: int) -> U256:
        return self._wrap(int(o) % int(self))


def test_u256_guard__rejects_a_negative_intermediate() -> None:
    # The guard below must be able to fail: a subtraction below zero raises.
    with pytest.raises(OverflowError):
        U256(1) - 2


@given(st.dates(min_value=date(1970, 1, 1)))
def test_civil_days__run_on_uint256_arithmetic_from_1970(d: date) -> None:
    # What the contract does: every intermediate stays in [0, 2**256) for dates >= 1970.
    n = days_from_civil(U256(d.year), U256(d.month), U256(d.day))
    assert isinstance(n, U256)
    assert n == d.toordinal() - EPOCH.toordinal()
    y, m, dd = civil_from_days(U256(n))
    assert all(isinstance(v, U256) for v in (y, m, dd))
    assert (y, m, dd) == (d.year, d.month, d.day)


# ---------------------------------------------------------------------------------------
# Timestamps
# ---------------------------------------------------------------------------------------


def test_timestamps__utc_midnight() -> None:
    assert to_timestamp(EPOCH) == 0
    # 2024-01-01: 54 years since 1970 with 13 leap days (1972..2020) -> 19723 days
    assert to_timestamp(date(2024, 1, 1)) == 19_723 * 86_400 == 1_704_067_200
    assert from_timestamp(1_704_067_200) == date(2024, 1, 1)
    assert from_timestamp(1_704_067_199) == date(2023, 12, 31)  # one second earlier
    assert from_timestamp(-1) == date(1969, 12, 31)


def test_to_timestamp__datetime__raises() -> None:
    with pytest.raises(TypeError, match="not a datetime"):
        to_timestamp(datetime(2024, 1, 1, 12, tzinfo=UTC))  # type: ignore[arg-type]


def test_from_timestamp__float__raises() -> None:
    with pytest.raises(TypeError, match="must be an int"):
        from_timestamp(1.5)  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**10), max_value=10**11))
def test_from_timestamp__matches_datetime(t: int) -> None:
    assert from_timestamp(t) == datetime.fromtimestamp(t, tz=UTC).date()


@given(st.dates(min_value=date(1900, 1, 1)))
def test_to_timestamp__round_trip(d: date) -> None:
    assert to_timestamp(d) == ts(d.year, d.month, d.day)
    assert from_timestamp(to_timestamp(d)) == d
    assert from_timestamp(to_timestamp(d) + SECONDS_PER_DAY - 1) == d


# ---------------------------------------------------------------------------------------
# Day counts and year fractions
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # D1=31 -> 30; D2=31 -> 30 because D1 is now 30: 30*(3-1) + (30-30) = 60
        (date(2024, 1, 31), date(2024, 3, 31), 60),
        # D1=30 keeps D2=31 -> 30: 30*2 + 0 = 60
        (date(2024, 1, 30), date(2024, 3, 31), 60),
        # D1=15 < 30, so D2=31 stays 31: 30*2 + (31-15) = 76
        (date(2024, 1, 15), date(2024, 3, 31), 76),
        # D1=31 -> 30, D2=29: 360*1 + 30*(2-8) + (29-30) = 179
        (date(2023, 8, 31), date(2024, 2, 29), 179),
        # no February rule: D1=28 stays, D2=31 stays: 30*1 + (31-28) = 33
        (date(2023, 2, 28), date(2023, 3, 31), 33),
        # D1=30, D2=31 -> 30: a one-day stub counts 0 days
        (date(2024, 1, 30), date(2024, 1, 31), 0),
        (date(2024, 1, 15), date(2024, 7, 15), 180),
        (date(2024, 5, 5), date(2024, 5, 5), 0),
    ],
)
def test_day_count__thirty_360(start: date, end: date, expected: int) -> None:
    assert day_count(start, end, DayCount.THIRTY_360) == expected


@pytest.mark.parametrize("basis", [DayCount.ACT_360, DayCount.ACT_365, DayCount.ACT_ACT])
def test_day_count__actual_bases_count_calendar_days(basis: DayCount) -> None:
    # 2023-01-31 -> 2023-03-31: 28 (to Feb 28) + 31 = 59, where 30/360 says 60
    assert day_count(date(2023, 1, 31), date(2023, 3, 31), basis) == 59
    assert day_count(date(2023, 1, 31), date(2023, 3, 31), DayCount.THIRTY_360) == 60
    # 2024-01-15 -> 2024-07-15: 31+29+31+30+31+30 = 182 (leap February)
    assert day_count(date(2024, 1, 15), date(2024, 7, 15), basis) == 182


def test_day_count__end_before_start__raises() -> None:
    with pytest.raises(ValueError, match="before start"):
        day_count(date(2024, 3, 1), date(2024, 2, 29), DayCount.ACT_360)


@given(modern_dates, modern_dates, modern_dates)
def test_day_count__thirty_360_is_monotone_in_the_end_date(a: date, b: date, c: date) -> None:
    start, mid, end = sorted((a, b, c))
    first = day_count(start, mid, DayCount.THIRTY_360)
    assert 0 <= first <= day_count(start, end, DayCount.THIRTY_360)


def test_year_fraction__simple_bases() -> None:
    start, end = date(2023, 1, 1), date(2023, 7, 1)  # 181 actual days, 180 30/360 days
    assert year_fraction(start, end, DayCount.ACT_360) == Fraction(181, 360)
    assert year_fraction(start, end, DayCount.ACT_365) == Fraction(181, 365)
    assert year_fraction(start, end, DayCount.THIRTY_360) == Fraction(1, 2)


def test_year_fraction__act_act_icma() -> None:
    ref = {"period_start": date(2024, 1, 15), "period_end": date(2024, 7, 15), "frequency": 2}
    # a regular period is exactly 1/frequency
    assert year_fraction(date(2024, 1, 15), date(2024, 7, 15), DayCount.ACT_ACT, **ref) == (
        Fraction(1, 2)
    )
    # 60 days of a 182-day semiannual period: 60 / (2 * 182) = 15/91
    assert year_fraction(date(2024, 1, 15), date(2024, 3, 15), DayCount.ACT_ACT, **ref) == (
        Fraction(15, 91)
    )


def test_year_fraction__act_act_without_reference_period__raises() -> None:
    with pytest.raises(ValueError, match="reference coupon period"):
        year_fraction(date(2024, 1, 15), date(2024, 3, 15), DayCount.ACT_ACT)
    with pytest.raises(ValueError, match="reference coupon period"):
        year_fraction(
            date(2024, 1, 15), date(2024, 3, 15), DayCount.ACT_ACT, period_start=date(2024, 1, 15)
        )


def test_year_fraction__act_act_outside_reference_period__raises() -> None:
    with pytest.raises(ValueError, match="within the reference period"):
        year_fraction(
            date(2024, 1, 1),
            date(2024, 3, 15),
            DayCount.ACT_ACT,
            period_start=date(2024, 1, 15),
            period_end=date(2024, 7, 15),
            frequency=2,
        )


def test_year_fraction__act_act_bad_frequency__raises() -> None:
    with pytest.raises(ValueError, match="frequency must be one of 1, 2, 4, 12"):
        year_fraction(
            date(2024, 1, 15),
            date(2024, 3, 15),
            DayCount.ACT_ACT,
            period_start=date(2024, 1, 15),
            period_end=date(2024, 7, 15),
            frequency=3,
        )


# ---------------------------------------------------------------------------------------
# Coupon schedules
# ---------------------------------------------------------------------------------------


def test_schedule__semiannual_on_grid__no_stub() -> None:
    assert coupon_schedule(date(2024, 1, 15), date(2026, 1, 15), 2) == [
        date(2024, 7, 15),
        date(2025, 1, 15),
        date(2025, 7, 15),
        date(2026, 1, 15),
    ]


def test_schedule__short_first_stub() -> None:
    # Grid back from 2026-07-15 every 6 months: ..., 2024-07-15, 2024-01-15 (<= issue).
    # Issue 2024-03-15 is off the grid, so period 1 is the stub 2024-03-15 -> 2024-07-15.
    assert coupon_schedule(date(2024, 3, 15), date(2026, 7, 15), 2) == [
        date(2024, 7, 15),
        date(2025, 1, 15),
        date(2025, 7, 15),
        date(2026, 1, 15),
        date(2026, 7, 15),
    ]


def test_schedule__february_end_of_month_in_leap_years() -> None:
    # Maturity 2028-02-29 is a month end: every date is a month end, 29 Feb in 2024/2028.
    assert coupon_schedule(date(2023, 6, 1), date(2028, 2, 29), 2) == [
        date(2023, 8, 31),
        date(2024, 2, 29),
        date(2024, 8, 31),
        date(2025, 2, 28),
        date(2025, 8, 31),
        date(2026, 2, 28),
        date(2026, 8, 31),
        date(2027, 2, 28),
        date(2027, 8, 31),
        date(2028, 2, 29),
    ]


def test_schedule__february_without_end_of_month__keeps_the_maturity_day() -> None:
    # end_of_month=False: day 29 clamped to month length, so August is the 29th and
    # February is the 28th in 2025..2027.
    assert coupon_schedule(date(2024, 6, 1), date(2028, 2, 29), 2, end_of_month=False) == [
        date(2024, 8, 29),
        date(2025, 2, 28),
        date(2025, 8, 29),
        date(2026, 2, 28),
        date(2026, 8, 29),
        date(2027, 2, 28),
        date(2027, 8, 29),
        date(2028, 2, 29),
    ]


def test_schedule__day_31_clamps_without_drift() -> None:
    # Each date is computed from maturity, so after 29 Feb we are back on the 31st.
    expected = [date(2024, 2, 29), date(2024, 8, 31), date(2025, 2, 28), date(2025, 8, 31)]
    assert coupon_schedule(date(2023, 12, 1), date(2025, 8, 31), 2) == expected
    assert coupon_schedule(date(2023, 12, 1), date(2025, 8, 31), 2, end_of_month=False) == (
        expected
    )


def test_schedule__maturity_30_not_month_end__stays_on_30th() -> None:
    # 30 June is a month end: with the rule the December dates are the 31st ...
    assert coupon_schedule(date(2024, 1, 1), date(2025, 6, 30), 2) == [
        date(2024, 6, 30),
        date(2024, 12, 31),
        date(2025, 6, 30),
    ]
    # ... without it they stay on the 30th.
    assert coupon_schedule(date(2024, 1, 1), date(2025, 6, 30), 2, end_of_month=False) == [
        date(2024, 6, 30),
        date(2024, 12, 30),
        date(2025, 6, 30),
    ]


def test_schedule__quarterly_and_monthly() -> None:
    assert coupon_schedule(date(2024, 11, 30), date(2025, 5, 31), 4) == [
        date(2025, 2, 28),
        date(2025, 5, 31),
    ]
    assert coupon_schedule(date(2024, 12, 31), date(2025, 4, 30), 12) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    ]
    assert coupon_schedule(date(2024, 3, 10), date(2026, 3, 10), 1) == [
        date(2025, 3, 10),
        date(2026, 3, 10),
    ]


@pytest.mark.parametrize("frequency", [0, 3, 6, 24, -2])
def test_schedule__bad_frequency__raises(frequency: int) -> None:
    assert coupon_schedule(date(2024, 1, 1), date(2025, 1, 1), 2)  # the valid case works
    with pytest.raises(ValueError, match="frequency must be one of 1, 2, 4, 12"):
        coupon_schedule(date(2024, 1, 1), date(2025, 1, 1), frequency)


@pytest.mark.parametrize("maturity", [date(2024, 1, 1), date(2023, 12, 31)])
def test_schedule__maturity_not_after_issue__raises(maturity: date) -> None:
    assert coupon_schedule(date(2024, 1, 1), date(2024, 1, 2), 12) == [date(2024, 1, 2)]
    with pytest.raises(ValueError, match="must be after the issue date"):
        coupon_schedule(date(2024, 1, 1), maturity, 2)


def _month_index(d: date) -> int:
    return d.year * 12 + d.month


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    st.integers(min_value=1, max_value=12_000),
    frequencies,
    st.booleans(),
)
def test_schedule__properties(issue: date, length: int, frequency: int, eom: bool) -> None:
    maturity = issue + timedelta(days=length)
    dates = coupon_schedule(issue, maturity, frequency, end_of_month=eom)
    months = 12 // frequency
    assert dates[-1] == maturity
    assert dates[0] > issue
    assert all(a < b for a, b in zip(dates, dates[1:], strict=False))
    # regular periods are exactly `months` calendar months apart ...
    assert all(
        _month_index(b) - _month_index(a) == months for a, b in zip(dates, dates[1:], strict=False)
    )
    # ... and the first (possibly stub) period is no longer than one regular period
    assert _month_index(dates[0]) - _month_index(issue) <= months
    last_day = days_in_month(maturity.year, maturity.month)
    for d in dates:
        month_len = days_in_month(d.year, d.month)
        if eom and maturity.day == last_day:
            assert d.day == month_len
        else:
            assert d.day == min(maturity.day, month_len)


# ---------------------------------------------------------------------------------------
# Coupon amounts
# ---------------------------------------------------------------------------------------


def test_coupon_amount__act_360_rounds_down() -> None:
    # 2023-01-01 -> 2023-07-01 = 181 days. 1000 USDC * 5% * 181/360 = 25.138888... USDC
    # = 25_138_888.88... units -> rounded down to 25_138_888
    start, end = date(2023, 1, 1), date(2023, 7, 1)
    assert coupon_amount(DENOM, RATE, DayCount.ACT_360, start, end, 2) == 25_138_888


def test_coupon_amount__act_365() -> None:
    # 1e9 * 0.05 * 181/365 = 9_050_000_000/365 = 24_794_520.547... -> 24_794_520
    start, end = date(2023, 1, 1), date(2023, 7, 1)
    assert coupon_amount(DENOM, RATE, DayCount.ACT_365, start, end, 2) == 24_794_520


def test_coupon_amount__thirty_360() -> None:
    # regular: 180/360 -> 1e9 * 0.05 / 2 = 25_000_000
    assert (
        coupon_amount(DENOM, RATE, DayCount.THIRTY_360, date(2024, 1, 15), date(2024, 7, 15), 2)
        == 25_000_000
    )
    # 2023-08-31 -> 2024-02-29 counts 179 days: 5e7 * 179/360 = 24_861_111.1 -> 24_861_111
    assert (
        coupon_amount(DENOM, RATE, DayCount.THIRTY_360, date(2023, 8, 31), date(2024, 2, 29), 2)
        == 24_861_111
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2023, 1, 1), date(2023, 7, 1)),  # 181 days
        (date(2023, 7, 1), date(2024, 1, 1)),  # 184 days
        (date(2023, 8, 31), date(2024, 2, 29)),  # 182 days, month ends
        (date(2024, 8, 30), date(2025, 2, 28)),  # maturity-on-30th schedule, clamped Feb
    ],
)
def test_coupon_amount__act_act_regular_is_exactly_rate_over_frequency(
    start: date, end: date
) -> None:
    # 1e9 * 0.05 / 2 = 25_000_000 whatever the period's length
    assert coupon_amount(DENOM, RATE, DayCount.ACT_ACT, start, end, 2) == 25_000_000


def test_coupon_amount__act_act_short_stub_uses_notional_period() -> None:
    # Stub 2024-03-15 -> 2024-07-15 = 31 + 30 + 31 + 30 = 122 days.
    # Notional regular period 2024-01-15 -> 2024-07-15 = 182 days.
    # 1e9 * 0.05 * 122 / (2 * 182) = 6_100_000_000 / 364 = 16_758_241.76 -> 16_758_241
    start, end = date(2024, 3, 15), date(2024, 7, 15)
    assert coupon_amount(DENOM, RATE, DayCount.ACT_ACT, start, end, 2) == 16_758_241
    assert (
        coupon_amount(
            DENOM, RATE, DayCount.ACT_ACT, start, end, 2, reference_start=date(2024, 1, 15)
        )
        == 16_758_241
    )


def test_coupon_amount__act_act_ambiguous_stub__needs_reference_start() -> None:
    # A stub ending 30 June: the schedule's day could be the 30th or month end (31 Dec).
    start, end = date(2024, 2, 10), date(2024, 6, 30)
    with pytest.raises(ValueError, match="reference_start"):
        coupon_amount(DENOM, RATE, DayCount.ACT_ACT, start, end, 2)
    # With the notional start 2023-12-31 (182 days to 30 June), the 141-day stub pays
    # 1e9 * 0.05 * 141 / (2 * 182) = 7_050_000_000 / 364 = 19_368_131.9 -> 19_368_131
    assert (
        coupon_amount(
            DENOM, RATE, DayCount.ACT_ACT, start, end, 2, reference_start=date(2023, 12, 31)
        )
        == 19_368_131
    )


def test_coupon_amount__period_longer_than_regular__raises() -> None:
    # half a year is two quarterly periods: not a (short) stub
    assert coupon_amount(DENOM, RATE, DayCount.ACT_ACT, date(2024, 4, 15), date(2024, 7, 15), 4)
    with pytest.raises(ValueError, match="long stubs are not supported"):
        coupon_amount(DENOM, RATE, DayCount.ACT_ACT, date(2024, 1, 15), date(2024, 7, 15), 4)


def test_coupon_amount__zero_rate__pays_nothing() -> None:
    assert coupon_amount(DENOM, 0, DayCount.ACT_360, date(2023, 1, 1), date(2023, 7, 1), 2) == 0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"denomination_units": -1}, "denomination"),
        ({"rate_bps": -5}, "coupon rate"),
        ({"frequency": 5}, "frequency"),
        ({"period_end": date(2023, 1, 1)}, "must be after its start"),
    ],
)
def test_coupon_amount__bad_input__raises(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "denomination_units": DENOM,
        "rate_bps": RATE,
        "basis": DayCount.ACT_360,
        "period_start": date(2023, 1, 1),
        "period_end": date(2023, 7, 1),
        "frequency": 2,
    }
    assert coupon_amount(**args) == 25_138_888  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=match):
        coupon_amount(**(args | kwargs))  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Coupon tables
# ---------------------------------------------------------------------------------------


def test_coupon_table__act_act_with_stub() -> None:
    table = coupon_table(date(2024, 3, 15), date(2026, 7, 15), 2, RATE, DENOM, DayCount.ACT_ACT)
    assert [p.index for p in table] == [1, 2, 3, 4, 5]
    assert table[0] == CouponPeriod(
        index=1,
        start=date(2024, 3, 15),
        end=date(2024, 7, 15),
        start_ts=ts(2024, 3, 15),
        end_ts=1_721_001_600,  # 2024-07-15T00:00:00Z
        coupon_units=16_758_241,  # stub, see the coupon_amount test
    )
    assert [p.coupon_units for p in table[1:]] == [25_000_000] * 4
    assert table[-1].end == date(2026, 7, 15)
    for prev, nxt in zip(table, table[1:], strict=False):
        assert nxt.start == prev.end and nxt.start_ts == prev.end_ts
    assert all(p.start_ts == to_timestamp(p.start) for p in table)
    assert all(p.end_ts == to_timestamp(p.end) for p in table)


def test_coupon_table__thirty_360_month_end_periods() -> None:
    # 30/360 (ISDA) month-end schedule to 2025-02-28:
    #   2024-02-29 -> 2024-08-31: D1=29, D2=31 stays: 30*6 + 2 = 182 -> 5e7*182/360 = 25_277_777
    #   2024-08-31 -> 2025-02-28: D1=31->30, D2=28: 360 - 180 - 2 = 178 -> 24_722_222
    table = coupon_table(date(2024, 2, 29), date(2025, 2, 28), 2, RATE, DENOM, DayCount.THIRTY_360)
    assert [(p.start, p.end, p.coupon_units) for p in table] == [
        (date(2024, 2, 29), date(2024, 8, 31), 25_277_777),
        (date(2024, 8, 31), date(2025, 2, 28), 24_722_222),
    ]


def test_coupon_table__clamped_stub_uses_the_schedule_day() -> None:
    # Maturity 2025-08-30 (not a month end): grid ..., 2024-08-30, 2025-02-28, 2025-08-30.
    # Issue 2024-09-10: stub 2024-09-10 -> 2025-02-28 = 171 days, notional period
    # 2024-08-30 -> 2025-02-28 = 182 days (not 2024-08-31 -> 183 days, which inferring
    # from 28 Feb alone could give): 1e9 * 0.05 * 171 / (2 * 182) = 8_550_000_000 / 364
    # = 23_489_010.99 -> 23_489_010
    table = coupon_table(date(2024, 9, 10), date(2025, 8, 30), 2, RATE, DENOM, DayCount.ACT_ACT)
    assert [(p.end, p.coupon_units) for p in table] == [
        (date(2025, 2, 28), 23_489_010),
        (date(2025, 8, 30), 25_000_000),
    ]


def test_coupon_table__bad_input__raises() -> None:
    with pytest.raises(ValueError, match="must be after the issue date"):
        coupon_table(date(2025, 1, 1), date(2024, 1, 1), 2, RATE, DENOM, DayCount.ACT_360)
    with pytest.raises(ValueError, match="coupon rate"):
        coupon_table(date(2024, 1, 1), date(2025, 1, 1), 2, -1, DENOM, DayCount.ACT_360)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2080, 1, 1)),
    st.integers(min_value=1, max_value=30),
    frequencies,
)
def test_coupon_table__act_act_on_grid_pays_rate_over_frequency_each_period(
    issue: date, years: int, frequency: int
) -> None:
    maturity = date(issue.year + years, issue.month, min(issue.day, 28))
    issue = issue.replace(day=min(issue.day, 28))  # on the grid
    table = coupon_table(
        issue, maturity, frequency, RATE, DENOM, DayCount.ACT_ACT, end_of_month=False
    )
    assert len(table) == years * frequency
    assert all(p.coupon_units == DENOM * RATE // 10_000 // frequency for p in table)


# ---------------------------------------------------------------------------------------
# Accrued interest
# ---------------------------------------------------------------------------------------

JAN15 = ts(2024, 1, 15)
JUL15 = ts(2024, 7, 15)


def test_accrued__worked_example_act_act() -> None:
    # coupon 25_000_000; 2024-01-15 -> 2024-03-15 = 31 + 29 = 60 of 182 days:
    # 25_000_000 * 60 // 182 = 8_241_758 (8.241758 USDC); the time of day is ignored
    now = ts(2024, 3, 15, 12, 34)
    assert accrued_interest_units(25_000_000, JAN15, JUL15, now, DayCount.ACT_ACT) == 8_241_758


def test_accrued__worked_example_thirty_360() -> None:
    # 60 of 180 days: 25_000_000 * 60 // 180 = 8_333_333
    now = ts(2024, 3, 15, 23, 59, 59)
    assert accrued_interest_units(25_000_000, JAN15, JUL15, now, DayCount.THIRTY_360) == 8_333_333


def test_accrued__boundaries() -> None:
    coupon = 25_000_000
    basis = DayCount.ACT_ACT
    assert accrued_interest_units(coupon, JAN15, JUL15, JAN15 - 1, basis) == 0  # before
    assert accrued_interest_units(coupon, JAN15, JUL15, JAN15, basis) == 0  # at start
    # still the first day: whole days only
    assert accrued_interest_units(coupon, JAN15, JUL15, JAN15 + SECONDS_PER_DAY - 1, basis) == 0
    # one day: 25_000_000 // 182 = 137_362
    assert accrued_interest_units(coupon, JAN15, JUL15, JAN15 + SECONDS_PER_DAY, basis) == 137_362
    # last day: 25_000_000 * 181 // 182 = 24_862_637
    assert accrued_interest_units(coupon, JAN15, JUL15, JUL15 - 1, basis) == 24_862_637
    # clamped at the period end
    assert accrued_interest_units(coupon, JAN15, JUL15, JUL15, basis) == coupon
    assert accrued_interest_units(coupon, JAN15, JUL15, JUL15 + 10**8, basis) == coupon


def test_accrued__zero_day_thirty_360_period__is_zero() -> None:
    # 2024-01-30 -> 2024-01-31 counts 0 days under 30/360: no division by zero
    start, end = ts(2024, 1, 30), ts(2024, 1, 31)
    assert accrued_interest_units(10, start, end, end, DayCount.THIRTY_360) == 0
    assert accrued_interest_units(10, start, end, end, DayCount.ACT_360) == 10


def test_accrued__bad_period__raises() -> None:
    assert accrued_interest_units(1, JAN15, JUL15, JAN15, DayCount.ACT_360) == 0
    with pytest.raises(ValueError, match="must be after the period start"):
        accrued_interest_units(1, JUL15, JAN15, JAN15, DayCount.ACT_360)
    with pytest.raises(ValueError, match="coupon must be >= 0"):
        accrued_interest_units(-1, JAN15, JUL15, JAN15, DayCount.ACT_360)


def _onchain_accrued(coupon: int, start_ts: int, end_ts: int, now_ts: int, code: int) -> int:
    """Reference model of the contract: integers only, as in the module docstring."""
    if now_ts < start_ts:
        return 0
    s = start_ts // 86_400
    e = end_ts // 86_400
    n = min(now_ts // 86_400, e)
    if code != 0:
        period_days, accrued_days = e - s, n - s
    else:

        def serial(day: int, d1: int | None) -> tuple[int, int]:
            y, m, d = civil_from_days(day)
            if d1 is None:  # start date
                d = 30 if d == 31 else d
            elif d == 31 and d1 == 30:
                d = 30
            return 360 * y + 30 * m + d, d

        s_serial, d1 = serial(s, None)
        period_days = serial(e, d1)[0] - s_serial
        accrued_days = serial(n, d1)[0] - s_serial
    if period_days == 0:
        return 0
    return coupon * accrued_days // period_days


period_starts = st.integers(min_value=ts(1990, 1, 1), max_value=ts(2150, 1, 1))


@given(
    bases,
    st.integers(min_value=0, max_value=10**12),
    period_starts,
    st.integers(min_value=1, max_value=400 * SECONDS_PER_DAY),
    st.integers(min_value=-40 * SECONDS_PER_DAY, max_value=440 * SECONDS_PER_DAY),
    st.integers(min_value=-40 * SECONDS_PER_DAY, max_value=440 * SECONDS_PER_DAY),
)
def test_accrued__monotone_bounded_and_matches_onchain_model(
    basis: DayCount, coupon: int, start: int, length: int, off1: int, off2: int
) -> None:
    end = start + length
    t1, t2 = sorted((start + off1, start + off2))
    a1 = accrued_interest_units(coupon, start, end, t1, basis)
    a2 = accrued_interest_units(coupon, start, end, t2, basis)
    assert 0 <= a1 <= a2 <= coupon
    assert a1 == _onchain_accrued(coupon, start, end, t1, int(basis))
    assert a2 == _onchain_accrued(coupon, start, end, t2, int(basis))


@given(bases, period_starts, st.integers(min_value=1, max_value=400))
def test_accrued__zero_on_first_day_full_on_end_date(
    basis: DayCount, start: int, days: int
) -> None:
    start -= start % SECONDS_PER_DAY  # UTC midnight, like coupon_table
    end = start + days * SECONDS_PER_DAY
    assume(day_count(from_timestamp(start), from_timestamp(end), basis) > 0)
    assert accrued_interest_units(10**9, start, end, start, basis) == 0
    assert accrued_interest_units(10**9, start, end, end, basis) == 10**9


def test_accrued_at__walks_the_table() -> None:
    basis = DayCount.ACT_ACT
    table = coupon_table(date(2024, 3, 15), date(2025, 7, 15), 2, RATE, DENOM, basis)
    stub = table[0].coupon_units  # 16_758_241 over 122 days
    assert accrued_interest_at(table, ts(2024, 3, 14), basis) == 0  # before issue
    assert accrued_interest_at(table, ts(2024, 3, 15), basis) == 0  # issue day
    # 2024-05-15: 61 of 122 stub days -> exactly half of 16_758_241, rounded down
    assert accrued_interest_at(table, ts(2024, 5, 15, 8), basis) == stub * 61 // 122 == 8_379_120
    assert accrued_interest_at(table, ts(2024, 7, 15), basis) == 0  # next period starts
    # 2024-10-15: 92 of 184 days of 25_000_000 -> 12_500_000
    assert accrued_interest_at(table, ts(2024, 10, 15), basis) == 12_500_000
    # last day before maturity: 2025-07-14 is 180 of 181 days -> 25e6*180//181 = 24_861_878
    assert accrued_interest_at(table, ts(2025, 7, 15) - 1, basis) == 24_861_878
    assert accrued_interest_at(table, ts(2025, 7, 15), basis) == 0  # maturity
    assert accrued_interest_at(table, ts(2030, 1, 1), basis) == 0  # after maturity


def test_accrued_at__empty_table__raises() -> None:
    with pytest.raises(ValueError, match="empty"):
        accrued_interest_at([], ts(2024, 1, 1), DayCount.ACT_360)


@given(
    bases,
    st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 1, 1)),
    st.integers(min_value=30, max_value=3_000),
    frequencies,
    st.data(),
)
def test_accrued_at__within_bounds_of_the_current_coupon(
    basis: DayCount, issue: date, length: int, frequency: int, data: st.DataObject
) -> None:
    maturity = issue + timedelta(days=length)
    table = coupon_table(issue, maturity, frequency, RATE, DENOM, basis)
    period = data.draw(st.sampled_from(table))
    t1 = data.draw(st.integers(min_value=period.start_ts, max_value=period.end_ts - 1))
    t2 = data.draw(st.integers(min_value=t1, max_value=period.end_ts - 1))
    a1 = accrued_interest_at(table, t1, basis)
    a2 = accrued_interest_at(table, t2, basis)
    assert 0 <= a1 <= a2 <= period.coupon_units


# ---------------------------------------------------------------------------------------
# Prices
# ---------------------------------------------------------------------------------------


def test_prices__dirty_is_clean_plus_accrued() -> None:
    # clean 985.50 USDC + accrued 8.241758 USDC = dirty 993.741758 USDC
    assert dirty_price(985_500_000, 8_241_758) == 993_741_758
    assert clean_price(993_741_758, 8_241_758) == 985_500_000


def test_prices__bad_input__raises() -> None:
    with pytest.raises(ValueError, match="exceeds the dirty price"):
        clean_price(1_000, 1_001)
    with pytest.raises(ValueError, match=">= 0"):
        dirty_price(-1, 0)
    with pytest.raises(ValueError, match=">= 0"):
        clean_price(10, -1)
