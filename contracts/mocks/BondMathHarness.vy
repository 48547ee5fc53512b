# pragma version ~=0.4.3
"""
@title BondMathHarness (test double)
@license GNU Affero General Public License v3.0 only
@notice Exposes modules/bond_math for differential tests against
        analytics.bond_math. Test double only; never deploy.
"""

# ---------------------------------------------------------------- modules --
from ..modules import bond_math


# ------------------------------------------------------------------- view --
@external
@pure
def civil_from_days(n: uint256) -> (uint256, uint256, uint256):
    return bond_math._civil_from_days(n)


@external
@pure
def day_count(start_day: uint256, end_day: uint256, basis: uint8) -> uint256:
    return bond_math._day_count(start_day, end_day, basis)


@external
@pure
def accrued_interest_units(
    coupon_units: uint256, start_ts: uint256, end_ts: uint256, now_ts: uint256, basis: uint8
) -> uint256:
    return bond_math._accrued_interest_units(coupon_units, start_ts, end_ts, now_ts, basis)
