"""Command line of the analytics package: ``analytics rate | risk | simulate | value | screen``.

Each command reads its inputs from options or from a JSON/YAML/CSV file, prints a readable
report (or ``--json``), and turns every input problem into one clear ``Error:`` line on
stderr with exit status 1 (2 for a wrong command line).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import numpy as np

from analytics.errors import AnalyticsError

F = TypeVar("F", bound=Callable[..., Any])

_SPREAD_KEYS = (
    "em_corporate_yield",
    "us_corporate_yield",
    "em_sovereign_10y_yield",
    "us_treasury_10y_yield",
)
_FINANCIAL_KEYS = (
    "working_capital",
    "retained_earnings",
    "operating_income",
    "book_value_of_equity",
    "total_assets",
    "total_liabilities",
)


def _fail(message: str) -> NoReturn:
    raise click.ClickException(message)


def _guard(func: F) -> F:
    """Turn analytics errors into ``click`` errors (one line on stderr, exit status 1)."""

    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AnalyticsError as exc:
            _fail(str(exc))

    return wrapper  # type: ignore[return-value]


def _to_jsonable(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return _to_jsonable(asdict(value))
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, date):
        return value.isoformat()
    return value


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(_to_jsonable(value), indent=2))


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="bondline", prog_name="analytics")
def main() -> None:
    """Bond analytics for bondline: credit colour, risk, valuation, sovereign Monte Carlo.

    \b
    analytics rate      credit colour of an issuer (whitepaper's Bond Spectrum Model)
    analytics risk      VaR and Expected Shortfall of a bond-token position
    analytics simulate  TSDCM sovereign debt Monte Carlo (paper's tables and figures)
    analytics value     DCF price and yield of a bond
    analytics screen    Algorithm 1 selection screen over candidate bonds

    Run "analytics COMMAND --help" for the inputs each command takes.
    """


# --------------------------------------------------------------------------------------------
# rate
# --------------------------------------------------------------------------------------------


def _rating_record(record: dict[str, Any]) -> dict[str, Any]:
    """Accept nested (JSON/YAML) or flat (CSV) records and return the nested form."""
    out = dict(record)
    ratios = {k: out.pop(k) for k in ("x1", "x2", "x3", "x4") if k in out}
    if ratios:
        out["ratios"] = ratios
    financials = {k: out.pop(k) for k in _FINANCIAL_KEYS if k in out}
    if financials:
        out["financials"] = financials
    spread = {k: out.pop(k) for k in _SPREAD_KEYS if k in out}
    if spread:
        out["spread"] = spread
    return out


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--issuer", default="", help="Issuer name shown in the report.")
@click.option(
    "--ratios",
    nargs=4,
    type=float,
    metavar="X1 X2 X3 X4",
    help="Working capital/assets, retained earnings/assets, EBIT/assets, equity/liabilities.",
)
@click.option(
    "--fx",
    "fx_vulnerability",
    type=click.Choice(["high", "neutral", "low"], case_sensitive=False),
    help="Modifier 1: FX devaluation vulnerability (high -3 notches, neutral -1, low 0).",
)
@click.option("--industry", help="Modifier 2: industry name from the whitepaper's Table 3.")
@click.option("--competitive", type=float, help="Modifier 3: competitive position, -1 to +1 notch.")
@click.option("--special", type=float, help="Modifier 4: special debt-issue features, notches.")
@click.option(
    "--spread",
    nargs=4,
    type=float,
    metavar="EM_YIELD US_CORP SOVEREIGN UST",
    help="Modifier 5 yields as decimals (0.085 = 8.5%): EM corporate, US corporate of equal "
    "rating, EM 10-year sovereign, 10-year US Treasury.",
)
@click.option("--feedback", help='Modifier 6: investor colours, e.g. "blue,green,green,yellow".')
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--industries", is_flag=True, help="List the Table 3 industries and exit.")
@_guard
def rate(
    file: Path | None,
    issuer: str,
    ratios: tuple[float, float, float, float] | None,
    fx_vulnerability: str | None,
    industry: str | None,
    competitive: float | None,
    special: float | None,
    spread: tuple[float, float, float, float] | None,
    feedback: str | None,
    as_json: bool,
    industries: bool,
) -> None:
    """Credit colour of an issuer with the Bond Spectrum Model.

    Give the four EMS ratios with --ratios (and any modifiers as options), or a FILE:
    JSON/YAML with one issuer, a list, or {"issuers": [...]}; or CSV with one issuer per row
    (columns issuer, x1..x4 or working_capital, retained_earnings, operating_income,
    book_value_of_equity, total_assets, total_liabilities, and optionally fx_vulnerability,
    industry, competitive_position_notches, special_features_notches, em_corporate_yield,
    us_corporate_yield, em_sovereign_10y_yield, us_treasury_10y_yield, investor_feedback).
    A modifier without input is reported as "not assessed" and adds nothing.  --json prints
    one object for the options form and a list for a FILE.

    \b
    Example:
      analytics rate --ratios 0.2 0.3 0.1 1.0 --fx neutral --industry Energy \\
          --spread 0.09 0.055 0.07 0.04 --feedback blue,green,green,yellow
    """
    from analytics.io import load_records, validate
    from analytics.rating import INDUSTRY_SECTOR_SAFETY, RatingInput
    from analytics.rating import rate as run_rating

    if industries:
        for name, safety in INDUSTRY_SECTOR_SAFETY.items():
            click.echo(f"{name:<45}{safety}")
        return
    option_given = any(
        v is not None
        for v in (ratios, fx_vulnerability, industry, competitive, special, spread, feedback)
    )
    if file is not None and option_given:
        raise click.UsageError("give either FILE or the --ratios/modifier options, not both")
    if file is None and ratios is None:
        raise click.UsageError("give a FILE or --ratios X1 X2 X3 X4 (see --help)")
    if file is not None:
        records = [_rating_record(r) for r in load_records(file, "issuers")]
    else:
        record: dict[str, Any] = {
            "issuer": issuer,
            "ratios": dict(zip(("x1", "x2", "x3", "x4"), ratios, strict=True)),
        }  # type: ignore[arg-type]
        if fx_vulnerability is not None:
            record["fx_vulnerability"] = fx_vulnerability
        if industry is not None:
            record["industry"] = industry
        if competitive is not None:
            record["competitive_position_notches"] = competitive
        if special is not None:
            record["special_features_notches"] = special
        if spread is not None:
            record["spread"] = dict(zip(_SPREAD_KEYS, spread, strict=True))
        if feedback is not None:
            record["investor_feedback"] = feedback
        records = [record]
    results = []
    for i, rec in enumerate(records, start=1):
        where = f"issuer #{i}" + (f" ({rec['issuer']})" if rec.get("issuer") else "")
        results.append(run_rating(validate(RatingInput, rec, where)))
    if as_json:
        _echo_json(results if file is not None else results[0])
        return
    click.echo("\n\n".join(r.explain() for r in results))


# --------------------------------------------------------------------------------------------
# risk
# --------------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--prices",
    "prices_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Price history of the bond token: CSV (column 'price' or --column) or JSON list.",
)
@click.option(
    "--returns",
    "returns_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="One-period simple returns instead of prices (CSV column or JSON list).",
)
@click.option("--column", help="CSV column (or JSON key) holding the series.")
@click.option("--mean", type=float, help="Mean one-period return (parametric / Monte Carlo).")
@click.option("--std", type=float, help="Std of the one-period return (parametric / MC).")
@click.option("--position-value", type=float, help="Position value in stablecoin units.")
@click.option("--tokens", type=float, help="Tokens held; value = tokens x last price.")
@click.option("--confidence", type=float, default=0.99, show_default=True, help="Confidence level.")
@click.option(
    "--horizon", type=int, default=1, show_default=True, help="Horizon in observation periods."
)
@click.option(
    "--method",
    type=click.Choice(["all", "historical", "parametric", "monte-carlo"]),
    default="all",
    show_default=True,
)
@click.option(
    "--distribution",
    type=click.Choice(["normal", "student-t", "bootstrap"]),
    default="normal",
    show_default=True,
    help="Monte Carlo return distribution.",
)
@click.option("--df", type=float, default=5.0, show_default=True, help="Student-t degrees.")
@click.option("--sims", type=int, default=100_000, show_default=True, help="Monte Carlo draws.")
@click.option("--seed", type=int, default=0, show_default=True, help="Monte Carlo seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@_guard
def risk(
    prices_file: Path | None,
    returns_file: Path | None,
    column: str | None,
    mean: float | None,
    std: float | None,
    position_value: float | None,
    tokens: float | None,
    confidence: float,
    horizon: int,
    method: str,
    distribution: str,
    df: float,
    sims: int,
    seed: int,
    as_json: bool,
) -> None:
    """VaR and Expected Shortfall of a bond-token position.

    Inputs: a price history (--prices) or returns (--returns), or a return distribution
    (--mean and --std, per observation period).  The position is --position-value in
    stablecoin units, or --tokens times the last price of --prices.  VaR and ES are losses
    over --horizon periods at --confidence (e.g. 0.99), in the position's units.

    \b
    Examples:
      analytics risk --prices token_prices.csv --tokens 1500 --confidence 0.99
      analytics risk --mean 0 --std 0.012 --position-value 250000 --horizon 10
    """
    from analytics import risk as r
    from analytics.io import load_series

    if prices_file and returns_file:
        raise click.UsageError("give --prices or --returns, not both")
    prices = load_series(prices_file, column) if prices_file else None
    returns = load_series(returns_file, column) if returns_file else None
    if prices is not None:
        returns = r.returns_from_prices(prices, 1)
    if position_value is None and tokens is None:
        raise click.UsageError("give --position-value or --tokens")
    if position_value is not None and tokens is not None:
        raise click.UsageError("give --position-value or --tokens, not both")
    if tokens is not None:
        if prices is None:
            raise click.UsageError("--tokens needs --prices (value = tokens x last price)")
        position_value = tokens * float(prices[-1])
    assert position_value is not None
    if returns is None and (mean is None or std is None):
        raise click.UsageError("give --prices, --returns, or both --mean and --std")
    if returns is not None and (mean is not None or std is not None):
        raise click.UsageError("--mean/--std are estimated from the data; do not give both")
    if returns is not None:
        mean, std = r.fit_normal(returns)
    assert mean is not None and std is not None

    results: list[r.RiskResult] = []
    want = {"historical", "parametric", "monte-carlo"} if method == "all" else {method}
    if "historical" in want:
        if returns is None:
            if method == "historical":
                raise click.UsageError("historical VaR needs --prices or --returns")
        elif prices is not None:
            results.append(
                r.historical_risk(
                    position_value, prices=prices, confidence=confidence, horizon=horizon
                )
            )
        else:
            results.append(
                r.historical_risk(
                    position_value, returns=returns, confidence=confidence, horizon=horizon
                )
            )
    if "parametric" in want:
        results.append(
            r.parametric_risk(
                position_value,
                mean=mean,
                std=std,
                confidence=confidence,
                horizon=horizon,
                n_samples=0 if returns is None else int(returns.size),
            )
        )
    if "monte-carlo" in want:
        if distribution == "bootstrap" and returns is None:
            raise click.UsageError("the bootstrap needs --prices or --returns")
        results.append(
            r.monte_carlo_risk(
                position_value,
                distribution=distribution,
                mean=mean,
                std=std,
                df=df,
                returns=returns,
                confidence=confidence,
                horizon=horizon,
                n_sims=sims,
                seed=seed,
            )
        )
    if as_json:
        _echo_json(
            [
                dict(asdict(x), var_fraction=x.var_fraction, es_fraction=x.es_fraction)
                for x in results
            ]
        )
        return
    click.echo("\n\n".join(x.summary() for x in results))


# --------------------------------------------------------------------------------------------
# simulate
# --------------------------------------------------------------------------------------------


@main.command()
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="YAML/JSON run config (keys of TsdcmRunConfig; model parameters under 'model').",
)
@click.option("--paths", type=int, help="Monte Carlo paths [10,000].")
@click.option("--seed", type=int, help="Master seed [0].")
@click.option("--years", type=float, help="Horizon T in years [10].")
@click.option("--dt", type=float, help="Euler step in years [0.01].")
@click.option("--alpha", type=float, help="Conversion fraction alpha [0.25].")
@click.option(
    "--trigger",
    type=click.Choice(["simultaneous", "max-hitting-times"]),
    help="Activation rule [simultaneous, as on-chain].",
)
@click.option("--chunk", type=int, help="Paths per chunk [10,000]; bounds memory.")
@click.option("--no-sensitivity", is_flag=True, help="Skip the alpha grid (Figure 2).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for figure1_mean_paths.png and figure2_alpha_sensitivity.png.",
)
@click.option("--params", is_flag=True, help="Print every model parameter with its source.")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@click.option("--quiet", is_flag=True, help="No progress on stderr.")
@_guard
def simulate(
    config_file: Path | None,
    paths: int | None,
    seed: int | None,
    years: float | None,
    dt: float | None,
    alpha: float | None,
    trigger: str | None,
    chunk: int | None,
    no_sensitivity: bool,
    out_dir: Path | None,
    params: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """TSDCM sovereign debt Monte Carlo: baseline vs conversion on the same paths.

    Reproduces the paper's section 4 outputs: Table 2 (debt-to-GDP percentiles at T),
    Table 3 (default probability, D >= 140%), the activation probability, Table 4 (token
    payout PV at 3%), Figure 1 (mean debt paths) and Figure 2 (alpha sensitivity), each next
    to the paper's number.  Defaults are the paper's Table 1 calibration; parameters the
    paper omits are documented (see --params and docs/tsdcm-replication.md).

    \b
    Examples:
      analytics simulate --out out/tsdcm
      analytics simulate --paths 1000000 --no-sensitivity      # chunked, bounded memory
      analytics simulate --config my_run.yaml --json
    """
    from analytics.io import load_mapping
    from analytics.sovereign import parameter_table
    from analytics.tsdcm_mc import (
        load_run_config,
        plot_alpha_sensitivity,
        plot_mean_paths,
        run_tsdcm,
    )

    data: dict[str, Any] = load_mapping(config_file) if config_file else {}
    for key, value in (
        ("n_paths", paths),
        ("seed", seed),
        ("years", years),
        ("dt", dt),
        ("paths_per_chunk", chunk),
    ):
        if value is not None:
            data[key] = value
    if alpha is not None or trigger is not None:
        model = dict(data.get("model") or {})
        conversion = dict(model.get("conversion") or {})
        if alpha is not None:
            conversion["alpha"] = alpha
        if trigger is not None:
            conversion["trigger_rule"] = trigger
        model["conversion"] = conversion
        data["model"] = model
    cfg = load_run_config(data)
    if params:
        for name, value, why in parameter_table(cfg.model):
            click.echo(f"{name:<36}{value:<16}{why}")
        return

    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if not quiet and total > 1:
            elapsed = time.perf_counter() - start
            click.echo(f"chunk {done}/{total} ({elapsed:.1f} s)", err=True)

    if not quiet:
        click.echo(
            f"simulating {cfg.n_paths:,} paths x {cfg.n_steps:,} steps "
            f"({'with' if not no_sensitivity else 'without'} the alpha grid)...",
            err=True,
        )
    result = run_tsdcm(cfg, sensitivity=not no_sensitivity, progress=progress)
    if not quiet:
        click.echo(f"done in {time.perf_counter() - start:.2f} s", err=True)
    figures: list[Path] = []
    if out_dir is not None:
        figures.append(plot_mean_paths(result, out_dir / "figure1_mean_paths.png"))
        if len(result.scenarios) > 1:
            figures.append(
                plot_alpha_sensitivity(result, out_dir / "figure2_alpha_sensitivity.png")
            )
        (out_dir / "report.txt").write_text(result.report() + "\n", encoding="utf-8")
    if as_json:
        _echo_json(_result_json(result, figures))
        return
    click.echo(result.report())
    for fig in figures:
        click.echo(f"wrote {fig}")


def _result_json(result: Any, figures: list[Path]) -> dict[str, Any]:
    scen = {
        f"{alpha:g}": {
            "percentiles": s.percentiles,
            "mean_terminal_debt": s.mean_terminal_debt,
            "default_probability": s.default_probability,
            "payout_pv_musd": {
                "beta": asdict(s.payout_beta),
                "gamma": asdict(s.payout_gamma),
                "total": asdict(s.payout_total),
                "total_if_activated": asdict(s.payout_total_if_activated),
            },
        }
        for alpha, s in sorted(result.scenarios.items())
    }
    return {
        "config": result.config.model_dump(mode="json"),
        "baseline": {
            "percentiles": result.baseline_percentiles,
            "mean_terminal_debt": result.baseline_mean_terminal_debt,
            "default_probability": result.baseline_default_probability,
        },
        "activation_probability": result.activation_probability,
        "mean_activation_time_years": result.mean_activation_time,
        "mean_reduction": result.mean_reduction,
        "scenarios": scen,
        "figures": [str(f) for f in figures],
    }


# --------------------------------------------------------------------------------------------
# value / screen
# --------------------------------------------------------------------------------------------


def _parse_date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=name) from None


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--issue", help="Issue date YYYY-MM-DD.")
@click.option("--maturity", help="Maturity date YYYY-MM-DD.")
@click.option("--coupon-bps", type=int, help="Annual coupon rate in basis points (500 = 5%).")
@click.option("--frequency", type=int, help="Coupons per year: 1, 2, 4 or 12.")
@click.option("--denomination", type=int, help="Face value per token in stablecoin units.")
@click.option(
    "--day-count", default="30/360", show_default=True, help="30/360, ACT/360, ACT/365, ACT/ACT."
)
@click.option("--decimals", type=int, default=6, show_default=True, help="Stablecoin decimals.")
@click.option("--settlement", help="Valuation date YYYY-MM-DD [today].")
@click.option("--yield", "yield_rate", type=float, help="Flat yield, decimal per year (0.07).")
@click.option("--price", type=float, help="Clean price in % of face: solve for the yield.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_guard
def value(
    file: Path | None,
    issue: str | None,
    maturity: str | None,
    coupon_bps: int | None,
    frequency: int | None,
    denomination: int | None,
    day_count: str,
    decimals: int,
    settlement: str | None,
    yield_rate: float | None,
    price: float | None,
    as_json: bool,
) -> None:
    """DCF price of a bond from a flat yield, or its yield from a clean price.

    Bond terms come from options or from FILE (JSON/YAML with the keys issue_date,
    maturity_date, coupon_rate_bps, frequency, denomination_units, day_count, and optionally
    a discount 'curve' of tenors_years / zero_rates, continuously compounded).

    \b
    Examples:
      analytics value --issue 2025-01-15 --maturity 2030-01-15 --coupon-bps 500 \\
          --frequency 2 --denomination 1000000000 --settlement 2026-03-01 --yield 0.07
      analytics value bond.yaml --settlement 2026-03-01 --price 92.5
    """
    from analytics.io import load_mapping, validate
    from analytics.valuation import BondTerms, DiscountCurve, price_bond, yield_from_price

    curve = None
    term_options = (issue, maturity, coupon_bps, frequency, denomination)
    if file is not None and any(v is not None for v in term_options):
        raise click.UsageError("give the bond terms either in FILE or as options, not both")
    if file is not None:
        data = load_mapping(file)
        curve_data = data.pop("curve", None)
        terms = validate(BondTerms, data, f"bond terms in {file}")
        if curve_data is not None:
            curve = validate(DiscountCurve, curve_data, f"discount curve in {file}")
    else:
        missing = [
            n
            for n, v in (
                ("--issue", issue),
                ("--maturity", maturity),
                ("--coupon-bps", coupon_bps),
                ("--frequency", frequency),
                ("--denomination", denomination),
            )
            if v is None
        ]
        if missing:
            raise click.UsageError(f"missing bond terms: {', '.join(missing)} (or give a FILE)")
        terms = validate(
            BondTerms,
            {
                "issue_date": issue,
                "maturity_date": maturity,
                "coupon_rate_bps": coupon_bps,
                "frequency": frequency,
                "denomination_units": denomination,
                "day_count": day_count,
                "stablecoin_decimals": decimals,
            },
            "bond terms",
        )
    settle = _parse_date(settlement, "--settlement") or date.today()
    given = sum(x is not None for x in (yield_rate, price, curve))
    if given != 1:
        raise click.UsageError("give exactly one of --yield, --price or a curve in FILE")
    if price is not None:
        result = yield_from_price(terms, settle, clean_price_pct=price)
    else:
        result = price_bond(terms, settle, yield_rate=yield_rate, curve=curve)
    if as_json:
        _echo_json(result)
        return
    click.echo(result.summary())


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--settlement", help="Valuation date YYYY-MM-DD [today].")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@_guard
def screen(file: Path, settlement: str | None, as_json: bool) -> None:
    """Algorithm 1 (distressed bond selection) over the candidates in FILE.

    FILE (JSON/YAML) holds 'criteria' (accepted_issuer_health, demand_threshold,
    minimum_valuation_pct) and 'candidates', each with a name, bond 'terms', issuer_health,
    market_demand and a DCF discount_rate (or curve).  A bond is selected when its issuer is
    healthy, demand exceeds the threshold and its DCF value exceeds the minimum.
    """
    from analytics.io import load_mapping, validate
    from analytics.valuation import ScreenInput, screen_bonds

    data = validate(ScreenInput, load_mapping(file), f"screen input {file}")
    settle = _parse_date(settlement, "--settlement") or date.today()
    results = screen_bonds(data.candidates, data.criteria, settle)
    if as_json:
        _echo_json(results)
        return
    click.echo("\n\n".join(r.summary() for r in results))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
