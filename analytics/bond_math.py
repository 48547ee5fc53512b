"""Bond math: day counts, coupon schedules, coupon amounts and accrued interest.

This module is the single source of these numbers for the deploy scripts, the keeper, the
tests and (bit-exactly) the on-chain contracts. Standard library only, exact arithmetic
(``fractions.Fraction`` and integers), no floats.

Glossary and units
------------------
- ``*_units``: integer amounts of the stablecoin in its smallest unit (USDC has 6
  decimals, so a 1000 USDC denomination is ``1_000_000_000`` units). Every amount is per
  ONE bond token.
- ``rate_bps``: annual coupon rate in basis points (5% = ``500``; ``MAX_BPS = 10_000``).
- ``frequency``: coupons per year, one of 1, 2, 4, 12.
- ``*_ts``: unix timestamps in seconds (UTC). Dates map to UTC midnight.
- ``DayCount``: the day-count basis; its integer value is the on-chain day-count code.

Day counts
----------
- ``ACT/360``, ``ACT/365`` (Fixed), ``ACT/ACT`` (ICMA): the actual number of days.
- ``30/360`` (30/360 US bond basis as written in ISDA 2006 4.16(f), without the February
  end-of-month rule)::

      D1 = 31          -> D1 = 30
      D2 = 31 and D1 in (30, 31) -> D2 = 30
      days = 360*(Y2-Y1) + 30*(M2-M1) + (D2-D1)

  computed as the difference of two non-negative serials ``360*Y + 30*M + D``.

Year fractions: ACT/360 = days/360, ACT/365 = days/365, 30/360 = days/360, ACT/ACT ICMA =
days / (frequency * actual days of the reference coupon period). A coupon is
``floor(denomination * rate_bps / 10_000 * year_fraction)``, so under ACT/ACT a regular
period pays exactly ``denomination * rate_bps / 10_000 / frequency`` (rounded down) and a
short first stub pays pro rata to its share of the notional regular period that ends on
the first coupon date (ICMA rule).

Coupon schedule
---------------
Coupon dates are generated backward from maturity in steps of ``12 / frequency`` months,
each computed directly from the maturity date (no drift: 31 Aug -> 28 Feb -> 31 Aug, not
28 Aug). If maturity is the last day of its month and ``end_of_month`` is True, every date
is the last day of its month; otherwise the maturity's day is clamped to the month's
length. The schedule holds the dates strictly after the issue date up to and including
maturity; when the issue date is not on this grid the first period is a short stub.

Accrued interest (on-chain definition)
--------------------------------------
For a period ``[start_ts, end_ts)`` paying ``coupon_units`` per token, at time ``now_ts``::

    s = start_ts // 86_400          # whole UTC days since 1970-01-01
    e = end_ts // 86_400
    n = min(now_ts // 86_400, e)    # "now" truncated to its UTC date, clamped at the end
    period_days  = day_count(s, e, basis)
    accrued_days = day_count(s, n, basis)   # 0 if now_ts < start_ts
    accrued_units = coupon_units * accrued_days // period_days   # 0 if period_days == 0

For ACT bases ``day_count(a, b) = b - a``. For 30/360 each day number is turned into
(year, month, day) with ``civil_from_days`` (Howard Hinnant's algorithm, integer-only and
written here so that it maps one-to-one onto uint256 arithmetic) and the 30/360 formula
above is applied. ``accrued_days`` never decreases as time passes and stays in
``[0, period_days]``, so accrued interest is monotone within a period and bounded by the
coupon. It is zero on the first day of the period; the full coupon would only be reached
on the period's end date, which is already the start of the next period.

Worked example: semiannual 5% on 1000 USDC under ACT/ACT, regular period 2024-01-15 ->
2024-07-15 (182 actual days), coupon ``1_000_000_000 * 500 / 10_000 / 2 = 25_000_000``
units. At 2024-03-15 12:34 UTC "now" truncates to 2024-03-15, ``accrued_days = 31 + 29 =
60`` (2024 is a leap year), so accrued = ``25_000_000 * 60 // 182 = 8_241_758`` units
(8.241758 USDC). Under 30/360 the same period is 180 days, the coupon is again
25_000_000, and accrued on that day is ``25_000_000 * 60 // 180 = 8_333_333`` units.
"""

from __future__ import annotations

import bisect
import enum
import math
from dataclasses import dataclass
from datetime import MINYEAR, date, datetime
from fractions import Fraction

__all__ = [
    "MAX_BPS",
    "SECONDS_PER_DAY",
    "VALID_FREQUENCIES",
    "CouponPeriod",
    "DayCount",
    "accrued_interest_at",
    "accrued_interest_units",
    "civil_from_days",
    "clean_price",
    "coupon_amount",
    "coupon_schedule",
    "coupon_table",
    "day_count",
    "days_from_civil",
    "days_in_month",
    "dirty_price",
    "from_timestamp",
    "to_timestamp",
    "year_fraction",
]

MAX_BPS = 10_000  # 100% in basis points
SECONDS_PER_DAY = 86_400
VALID_FREQUENCIES = (1, 2, 4, 12)  # coupons per year

# days_from_civil(1970, 1, 1) counted from 0000-03-01, and the length of a 400-year era
_EPOCH_SHIFT = 719_468
_DAYS_PER_ERA = 146_097


class DayCount(enum.IntEnum):
    """Day-count basis. The integer value is the bond's on-chain day-count code."""

    THIRTY_360 = 0  # 30/360 US bond basis (ISDA 30/360)
    ACT_360 = 1
    ACT_365 = 2  # ACT/365 Fixed
    ACT_ACT = 3  # ACT/ACT ICMA (period based)

    @property
    def label(self) -> str:
        """The market name of the basis, e.g. ``"ACT/360"`` (what ``parse`` accepts)."""
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str) -> DayCount:
        """Parse a market name ("30/360", "ACT/360", "ACT/365", "ACT/ACT"), case-insensitive.

        Raises:
            ValueError: the text names no supported basis (the message lists the valid ones).
        """
        if not isinstance(text, str):
            raise TypeError(f"day-count basis must be a string, got {type(text).__name__}")
        key = text.strip().upper()
        for member, label in _LABELS.items():
            if key == label:
                return member
        valid = ", ".join(_LABELS.values())
        raise ValueError(f"unknown day-count basis {text!r}; expected one of: {valid}")


_LABELS: dict[DayCount, str] = {
    DayCount.THIRTY_360: "30/360",
    DayCount.ACT_360: "ACT/360",
    DayCount.ACT_365: "ACT/365",
    DayCount.ACT_ACT: "ACT/ACT",
}


@dataclass(frozen=True)
class CouponPeriod:
    """One coupon period as written on-chain.

    ``start``/``end`` are dates (``end`` is the coupon/record date), ``start_ts``/``end_ts``
    their UTC-midnight timestamps, ``coupon_units`` the coupon per token paid at ``end``.
    """

    index: int  # 1-based
    start: date
    end: date
    start_ts: int
    end_ts: int
    coupon_units: int


# ---------------------------------------------------------------------------------------
# Civil calendar <-> day numbers (integer-only, maps onto uint256 math)
# ---------------------------------------------------------------------------------------


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Number of days in ``month`` (1-12) of ``year`` (proleptic Gregorian)."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be in 1..12, got {month}")
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of the Gregorian date y-m-d (Howard Hinnant's days_from_civil).

    Only ``//``, ``%``, ``+``, ``-``, ``*`` on non-negative intermediates (for y >= 1), so
    the same steps run on uint256 on-chain; there the final subtraction needs a date on or
    after 1970-01-01 (result >= 0).

    Raises:
        ValueError: year < 1 or the date does not exist.
    """
    if y < MINYEAR:
        raise ValueError(f"year must be >= {MINYEAR}, got {y}")
    if not 1 <= d <= days_in_month(y, m):
        raise ValueError(f"invalid date {y:04d}-{m:02d}-{d:02d}")
    # Shift the year to start on 1 March so the leap day is the last day of the year:
    # mp = 0 for March ... 9 for December, 10 for January, 11 for February.
    mp = (m + 9) % 12
    y = y - mp // 10  # January and February belong to the previous (March-based) year
    era = y // 400
    yoe = y - era * 400  # year of era, [0, 399]
    doy = (153 * mp + 2) // 5 + d - 1  # day of (March-based) year, [0, 365]
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy  # day of era, [0, 146096]
    return era * _DAYS_PER_ERA + doe - _EPOCH_SHIFT


def civil_from_days(n: int) -> tuple[int, int, int]:
    """(year, month, day) of day number ``n`` (days since 1970-01-01); Hinnant's civil_from_days.

    Only ``//``, ``%``, ``+``, ``-``, ``*`` on non-negative intermediates, so the same steps
    run on uint256 on-chain (where ``n = timestamp // 86_400``).

    Raises:
        ValueError: ``n`` is before 0001-01-01.
    """
    if n < _MIN_DAY:
        raise ValueError(f"day number {n} is before {MINYEAR:04d}-01-01")
    z = n + _EPOCH_SHIFT  # days since 0000-03-01
    era = z // _DAYS_PER_ERA
    doe = z - era * _DAYS_PER_ERA  # [0, 146096]
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365  # [0, 399]
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)  # [0, 365]
    mp = (5 * doy + 2) // 153  # [0, 11], 0 = March
    d = doy - (153 * mp + 2) // 5 + 1  # [1, 31]
    m = mp + 3 - 12 * (mp // 10)  # March..December -> 3..12, January/February -> 1/2
    y = yoe + era * 400 + mp // 10  # January and February are in the next civil year
    return y, m, d


_MIN_DAY = days_from_civil(MINYEAR, 1, 1)


def to_timestamp(d: date) -> int:
    """Unix timestamp (seconds) of UTC midnight at the start of date ``d``."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a datetime.date (not a datetime), got {type(d).__name__}")
    return days_from_civil(d.year, d.month, d.day) * SECONDS_PER_DAY


def from_timestamp(ts: int) -> date:
    """UTC calendar date containing unix timestamp ``ts`` (seconds)."""
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise TypeError(f"timestamp must be an int (seconds), got {type(ts).__name__}")
    return date(*civil_from_days(ts // SECONDS_PER_DAY))


# ---------------------------------------------------------------------------------------
# Day counts and year fractions
# ---------------------------------------------------------------------------------------


def _check_frequency(frequency: int) -> None:
    if isinstance(frequency, bool) or frequency not in VALID_FREQUENCIES:
        valid = ", ".join(map(str, VALID_FREQUENCIES))
        raise ValueError(f"coupon frequency must be one of {valid} per year, got {frequency!r}")


def _thirty_360_serial(y: int, m: int, d: int) -> int:
    """360*Y + 30*M + D, the day number the 30/360 formula differences (always >= 0)."""
    return 360 * y + 30 * m + d


def day_count(start: date, end: date, basis: DayCount) -> int:
    """Days from ``start`` to ``end`` under ``basis`` (30/360 formula, else actual days).

    Raises:
        ValueError: ``end`` is before ``start``.
    """
    if end < start:
        raise ValueError(f"day count: end {end} is before start {start}")
    basis = DayCount(basis)
    if basis is not DayCount.THIRTY_360:
        return (end - start).days
    d1, d2 = start.day, end.day
    if d1 == 31:
        d1 = 30
    if d2 == 31 and d1 == 30:  # D1 was 30 or 31
        d2 = 30
    return _thirty_360_serial(end.year, end.month, d2) - _thirty_360_serial(
        start.year, start.month, d1
    )


def year_fraction(
    start: date,
    end: date,
    basis: DayCount,
    *,
    period_start: date | None = None,
    period_end: date | None = None,
    frequency: int | None = None,
) -> Fraction:
    """Exact year fraction from ``start`` to ``end``.

    ACT/360 = days/360, ACT/365 = days/365, 30/360 = d/360 (the reference-period arguments
    are ignored for these). ACT/ACT ICMA = days / (frequency * actual days of the reference
    coupon period ``[period_start, period_end]``), which must contain ``[start, end]``.

    Raises:
        ValueError: ``end`` before ``start``; for ACT/ACT a missing or invalid reference
            period or frequency.
    """
    basis = DayCount(basis)
    days = day_count(start, end, basis)
    if basis is DayCount.ACT_360 or basis is DayCount.THIRTY_360:
        return Fraction(days, 360)
    if basis is DayCount.ACT_365:
        return Fraction(days, 365)
    # ACT/ACT ICMA
    if period_start is None or period_end is None or frequency is None:
        raise ValueError(
            "ACT/ACT (ICMA) needs the reference coupon period: pass period_start, "
            "period_end and frequency"
        )
    _check_frequency(frequency)
    if period_end <= period_start:
        raise ValueError(
            f"ACT/ACT reference period end {period_end} must be after its start {period_start}"
        )
    if not period_start <= start <= end <= period_end:
        raise ValueError(
            f"ACT/ACT: [{start}, {end}] must lie within the reference period "
            f"[{period_start}, {period_end}]"
        )
    return Fraction(days, frequency * (period_end - period_start).days)


# ---------------------------------------------------------------------------------------
# Coupon schedule
# ---------------------------------------------------------------------------------------


def _is_month_end(d: date) -> bool:
    return d.day == days_in_month(d.year, d.month)


def _grid_date(maturity: date, steps_back: int, months: int, month_end: bool) -> date:
    """The grid date ``steps_back * months`` months before maturity, computed from maturity."""
    total = maturity.year * 12 + (maturity.month - 1) - steps_back * months
    year, month0 = divmod(total, 12)
    if year < MINYEAR:
        raise ValueError(f"coupon schedule runs before year {MINYEAR}")
    last = days_in_month(year, month0 + 1)
    return date(year, month0 + 1, last if month_end else min(maturity.day, last))


def _schedule_grid(
    issue_date: date, maturity_date: date, frequency: int, end_of_month: bool
) -> tuple[list[date], date]:
    """Coupon dates after issue (ascending) and the grid date on or before issue."""
    if isinstance(issue_date, datetime) or isinstance(maturity_date, datetime):
        raise TypeError("coupon schedule takes datetime.date values, not datetimes")
    _check_frequency(frequency)
    if maturity_date <= issue_date:
        raise ValueError(f"maturity date {maturity_date} must be after the issue date {issue_date}")
    months = 12 // frequency
    month_end = end_of_month and _is_month_end(maturity_date)
    dates: list[date] = []
    k = 0
    while True:
        d = _grid_date(maturity_date, k, months, month_end)
        if d <= issue_date:
            break
        dates.append(d)
        k += 1
    dates.reverse()
    return dates, d


def coupon_schedule(
    issue_date: date, maturity_date: date, frequency: int, *, end_of_month: bool = True
) -> list[date]:
    """Coupon dates strictly after ``issue_date`` up to and including ``maturity_date``.

    Generated backward from maturity every ``12 / frequency`` months; the first period is a
    short stub when ``issue_date`` is not on the grid. With ``end_of_month`` and a
    month-end maturity every date is a month end; otherwise the maturity's day is clamped
    to each month's length (31 -> 28/29 February).

    Raises:
        ValueError: frequency not in 1, 2, 4, 12, or maturity not after issue.
    """
    dates, _ = _schedule_grid(issue_date, maturity_date, frequency, end_of_month)
    return dates


# ---------------------------------------------------------------------------------------
# Coupon amounts
# ---------------------------------------------------------------------------------------


def _month_index(d: date) -> int:
    return d.year * 12 + d.month


def _could_be_regular(start: date, end: date, months: int) -> bool:
    """True if [start, end] is a regular period of some schedule with this step.

    A schedule with day-of-month D puts dates on min(D, month length) (D = 31 also covers
    the end-of-month rule), so [start, end] is regular iff some D gives both dates.
    """
    if _month_index(end) - _month_index(start) != months:
        return False
    len_s = days_in_month(start.year, start.month)
    len_e = days_in_month(end.year, end.month)
    if end.day < len_e:
        return start.day == min(end.day, len_s)
    return start.day >= min(len_e, len_s)


def _notional_start(period_start: date, period_end: date, frequency: int) -> date:
    """Start of the regular (notional) period ending at ``period_end`` (ICMA reference)."""
    months = 12 // frequency
    if _could_be_regular(period_start, period_end, months):
        return period_start
    if _is_month_end(period_end) and period_end.day < 31:
        raise ValueError(
            f"ACT/ACT: cannot infer the regular period ending {period_end} (a month end that "
            "may be clamped); pass reference_start=, or use coupon_table"
        )
    # period_end.day is the schedule's day of month (31 also stands for month end)
    total = _month_index(period_end) - 1 - months
    year, month0 = divmod(total, 12)
    return date(year, month0 + 1, min(period_end.day, days_in_month(year, month0 + 1)))


def coupon_amount(
    denomination_units: int,
    rate_bps: int,
    basis: DayCount,
    period_start: date,
    period_end: date,
    frequency: int,
    *,
    reference_start: date | None = None,
) -> int:
    """Coupon per ONE bond token for ``[period_start, period_end]``, in stablecoin units.

    ``floor(denomination_units * rate_bps / 10_000 * year_fraction)``, rounded down.

    For ACT/ACT ICMA the reference period ends at ``period_end`` and starts at
    ``reference_start`` (the notional regular period of a short first stub). Without it
    the period is taken as regular when it can be one (paying exactly
    ``denomination * rate / frequency``), otherwise the notional start is derived from
    ``period_end``'s day of month; ``coupon_table`` always passes it explicitly.

    Raises:
        ValueError: negative denomination or rate, bad frequency, empty period, a reference
            start after ``period_start`` (long stubs are not supported), or an ACT/ACT stub
            whose reference period cannot be inferred.
    """
    if denomination_units < 0:
        raise ValueError(f"denomination must be >= 0 units, got {denomination_units}")
    if rate_bps < 0:
        raise ValueError(f"coupon rate must be >= 0 bps, got {rate_bps}")
    _check_frequency(frequency)
    if period_end <= period_start:
        raise ValueError(f"coupon period end {period_end} must be after its start {period_start}")
    basis = DayCount(basis)
    if reference_start is None:
        reference_start = (
            _notional_start(period_start, period_end, frequency)
            if basis is DayCount.ACT_ACT
            else period_start
        )
    if reference_start > period_start:
        raise ValueError(
            f"coupon period [{period_start}, {period_end}] is longer than its regular period "
            f"starting {reference_start} (long stubs are not supported)"
        )
    fraction = year_fraction(
        period_start,
        period_end,
        basis,
        period_start=reference_start,
        period_end=period_end,
        frequency=frequency,
    )
    # coupon = denomination [units] * rate_bps / MAX_BPS * year fraction, rounded down
    return math.floor(Fraction(denomination_units * rate_bps, MAX_BPS) * fraction)


def coupon_table(
    issue_date: date,
    maturity_date: date,
    frequency: int,
    rate_bps: int,
    denomination_units: int,
    basis: DayCount,
    end_of_month: bool = True,
) -> list[CouponPeriod]:
    """Every coupon period from issue to maturity with its timestamps and coupon per token.

    This is what the deploy script writes on-chain (``end_ts`` and ``coupon_units`` per
    period). Period 1 starts at ``issue_date`` (a short stub if off the grid, whose ACT/ACT
    reference is the notional regular period ending on the first coupon date).
    """
    dates, notional_first_start = _schedule_grid(issue_date, maturity_date, frequency, end_of_month)
    basis = DayCount(basis)
    table: list[CouponPeriod] = []
    start = issue_date
    reference_start = notional_first_start
    for index, end in enumerate(dates, start=1):
        units = coupon_amount(
            denomination_units,
            rate_bps,
            basis,
            start,
            end,
            frequency,
            reference_start=reference_start,
        )
        table.append(
            CouponPeriod(
                index=index,
                start=start,
                end=end,
                start_ts=to_timestamp(start),
                end_ts=to_timestamp(end),
                coupon_units=units,
            )
        )
        start = reference_start = end
    return table


# ---------------------------------------------------------------------------------------
# Accrued interest and prices
# ---------------------------------------------------------------------------------------


def accrued_interest_units(
    coupon_units: int,
    period_start_ts: int,
    period_end_ts: int,
    now_ts: int,
    basis: DayCount,
) -> int:
    """Accrued interest per token at ``now_ts`` in a period paying ``coupon_units``.

    ``floor(coupon_units * accrued_days / period_days)`` with whole UTC days, ``now``
    truncated to its UTC date and clamped to the period (see the module docstring for the
    exact on-chain algorithm). 0 if ``period_days`` is 0 (a 30/360 one-day stub).

    Raises:
        ValueError: negative coupon or a period end not after its start.
    """
    if coupon_units < 0:
        raise ValueError(f"coupon must be >= 0 units, got {coupon_units}")
    if period_end_ts <= period_start_ts:
        raise ValueError(
            f"period end {period_end_ts} must be after the period start {period_start_ts}"
        )
    if now_ts < period_start_ts:
        return 0
    start = from_timestamp(period_start_ts)
    end = from_timestamp(period_end_ts)
    now = min(from_timestamp(now_ts), end)
    period_days = day_count(start, end, basis)
    if period_days == 0:
        return 0
    # start <= now <= end as dates, and day counts are monotone: 0 <= accrued <= period
    accrued_days = day_count(start, now, basis)
    return coupon_units * accrued_days // period_days


def accrued_interest_at(table: list[CouponPeriod], now_ts: int, basis: DayCount) -> int:
    """Accrued interest per token at ``now_ts`` for a coupon table.

    Uses the period with ``start_ts <= now_ts < end_ts``; 0 before issue and at or after
    maturity.
    """
    if not table:
        raise ValueError("coupon table is empty")
    if now_ts < table[0].start_ts or now_ts >= table[-1].end_ts:
        return 0
    # first period whose end is after now
    i = bisect.bisect_right([p.end_ts for p in table], now_ts)
    period = table[i]
    return accrued_interest_units(
        period.coupon_units, period.start_ts, period.end_ts, now_ts, basis
    )


def dirty_price(clean_price_units: int, accrued_units: int) -> int:
    """Dirty (invoice) price per token: clean price + accrued interest, stablecoin units."""
    if clean_price_units < 0 or accrued_units < 0:
        raise ValueError("clean price and accrued interest must be >= 0 units")
    return clean_price_units + accrued_units


def clean_price(dirty_price_units: int, accrued_units: int) -> int:
    """Clean (quoted) price per token: dirty price - accrued interest, stablecoin units.

    Raises:
        ValueError: negative inputs, or accrued interest above the dirty price.
    """
    if dirty_price_units < 0 or accrued_units < 0:
        raise ValueError("dirty price and accrued interest must be >= 0 units")
    if accrued_units > dirty_price_units:
        raise ValueError(
            f"accrued interest {accrued_units} exceeds the dirty price {dirty_price_units}"
        )
    return dirty_price_units - accrued_units
