"""TSDCM Monte Carlo experiment: aggregation, tables, payouts and figures (small path counts)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.errors import ConfigError
from analytics.sovereign import (
    ConversionTerms,
    RegimeParameters,
    SovereignModelConfig,
    chunk_generator,
    simulate_chunk,
)
from analytics.tsdcm_mc import (
    TsdcmRunConfig,
    _Moments,
    load_run_config,
    plot_alpha_sensitivity,
    plot_mean_paths,
    run_tsdcm,
)

SMALL = TsdcmRunConfig(n_paths=1500, paths_per_chunk=600, seed=11, alpha_grid=(0.1, 0.4))


@pytest.fixture(scope="module")
def small_result():  # type: ignore[no-untyped-def]
    return run_tsdcm(SMALL)


def test_run__aggregates_chunks_exactly_like_manual_concatenation(small_result) -> None:  # type: ignore[no-untyped-def]
    alphas = (0.1, 0.25, 0.4)
    outs = [
        simulate_chunk(
            SMALL.model,
            n_paths=size,
            n_steps=1000,
            dt=0.01,
            rng=chunk_generator(11, i),
            alphas=alphas,
        )
        for i, size in enumerate((600, 600, 300))
    ]
    base = np.concatenate([o.terminal_debt_baseline for o in outs])
    conv = np.concatenate([o.terminal_debt_converted for o in outs], axis=1)
    assert small_result.baseline_percentiles[50] == pytest.approx(np.percentile(base, 50))
    assert small_result.main.percentiles[90] == pytest.approx(np.percentile(conv[1], 90))
    assert small_result.baseline_default_probability == pytest.approx(
        np.mean(np.concatenate([o.max_debt_baseline for o in outs]) >= 1.4)
    )
    act = np.concatenate([o.activation_step for o in outs]) >= 0
    assert small_result.activation_probability == pytest.approx(act.mean())
    assert small_result.mean_baseline_path[-1] == pytest.approx(base.mean())
    assert small_result.main.mean_debt_path[0] == pytest.approx(1.0)
    assert sorted(small_result.scenarios) == [0.1, 0.25, 0.4]


def test_run__same_seed_same_numbers_other_seed_differs(small_result) -> None:  # type: ignore[no-untyped-def]
    again = run_tsdcm(SMALL, threaded=False)
    assert again.baseline_percentiles == small_result.baseline_percentiles
    assert again.main.payout_total == small_result.main.payout_total
    other = run_tsdcm(SMALL.model_copy(update={"seed": 12}))
    assert other.baseline_percentiles != small_result.baseline_percentiles


def test_run__conversion_lowers_debt_and_reduction_grows_with_alpha(small_result) -> None:  # type: ignore[no-untyped-def]
    r = small_result
    assert r.main.mean_terminal_debt < r.baseline_mean_terminal_debt
    assert r.main.default_probability <= r.baseline_default_probability
    debts = [r.scenarios[a].mean_terminal_debt for a in (0.1, 0.25, 0.4)]
    assert debts[0] > debts[1] > debts[2]
    assert 0 < r.mean_reduction < 1
    assert r.proposition_3_3_bound == pytest.approx(0.25 * 0.8 * r.activation_probability)
    assert 0 < r.mean_activation_time < 10


def test_run__progress_reports_every_chunk() -> None:
    calls: list[tuple[int, int]] = []
    run_tsdcm(
        TsdcmRunConfig(n_paths=50, paths_per_chunk=20, years=1.0),
        sensitivity=False,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_run__payout_pv_matches_hand_computation_on_deterministic_path() -> None:
    # Same deterministic path as in test_sovereign: D from 100 % toward 50 %, g = 4 % fixed.
    quiet = RegimeParameters(
        debt_drift=0.05,
        debt_mean_reversion=0.10,
        debt_volatility=0.0,
        debt_jump_intensity=0.0,
        debt_jump_log_mean=0.0,
        debt_jump_log_std=0.0,
        growth_drift=0.02,
        growth_mean_reversion=0.5,
        growth_volatility=0.0,
        growth_jump_intensity=0.0,
        growth_jump_log_mean=0.0,
        growth_jump_log_std=0.0,
    )
    model = SovereignModelConfig(
        growth_regime=quiet,
        crisis_regime=quiet,
        crisis_entry_rate=0.0,
        initial_growth=0.04,
        conversion=ConversionTerms(alpha=0.25, beta=0.5, gamma=2.0),
    )
    run = TsdcmRunConfig(model=model, n_paths=2, precision="float64")
    result = run_tsdcm(run, sensitivity=False)
    tau = math.ceil(math.log(0.6) / math.log(1 - 0.001))
    integral = (1000 - tau) * 0.01 * 0.01  # (T - tau) (g - g*)
    pv = 0.25 * 100.0 * 2.0 * integral * 1.03**-10  # alpha x face x gamma x integral, PV at 3 %
    assert result.main.payout_gamma.mean == pytest.approx(pv, rel=1e-9)
    assert result.main.payout_gamma.std == pytest.approx(0.0, abs=1e-12)
    assert result.main.payout_beta.mean == 0.0  # simultaneous rule: D_tau <= D*
    assert result.main.payout_total_if_activated.count == 2
    assert result.activation_probability == 1.0
    assert result.mean_activation_time == pytest.approx(tau * 0.01)


def test_report__has_paper_tables_side_by_side(small_result) -> None:  # type: ignore[no-untyped-def]
    text = small_result.report()
    for needle in (
        "Table 2",
        "Table 3",
        "Table 4",
        "Activation probability",
        "Figure 2",
        "105.1%",  # paper's baseline median
        "32.4%",  # paper's baseline default probability
        "5.23",  # paper's total token payout
        "Proposition 3.3",
    ):
        assert needle in text


def test_plots__write_png_files(small_result, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f1 = plot_mean_paths(small_result, tmp_path / "img" / "fig1.png")
    f2 = plot_alpha_sensitivity(small_result, tmp_path / "fig2.png")
    for f in (f1, f2):
        data = f.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert 5_000 < len(data) < 500_000


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"years": 10.0, "dt": 0.03}, "whole number of steps"),
        ({"alpha_grid": [0.1, 1.5]}, "alpha_grid"),
        ({"n_paths": 0}, "n_paths"),
        ({"model": {"conversion": {"alpha": -0.1}}}, "alpha"),
        ({"pathz": 10}, "pathz"),
    ],
)
def test_load_run_config__bad_values__config_error(data: dict[str, object], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_run_config(data)


def test_load_run_config__defaults_are_paper_section_4() -> None:
    cfg = load_run_config({})
    assert (cfg.n_paths, cfg.years, cfg.dt, cfg.n_steps) == (10_000, 10.0, 0.01, 1000)
    assert cfg.default_threshold == 1.40 and cfg.discount_rate == 0.03


@given(
    data=st.lists(
        st.lists(st.floats(min_value=-1e3, max_value=1e3), min_size=0, max_size=30),
        min_size=1,
        max_size=6,
    )
)
def test_moments__chunked_merge_equals_whole_sample(data: list[list[float]]) -> None:
    m = _Moments()
    for part in data:
        m.add(np.asarray(part, dtype=float))
    flat = np.asarray([x for part in data for x in part], dtype=float)
    s = m.summary()
    assert s.count == flat.size
    if flat.size:
        assert s.mean == pytest.approx(flat.mean(), abs=1e-9)
    if flat.size > 1:
        assert s.std == pytest.approx(flat.std(ddof=1), abs=1e-7)
