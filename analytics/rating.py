"""Bond Spectrum Model: the whitepaper's colour credit rating built on Altman's EM Score.

Source: ``bondi-whitepaper.txt``, section 4 "Credit Rating System" (and its part A "The Bond
Spectrum Model" and part B "The Modification Criteria").  Every step below cites the text it
implements; where the text is ambiguous the choice made is stated next to the code and in the
docstring of :func:`rate`.

Units
-----
* ``X1..X4``: dimensionless balance-sheet ratios.
* ``EMS``: EM-score units (``EMS = 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4 + 3.25``).
* *points*: the normalised 0-100 scale of the Bond Spectrum Model.
* *notch*: one step of Altman's letter scale, worth ``100 / 22`` points (the whitepaper prints
  the truncated value 4.54; we keep the exact ratio it defines).
* yields: decimal fractions per year (``0.085`` = 8.5 %).

Pipeline (each stage is recorded as a :class:`RatingStep` in the returned
:class:`RatingResult`, so an analyst can see why a colour came out):

1. EMS from the four ratios.
2. US-equivalent letter grade: the Table 2 row whose *average EM score* is nearest to the EMS;
   an exact tie goes to the better grade.
3. Normalised score ``EMS_n = (EMS - 1.75) / (8.15 - 1.75) * 100``; an issuer whose EMS lies
   outside ``[1.75, 8.15]`` is excluded (no colour).
4. Modifiers 1-5 (FX vulnerability, industry risk, competitive position, special debt-issue
   features, spread comparison) added in points to give the *modified EMS*.
5. Modifier 6 (investor feedback), which compares the modified EMS with the average investor
   colour rating.
6. Round to the closest integer (halves round up), clamp to the 0-100 spectrum, map to a colour.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from analytics.errors import UnknownIndustryError

# --------------------------------------------------------------------------------------------
# Constants from the whitepaper
# --------------------------------------------------------------------------------------------

#: EMS coefficients (whitepaper section 4, EMS equation), in EM-score units per unit ratio.
EMS_COEFFICIENTS: tuple[float, float, float, float] = (6.56, 3.26, 6.72, 1.05)
#: EMS constant term, EM-score units.
EMS_CONSTANT: float = 3.25

#: Table 2: US-equivalent rating -> average EM score, best grade first.  (Altman's own
#: exhibit lists AA+ at 7.50; the whitepaper's Table 2, which this project follows, has 7.60.)
US_EQUIVALENT_TABLE: tuple[tuple[str, float], ...] = (
    ("AAA", 8.15),
    ("AA+", 7.60),
    ("AA", 7.30),
    ("AA-", 7.00),
    ("A+", 6.85),
    ("A", 6.65),
    ("A-", 6.40),
    ("BBB+", 6.25),
    ("BBB", 5.85),
    ("BBB-", 5.65),
    ("BB+", 5.25),
    ("BB", 4.95),
    ("BB-", 4.75),
    ("B+", 4.50),
    ("B", 4.15),
    ("B-", 3.75),
    ("CCC+", 3.20),
    ("CCC", 2.50),
    ("CCC-", 1.75),
    ("D", 0.00),
)
GRADES: tuple[str, ...] = tuple(grade for grade, _ in US_EQUIVALENT_TABLE)
_GRADE_INDEX: dict[str, int] = {grade: i for i, grade in enumerate(GRADES)}

#: Normalisation bounds (section A): EMS_min and EMS_max, EM-score units.
EMS_MIN: float = 1.75
EMS_MAX: float = 8.15

#: "The scheme has 22 notches between AAA and D. This means that each notch corresponds to a
#: change of 100/22 points" -- points per notch.
NOTCHES_ON_SCALE: int = 22
NOTCH_POINTS: float = 100.0 / NOTCHES_ON_SCALE

#: Modifier 5: "For each 10% difference ... modify the score by +/- 1.52 points".
SPREAD_STEP: float = 0.10
SPREAD_POINTS_PER_STEP: float = 1.52

#: Two EMS distances closer than this (EM-score units) count as a tie in the Table 2 lookup.
TIE_TOLERANCE: float = 1e-9

#: Table 3: industry -> "Average Sector Credit Safety" as printed in the whitepaper.
INDUSTRY_SECTOR_SAFETY: dict[str, str] = {
    "Telecommunication": "High A",
    "Independent Finance": "High A",
    "Natural Gas Utilities": "High A",
    "Beverages": "High A",
    "High Quality Electric Utilities": "High A",
    "Railroads": "High A",
    "Food Processing": "Mid A",
    "Bottling": "Mid A",
    "Domestic Bank Holding": "Low A",
    "Tobacco": "Low A",
    "Medium-Quality Electric Utilities": "Low A",
    "Consumer Products Industry": "Low A",
    "High Grade Diversified Mfg./Conglomerates": "Low A",
    "Leasing": "Low A",
    "Auto Manufacturers": "Low A",
    "Chemicals": "Low A",
    "Energy": "Low A",
    "Natural Gas Pipelines": "High BBB",
    "Paper/Forest Products": "Mid BBB",
    "Retails": "Mid BBB",
    "Property & Casualty Insurance": "Mid BBB",
    "Aerospace / Defense": "Mid BBB",
    "Information / Data Technology": "Mid BBB",
    "Supermarkets": "High BB",
    "Cable and Media": "High BB",
    "Vehicle Parts": "High BB",
    "Textile / Apparel": "High BB",
    "Low-Quality Electric Utilities": "Mid BB",
    "Gaming": "Mid BB",
    "Restaurants": "Mid BB",
    "Constructions": "Mid BB",
    "Hotel / Leisure": "Mid BB",
    "Low-Quality Manufacturing": "Mid BB",
    "Airlines": "Low BB",
    "Metals": "High B",
}

_SAFETY_SUFFIX = {"High": "+", "Mid": "", "Low": "-"}


def sector_safety_to_grade(safety: str) -> str:
    """Table 3 label to letter grade: "High A" -> "A+", "Mid A" -> "A", "Low A" -> "A-"."""
    tier, _, letter = safety.partition(" ")
    grade = letter + _SAFETY_SUFFIX[tier]
    if grade not in _GRADE_INDEX:  # pragma: no cover - guarded by the table's own content
        raise ValueError(f"sector safety {safety!r} maps to unknown grade {grade!r}")
    return grade


def _industry_key(name: str) -> str:
    key = name.casefold().strip()
    key = re.sub(r"\s*/\s*", "/", key)
    return re.sub(r"\s+", " ", key)


_INDUSTRY_BY_KEY: dict[str, str] = {_industry_key(name): name for name in INDUSTRY_SECTOR_SAFETY}


def lookup_industry(name: str) -> tuple[str, str]:
    """Return ``(canonical industry name, sector grade)`` for a Table 3 industry.

    Matching ignores case and spacing around ``/``.  Raises :class:`UnknownIndustryError`
    (with the closest Table 3 names) for anything else.
    """
    canonical = _INDUSTRY_BY_KEY.get(_industry_key(name))
    if canonical is None:
        close = difflib.get_close_matches(name, list(INDUSTRY_SECTOR_SAFETY), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UnknownIndustryError(
            f"industry {name!r} is not in the whitepaper's Table 3{hint} "
            f"(known: {len(INDUSTRY_SECTOR_SAFETY)} industries, see `analytics rate --industries`)"
        )
    return canonical, sector_safety_to_grade(INDUSTRY_SECTOR_SAFETY[canonical])


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------

_FINITE = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class EmsRatios(BaseModel):
    """The four EMS ratios (dimensionless)."""

    model_config = _FINITE

    x1: float = Field(description="Working capital / total assets")
    x2: float = Field(description="Retained earnings / total assets")
    x3: float = Field(description="Operating income (EBIT) / total assets")
    x4: float = Field(description="Book value of equity / total liabilities")


class FinancialStatements(BaseModel):
    """Balance-sheet and income figures, all in one currency unit (any: ratios are unit-free)."""

    model_config = _FINITE

    working_capital: float
    retained_earnings: float
    operating_income: float = Field(description="EBIT")
    book_value_of_equity: float
    total_assets: Annotated[float, Field(gt=0)]
    total_liabilities: Annotated[float, Field(gt=0)]

    def ratios(self) -> EmsRatios:
        """X1..X4 as defined under the whitepaper's EMS equation."""
        return EmsRatios(
            x1=self.working_capital / self.total_assets,
            x2=self.retained_earnings / self.total_assets,
            x3=self.operating_income / self.total_assets,
            x4=self.book_value_of_equity / self.total_liabilities,
        )


class FxVulnerability(StrEnum):
    """Modifier 1 assessment: "High = 3 Notches, Neutral = 1 Notch, Low = No change" (down)."""

    HIGH = "high"
    NEUTRAL = "neutral"
    LOW = "low"


FX_NOTCHES: dict[FxVulnerability, int] = {
    FxVulnerability.HIGH: -3,
    FxVulnerability.NEUTRAL: -1,
    FxVulnerability.LOW: 0,
}


class Colour(StrEnum):
    """The five colours of the Bond Spectrum (section A) and the investor feedback scheme."""

    BLUE = "blue"
    GREEN = "green"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"


#: Modifier 6: "Each color represents the mean of 5 portions of our 0-100 numeric range".
FEEDBACK_POINTS: dict[Colour, float] = {
    Colour.BLUE: 90.0,
    Colour.GREEN: 70.0,
    Colour.YELLOW: 50.0,
    Colour.ORANGE: 30.0,
    Colour.RED: 10.0,
}


class SpreadInputs(BaseModel):
    """Modifier 5 inputs; every yield is a decimal fraction per year (0.085 = 8.5 %)."""

    model_config = _FINITE

    em_corporate_yield: float = Field(description="Yield of the EM corporate bond being rated")
    us_corporate_yield: float = Field(description="Yield of a US corporate of equal rating")
    em_sovereign_10y_yield: float = Field(description="10-year yield of the EM sovereign")
    us_treasury_10y_yield: float = Field(description="10-year US Treasury yield")

    @model_validator(mode="after")
    def _hurdle_positive(self) -> SpreadInputs:
        if self.hurdle_spread <= 0:
            raise ValueError(
                "a + b must be positive: (US corporate - UST) + (EM sovereign - UST) = "
                f"{self.hurdle_spread:.6f}; the relative difference is undefined otherwise"
            )
        return self

    @property
    def a(self) -> float:
        """US corporate of equal rating minus 10-year UST (decimal per year)."""
        return self.us_corporate_yield - self.us_treasury_10y_yield

    @property
    def b(self) -> float:
        """EM corporate's 10-year sovereign minus 10-year UST (decimal per year)."""
        return self.em_sovereign_10y_yield - self.us_treasury_10y_yield

    @property
    def hurdle_spread(self) -> float:
        """``a + b`` (decimal per year)."""
        return self.a + self.b

    @property
    def corporate_spread(self) -> float:
        """EM corporate yield minus 10-year UST (decimal per year)."""
        return self.em_corporate_yield - self.us_treasury_10y_yield


class RatingInput(BaseModel):
    """Everything the Bond Spectrum Model needs for one issuer.

    Give either ``financials`` or ``ratios``.  A modifier whose input is omitted (``None`` or an
    empty feedback list) is *not assessed*: it adds 0 points and the trail says so.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    issuer: str = ""
    financials: FinancialStatements | None = None
    ratios: EmsRatios | None = None
    fx_vulnerability: FxVulnerability | None = None
    industry: str | None = None
    competitive_position_notches: Annotated[float, Field(ge=-1.0, le=1.0)] | None = Field(
        default=None, description="Modifier 3, at most one notch either way"
    )
    special_features_notches: float | None = Field(
        default=None, description="Modifier 4, analyst's choice (no predetermined amount)"
    )
    special_features_note: str = ""
    spread: SpreadInputs | None = None
    investor_feedback: tuple[Colour, ...] = ()

    @field_validator("fx_vulnerability", mode="before")
    @classmethod
    def _fx_lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("investor_feedback", mode="before")
    @classmethod
    def _feedback_lower(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [part for part in re.split(r"[;,\s]+", value) if part]
        if isinstance(value, list | tuple):
            return tuple(v.strip().lower() if isinstance(v, str) else v for v in value)
        return value

    @model_validator(mode="after")
    def _one_source(self) -> RatingInput:
        if (self.financials is None) == (self.ratios is None):
            raise ValueError("give exactly one of 'financials' or 'ratios'")
        if self.industry is not None:
            lookup_industry(self.industry)
        return self

    def ems_ratios(self) -> EmsRatios:
        """The ratios, computed from the financials when those were given."""
        if self.ratios is not None:
            return self.ratios
        assert self.financials is not None  # guaranteed by _one_source
        return self.financials.ratios()


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingStep:
    """One line of the audit trail.

    ``points`` is the adjustment this step made (0-100 scale); ``score_after`` the running
    score after it; ``notches`` the adjustment in notches where the rule is stated in notches.
    """

    name: str
    detail: str
    points: float
    score_after: float
    notches: float | None = None


@dataclass(frozen=True)
class RatingResult:
    """Outcome of :func:`rate` with the full trail.

    ``colour`` and ``final_score`` are ``None`` exactly when ``excluded`` is true.
    """

    issuer: str
    ratios: EmsRatios
    ems: float
    us_equivalent: str
    us_equivalent_ems: float
    ems_normalised: float
    excluded: bool
    exclusion_reason: str | None
    steps: tuple[RatingStep, ...]
    modified_score: float | None
    investor_feedback_average: float | None
    final_score_unrounded: float | None
    final_score: int | None
    colour: Colour | None

    def explain(self) -> str:
        """The trail as plain text, one step per line."""
        r = self.ratios
        lines = [
            f"Issuer: {self.issuer or '(unnamed)'}",
            f"Ratios: X1={r.x1:.4f} X2={r.x2:.4f} X3={r.x3:.4f} X4={r.x4:.4f}",
            f"EMS = 6.56*X1 + 3.26*X2 + 6.72*X3 + 1.05*X4 + 3.25 = {self.ems:.4f}",
            f"US-equivalent rating: {self.us_equivalent} "
            f"(nearest Table 2 average EM score {self.us_equivalent_ems:.2f})",
            f"EMS_n = (EMS - 1.75) / (8.15 - 1.75) * 100 = {self.ems_normalised:.2f} points",
        ]
        if self.excluded:
            lines.append(f"EXCLUDED: {self.exclusion_reason}")
            return "\n".join(lines)
        for step in self.steps:
            notch = f" ({step.notches:+g} notches)" if step.notches is not None else ""
            lines.append(
                f"{step.name}: {step.points:+.2f} points{notch} -> {step.score_after:.2f}"
                f"  [{step.detail}]"
            )
        lines.append(
            f"Final: {self.final_score_unrounded:.2f} -> rounded {self.final_score} -> "
            f"{str(self.colour).upper()}"
        )
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------------------------


def em_score(ratios: EmsRatios) -> float:
    """``EMS = 6.56 X1 + 3.26 X2 + 6.72 X3 + 1.05 X4 + 3.25`` (EM-score units)."""
    c1, c2, c3, c4 = EMS_COEFFICIENTS
    return c1 * ratios.x1 + c2 * ratios.x2 + c3 * ratios.x3 + c4 * ratios.x4 + EMS_CONSTANT


def us_equivalent_grade(ems: float) -> tuple[str, float]:
    """Table 2 grade whose average EM score is nearest to ``ems``; ties go to the better grade.

    Returns ``(grade, that grade's average EM score)``.  Table 2 is ordered best first, so the
    first row at the minimal distance (within :data:`TIE_TOLERANCE`) is the better grade.
    """
    if not math.isfinite(ems):
        raise ValueError(f"EMS must be finite, got {ems!r}")
    best = min(abs(ems - score) for _, score in US_EQUIVALENT_TABLE)
    for grade, score in US_EQUIVALENT_TABLE:
        if abs(ems - score) <= best + TIE_TOLERANCE:
            return grade, score
    raise AssertionError("unreachable")  # pragma: no cover


def normalise_ems(ems: float) -> float:
    """``EMS_n = (EMS - EMS_min) / (EMS_max - EMS_min) * 100`` (points)."""
    return (ems - EMS_MIN) / (EMS_MAX - EMS_MIN) * 100.0


def colour_for(score: float) -> Colour:
    """Colour band of section A: Blue >= 80 > Green >= 60 > Yellow >= 40 > Orange >= 20 > Red."""
    if score >= 80:
        return Colour.BLUE
    if score >= 60:
        return Colour.GREEN
    if score >= 40:
        return Colour.YELLOW
    if score >= 20:
        return Colour.ORANGE
    return Colour.RED


def round_half_up(value: float) -> int:
    """Closest integer, halves upward (the text says only "rounded to the closest integer")."""
    return math.floor(value + 0.5)


def industry_adjustment_notches(firm_grade: str, sector_grade: str) -> int:
    """Modifier 2 in notches, signed.

    "For every three notch difference between the firm's rating and the sector rating, the
    firm's rating is adjusted by one notch" with the examples "<= 3 notch difference: +/- one
    notch" and "3 to 6 notch difference: +/- two notches".  So a difference of ``n > 0`` notches
    moves ``ceil(n / 3)`` notches; 0 difference moves nothing.  Direction: toward the sector
    (a firm rated above its sector's safety is moved down, one below it is moved up).
    """
    diff = _GRADE_INDEX[sector_grade] - _GRADE_INDEX[firm_grade]  # > 0: sector is worse
    if diff == 0:
        return 0
    size = math.ceil(abs(diff) / 3)
    return -size if diff > 0 else size


def spread_adjustment(spread: SpreadInputs) -> tuple[float, int, float]:
    """Modifier 5: ``(relative difference, whole 10 % steps, points)``.

    The whitepaper defines ``a`` and ``b`` as spreads over the 10-year US Treasury and the
    original EMS test as ``yield > a + b + UST``.  To compare like with like we express the
    corporate's yield as its spread over the same Treasury, ``s = yield - UST``, and measure
    the relative difference ``d = s / (a + b) - 1`` (the whitepaper's own "premium" figures,
    e.g. 4.86 % vs 4.41 % = 10.20 %, are relative differences).  "For each 10 % difference"
    counts whole steps: ``steps = trunc(d / 10 %)``; points ``= 1.52 * steps``, upward when the
    corporate pays more than the hurdle (a good investment by the EMS test).
    """
    rel = spread.corporate_spread / spread.hurdle_spread - 1.0
    # + 1e-9 so that an exact multiple (e.g. 30 % computed as 0.29999999999999993) counts whole
    steps = math.floor(abs(rel) / SPREAD_STEP + 1e-9)
    signed_steps = steps if rel >= 0 else -steps
    return rel, signed_steps, SPREAD_POINTS_PER_STEP * signed_steps


def feedback_adjustment(modified_score: float, feedback_average: float) -> float:
    """Modifier 6 in points, from ``diff = modified EMS - average investor feedback``.

    Bands as written: -90 to -40 -> +10; -40 to +40 -> +/-5; +40 to +90 -> -10.  The bands
    share their end points; we give exactly +/-40 to the middle band.  Inside the middle band
    the 5 points move the score toward the investors' view (none when ``diff == 0``).  A
    difference beyond +/-90 (possible only when modifiers push the score outside 0-100) keeps
    the outer band's 10 points.
    """
    diff = modified_score - feedback_average
    if diff < -40:
        return 10.0
    if diff > 40:
        return -10.0
    if diff < 0:
        return 5.0
    if diff > 0:
        return -5.0
    return 0.0


def rate(data: RatingInput) -> RatingResult:
    """Run the Bond Spectrum Model on one issuer and return the result with its trail."""
    ratios = data.ems_ratios()
    ems = em_score(ratios)
    grade, grade_ems = us_equivalent_grade(ems)
    ems_n = normalise_ems(ems)

    if not EMS_MIN <= ems <= EMS_MAX:
        side = "below EMS_min = 1.75" if ems < EMS_MIN else "above EMS_max = 8.15"
        return RatingResult(
            issuer=data.issuer,
            ratios=ratios,
            ems=ems,
            us_equivalent=grade,
            us_equivalent_ems=grade_ems,
            ems_normalised=ems_n,
            excluded=True,
            exclusion_reason=(
                f"EMS {ems:.4f} is {side}; the Bond Spectrum Model eliminates issuers outside "
                "[1.75, 8.15]"
            ),
            steps=(),
            modified_score=None,
            investor_feedback_average=None,
            final_score_unrounded=None,
            final_score=None,
            colour=None,
        )

    steps: list[RatingStep] = []
    score = ems_n
    steps.append(RatingStep("Normalised EMS", "(EMS - 1.75) / 6.40 * 100", ems_n, score))

    def add(name: str, detail: str, points: float, notches: float | None = None) -> None:
        nonlocal score
        score += points
        steps.append(RatingStep(name, detail, points, score, notches))

    # 1. FX devaluation vulnerability: High = 3 notches, Neutral = 1 notch, Low = no change.
    if data.fx_vulnerability is None:
        add("1. FX vulnerability", "not assessed", 0.0)
    else:
        n = FX_NOTCHES[data.fx_vulnerability]
        add("1. FX vulnerability", f"{data.fx_vulnerability.value}", n * NOTCH_POINTS, n)

    # 2. Industry risk: Table 3 sector safety vs the firm's US-equivalent grade.
    if data.industry is None:
        add("2. Industry risk", "not assessed", 0.0)
    else:
        industry, sector_grade = lookup_industry(data.industry)
        n = industry_adjustment_notches(grade, sector_grade)
        gap = _GRADE_INDEX[sector_grade] - _GRADE_INDEX[grade]
        add(
            "2. Industry risk",
            f"{industry}: sector {INDUSTRY_SECTOR_SAFETY[industry]} = {sector_grade}, "
            f"firm {grade}, gap {abs(gap)} notches",
            n * NOTCH_POINTS,
            n,
        )

    # 3. Competitive position: at most one notch either way (validated on input).
    if data.competitive_position_notches is None:
        add("3. Competitive position", "not assessed", 0.0)
    else:
        n3 = data.competitive_position_notches
        add("3. Competitive position", "analyst, |n| <= 1", n3 * NOTCH_POINTS, n3)

    # 4. Special debt-issue features: amount up to the analyst.
    if data.special_features_notches is None:
        add("4. Special features", "not assessed", 0.0)
    else:
        n4 = data.special_features_notches
        note = data.special_features_note or "analyst"
        add("4. Special features", note, n4 * NOTCH_POINTS, n4)

    # 5. Spread comparison: 1.52 points per whole 10 % of relative difference.
    if data.spread is None:
        add("5. Spread vs US corporate + sovereign", "not assessed", 0.0)
    else:
        rel, n_steps, pts = spread_adjustment(data.spread)
        s = data.spread
        add(
            "5. Spread vs US corporate + sovereign",
            f"spread {s.corporate_spread:.4%} vs a+b {s.hurdle_spread:.4%}: "
            f"{rel:+.2%} -> {n_steps:+d} x 1.52",
            pts,
        )
    modified = score

    # 6. Investor feedback.
    feedback_avg: float | None = None
    if not data.investor_feedback:
        add("6. Investor feedback", "no feedback", 0.0)
    else:
        feedback_avg = sum(FEEDBACK_POINTS[c] for c in data.investor_feedback) / len(
            data.investor_feedback
        )
        pts6 = feedback_adjustment(modified, feedback_avg)
        add(
            "6. Investor feedback",
            f"{len(data.investor_feedback)} ratings, average {feedback_avg:.2f}, "
            f"difference {modified - feedback_avg:+.2f}",
            pts6,
        )

    final_unrounded = score
    final = min(100, max(0, round_half_up(final_unrounded)))
    return RatingResult(
        issuer=data.issuer,
        ratios=ratios,
        ems=ems,
        us_equivalent=grade,
        us_equivalent_ems=grade_ems,
        ems_normalised=ems_n,
        excluded=False,
        exclusion_reason=None,
        steps=tuple(steps),
        modified_score=modified,
        investor_feedback_average=feedback_avg,
        final_score_unrounded=final_unrounded,
        final_score=final,
        colour=colour_for(final),
    )
