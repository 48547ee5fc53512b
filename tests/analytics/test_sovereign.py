"""Regime-switching jump-diffusion (TSDCM eqs. 3.1-3.2) and the conversion on shared paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import ValidationError
from scipy import stats

from analytics.errors import ConfigError, InputError
from analytics.sovereign import (
    ConversionTerms,
    RegimeParameters,
    SovereignModelConfig,
    TriggerRule,
    _GaussianBlocks,
    chunk_generator,
    load_model_config,
    parameter_table,
    simulate_chunk,
    simulate_path,
    step_count,
)

QUIET = RegimeParameters(
    debt_drift=0.0,
    debt_mean_reversion=0.0,
    debt_volatility=0.0,
    debt_jump_intensity=0.0,
    debt_jump_log_mean=0.0,
    debt_jump_log_std=0.0,
    growth_drift=0.0,
    growth_mean_reversion=0.0,
    growth_volatility=0.0,
    growth_jump_intensity=0.0,
    growth_jump_log_mean=0.0,
    growth_jump_log_std=0.0,
)


def _config(
    regime0: dict[str, float] | None = None,
    regime1: dict[str, float] | None = None,
    **kwargs: object,
) -> SovereignModelConfig:
    """A config with no randomness except what the test switches on."""
    base: dict[str, object] = {
        "growth_regime": QUIET.model_copy(update=regime0 or {}),
        "crisis_regime": QUIET.model_copy(update=regime1 or {}),
        "crisis_entry_rate": 0.0,
        "crisis_exit_rate": 0.0,
        "shock_correlation": 0.0,
    }
    base.update(kwargs)
    return SovereignModelConfig(**base)  # type: ignore[arg-type]


def _run(  # type: ignore[no-untyped-def]
    cfg: SovereignModelConfig,
    n_paths: int = 1,
    n_steps: int = 1000,
    dt: float = 0.01,
    precision: str = "float64",
    **kw,
):
    return simulate_chunk(
        cfg,
        n_paths=n_paths,
        n_steps=n_steps,
        dt=dt,
        rng=chunk_generator(7, 0),
        precision=precision,  # type: ignore[arg-type]
        **kw,
    )


# ---------------------------------------------------------------- deterministic limits


def test_debt__no_noise__follows_euler_recursion_of_ode() -> None:
    # dD = (a - b D) dt: Euler D_n = a/b + (D_0 - a/b) (1 - b dt)^n  (paper eq. 3.1, sigma = 0)
    cfg = _config({"debt_drift": 0.05, "debt_mean_reversion": 0.10}, initial_debt_ratio=0.7)
    out = _run(cfg, n_paths=3)
    expected = 0.5 + (0.7 - 0.5) * (1 - 0.10 * 0.01) ** 1000
    assert out.terminal_debt_baseline == pytest.approx([expected] * 3, rel=1e-12)


def test_growth__no_noise__follows_euler_recursion_of_ode() -> None:
    cfg = _config({"growth_drift": 0.02, "growth_mean_reversion": 0.5}, initial_growth=0.0)
    out = _run(cfg)
    expected = 0.04 + (0.0 - 0.04) * (1 - 0.5 * 0.01) ** 1000
    assert out.terminal_growth[0] == pytest.approx(expected, rel=1e-12)


def test_conversion__deterministic_path__tau_retirement_and_growth_integral_exact() -> None:
    # D falls from 100 % toward 50 %; g sits at 4 % > g* = 3 %, so tau = first n with D_n <= 80 %
    b, dt = 0.10, 0.01
    cfg = _config(
        {
            "debt_drift": 0.05,
            "debt_mean_reversion": b,
            "growth_drift": 0.02,
            "growth_mean_reversion": 0.5,
        },
        initial_debt_ratio=1.0,
        initial_growth=0.04,
        conversion=ConversionTerms(alpha=0.25),
    )
    out = _run(cfg)
    q = 1 - b * dt
    tau = math.ceil(math.log(0.3 / 0.5) / math.log(q))  # (1 - b dt)^n <= 0.6
    d_pre = 0.5 + 0.5 * q**tau
    assert out.activation_step[0] == tau
    assert out.debt_before_conversion[0] == pytest.approx(d_pre, rel=1e-12)
    d_conv_t = 0.5 + (0.75 * d_pre - 0.5) * q ** (1000 - tau)
    assert out.terminal_debt_converted[0, 0] == pytest.approx(d_conv_t, rel=1e-10)
    # int_tau^T (g - g*)^+ ds with g = 4 % constant: (T - tau dt) * 1 %
    assert out.growth_excess_integral[0] == pytest.approx((1000 - tau) * dt * 0.01, rel=1e-9)


def test_conversion__growth_never_reaches_threshold__no_activation() -> None:
    cfg = _config(
        {"debt_drift": 0.05, "debt_mean_reversion": 0.10},
        initial_debt_ratio=1.0,
        initial_growth=0.02,  # constant 2 % < g* = 3 %
    )
    out = _run(cfg)
    assert out.activation_step[0] == -1
    assert math.isnan(out.debt_before_conversion[0])
    assert out.growth_excess_integral[0] == 0.0
    assert out.terminal_debt_converted[0, 0] == out.terminal_debt_baseline[0]


def test_conversion__both_conditions_at_start__activates_at_t0() -> None:
    cfg = _config(initial_debt_ratio=0.6, initial_growth=0.05)
    out = _run(cfg, n_steps=10)
    assert out.activation_step[0] == 0
    assert out.terminal_debt_converted[0, 0] == pytest.approx(0.6 * 0.75)


# ---------------------------------------------------------------- the trigger rules


def _random_config(rule: TriggerRule) -> SovereignModelConfig:
    return SovereignModelConfig(conversion=ConversionTerms(trigger_rule=rule))


def test_trigger__simultaneous__first_grid_time_both_conditions_hold() -> None:
    cfg = _random_config(TriggerRule.SIMULTANEOUS)
    out = _run(cfg, n_paths=400, record=True)
    d, g, _ = out.history  # type: ignore[misc]
    both = (d <= 0.8) & (g >= 0.03)
    first = np.where(both.any(axis=0), both.argmax(axis=0), -1)
    assert (first == out.activation_step).all()
    assert (first >= 0).sum() > 50  # the test exercises activations
    # the beta leg vanishes: D_tau- <= D* on every activated path (paper, proof of Thm 3.4)
    act = out.activation_step >= 0
    assert (out.debt_before_conversion[act] <= 0.8).all()


def test_trigger__max_hitting_times__tau_is_later_of_two_first_hits() -> None:
    cfg = _random_config(TriggerRule.MAX_HITTING_TIMES)
    out = _run(cfg, n_paths=400, record=True)
    d, g, _ = out.history  # type: ignore[misc]
    hit_d = np.where((d <= 0.8).any(axis=0), (d <= 0.8).argmax(axis=0), 10**9)
    hit_g = np.where((g >= 0.03).any(axis=0), (g >= 0.03).argmax(axis=0), 10**9)
    tau = np.maximum(hit_d, hit_g)
    expected = np.where(tau <= 1000, tau, -1)
    assert (expected == out.activation_step).all()
    assert (expected >= 0).sum() > 50


def test_trigger__max_hitting_times__debt_may_be_above_threshold_again_at_tau() -> None:
    # crisis for ever, no noise: D starts at 79 % (tau_D = 0) and rises toward 200 %;
    # g rises from 0 toward 4 % and crosses 3 % later, when D is above 80 % again
    cfg = _config(
        regime1={
            "debt_drift": 0.12,
            "debt_mean_reversion": 0.06,
            "growth_drift": 0.02,
            "growth_mean_reversion": 0.5,
        },
        initial_regime=1,
        initial_debt_ratio=0.79,
        initial_growth=0.0,
        conversion=ConversionTerms(trigger_rule=TriggerRule.MAX_HITTING_TIMES),
    )
    out = _run(cfg, record=True)
    d, g, _ = out.history  # type: ignore[misc]
    tau_g = int(np.argmax(g[:, 0] >= 0.03))
    assert out.activation_step[0] == tau_g > 0
    assert out.debt_before_conversion[0] == d[tau_g, 0] > 0.8
    simultaneous = _run(cfg.model_copy(update={"conversion": ConversionTerms()}))
    assert simultaneous.activation_step[0] == -1  # never both at once


def test_pathwise_dominance__converted_never_above_baseline() -> None:
    # Proposition 3.2 on shared noise: D^C_t <= D^0_t for all t >= tau
    out = _run(SovereignModelConfig(), n_paths=2000, alphas=(0.1, 0.4))
    assert (out.terminal_debt_converted <= out.terminal_debt_baseline + 1e-12).all()
    assert (out.max_debt_converted <= out.max_debt_baseline + 1e-12).all()
    # larger alpha, lower debt
    assert (out.terminal_debt_converted[1] <= out.terminal_debt_converted[0] + 1e-12).all()


# ---------------------------------------------------------------- distributional checks


def test_regime_chain__crisis_share_matches_markov_transition_probability() -> None:
    # P(R_t = 1 | R_0 = 0) = l01 / (l01 + l10) (1 - exp(-(l01 + l10) t))
    cfg = _config(crisis_entry_rate=0.12, crisis_exit_rate=0.08)
    out = _run(cfg, n_paths=40_000, n_steps=100, dt=0.1)
    share = out.sum_crisis / 40_000
    for n in (10, 50, 100):
        t = n * 0.1
        expected = 0.6 * (1 - math.exp(-0.2 * t))
        assert share[n] == pytest.approx(expected, abs=0.012)
    assert share[0] == 0.0


def test_debt_jumps__log_level_is_compound_poisson() -> None:
    # only jumps: log D_T = sum Y_i, E = kappa T mu, Var = kappa T (mu^2 + s^2)
    kappa, mu, s = 0.5, -0.10, 0.30
    cfg = _config({"debt_jump_intensity": kappa, "debt_jump_log_mean": mu, "debt_jump_log_std": s})
    out = _run(cfg, n_paths=40_000, n_steps=100, dt=0.1)
    log_d = np.log(out.terminal_debt_baseline)
    lam_t = kappa * 10
    assert log_d.mean() == pytest.approx(lam_t * mu, abs=0.015)
    assert log_d.var() == pytest.approx(lam_t * (mu**2 + s**2), rel=0.05)


def test_jumps__regime_dependent_intensity_by_thinning() -> None:
    # crisis-only jumps, paths always in crisis: jump count ~ Poisson(kappa_1 T)
    cfg = _config(
        regime1={"debt_jump_intensity": 0.3, "debt_jump_log_mean": math.log(2.0)},
        initial_regime=1,
    )
    out = _run(cfg, n_paths=40_000, n_steps=100, dt=0.1)
    jumps = np.round(np.log2(out.terminal_debt_baseline))  # each jump doubles D
    assert jumps.mean() == pytest.approx(3.0, rel=0.03)
    quiet = _run(
        _config(regime1={"debt_jump_intensity": 0.3, "debt_jump_log_mean": math.log(2.0)}),
        n_paths=1000,
        n_steps=100,
        dt=0.1,
    )
    assert (quiet.terminal_debt_baseline == 1.0).all()  # expansion regime: no jumps at all


def test_diffusion__brownian_correlation_between_debt_and_growth() -> None:
    # tiny volatilities: log D_T ~ sigma W_T, log g_T ~ eta W'_T, corr(W, W') = rho
    cfg = _config(
        {"debt_volatility": 0.01, "growth_volatility": 0.01},
        shock_correlation=-0.6,
        initial_growth=0.04,
    )
    out = _run(cfg, n_paths=20_000, n_steps=100, dt=0.1)
    corr = np.corrcoef(np.log(out.terminal_debt_baseline), np.log(out.terminal_growth))[0, 1]
    assert corr == pytest.approx(-0.6, abs=0.03)


def test_diffusion__euler_debt_without_drift_is_a_martingale() -> None:
    cfg = _config({"debt_volatility": 0.2})
    out = _run(cfg, n_paths=40_000, n_steps=100, dt=0.1)
    assert out.terminal_debt_baseline.mean() == pytest.approx(1.0, abs=0.01)
    assert out.terminal_debt_baseline.std() == pytest.approx(
        math.sqrt((1 + 0.04 * 0.1) ** 100 - 1), rel=0.03
    )


# ---------------------------------------------------------------- reproducibility and API


def test_seed__same_stream_identical__threaded_or_not() -> None:
    cfg = SovereignModelConfig()
    a = simulate_chunk(cfg, n_paths=1000, n_steps=1000, dt=0.01, rng=chunk_generator(3, 0))
    b = simulate_chunk(
        cfg, n_paths=1000, n_steps=1000, dt=0.01, rng=chunk_generator(3, 0), threaded=False
    )
    c = simulate_chunk(cfg, n_paths=1000, n_steps=1000, dt=0.01, rng=chunk_generator(4, 0))
    assert np.array_equal(a.terminal_debt_baseline, b.terminal_debt_baseline)
    assert np.array_equal(a.activation_step, b.activation_step)
    assert not np.array_equal(a.terminal_debt_baseline, c.terminal_debt_baseline)


def test_simulate_path__shape_units_and_reproducibility() -> None:
    path = simulate_path(seed=5)
    assert path.t.shape == path.debt_ratio.shape == path.growth.shape == path.regime.shape
    assert path.t.shape == (1001,)
    assert path.t[-1] == pytest.approx(10.0)
    assert path.debt_ratio[0] == 1.0 and path.growth[0] == 0.02 and path.regime[0] == 0
    assert set(np.unique(path.regime)) <= {0, 1}
    assert path.regime.dtype == np.int8
    again = simulate_path(seed=5)
    assert np.array_equal(path.debt_ratio, again.debt_ratio)
    assert not np.array_equal(path.debt_ratio, simulate_path(seed=6).debt_ratio)
    with pytest.raises(ValueError):
        path.debt_ratio[0] = 2.0  # read-only


def test_simulate_path__equals_path_zero_of_monte_carlo_with_same_seed() -> None:
    path = simulate_path(seed=9, years=5.0, dt=0.01)
    mc = simulate_chunk(
        SovereignModelConfig(),
        n_paths=1,
        n_steps=500,
        dt=0.01,
        rng=chunk_generator(9, 0),
        precision="float64",
    )
    assert path.debt_ratio[-1] == mc.terminal_debt_baseline[0]
    assert path.growth[-1] == mc.terminal_growth[0]


def test_simulate_path__custom_config_and_grid() -> None:
    cfg = _config({"debt_drift": 0.05, "debt_mean_reversion": 0.1}, initial_debt_ratio=0.5)
    path = simulate_path(cfg, years=2.0, dt=0.25)
    assert path.t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]
    assert path.debt_ratio == pytest.approx([0.5] * 9)  # at the fixed point a/b


@pytest.mark.parametrize(("years", "dt"), [(10.0, 0.03), (0.0, 0.01), (1.0, -0.1), (1.0, 0.0)])
def test_step_count__not_whole_or_not_positive__rejected(years: float, dt: float) -> None:
    with pytest.raises(InputError):
        step_count(years, dt)
    with pytest.raises(InputError):
        simulate_path(years=years, dt=dt)


def test_step_count__paper_grid() -> None:
    assert step_count(10.0, 0.01) == 1000


def test_config__defaults_are_paper_table_1() -> None:
    cfg = SovereignModelConfig()
    g, c = cfg.growth_regime, cfg.crisis_regime
    assert (g.debt_drift, c.debt_drift) == (0.05, 0.12)
    assert (g.debt_mean_reversion, c.debt_mean_reversion) == (0.10, 0.06)
    assert (g.debt_volatility, c.debt_volatility) == (0.02, 0.05)
    assert (g.debt_jump_intensity, c.debt_jump_intensity) == (0.05, 0.10)
    assert (g.debt_jump_log_mean, c.debt_jump_log_mean) == (-0.10, 0.20)
    assert (g.debt_jump_log_std, c.debt_jump_log_std) == (0.30, 0.50)
    assert (cfg.crisis_entry_rate, cfg.crisis_exit_rate) == (0.12, 0.08)
    assert (cfg.conversion.debt_threshold, cfg.conversion.growth_threshold) == (0.80, 0.03)


def test_config__parameter_table_documents_every_field() -> None:
    rows = parameter_table()
    names = [r[0] for r in rows]
    assert "expansion.growth_drift" in names and "conversion.alpha" in names
    assert "initial_debt_ratio" in names and "shock_correlation" in names
    assert all(why for _, _, why in rows)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"conversion": {"alpha": 1.2}}, "alpha"),
        ({"shock_correlation": -1.5}, "shock_correlation"),
        ({"initial_debt_ratio": 0}, "initial_debt_ratio"),
        ({"growth_regime": {"debt_volatility": -0.1}}, "growth_regime"),
        ({"initial_regime": 2}, "initial_regime"),
        ({"typo_field": 1}, "typo_field"),
        ({"conversion": {"trigger_rule": "sometimes"}}, "trigger_rule"),
    ],
)
def test_load_model_config__bad_values__config_error_names_field(
    data: dict[str, object], match: str
) -> None:
    with pytest.raises(ConfigError, match=match):
        load_model_config(data)


def test_load_model_config__partial_override_keeps_defaults() -> None:
    cfg = load_model_config({"initial_debt_ratio": 1.2, "conversion": {"alpha": 0.3}})
    assert cfg.initial_debt_ratio == 1.2 and cfg.conversion.alpha == 0.3
    assert cfg.conversion.debt_threshold == 0.8


def test_precision__float32_state_agrees_with_float64_on_same_draws() -> None:
    cfg = SovereignModelConfig()
    lo = _run(cfg, n_paths=2000, precision="float32")
    hi = _run(cfg, n_paths=2000, precision="float64")
    # identical regime paths and jumps; Gaussian draws differ only in the sampler's dtype, so
    # compare distributions: percentiles agree far inside the Monte Carlo error (~1e-2)
    for q in (10, 50, 90):
        assert np.percentile(lo.terminal_debt_baseline, q) == pytest.approx(
            np.percentile(hi.terminal_debt_baseline, q), rel=0.05
        )
    assert lo.terminal_debt_baseline.dtype == np.float64  # outcomes are always widened


def test_precision__float32_rounding_is_negligible_for_same_increments() -> None:
    # deterministic drift-only path: float32 and float64 Euler recursions differ by rounding
    cfg = _config({"debt_drift": 0.05, "debt_mean_reversion": 0.10}, initial_debt_ratio=1.3)
    lo = _run(cfg, precision="float32")
    hi = _run(cfg, precision="float64")
    # float32 coefficients such as 1 - b dt carry ~1e-8 relative error, compounded 1,000 times
    assert lo.terminal_debt_baseline[0] == pytest.approx(hi.terminal_debt_baseline[0], rel=1e-4)


def test_precision__unknown__rejected() -> None:
    with pytest.raises(InputError, match="precision"):
        _run(SovereignModelConfig(), precision="float16")


def test_simulate_chunk__bad_alphas__rejected() -> None:
    with pytest.raises(InputError, match="alpha"):
        _run(SovereignModelConfig(), alphas=(0.0,))
    with pytest.raises(ValidationError):
        ConversionTerms(alpha=0.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gaussian_blocks__standard_normal_with_requested_correlation(dtype: type) -> None:
    gen = _GaussianBlocks(
        chunk_generator(1, 0),
        block=50,
        n_paths=4000,
        n_blocks=1,
        rho=-0.3,
        dtype=dtype,
        threaded=False,
    )
    z = next(gen.blocks()).astype(np.float64)
    assert z.dtype == np.float64 and z.shape == (2, 50, 4000)
    w, w2 = z[0].ravel(), z[1].ravel()
    for x in (w, w2):
        assert x.mean() == pytest.approx(0.0, abs=0.01)
        assert x.std() == pytest.approx(1.0, abs=0.01)
        assert stats.kstest(x, "norm").pvalue > 0.001
        assert np.abs(x).max() < 5.8
    assert np.corrcoef(w, w2)[0, 1] == pytest.approx(-0.3, abs=0.01)


def test_gaussian_blocks__helper_thread_gives_identical_blocks() -> None:
    def blocks(threaded: bool) -> list[np.ndarray]:
        gen = _GaussianBlocks(
            chunk_generator(2, 0),
            block=5,
            n_paths=100,
            n_blocks=7,
            rho=0.5,
            dtype=np.float32,
            threaded=threaded,
        )
        return [b.copy() for b in gen.blocks()]

    a, b = blocks(True), blocks(False)
    assert len(a) == len(b) == 7
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize(
    ("cpus", "load", "expected"),
    [(1, 0.0, False), (2, 0.2, True), (2, 0.99, True), (2, 1.0, False), (2, 4.0, False)],
)
def test_helper_thread_heuristic__needs_an_idle_second_cpu(
    monkeypatch: pytest.MonkeyPatch, cpus: int, load: float, expected: bool
) -> None:
    import analytics.sovereign as sov

    monkeypatch.setattr(sov.os, "sched_getaffinity", lambda _pid: set(range(cpus)))
    monkeypatch.setattr(sov.os, "getloadavg", lambda: (load, load, load))
    assert sov.helper_thread_pays_off() is expected
