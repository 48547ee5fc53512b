# pragma version ~=0.4.3
"""
@title bondline macro_period (observation periods of a macro series)
@license GNU Affero General Public License v3.0 only
@notice How MacroFeed and DebtConversion write, order and date the
        observation period of a macro statistic. Annual series: period =
        year (2026). Quarterly series: period = year * 100 + quarter
        (202603 = Q3 2026). Stateless: import it, no `initializes` needed.
@custom:security Every function is `@pure`. Years are bounded to
        [MIN_YEAR, MAX_YEAR] by `_is_valid`, which callers check first,
        so the calendar arithmetic below never underflows (it is only
        defined from 1970 on) and stays far below 2**64.
"""

# -------------------------------------------------------------- constants --
ANNUAL: constant(uint256) = 1      # periods per year
QUARTERLY: constant(uint256) = 4   # periods per year

MIN_YEAR: constant(uint256) = 1970
MAX_YEAR: constant(uint256) = 9999

SECONDS_PER_DAY: constant(uint256) = 86_400
# days_from_civil(1970, 1, 1) counted from 0000-03-01, and the length of a
# 400-year Gregorian era in days (Howard Hinnant's civil calendar algorithm).
_EPOCH_SHIFT: constant(uint256) = 719_468
_DAYS_PER_ERA: constant(uint256) = 146_097


# --------------------------------------------------------------- internal --
@internal
@pure
def _is_valid(period: uint256, frequency: uint256) -> bool:
    """
    @notice Whether `period` is well written for a series with `frequency`
            periods per year (ANNUAL or QUARTERLY).
    """
    if frequency == ANNUAL:
        return period >= MIN_YEAR and period <= MAX_YEAR
    if frequency == QUARTERLY:
        year: uint256 = period // 100
        quarter: uint256 = period % 100
        return year >= MIN_YEAR and year <= MAX_YEAR and quarter >= 1 and quarter <= 4
    return False


@internal
@pure
def _ordinal(period: uint256, frequency: uint256) -> uint256:
    """
    @notice Consecutive periods have consecutive ordinals (2026 -> 2026;
            202603 -> 2026 * 4 + 2). `period` must be valid.
    """
    if frequency == ANNUAL:
        return period
    # ordinal = year * 4 + (quarter - 1)
    return period // 100 * 4 + period % 100 - 1


@internal
@pure
def _from_ordinal(ordinal: uint256, frequency: uint256) -> uint256:
    """
    @notice Inverse of `_ordinal`.
    """
    if frequency == ANNUAL:
        return ordinal
    # period = year * 100 + quarter, year = ordinal // 4, quarter = ordinal % 4 + 1
    return ordinal // 4 * 100 + ordinal % 4 + 1


@internal
@pure
def _end(period: uint256, frequency: uint256) -> uint256:
    """
    @notice First second after the period (unix s): 00:00 UTC on the first
            day of the next period. A statistic of `period` cannot be
            published before it. `period` must be valid.
    """
    year: uint256 = period
    month: uint256 = 1  # the next period starts on the 1st of this month
    if frequency == ANNUAL:
        year = period + 1
    else:
        quarter: uint256 = period % 100
        year = period // 100
        if quarter == 4:
            year += 1
        else:
            month = 3 * quarter + 1
    return self._days_from_civil(year, month) * SECONDS_PER_DAY


@internal
@pure
def _days_from_civil(year: uint256, month: uint256) -> uint256:
    """
    @dev Days from 1970-01-01 to the 1st of `month` of `year` (Gregorian),
         Howard Hinnant's days_from_civil with day = 1. Needs year >= 1970.
    """
    # The year is counted from March, so January and February belong to
    # the previous year: y = year - 1 if month <= 2.
    y: uint256 = year
    month_from_march: uint256 = 0
    if month <= 2:
        y -= 1
        month_from_march = month + 9
    else:
        month_from_march = month - 3
    era: uint256 = y // 400
    year_of_era: uint256 = y - era * 400                      # [0, 399]
    day_of_year: uint256 = (153 * month_from_march + 2) // 5  # [0, 365], day 1
    day_of_era: uint256 = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * _DAYS_PER_ERA + day_of_era - _EPOCH_SHIFT
