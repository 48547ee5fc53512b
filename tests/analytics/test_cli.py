"""The ``analytics`` command line: help, inputs from options and files, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from analytics.cli import main

RATING_OPTIONS = [
    "--ratios", "0.2", "0.3", "0.1", "1.0",
    "--fx", "neutral",
    "--industry", "Energy",
    "--competitive", "1",
    "--spread", "0.09", "0.055", "0.07", "0.04",
    "--feedback", "blue,green,green,yellow",
]  # fmt: skip


def run(*args: str) -> Result:
    return CliRunner(mix_stderr=False).invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["rate"], ["risk"], ["simulate"], ["value"], ["screen"]])
def test_help__every_command_explains_itself(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert len(result.output) > 300


def test_python_dash_m__runs_the_same_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "analytics", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0
    assert "analytics simulate" in proc.stdout


# ------------------------------------------------------------------------------- rate


def test_rate__options__worked_example_is_green() -> None:
    result = run("rate", *RATING_OPTIONS, "--issuer", "Example SA")
    assert result.exit_code == 0, result.stderr
    assert "Issuer: Example SA" in result.stdout
    assert "rounded 74 -> GREEN" in result.stdout


def test_rate__json_output() -> None:
    result = run("rate", *RATING_OPTIONS, "--json")
    data = json.loads(result.stdout)
    assert data["colour"] == "green" and data["final_score"] == 74
    assert len(data["steps"]) == 7


def test_rate__yaml_file_with_several_issuers(tmp_path: Path) -> None:
    path = tmp_path / "issuers.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "issuers": [
                    {"issuer": "A", "ratios": {"x1": 0.2, "x2": 0.3, "x3": 0.1, "x4": 1.0}},
                    {"issuer": "B", "ratios": {"x1": 0, "x2": 0, "x3": 0, "x4": 5}},
                ]
            }
        )
    )
    result = run("rate", str(path))
    assert result.exit_code == 0, result.stderr
    assert "Issuer: A" in result.stdout and "BLUE" in result.stdout
    assert "Issuer: B" in result.stdout and "EXCLUDED" in result.stdout


def test_rate__csv_file_flat_columns(tmp_path: Path) -> None:
    path = tmp_path / "issuers.csv"
    path.write_text(
        "issuer,working_capital,retained_earnings,operating_income,book_value_of_equity,"
        "total_assets,total_liabilities,fx_vulnerability,industry,investor_feedback\n"
        "Acme,200,300,100,500,1000,500,high,Metals,red;orange\n"
    )
    result = run("rate", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    [data] = json.loads(result.stdout)
    assert data["issuer"] == "Acme" and data["us_equivalent"] == "AA"
    assert data["steps"][1]["notches"] == -3


def test_rate__csv_bad_number__error_names_issuer_and_field(tmp_path: Path) -> None:
    path = tmp_path / "issuers.csv"
    path.write_text("issuer,x1,x2,x3,x4\nAcme,0.1,abc,0.1,0.1\n")
    result = run("rate", str(path))
    assert result.exit_code == 1
    assert "issuer #1 (Acme)" in result.stderr and "ratios.x2" in result.stderr


def test_rate__unknown_industry__one_clear_error() -> None:
    result = run("rate", "--ratios", "0.1", "0.1", "0.1", "0.1", "--industry", "Railroad")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "Railroads" in result.stderr


@pytest.mark.parametrize(
    "args",
    [["rate"], ["rate", "x.json", "--ratios", "1", "1", "1", "1"]],
)
def test_rate__missing_or_conflicting_inputs__usage_error(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 2


def test_rate__file_not_found__error(tmp_path: Path) -> None:
    result = run("rate", str(tmp_path / "missing.json"))
    assert result.exit_code == 1 and "file not found" in result.stderr


def test_rate__invalid_json__error_with_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"issuer": "A",\n "ratios": }')
    result = run("rate", str(path))
    assert result.exit_code == 1 and "invalid JSON at line 2" in result.stderr


def test_rate__industries_listing() -> None:
    result = run("rate", "--industries")
    assert "Aerospace / Defense" in result.stdout and "Mid BBB" in result.stdout


# ------------------------------------------------------------------------------- risk


@pytest.fixture
def price_csv(tmp_path: Path) -> Path:
    import numpy as np

    rng = np.random.default_rng(1)
    prices = 100 * np.cumprod(1 + rng.normal(0, 0.01, 300))
    path = tmp_path / "prices.csv"
    path.write_text("date,price\n" + "\n".join(f"d{i},{p:.6f}" for i, p in enumerate(prices)))
    return path


def test_risk__prices_and_tokens__three_methods(price_csv: Path) -> None:
    result = run("risk", "--prices", str(price_csv), "--tokens", "1500", "--sims", "20000")
    assert result.exit_code == 0, result.stderr
    for method in ("historical", "parametric-normal", "monte-carlo-normal"):
        assert method in result.stdout


def test_risk__json_position_value_is_tokens_times_last_price(price_csv: Path) -> None:
    result = run("risk", "--prices", str(price_csv), "--tokens", "10", "--json", "--sims", "1000")
    data = json.loads(result.stdout)
    last = float(price_csv.read_text().splitlines()[-1].split(",")[1])
    assert data[0]["position_value"] == pytest.approx(10 * last)
    assert data[0]["var_fraction"] == pytest.approx(data[0]["var"] / data[0]["position_value"])


def test_risk__distribution_only__parametric_and_mc() -> None:
    result = run("risk", "--mean", "0", "--std", "0.01", "--position-value", "1000", "--json")
    methods = [r["method"] for r in json.loads(result.stdout)]
    assert methods == ["parametric-normal", "monte-carlo-normal"]


def test_risk__confidence_as_percent__clear_error(price_csv: Path) -> None:
    result = run("risk", "--prices", str(price_csv), "--tokens", "1", "--confidence", "99")
    assert result.exit_code == 1 and "strictly between 0 and 1" in result.stderr


def test_risk__bad_price_cell__error_names_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("price\n100\n101\nN/A\n")
    result = run("risk", "--prices", str(path), "--tokens", "1")
    assert result.exit_code == 1 and "line 4" in result.stderr


def test_risk__missing_column__lists_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("close\n100\n101\n")
    result = run("risk", "--prices", str(path), "--tokens", "1")
    assert result.exit_code == 1 and "columns are close" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["risk", "--mean", "0", "--std", "0.01"],  # no position
        ["risk", "--position-value", "1"],  # no data
        ["risk", "--mean", "0", "--std", "0.01", "--tokens", "5"],  # tokens need prices
    ],
)
def test_risk__incomplete_inputs__usage_error(args: list[str]) -> None:
    assert run(*args).exit_code == 2


# --------------------------------------------------------------------------- simulate


def test_simulate__small_run_writes_report_figures_and_progress(tmp_path: Path) -> None:
    out = tmp_path / "tsdcm"
    result = run("simulate", "--paths", "300", "--chunk", "150", "--years", "2", "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert "chunk 1/2" in result.stderr and "chunk 2/2" in result.stderr
    assert "Table 2" in result.stdout and "Table 4" in result.stdout
    for name in ("figure1_mean_paths.png", "figure2_alpha_sensitivity.png", "report.txt"):
        assert (out / name).stat().st_size > 0


def test_simulate__json_with_yaml_config_and_overrides(tmp_path: Path) -> None:
    cfg = tmp_path / "run.yaml"
    cfg.write_text("n_paths: 100\nyears: 1\nmodel:\n  initial_debt_ratio: 0.9\n")
    result = run("simulate", "--config", str(cfg), "--alpha", "0.3", "--json", "--quiet")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["config"]["model"]["initial_debt_ratio"] == 0.9
    assert data["config"]["model"]["conversion"]["alpha"] == 0.3
    assert "0.3" in data["scenarios"]
    assert result.stderr == ""


def test_simulate__params_lists_sources() -> None:
    result = run("simulate", "--params")
    assert "paper Table 1" in result.stdout and "chosen" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dt", "0.03"], "whole number of steps"),
        (["--paths", "0"], "n_paths"),
        (["--alpha", "1.5"], "alpha"),
    ],
)
def test_simulate__bad_settings__one_clear_error(args: list[str], message: str) -> None:
    result = run("simulate", *args)
    assert result.exit_code == 1 and message in result.stderr


def test_simulate__config_not_a_mapping__error(tmp_path: Path) -> None:
    cfg = tmp_path / "run.yaml"
    cfg.write_text("- 1\n- 2\n")
    result = run("simulate", "--config", str(cfg))
    assert result.exit_code == 1 and "expected a mapping" in result.stderr


# --------------------------------------------------------------------- value / screen

BOND_OPTIONS = [
    "--issue", "2025-01-15", "--maturity", "2030-01-15", "--coupon-bps", "500",
    "--frequency", "2", "--denomination", "1000000000", "--settlement", "2026-01-15",
]  # fmt: skip


def test_value__price_from_yield_and_back() -> None:
    priced = run("value", *BOND_OPTIONS, "--yield", "0.07", "--json")
    assert priced.exit_code == 0, priced.stderr
    clean = json.loads(priced.stdout)["clean_pct"]
    solved = run("value", *BOND_OPTIONS, "--price", f"{clean:.12f}", "--json")
    assert json.loads(solved.stdout)["yield_rate"] == pytest.approx(0.07, abs=1e-9)


def test_value__file_with_curve(tmp_path: Path) -> None:
    path = tmp_path / "bond.yaml"
    path.write_text(
        "issue_date: 2025-01-15\nmaturity_date: 2030-01-15\ncoupon_rate_bps: 500\n"
        "frequency: 2\ndenomination_units: 1000000000\nday_count: ACT/ACT\n"
        "curve:\n  tenors_years: [1, 5]\n  zero_rates: [0.04, 0.05]\n"
    )
    result = run("value", str(path), "--settlement", "2026-01-15")
    assert result.exit_code == 0, result.stderr
    assert "method            curve" in result.stdout


def test_value__missing_terms_and_bad_date__usage_errors(tmp_path: Path) -> None:
    assert run("value", "--issue", "2025-01-15", "--yield", "0.05").exit_code == 2
    both = run("value", str(tmp_path / "bond.yaml"), *BOND_OPTIONS, "--yield", "0.05")
    assert both.exit_code == 2 and "not both" in both.stderr
    bad = run("value", *BOND_OPTIONS[:-1], "2026-13-01", "--yield", "0.05")
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.stderr


def test_screen__file(tmp_path: Path) -> None:
    bond = {
        "issue_date": "2025-01-15",
        "maturity_date": "2030-01-15",
        "coupon_rate_bps": 500,
        "frequency": 2,
        "denomination_units": 1_000_000_000,
    }
    path = tmp_path / "screen.json"
    path.write_text(
        json.dumps(
            {
                "criteria": {"demand_threshold": 10, "minimum_valuation_pct": 70},
                "candidates": [
                    {"name": "Good", "terms": bond, "issuer_health": "Stable",
                     "market_demand": 50, "discount_rate": 0.1},
                    {"name": "Thin", "terms": bond, "issuer_health": "Stable",
                     "market_demand": 5, "discount_rate": 0.1},
                ],
            }
        )
    )  # fmt: skip
    result = run("screen", str(path), "--settlement", "2026-01-15")
    assert result.exit_code == 0, result.stderr
    assert "Good: SELECTED" in result.stdout and "Thin: rejected" in result.stdout
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"criteria": {"demand_threshold": 10}, "candidates": []}))
    err = run("screen", str(broken))
    assert err.exit_code == 1 and "minimum_valuation_pct" in err.stderr
