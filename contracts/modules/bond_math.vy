# pragma version ~=0.4.3
"""
@title bondline bond math (day counts and accrued interest)
@license GNU Affero General Public License v3.0 only
@notice Integer-only day counts and accrued interest per bond token, the
        on-chain twin of `analytics.bond_math.accrued_interest_units`
        (same steps, same rounding, bit-exact; see that module's docstring
        for the definition). Stateless: import it, no `initializes` needed.
@custom:security Every function is `@pure` and reverts on nothing but
        impossible inputs (checked arithmetic is kept wherever a bound
        is not proven in a comment). Dates are day numbers since
        1970-01-01 (`timestamp // 86_400`); they never exceed 2**40 here
        because callers pass bond timestamps below 2**64.
"""

# -------------------------------------------------------------- constants --
SECONDS_PER_DAY: constant(uint256) = 86_400

# Day-count codes, as stored by BondToken.dayCountBasis()
# (analytics.bond_math.DayCount).
THIRTY_360: constant(uint8) = 0
ACT_360: constant(uint8) = 1
ACT_365: constant(uint8) = 2
ACT_ACT: constant(uint8) = 3

# days_from_civil(1970, 1, 1) counted from 0000-03-01, and the length of a
# 400-year Gregorian era in days.
_EPOCH_SHIFT: constant(uint256) = 719_468
_DAYS_PER_ERA: constant(uint256) = 146_097


# --------------------------------------------------------------- internal --
@internal
@pure
def _civil_from_days(n: uint256) -> (uint256, uint256, uint256):
    """
    @notice (year, month 1..12, day 1..31) of day number `n` (days since
            1970-01-01), Howard Hinnant's `civil_from_days`.
    @dev Step for step the Python reference. Every intermediate is a
         non-negative integer below 2**70 for n < 2**64 (the bound asserted),
         so uint256 floor division equals Python's `//` and the unsafe
         operations below can neither overflow nor wrap; each subtraction
         carries the reason it cannot go below zero.
    """
    assert n < 2**64, "bond_math: day number out of range"
    # z = days since 0000-03-01
    z: uint256 = unsafe_add(n, _EPOCH_SHIFT)
    era: uint256 = unsafe_div(z, _DAYS_PER_ERA)
    # doe = day of era, in [0, 146096] (era * _DAYS_PER_ERA <= z)
    doe: uint256 = unsafe_sub(z, unsafe_mul(era, _DAYS_PER_ERA))
    # yoe = year of era, in [0, 399]:
    #   (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    # (doe // 1460 <= doe; the first three terms sum to >= 1 >= doe // 146096 when doe = 146096)
    yoe: uint256 = unsafe_div(
        unsafe_sub(
            unsafe_add(unsafe_sub(doe, unsafe_div(doe, 1460)), unsafe_div(doe, 36524)),
            unsafe_div(doe, 146096),
        ),
        365,
    )
    # doy = day of the March-based year, in [0, 365]:
    #   doe - (365 * yoe + yoe // 4 - yoe // 100)
    # (yoe // 100 <= yoe // 4; the bracket is the first day of year yoe of the era, <= doe)
    doy: uint256 = unsafe_sub(
        doe, unsafe_sub(unsafe_add(unsafe_mul(365, yoe), unsafe_div(yoe, 4)), unsafe_div(yoe, 100))
    )
    # mp = month index from March, in [0, 11]
    mp: uint256 = unsafe_div(unsafe_add(unsafe_mul(5, doy), 2), 153)
    # d = doy - (153 * mp + 2) // 5 + 1, in [1, 31] (the bracket is the first day of month mp, <= doy)
    d: uint256 = unsafe_add(unsafe_sub(doy, unsafe_div(unsafe_add(unsafe_mul(153, mp), 2), 5)), 1)
    # m: March..December -> 3..12, January/February -> 1/2 (mp // 10 is 0 or 1,
    # and mp >= 10 when it is 1, so mp + 3 - 12 >= 1)
    m: uint256 = unsafe_sub(unsafe_add(mp, 3), unsafe_mul(12, unsafe_div(mp, 10)))
    # y = yoe + era * 400 + mp // 10: January and February belong to the next civil year
    y: uint256 = unsafe_add(unsafe_add(yoe, unsafe_mul(era, 400)), unsafe_div(mp, 10))
    return (y, m, d)


@internal
@pure
def _thirty_360_start(start_day: uint256) -> (uint256, uint256):
    """
    @dev The start side of the 30/360 formula: (D1 after its adjustment,
         serial 360*Y1 + 30*M1 + D1).
    """
    y: uint256 = 0
    m: uint256 = 0
    d: uint256 = 0
    (y, m, d) = self._civil_from_days(start_day)
    # D1 = 31 -> 30
    if d == 31:
        d = 30
    return (d, 360 * y + 30 * m + d)


@internal
@pure
def _thirty_360_end(end_day: uint256, d1: uint256) -> uint256:
    """
    @dev The end side of the 30/360 formula: serial 360*Y2 + 30*M2 + D2,
         with D2 = 31 -> 30 when the adjusted D1 is 30.
    """
    y: uint256 = 0
    m: uint256 = 0
    d: uint256 = 0
    (y, m, d) = self._civil_from_days(end_day)
    if d == 31 and d1 == 30:
        d = 30
    return 360 * y + 30 * m + d


@internal
@pure
def _day_count(start_day: uint256, end_day: uint256, basis: uint8) -> uint256:
    """
    @notice Days from `start_day` to `end_day` (day numbers, start <= end)
            under `basis`. Actual days, or 30/360 US bond basis (ISDA 2006
            4.16(f), no February rule):
              D1 = 31 -> 30;  D2 = 31 and D1 in (30, 31) -> 30
              days = (360*Y2 + 30*M2 + D2) - (360*Y1 + 30*M1 + D1)
    @dev Checked subtraction: never negative for start <= end.
    """
    if basis != THIRTY_360:
        return end_day - start_day
    d1: uint256 = 0
    serial_start: uint256 = 0
    (d1, serial_start) = self._thirty_360_start(start_day)
    return self._thirty_360_end(end_day, d1) - serial_start


@internal
@pure
def _accrued_interest_units(
    coupon_units: uint256, start_ts: uint256, end_ts: uint256, now_ts: uint256, basis: uint8
) -> uint256:
    """
    @notice Accrued interest per token (stablecoin units) at `now_ts` in
            the coupon period [start_ts, end_ts) paying `coupon_units`.
    @dev analytics.bond_math.accrued_interest_units, bit-exact:
           s = start_ts // 86_400; e = end_ts // 86_400
           n = min(now_ts // 86_400, e)
           period_days  = day_count(s, e, basis)
           accrued_days = min(day_count(s, n, basis), period_days)
           accrued      = coupon * accrued_days // period_days
         0 before the period starts and when period_days == 0.
         Requires start_ts < end_ts (the bond schedule guarantees it).
    @return Stablecoin units per 1e18 token wei, rounded down.
    """
    if now_ts < start_ts:
        return 0
    s: uint256 = start_ts // SECONDS_PER_DAY
    e: uint256 = end_ts // SECONDS_PER_DAY
    n: uint256 = min(now_ts // SECONDS_PER_DAY, e)
    period_days: uint256 = 0
    accrued_days: uint256 = 0
    if basis == THIRTY_360:
        # day_count(s, e) and day_count(s, n) share the start side.
        d1: uint256 = 0
        serial_start: uint256 = 0
        (d1, serial_start) = self._thirty_360_start(s)
        period_days = self._thirty_360_end(e, d1) - serial_start
        accrued_days = self._thirty_360_end(n, d1) - serial_start
    else:
        period_days = e - s
        accrued_days = n - s
    if period_days == 0:
        return 0
    accrued_days = min(accrued_days, period_days)
    # accrued = coupon * accrued_days / period_days, rounded down
    return coupon_units * accrued_days // period_days
