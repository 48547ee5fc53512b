"""DCF price and yield of a bond, and the distressed-bond selection screen (Algorithm 1).

Sources: ``distressed-bond-tokenization.txt`` section 4.1 ("Selection and Evaluation": DCF
valuation, Algorithm 1 *Distressed Bond Selection*).  Schedules, day counts, coupon amounts and
accrued interest come from :mod:`analytics.bond_math`, the project's single source for them
(the same numbers the contracts use).

Units and conventions
---------------------
* Amounts are per bond token in stablecoin *units* (smallest unit: 6 decimals for USDC, so a
  1,000 USDC denomination is ``1_000_000_000``); prices also as % of face.
* Coupon rate in basis points; yields and zero rates as decimals per year (``0.07`` = 7 %).
* **Flat yield** (street convention): a cash flow ``j`` periods after the next coupon date is
  discounted by ``(1 + y/f)^-(w + j)`` where ``f`` is the coupon frequency and ``w`` the
  fraction of the current coupon period still to run, measured with the bond's day-count
  basis against the regular period ending on the next coupon date.
* **Discount curve**: zero rates, continuously compounded, linear in time between the given
  tenors and flat outside them; cash-flow times are ACT/365 Fixed year fractions from the
  settlement date.
* Cash flows strictly after the settlement date are valued (a coupon paid on the settlement
  date belongs to the seller).  Dirty = PV of those cash flows; accrued interest is the
  on-chain definition (:func:`analytics.bond_math.accrued_interest_at`); clean = dirty -
  accrued.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from scipy.optimize import brentq

from analytics import bond_math
from analytics.bond_math import DayCount
from analytics.errors import ConvergenceError, InputError

__all__ = [
    "BondCandidate",
    "BondTerms",
    "CashFlowValue",
    "DiscountCurve",
    "PriceResult",
    "ScreenInput",
    "SelectionCriteria",
    "SelectionResult",
    "price_bond",
    "screen_bonds",
    "select_bond",
    "yield_from_price",
]

_MODEL = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

#: Yield search interval for :func:`yield_from_price`, decimal per year.
YIELD_BRACKET: tuple[float, float] = (-0.5, 10.0)


class BondTerms(BaseModel):
    """Terms of one bond (ERC-7092-style fields as stored on-chain)."""

    model_config = _MODEL

    issue_date: date
    maturity_date: date
    coupon_rate_bps: Annotated[int, Field(ge=0, le=100_000)] = Field(
        description="annual coupon rate, basis points (500 = 5 %)"
    )
    frequency: int = Field(description="coupons per year: 1, 2, 4 or 12")
    denomination_units: Annotated[int, Field(gt=0)] = Field(
        description="face value per token, stablecoin units"
    )
    day_count: DayCount = DayCount.THIRTY_360
    end_of_month: bool = True
    stablecoin_decimals: Annotated[int, Field(ge=0, le=36)] = 6

    @field_validator("day_count", mode="before")
    @classmethod
    def _parse_basis(cls, value: Any) -> Any:
        if isinstance(value, str):
            return DayCount.parse(value)
        return value

    @field_validator("frequency")
    @classmethod
    def _frequency(cls, value: int) -> int:
        if value not in bond_math.VALID_FREQUENCIES:
            raise ValueError(f"frequency must be one of 1, 2, 4, 12 coupons per year, got {value}")
        return value

    @model_validator(mode="after")
    def _dates(self) -> BondTerms:
        if self.maturity_date <= self.issue_date:
            raise ValueError(f"maturity {self.maturity_date} must be after issue {self.issue_date}")
        return self

    def coupon_table(self) -> list[bond_math.CouponPeriod]:
        """The full coupon schedule with coupon amounts (from :mod:`analytics.bond_math`)."""
        return bond_math.coupon_table(
            self.issue_date,
            self.maturity_date,
            self.frequency,
            self.coupon_rate_bps,
            self.denomination_units,
            self.day_count,
            end_of_month=self.end_of_month,
        )

    def to_currency(self, units: float) -> float:
        """Stablecoin units -> whole stablecoins."""
        return units / 10**self.stablecoin_decimals


class DiscountCurve(BaseModel):
    """Zero curve: continuously compounded zero rates at tenors in years."""

    model_config = _MODEL

    tenors_years: tuple[float, ...]
    zero_rates: tuple[float, ...]

    @model_validator(mode="after")
    def _shape(self) -> DiscountCurve:
        if not self.tenors_years or len(self.tenors_years) != len(self.zero_rates):
            raise ValueError("tenors_years and zero_rates must be non-empty and of equal length")
        if any(t <= 0 for t in self.tenors_years):
            raise ValueError("tenors must be positive (years)")
        if any(b <= a for a, b in zip(self.tenors_years, self.tenors_years[1:], strict=False)):
            raise ValueError("tenors must be strictly increasing")
        return self

    def zero_rate(self, t: float) -> float:
        """Linear interpolation in time, flat extrapolation (decimal per year)."""
        ts, zs = self.tenors_years, self.zero_rates
        if t <= ts[0]:
            return zs[0]
        if t >= ts[-1]:
            return zs[-1]
        for i in range(1, len(ts)):
            if t <= ts[i]:
                w = (t - ts[i - 1]) / (ts[i] - ts[i - 1])
                return zs[i - 1] + w * (zs[i] - zs[i - 1])
        raise AssertionError("unreachable")  # pragma: no cover

    def discount_factor(self, t: float) -> float:
        """``exp(-z(t) t)`` for ``t`` years from settlement."""
        return math.exp(-self.zero_rate(t) * t)


@dataclass(frozen=True)
class CashFlowValue:
    """One future cash flow: amount in units, discount time, factor and present value."""

    pay_date: date
    amount_units: int
    time: float  # coupon periods (flat yield) or years (curve)
    discount_factor: float
    present_value_units: float


@dataclass(frozen=True)
class PriceResult:
    """DCF valuation of one token of a bond at a settlement date."""

    settlement: date
    method: str  # "flat-yield" or "curve"
    yield_rate: float | None
    dirty_units: float
    accrued_units: int
    clean_units: float
    clean_pct: float
    dirty_pct: float
    modified_duration: float | None
    cash_flows: tuple[CashFlowValue, ...]
    decimals: int

    def summary(self) -> str:
        """Readable block (amounts in whole stablecoins)."""
        scale = 10**self.decimals
        lines = [
            f"settlement        {self.settlement.isoformat()}",
            f"method            {self.method}",
        ]
        if self.yield_rate is not None:
            lines.append(f"yield             {self.yield_rate:.6%} per year")
        lines += [
            f"dirty price       {self.dirty_units / scale:,.6f}  ({self.dirty_pct:.4f}% of face)",
            f"accrued interest  {self.accrued_units / scale:,.6f}",
            f"clean price       {self.clean_units / scale:,.6f}  ({self.clean_pct:.4f}% of face)",
        ]
        if self.modified_duration is not None:
            lines.append(f"modified duration {self.modified_duration:.4f} years")
        lines.append(f"cash flows        {len(self.cash_flows)}")
        for cf in self.cash_flows:
            lines.append(
                f"  {cf.pay_date.isoformat()}  {cf.amount_units / scale:>16,.6f}  "
                f"DF {cf.discount_factor:.6f}  PV {cf.present_value_units / scale:,.6f}"
            )
        return "\n".join(lines)


def _months_back(d: date, months: int) -> date:
    total = d.year * 12 + (d.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(d.day, bond_math.days_in_month(year, month)))


def _future_periods(
    terms: BondTerms, settlement: date
) -> tuple[list[bond_math.CouponPeriod], list[bond_math.CouponPeriod]]:
    if settlement >= terms.maturity_date:
        raise InputError(
            f"settlement {settlement} is on or after maturity {terms.maturity_date}: "
            "no cash flows left to value"
        )
    table = terms.coupon_table()
    return table, [p for p in table if p.end > settlement]


def _accrued(terms: BondTerms, table: list[bond_math.CouponPeriod], settlement: date) -> int:
    return bond_math.accrued_interest_at(table, bond_math.to_timestamp(settlement), terms.day_count)


def _period_fraction(terms: BondTerms, settlement: date, next_end: date) -> float:
    """``w``: part of the regular period ending at ``next_end`` still to run at settlement."""
    regular_start = _months_back(next_end, 12 // terms.frequency)
    length = bond_math.day_count(regular_start, next_end, terms.day_count)
    if settlement >= next_end:  # pragma: no cover - callers pass future periods only
        return 0.0
    return bond_math.day_count(settlement, next_end, terms.day_count) / length


def _flat_yield_flows(
    terms: BondTerms, settlement: date, future: list[bond_math.CouponPeriod], y: float
) -> tuple[list[CashFlowValue], float, float]:
    f = terms.frequency
    base = 1.0 + y / f
    if base <= 0:
        raise InputError(f"yield {y} is at or below -{f} (periodic compounding undefined)")
    w = _period_fraction(terms, settlement, future[0].end)
    flows = []
    dirty = 0.0
    weighted = 0.0
    for j, period in enumerate(future):
        amount = period.coupon_units + (terms.denomination_units if period is future[-1] else 0)
        exponent = w + j
        df = base ** (-exponent)
        pv = amount * df
        flows.append(CashFlowValue(period.end, amount, exponent, df, pv))
        dirty += pv
        weighted += exponent / f * pv
    return flows, dirty, weighted


def price_bond(
    terms: BondTerms,
    settlement: date,
    *,
    yield_rate: float | None = None,
    curve: DiscountCurve | None = None,
) -> PriceResult:
    """DCF value of one token at ``settlement`` from a flat yield or a discount curve."""
    if (yield_rate is None) == (curve is None):
        raise InputError("give exactly one of yield_rate or curve")
    table, future = _future_periods(terms, settlement)
    accrued = _accrued(terms, table, settlement)
    face = terms.denomination_units
    if yield_rate is not None:
        if not math.isfinite(yield_rate):
            raise InputError(f"yield must be finite, got {yield_rate!r}")
        flows, dirty, weighted = _flat_yield_flows(terms, settlement, future, yield_rate)
        duration = (weighted / dirty) / (1.0 + yield_rate / terms.frequency) if dirty else None
        method = "flat-yield"
    else:
        assert curve is not None
        flows = []
        dirty = 0.0
        for period in future:
            amount = period.coupon_units + (face if period is future[-1] else 0)
            t = (period.end - settlement).days / 365.0
            df = curve.discount_factor(t)
            flows.append(CashFlowValue(period.end, amount, t, df, amount * df))
            dirty += amount * df
        duration = None
        method = "curve"
    clean = dirty - accrued
    return PriceResult(
        settlement=settlement,
        method=method,
        yield_rate=yield_rate,
        dirty_units=dirty,
        accrued_units=accrued,
        clean_units=clean,
        clean_pct=100.0 * clean / face,
        dirty_pct=100.0 * dirty / face,
        modified_duration=duration,
        cash_flows=tuple(flows),
        decimals=terms.stablecoin_decimals,
    )


def yield_from_price(terms: BondTerms, settlement: date, *, clean_price_pct: float) -> PriceResult:
    """Flat yield (decimal per year) at which the clean price equals ``clean_price_pct``."""
    if not (math.isfinite(clean_price_pct) and clean_price_pct > 0):
        raise InputError(f"clean price must be a positive % of face, got {clean_price_pct!r}")
    table, future = _future_periods(terms, settlement)
    accrued = _accrued(terms, table, settlement)
    target = clean_price_pct / 100.0 * terms.denomination_units + accrued

    def gap(y: float) -> float:
        return _flat_yield_flows(terms, settlement, future, y)[1] - target

    lo, hi = YIELD_BRACKET
    g_lo, g_hi = gap(lo), gap(hi)
    if g_lo < 0 or g_hi > 0:
        raise ConvergenceError(
            f"no yield in [{lo:.0%}, {hi:.0%}] gives a clean price of {clean_price_pct}% of face "
            f"(prices span {100 * (g_hi + target - accrued) / terms.denomination_units:.4f}% to "
            f"{100 * (g_lo + target - accrued) / terms.denomination_units:.4f}%)"
        )
    y = float(brentq(gap, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=200))
    return price_bond(terms, settlement, yield_rate=y)


# --------------------------------------------------------------------------------------------
# Algorithm 1: distressed bond selection
# --------------------------------------------------------------------------------------------


class SelectionCriteria(BaseModel):
    """Configurable thresholds of Algorithm 1 (all comparisons strict, as written)."""

    model_config = _MODEL

    accepted_issuer_health: tuple[str, ...] = Field(
        default=("Stable",),
        description='issuer health labels that pass (Algorithm 1: == "Stable"; case-insensitive)',
    )
    demand_threshold: Annotated[float, Field(ge=0)] = Field(
        description="market demand must be strictly greater (same unit as market_demand)"
    )
    minimum_valuation_pct: float = Field(
        description="DCF value (dirty, % of face) must be strictly greater"
    )


class BondCandidate(BaseModel):
    """A bond considered for tokenization; discount with ``discount_rate`` or ``curve``."""

    model_config = _MODEL

    name: str
    terms: BondTerms
    issuer_health: str
    market_demand: Annotated[float, Field(ge=0)]
    discount_rate: float | None = Field(
        default=None, description="flat DCF yield, decimal per year, compounded at frequency"
    )
    curve: DiscountCurve | None = None

    @model_validator(mode="after")
    def _one_discounting(self) -> BondCandidate:
        if (self.discount_rate is None) == (self.curve is None):
            raise ValueError("give exactly one of discount_rate or curve")
        return self


class ScreenInput(BaseModel):
    """File format of ``analytics screen``."""

    model_config = _MODEL

    criteria: SelectionCriteria
    candidates: Annotated[tuple[BondCandidate, ...], Field(min_length=1)]


@dataclass(frozen=True)
class ScreenCheck:
    """One condition of Algorithm 1 and its outcome."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class SelectionResult:
    """Outcome of Algorithm 1 for one bond, with every check that was evaluated."""

    name: str
    selected: bool
    checks: tuple[ScreenCheck, ...]
    valuation_pct: float | None

    def summary(self) -> str:
        """Readable block."""
        head = f"{self.name}: {'SELECTED' if self.selected else 'rejected'}"
        return "\n".join(
            [head]
            + [f"  [{'pass' if c.passed else 'FAIL'}] {c.name}: {c.detail}" for c in self.checks]
        )


def select_bond(
    candidate: BondCandidate, criteria: SelectionCriteria, settlement: date
) -> SelectionResult:
    """Algorithm 1, step by step.

    ``if issuerHealth == "Stable" and marketDemand > threshold: valuation = DCF(bond);
    if valuation > minimumValuation: return bond``.  Like the pseudocode, the DCF is only
    computed once the first two conditions hold.
    """
    accepted = {h.casefold() for h in criteria.accepted_issuer_health}
    healthy = candidate.issuer_health.casefold() in accepted
    demand_ok = candidate.market_demand > criteria.demand_threshold
    checks = [
        ScreenCheck(
            "issuer health",
            healthy,
            f"{candidate.issuer_health!r} in {list(criteria.accepted_issuer_health)}",
        ),
        ScreenCheck(
            "market demand",
            demand_ok,
            f"{candidate.market_demand:,.2f} > {criteria.demand_threshold:,.2f}",
        ),
    ]
    if not (healthy and demand_ok):
        return SelectionResult(candidate.name, False, tuple(checks), None)
    valued = price_bond(
        candidate.terms, settlement, yield_rate=candidate.discount_rate, curve=candidate.curve
    )
    value_ok = valued.dirty_pct > criteria.minimum_valuation_pct
    checks.append(
        ScreenCheck(
            "DCF valuation",
            value_ok,
            f"{valued.dirty_pct:.4f}% of face > {criteria.minimum_valuation_pct:.4f}%",
        )
    )
    return SelectionResult(candidate.name, value_ok, tuple(checks), valued.dirty_pct)


def screen_bonds(
    candidates: Sequence[BondCandidate], criteria: SelectionCriteria, settlement: date
) -> list[SelectionResult]:
    """Algorithm 1 over many candidates, in input order."""
    return [select_bond(c, criteria, settlement) for c in candidates]
