"""VaR / Expected Shortfall against closed forms and hand-checked samples."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from analytics.errors import InputError, InsufficientDataError
from analytics.risk import (
    empirical_var_es,
    fit_normal,
    historical_risk,
    monte_carlo_risk,
    normal_var_es,
    parametric_risk,
    returns_from_prices,
)

# Standard normal reference values (tables): z_0.975 = 1.959964, phi(z)/(1-a) = 2.337803;
# z_0.99 = 2.326348, phi(z)/(1-a) = 2.665214.


@pytest.mark.parametrize(
    ("confidence", "var", "es"),
    [(0.975, 1.959964, 2.337803), (0.99, 2.326348, 2.665214), (0.95, 1.644854, 2.062713)],
)
def test_normal_var_es__standard_normal__matches_tables(
    confidence: float, var: float, es: float
) -> None:
    got_var, got_es = normal_var_es(0.0, 1.0, confidence)
    assert got_var == pytest.approx(var, abs=1e-6)
    assert got_es == pytest.approx(es, abs=1e-6)


def test_normal_var_es__location_scale() -> None:
    # loss = -R with R ~ N(0.001, 0.02^2): VaR = -0.001 + 0.02 * 2.326348
    var, es = normal_var_es(0.001, 0.02, 0.99)
    assert var == pytest.approx(-0.001 + 0.02 * 2.326348, abs=1e-8)
    assert es == pytest.approx(-0.001 + 0.02 * 2.665214, abs=1e-8)


def test_normal_var_es__negative_std__rejected() -> None:
    with pytest.raises(InputError, match="std"):
        normal_var_es(0.0, -1.0, 0.99)


def test_empirical__losses_1_to_100__quantile_and_tail_mean() -> None:
    losses = np.arange(1.0, 101.0)
    # a = 0.95: n a = 95 -> VaR = 95th smallest = 95; P(X > 95) = 5 % <= 5 %; ES = mean(96..100)
    assert empirical_var_es(losses, 0.95) == pytest.approx((95.0, 98.0))
    assert empirical_var_es(losses, 0.99) == pytest.approx((99.0, 100.0))
    # a = 0.955: n a = 95.5 -> k = 96; ES = (97+98+99+100 + 0.5 * 96) / 4.5
    var, es = empirical_var_es(losses[::-1], 0.955)
    assert var == 96.0
    assert es == pytest.approx((394.0 + 48.0) / 4.5)


def test_empirical__var_satisfies_seed_definition() -> None:
    rng = np.random.default_rng(3)
    losses = rng.standard_normal(1000)
    var, _ = empirical_var_es(losses, 0.95)
    # VaR = inf{x : P(X > x) <= 1 - a}: holds at VaR, fails just below it
    assert np.mean(losses > var) <= 0.05
    assert np.mean(losses > np.nextafter(var, -np.inf)) > 0.05


def test_empirical__floating_rank_boundary__uses_exact_rank() -> None:
    # 0.95 * 1000 = 950.0000000000001 in floating point; the rank must still be 950
    losses = np.arange(1.0, 1001.0)
    var, es = empirical_var_es(losses, 0.95)
    assert var == 950.0
    assert es == pytest.approx(np.mean(np.arange(951.0, 1001.0)))


def test_empirical__too_few_observations__rejected() -> None:
    with pytest.raises(InsufficientDataError, match="need at least 100"):
        empirical_var_es(np.arange(99.0), 0.99)
    empirical_var_es(np.arange(100.0), 0.99)  # exactly enough


@pytest.mark.parametrize("confidence", [0, 1, 95, -0.5, 1.5])
def test_confidence_outside_open_unit_interval__rejected(confidence: float) -> None:
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        empirical_var_es(np.arange(1000.0), confidence)


def test_returns_from_prices__overlapping_horizon() -> None:
    r = returns_from_prices([100.0, 110.0, 99.0, 99.0], horizon=2)
    assert r == pytest.approx([0.99 - 1.0, 99.0 / 110.0 - 1.0])


@pytest.mark.parametrize(
    ("prices", "error", "match"),
    [
        ([100.0, 0.0, 101.0], InputError, "positive"),
        ([100.0, float("nan"), 101.0], InputError, "non-finite value at index 1"),
        ([100.0], InsufficientDataError, "at least 2 prices"),
        ([[100.0, 101.0]], InputError, "one-dimensional"),
    ],
)
def test_returns_from_prices__bad_input__rejected(
    prices: list[float], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        returns_from_prices(prices)


def test_historical__position_scales_losses() -> None:
    # returns -0.1 % .. -10 % on a 1000 position: losses 1 .. 100 (see the test above)
    returns = -0.001 * np.arange(1.0, 101.0)
    result = historical_risk(1000.0, returns=returns, confidence=0.95)
    assert result.var == pytest.approx(95.0)
    assert result.es == pytest.approx(98.0)
    assert result.var_fraction == pytest.approx(0.095)
    assert result.method == "historical"
    assert "expected shortfall" in result.summary()


def test_historical__prices_and_returns_agree() -> None:
    rng = np.random.default_rng(7)
    r = rng.normal(0.0, 0.01, 500)
    prices = 100.0 * np.cumprod(np.concatenate(([1.0], 1.0 + r)))
    by_prices = historical_risk(5_000.0, prices=prices, confidence=0.99, horizon=5)
    by_returns = historical_risk(5_000.0, returns=r, confidence=0.99, horizon=5)
    assert by_prices.var == pytest.approx(by_returns.var)
    assert by_prices.es == pytest.approx(by_returns.es)
    assert by_prices.n_samples == 496


def test_historical__both_or_neither_source__rejected() -> None:
    with pytest.raises(InputError, match="exactly one"):
        historical_risk(1.0)
    with pytest.raises(InputError, match="exactly one"):
        historical_risk(1.0, prices=[1.0, 2.0], returns=[0.1])


def test_historical__impossible_return__rejected() -> None:
    with pytest.raises(InputError, match="-100%"):
        historical_risk(1.0, returns=[0.0] * 99 + [-1.0], confidence=0.9)


@pytest.mark.parametrize("value", [0.0, -5.0, float("inf")])
def test_position_value_not_positive__rejected(value: float) -> None:
    with pytest.raises(InputError, match="position value"):
        parametric_risk(value, mean=0.0, std=0.01)


def test_parametric__horizon_scaling_sqrt_time() -> None:
    one = parametric_risk(1_000_000.0, mean=0.0, std=0.01, confidence=0.99, horizon=1)
    ten = parametric_risk(1_000_000.0, mean=0.0, std=0.01, confidence=0.99, horizon=10)
    assert one.var == pytest.approx(1_000_000.0 * 0.01 * 2.326348, rel=1e-6)
    assert ten.var == pytest.approx(one.var * math.sqrt(10))
    assert ten.es == pytest.approx(one.es * math.sqrt(10))


def test_fit_normal__sample_moments() -> None:
    assert fit_normal([0.01, -0.01, 0.03]) == pytest.approx((0.01, 0.02))
    with pytest.raises(InsufficientDataError):
        fit_normal([0.01])


def test_monte_carlo_normal__converges_to_closed_form() -> None:
    result = monte_carlo_risk(
        1_000.0, distribution="normal", mean=0.0, std=0.02, confidence=0.99, n_sims=400_000
    )
    var, es = normal_var_es(0.0, 0.02, 0.99)
    # sampling error of the 99 % quantile with 400k draws is ~0.2 %
    assert result.var == pytest.approx(1_000.0 * var, rel=0.01)
    assert result.es == pytest.approx(1_000.0 * es, rel=0.01)


def test_monte_carlo_student_t__converges_to_closed_form_quantile() -> None:
    df, sd = 4.0, 0.02
    result = monte_carlo_risk(
        1.0, distribution="student-t", std=sd, df=df, confidence=0.975, n_sims=400_000, seed=11
    )
    scale = sd * math.sqrt((df - 2) / df)
    assert result.var == pytest.approx(scale * stats.t.ppf(0.975, df), rel=0.02)
    # closed-form ES of a t distribution
    q = stats.t.ppf(0.975, df)
    es_t = stats.t.pdf(q, df) / 0.025 * (df + q**2) / (df - 1)
    assert result.es == pytest.approx(scale * es_t, rel=0.03)


def test_monte_carlo__same_seed_same_answer_different_seed_different() -> None:
    kwargs = dict(mean=0.0, std=0.01, n_sims=10_000)
    a = monte_carlo_risk(100.0, seed=1, **kwargs)
    b = monte_carlo_risk(100.0, seed=1, **kwargs)
    c = monte_carlo_risk(100.0, seed=2, **kwargs)
    assert a == b
    assert a.var != c.var


def test_monte_carlo_bootstrap__close_to_historical() -> None:
    rng = np.random.default_rng(5)
    r = rng.normal(0.0005, 0.01, 2000)
    hist = historical_risk(1.0, returns=r, confidence=0.95)
    boot = monte_carlo_risk(
        1.0, distribution="bootstrap", returns=r, n_sims=200_000, confidence=0.95
    )
    assert boot.var == pytest.approx(hist.var, rel=0.03)
    assert boot.es == pytest.approx(hist.es, rel=0.03)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"distribution": "cauchy", "std": 0.01}, "unknown distribution"),
        ({"distribution": "normal"}, "needs a finite mean and std"),
        ({"distribution": "student-t", "std": 0.01, "df": 2.0}, "df > 2"),
        ({"distribution": "bootstrap"}, "needs observed returns"),
        ({"std": 0.01, "n_sims": 50}, "n_sims must be an integer >= 100"),
        ({"std": 0.01, "horizon": 0}, "horizon"),
    ],
)
def test_monte_carlo__bad_arguments__rejected(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        monte_carlo_risk(1.0, **kwargs)  # type: ignore[arg-type]


@given(
    sample=st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=20, max_size=200
    ),
    confidence=st.floats(min_value=0.5, max_value=0.95),
)
def test_empirical__property__es_at_least_var_and_bounded_by_max(
    sample: list[float], confidence: float
) -> None:
    var, es = empirical_var_es(sample, confidence)
    assert es >= var - 1e-6 * (1 + abs(var))
    assert es <= max(sample) + 1e-6 * (1 + abs(max(sample)))
    assert var in sample


@given(
    mean=st.floats(min_value=-0.01, max_value=0.01),
    std=st.floats(min_value=1e-4, max_value=0.1),
    lo=st.floats(min_value=0.5, max_value=0.9),
    hi=st.floats(min_value=0.91, max_value=0.999),
)
def test_normal__property__higher_confidence_higher_var(
    mean: float, std: float, lo: float, hi: float
) -> None:
    var_lo, es_lo = normal_var_es(mean, std, lo)
    var_hi, es_hi = normal_var_es(mean, std, hi)
    assert var_hi > var_lo
    assert es_hi > es_lo
    assert es_lo > var_lo
