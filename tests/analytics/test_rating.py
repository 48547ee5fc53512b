"""Bond Spectrum Model against hand-worked examples from the whitepaper's section 4."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from analytics.errors import UnknownIndustryError
from analytics.rating import (
    NOTCH_POINTS,
    Colour,
    EmsRatios,
    FinancialStatements,
    FxVulnerability,
    RatingInput,
    SpreadInputs,
    colour_for,
    em_score,
    feedback_adjustment,
    industry_adjustment_notches,
    lookup_industry,
    normalise_ems,
    rate,
    spread_adjustment,
    us_equivalent_grade,
)

# Worked example used in several tests (computed by hand, see test below):
#   X = (0.20, 0.30, 0.10, 1.00)
#   EMS = 1.312 + 0.978 + 0.672 + 1.05 + 3.25 = 7.262  -> nearest Table 2 row AA (7.30)
#   EMS_n = (7.262 - 1.75) / 6.40 * 100 = 86.125
EXAMPLE_RATIOS = EmsRatios(x1=0.20, x2=0.30, x3=0.10, x4=1.00)


def test_em_score__worked_example__matches_hand_computation() -> None:
    assert em_score(EXAMPLE_RATIOS) == pytest.approx(7.262, abs=1e-12)


def test_financial_statements__ratios__divide_by_assets_and_liabilities() -> None:
    fs = FinancialStatements(
        working_capital=200,
        retained_earnings=300,
        operating_income=100,
        book_value_of_equity=500,
        total_assets=1000,
        total_liabilities=500,
    )
    assert fs.ratios() == EmsRatios(x1=0.2, x2=0.3, x3=0.1, x4=1.0)


def test_financial_statements__zero_assets__rejected() -> None:
    with pytest.raises(ValidationError, match="total_assets"):
        FinancialStatements(
            working_capital=1,
            retained_earnings=1,
            operating_income=1,
            book_value_of_equity=1,
            total_assets=0,
            total_liabilities=1,
        )


def test_ratios__nan__rejected() -> None:
    with pytest.raises(ValidationError):
        EmsRatios(x1=float("nan"), x2=0, x3=0, x4=0)


@pytest.mark.parametrize(
    ("ems", "grade"),
    [
        (7.262, "AA"),
        (8.15, "AAA"),
        (9.9, "AAA"),
        (0.3, "D"),
        (1.2, "CCC-"),
        (5.30, "BB+"),
    ],
)
def test_us_equivalent__nearest_table_2_score(ems: float, grade: str) -> None:
    assert us_equivalent_grade(ems)[0] == grade


@pytest.mark.parametrize(
    ("ems", "better", "worse"),
    [(7.875, "AAA", "AA+"), (6.75, "A+", "A"), (0.875, "CCC-", "D"), (4.325, "B+", "B")],
)
def test_us_equivalent__exact_tie__goes_to_better_grade(
    ems: float, better: str, worse: str
) -> None:
    assert us_equivalent_grade(ems)[0] == better
    # a hair toward the worse grade breaks the tie the other way
    assert us_equivalent_grade(ems - 1e-6)[0] == worse


def test_us_equivalent__non_finite__rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        us_equivalent_grade(float("inf"))


def test_normalise__bounds_map_to_0_and_100() -> None:
    assert normalise_ems(1.75) == pytest.approx(0.0)
    assert normalise_ems(8.15) == pytest.approx(100.0)
    assert normalise_ems(7.262) == pytest.approx(86.125)


def test_notch__is_100_over_22_points() -> None:
    # whitepaper: "each notch corresponds to a change of 100/22 ~ 4.54 points"
    assert NOTCH_POINTS == pytest.approx(4.545454, abs=1e-6)


@pytest.mark.parametrize(
    ("score", "colour"),
    [
        (100, Colour.BLUE),
        (80, Colour.BLUE),
        (79.99, Colour.GREEN),
        (60, Colour.GREEN),
        (59, Colour.YELLOW),
        (40, Colour.YELLOW),
        (39, Colour.ORANGE),
        (20, Colour.ORANGE),
        (19, Colour.RED),
        (0, Colour.RED),
    ],
)
def test_colour_bands(score: float, colour: Colour) -> None:
    assert colour_for(score) is colour


@pytest.mark.parametrize(
    ("firm", "sector", "notches"),
    [
        ("A", "A", 0),  # same grade: nothing to adjust
        ("A", "A-", -1),  # 1 notch gap: "<= 3 notch difference -> one notch"
        ("AA", "A-", -2),  # 4 notch gap: "3 to 6 notch difference -> two notches"
        ("AA+", "A-", -2),  # 5
        ("A+", "BBB+", -1),  # 3 notch gap is still one notch
        ("AA", "BBB", -2),  # 6 notch gap is still two notches
        ("AAA", "BBB", -3),  # 8: every further three notches adds one
        ("BB", "A+", 3),  # firm below its sector: moved up
        ("BBB-", "BBB+", 1),
    ],
)
def test_industry_adjustment__one_notch_per_three_toward_sector(
    firm: str, sector: str, notches: int
) -> None:
    assert industry_adjustment_notches(firm, sector) == notches


def test_industry_lookup__ignores_case_and_slash_spacing() -> None:
    assert lookup_industry("aerospace/defense") == ("Aerospace / Defense", "BBB")
    assert lookup_industry("  METALS ") == ("Metals", "B+")
    assert lookup_industry("Telecommunication") == ("Telecommunication", "A+")
    assert lookup_industry("Airlines") == ("Airlines", "BB-")


def test_industry_lookup__unknown__error_suggests_close_names() -> None:
    with pytest.raises(UnknownIndustryError, match="Railroads"):
        lookup_industry("Railroad")
    with pytest.raises(UnknownIndustryError, match="not in the whitepaper's Table 3"):
        lookup_industry("Crypto mining")


def _spread(em_yield: float) -> SpreadInputs:
    # UST 4 %, US corporate 5 % (a = 1 %), EM sovereign 5 % (b = 1 %): a + b = 2 %
    return SpreadInputs(
        em_corporate_yield=em_yield,
        us_corporate_yield=0.05,
        em_sovereign_10y_yield=0.05,
        us_treasury_10y_yield=0.04,
    )


@pytest.mark.parametrize(
    ("em_yield", "steps"),
    [
        (0.066, 3),  # spread 2.6 % vs 2 %: +30 % exactly -> three whole steps
        (0.0659, 2),  # +29.5 %: two whole steps
        (0.062, 1),  # +10 %
        (0.0615, 0),  # +7.5 %: less than one step
        (0.060, 0),  # equal to the hurdle
        (0.055, -2),  # spread 1.5 % vs 2 %: -25 %
    ],
)
def test_spread_modifier__1_52_points_per_whole_10_percent(em_yield: float, steps: int) -> None:
    _, got_steps, points = spread_adjustment(_spread(em_yield))
    assert got_steps == steps
    assert points == pytest.approx(1.52 * steps)


def test_spread_inputs__non_positive_hurdle__rejected() -> None:
    with pytest.raises(ValidationError, match="a \\+ b must be positive"):
        SpreadInputs(
            em_corporate_yield=0.08,
            us_corporate_yield=0.04,
            em_sovereign_10y_yield=0.04,
            us_treasury_10y_yield=0.04,
        )


@pytest.mark.parametrize(
    ("diff", "points"),
    [
        (-90, 10),
        (-40.01, 10),
        (-40, 5),  # shared end point: middle band
        (-1, 5),
        (0, 0),
        (1, -5),
        (40, -5),
        (40.01, -10),
        (90, -10),
        (120, -10),  # beyond the printed range keeps the outer band
    ],
)
def test_feedback_modifier__bands(diff: float, points: float) -> None:
    assert feedback_adjustment(50 + diff, 50) == points


def test_rate__full_worked_example__every_step_on_the_trail() -> None:
    # Hand computation (points on the 0-100 scale; notch = 100/22):
    #   EMS_n                                  86.125000
    #   1. FX neutral: -1 notch     -4.545455 -> 81.579545
    #   2. Energy = Low A = A-, firm AA, gap 4 -> -2 notches -9.090909 -> 72.488636
    #   3. competitive +1 notch     +4.545455 -> 77.034091
    #   4. special features: not assessed     -> 77.034091
    #   5. spread 5 % vs a+b 4.5 %: +11.1 % -> one step +1.52 -> 78.554091 (modified EMS)
    #   6. feedback blue, green, green, yellow: average 70; diff +8.55 -> -5 -> 73.554091
    #   rounded 74 -> Green
    result = rate(
        RatingInput(
            issuer="Example SA",
            ratios=EXAMPLE_RATIOS,
            fx_vulnerability="Neutral",
            industry="Energy",
            competitive_position_notches=1,
            spread=SpreadInputs(
                em_corporate_yield=0.09,
                us_corporate_yield=0.055,
                em_sovereign_10y_yield=0.07,
                us_treasury_10y_yield=0.04,
            ),
            investor_feedback=["blue", "Green", "green", "YELLOW"],
        )
    )
    assert not result.excluded
    assert result.us_equivalent == "AA"
    assert result.ems_normalised == pytest.approx(86.125)
    expected_after = [86.125, 81.579545, 72.488636, 77.034091, 77.034091, 78.554091, 73.554091]
    assert [s.score_after for s in result.steps] == pytest.approx(expected_after, abs=1e-6)
    assert [s.notches for s in result.steps[1:4]] == [-1, -2, 1]
    assert result.modified_score == pytest.approx(78.554091, abs=1e-6)
    assert result.investor_feedback_average == pytest.approx(70.0)
    assert result.final_score == 74
    assert result.colour is Colour.GREEN
    text = result.explain()
    assert "Energy: sector Low A = A-, firm AA, gap 4 notches" in text
    assert "GREEN" in text


def test_rate__fx_high__reduces_by_three_notches() -> None:
    # whitepaper: "this modifier may reduce the EMS between 3x4.54 and 1x4.54"
    base = rate(RatingInput(ratios=EXAMPLE_RATIOS))
    high = rate(RatingInput(ratios=EXAMPLE_RATIOS, fx_vulnerability=FxVulnerability.HIGH))
    low = rate(RatingInput(ratios=EXAMPLE_RATIOS, fx_vulnerability=FxVulnerability.LOW))
    assert base.final_score_unrounded is not None and high.final_score_unrounded is not None
    assert base.final_score_unrounded - high.final_score_unrounded == pytest.approx(3 * 100 / 22)
    assert low.final_score_unrounded == base.final_score_unrounded


def test_rate__no_modifiers__colour_from_normalised_ems() -> None:
    result = rate(RatingInput(ratios=EXAMPLE_RATIOS))
    assert result.final_score == 86  # 86.125 rounded
    assert result.colour is Colour.BLUE
    assert all(s.points == 0 for s in result.steps[1:])
    assert "not assessed" in result.explain()


def test_rate__ems_above_8_15__excluded_with_reason() -> None:
    # X4 = 5: EMS = 3.25 + 5.25 = 8.50 > 8.15
    result = rate(RatingInput(ratios=EmsRatios(x1=0, x2=0, x3=0, x4=5)))
    assert result.excluded
    assert result.colour is None and result.final_score is None
    assert result.us_equivalent == "AAA"
    assert "above EMS_max" in (result.exclusion_reason or "")
    assert "EXCLUDED" in result.explain()


def test_rate__ems_below_1_75__excluded() -> None:
    # X1 = -0.3: EMS = 3.25 - 1.968 = 1.282 < 1.75
    result = rate(RatingInput(ratios=EmsRatios(x1=-0.3, x2=0, x3=0, x4=0)))
    assert result.excluded
    assert result.us_equivalent == "CCC-"
    assert "below EMS_min" in (result.exclusion_reason or "")


def test_rate__ems_just_inside_bounds__rated() -> None:
    # X4 = 4.89 / 1.05: EMS = 8.14 (just below the upper bound)
    result = rate(RatingInput(ratios=EmsRatios(x1=0, x2=0, x3=0, x4=4.89 / 1.05)))
    assert not result.excluded
    assert result.colour is Colour.BLUE


def test_rating_input__both_or_neither_source__rejected() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        RatingInput()
    fs = FinancialStatements(
        working_capital=1,
        retained_earnings=1,
        operating_income=1,
        book_value_of_equity=1,
        total_assets=10,
        total_liabilities=10,
    )
    with pytest.raises(ValidationError, match="exactly one"):
        RatingInput(financials=fs, ratios=EXAMPLE_RATIOS)


def test_rating_input__competitive_beyond_one_notch__rejected() -> None:
    with pytest.raises(ValidationError, match="competitive_position_notches"):
        RatingInput(ratios=EXAMPLE_RATIOS, competitive_position_notches=1.5)


def test_rating_input__unknown_colour_or_industry__rejected() -> None:
    with pytest.raises(ValidationError, match="investor_feedback"):
        RatingInput(ratios=EXAMPLE_RATIOS, investor_feedback=["purple"])
    with pytest.raises(ValidationError, match="Table 3"):
        RatingInput(ratios=EXAMPLE_RATIOS, industry="Space tourism")


def test_rating_input__feedback_as_delimited_string() -> None:
    data = RatingInput(ratios=EXAMPLE_RATIOS, investor_feedback="blue;red, green")
    assert data.investor_feedback == (Colour.BLUE, Colour.RED, Colour.GREEN)


_ratio = st.floats(min_value=-1.0, max_value=3.0, allow_nan=False)


@given(
    x1=_ratio,
    x2=_ratio,
    x3=_ratio,
    x4=_ratio,
    fx=st.none() | st.sampled_from(list(FxVulnerability)),
    comp=st.none() | st.floats(min_value=-1, max_value=1),
    special=st.none() | st.floats(min_value=-5, max_value=5),
    feedback=st.lists(st.sampled_from(list(Colour)), max_size=5),
)
def test_rate__property__trail_adds_up_and_colour_matches_score(
    x1: float,
    x2: float,
    x3: float,
    x4: float,
    fx: FxVulnerability | None,
    comp: float | None,
    special: float | None,
    feedback: list[Colour],
) -> None:
    result = rate(
        RatingInput(
            ratios=EmsRatios(x1=x1, x2=x2, x3=x3, x4=x4),
            fx_vulnerability=fx,
            competitive_position_notches=comp,
            special_features_notches=special,
            investor_feedback=feedback,
        )
    )
    assert result.excluded == (not 1.75 <= result.ems <= 8.15)
    if result.excluded:
        assert result.colour is None
        return
    assert result.final_score_unrounded == pytest.approx(
        result.ems_normalised + sum(s.points for s in result.steps[1:])
    )
    assert result.final_score is not None and 0 <= result.final_score <= 100
    assert result.colour is colour_for(result.final_score)
    assert math.isclose(result.steps[-1].score_after, result.final_score_unrounded)
