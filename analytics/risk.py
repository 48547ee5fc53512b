"""Value at Risk and Expected Shortfall of a bond-token position.

Source: ``distressed-bond-tokenization.txt`` section 4.5 (eqs. 1 and 2) and section 6.3:

* ``VaR_a(X) = inf{x : P(X > x) <= 1 - a}``  -- the a-quantile of the loss ``X``;
* ``ES_a(X)  = E[X | X > VaR_a(X)]``         -- the mean loss beyond VaR.

Conventions and units
---------------------
* ``confidence`` (the paper's ``a``) is a probability in (0, 1), e.g. ``0.99``.
* A *return* is a simple return over one observation period (``P_t / P_{t-1} - 1``, a decimal
  fraction).  ``horizon`` is the risk horizon in observation periods.
* The *loss* of a position worth ``V`` (stablecoin units, e.g. USDC) is ``X = -V * R_h``,
  with ``R_h`` the return over the horizon.  VaR and ES are reported in the same stablecoin
  units as ``V`` (positive = a loss; a negative VaR means the quantile is a gain) and also as
  fractions of ``V``.

Three methods:

* **historical**: the empirical distribution of observed horizon returns (overlapping
  ``horizon``-period returns when ``horizon > 1``).  VaR is the paper's ``inf`` definition
  applied to the empirical distribution (the ``ceil(n a)``-th smallest loss).  For a finite
  sample the conditional mean ``E[X | X > VaR]`` is undefined when no loss exceeds VaR, so ES
  is the tail mean of Acerbi & Tasche (2002), which gives the VaR atom the fractional weight
  needed to fill exactly ``1 - a`` of probability; for a continuous distribution it equals the
  paper's formula.
* **parametric (normal)**: ``R_h ~ N(mu h, sigma^2 h)``; closed forms
  ``VaR = V (-mu_h + sigma_h z_a)`` and ``ES = V (-mu_h + sigma_h phi(z_a) / (1 - a))``.
* **Monte Carlo**: ``n_sims`` horizon returns ``prod(1 + r_i) - 1`` from one-period draws
  (normal, Student-t rescaled to the given standard deviation, or bootstrap of observed
  returns), then the empirical VaR/ES above.  Seeded and reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from analytics.errors import InputError, InsufficientDataError

__all__ = [
    "McDistribution",
    "RiskResult",
    "empirical_var_es",
    "fit_normal",
    "historical_risk",
    "monte_carlo_risk",
    "normal_var_es",
    "parametric_risk",
    "returns_from_prices",
]


class McDistribution(StrEnum):
    """One-period return distribution used by :func:`monte_carlo_risk`."""

    NORMAL = "normal"
    STUDENT_T = "student-t"
    BOOTSTRAP = "bootstrap"


@dataclass(frozen=True)
class RiskResult:
    """VaR and ES of one position.

    ``var`` and ``es`` are losses in the position's stablecoin units; ``mean_return`` and
    ``std_return`` describe the horizon return distribution used (decimal fractions).
    """

    method: str
    confidence: float
    horizon: int
    position_value: float
    var: float
    es: float
    n_samples: int
    mean_return: float
    std_return: float

    @property
    def var_fraction(self) -> float:
        """VaR as a fraction of the position value."""
        return self.var / self.position_value

    @property
    def es_fraction(self) -> float:
        """ES as a fraction of the position value."""
        return self.es / self.position_value

    def summary(self) -> str:
        """One human-readable block."""
        return "\n".join(
            [
                f"method              {self.method}",
                f"confidence          {self.confidence:.4%}",
                f"horizon             {self.horizon} period(s)",
                f"position value      {self.position_value:,.2f}",
                f"samples             {self.n_samples:,}",
                f"mean return         {self.mean_return:+.6%} per horizon",
                f"std of return       {self.std_return:.6%} per horizon",
                f"VaR                 {self.var:,.2f}  ({self.var_fraction:.4%} of position)",
                f"expected shortfall  {self.es:,.2f}  ({self.es_fraction:.4%} of position)",
            ]
        )


# --------------------------------------------------------------------------------------------
# Validation helpers
# --------------------------------------------------------------------------------------------


def _check_confidence(confidence: float) -> float:
    if not (isinstance(confidence, int | float) and 0.0 < confidence < 1.0):
        raise InputError(
            f"confidence must be a probability strictly between 0 and 1 (e.g. 0.99), "
            f"got {confidence!r}"
        )
    return float(confidence)


def _check_position(position_value: float) -> float:
    if not (math.isfinite(position_value) and position_value > 0):
        raise InputError(f"position value must be a positive finite amount, got {position_value!r}")
    return float(position_value)


def _check_horizon(horizon: int) -> int:
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise InputError(f"horizon must be a whole number of periods >= 1, got {horizon!r}")
    return horizon


def _as_finite_1d(values: ArrayLike, what: str) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise InputError(f"{what} must be a one-dimensional series, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InputError(f"{what} contains a non-finite value at index {int(np.argmax(bad))}")
    return arr


def _min_samples(confidence: float) -> int:
    # at least one whole observation in the tail: n (1 - a) >= 1
    return math.ceil(1.0 / (1.0 - confidence) - 1e-9)


# --------------------------------------------------------------------------------------------
# Core statistics (in return / loss units)
# --------------------------------------------------------------------------------------------


def returns_from_prices(prices: ArrayLike, horizon: int = 1) -> NDArray[np.float64]:
    """Overlapping ``horizon``-period simple returns ``P[t+h] / P[t] - 1`` (decimal fractions)."""
    _check_horizon(horizon)
    p = _as_finite_1d(prices, "prices")
    if (p <= 0).any():
        raise InputError(
            f"prices must be positive; index {int(np.argmax(p <= 0))} is {p[p <= 0][0]}"
        )
    if p.size < horizon + 1:
        raise InsufficientDataError(
            f"need at least {horizon + 1} prices for {horizon}-period returns, got {p.size}"
        )
    return p[horizon:] / p[:-horizon] - 1.0


def empirical_var_es(losses: ArrayLike, confidence: float) -> tuple[float, float]:
    """Empirical ``(VaR, ES)`` of a loss sample, in the sample's units.

    ``VaR = inf{x : P(X > x) <= 1 - a}`` is the ``k``-th smallest loss with ``k = ceil(n a)``.
    ``ES`` is the Acerbi-Tasche tail mean
    ``(sum of losses ranked above k + (k - n a) * L_(k)) / (n (1 - a))``.
    Requires ``n (1 - a) >= 1``.
    """
    a = _check_confidence(confidence)
    x = np.sort(_as_finite_1d(losses, "losses"))
    n = x.size
    need = _min_samples(a)
    if n < need:
        raise InsufficientDataError(
            f"{n} observations are too few for a {a:.2%} VaR/ES: need at least {need} "
            "so that at least one observation lies in the tail"
        )
    na = n * a
    k = math.ceil(na - 1e-9)  # 1-based rank; tolerance absorbs 0.95 * 1000 = 950.0000000000001
    var = float(x[k - 1])
    atom_weight = max(k - na, 0.0)
    es = (float(x[k:].sum()) + atom_weight * var) / (n - na)
    return var, es


def normal_var_es(mean: float, std: float, confidence: float) -> tuple[float, float]:
    """Closed-form ``(VaR, ES)`` of the loss ``-R`` for ``R ~ N(mean, std^2)``."""
    a = _check_confidence(confidence)
    if not (math.isfinite(mean) and math.isfinite(std) and std >= 0):
        raise InputError(f"need a finite mean and std >= 0, got mean={mean!r}, std={std!r}")
    z = float(stats.norm.ppf(a))
    var = -mean + std * z
    es = -mean + std * float(stats.norm.pdf(z)) / (1.0 - a)
    return var, es


def fit_normal(returns: ArrayLike) -> tuple[float, float]:
    """Sample mean and standard deviation (``ddof=1``) of one-period returns."""
    r = _as_finite_1d(returns, "returns")
    if r.size < 2:
        raise InsufficientDataError(f"need at least 2 returns to estimate a std, got {r.size}")
    return float(r.mean()), float(r.std(ddof=1))


# --------------------------------------------------------------------------------------------
# Position-level methods
# --------------------------------------------------------------------------------------------


def historical_risk(
    position_value: float,
    *,
    prices: ArrayLike | None = None,
    returns: ArrayLike | None = None,
    confidence: float = 0.99,
    horizon: int = 1,
) -> RiskResult:
    """Historical-simulation VaR/ES from a price history or one-period returns.

    With ``returns`` and ``horizon > 1`` the horizon returns are the overlapping compounded
    windows ``prod(1 + r_i) - 1``.
    """
    v = _check_position(position_value)
    _check_horizon(horizon)
    if (prices is None) == (returns is None):
        raise InputError("give exactly one of prices or returns")
    if prices is not None:
        r_h = returns_from_prices(prices, horizon)
    else:
        r = _as_finite_1d(returns, "returns")  # type: ignore[arg-type]
        if (r <= -1).any():
            raise InputError("a simple return of -100% or less is impossible for a priced token")
        if r.size < horizon:
            raise InsufficientDataError(f"need at least {horizon} returns, got {r.size}")
        growth = np.cumprod(np.concatenate(([1.0], 1.0 + r)))
        r_h = growth[horizon:] / growth[:-horizon] - 1.0
    var, es = empirical_var_es(-v * r_h, confidence)
    return RiskResult(
        method="historical",
        confidence=confidence,
        horizon=horizon,
        position_value=v,
        var=var,
        es=es,
        n_samples=int(r_h.size),
        mean_return=float(r_h.mean()),
        std_return=float(r_h.std(ddof=1)) if r_h.size > 1 else 0.0,
    )


def parametric_risk(
    position_value: float,
    *,
    mean: float,
    std: float,
    confidence: float = 0.99,
    horizon: int = 1,
    n_samples: int = 0,
) -> RiskResult:
    """Normal (variance-covariance) VaR/ES; ``mean``/``std`` are per observation period.

    Horizon scaling assumes i.i.d. returns: ``mu_h = mu h``, ``sigma_h = sigma sqrt(h)``.
    ``n_samples`` only records how many returns the parameters were fitted from.
    """
    v = _check_position(position_value)
    _check_horizon(horizon)
    mu_h, sd_h = mean * horizon, std * math.sqrt(horizon)
    var, es = normal_var_es(mu_h, sd_h, confidence)
    return RiskResult(
        method="parametric-normal",
        confidence=confidence,
        horizon=horizon,
        position_value=v,
        var=v * var,
        es=v * es,
        n_samples=n_samples,
        mean_return=mu_h,
        std_return=sd_h,
    )


def monte_carlo_risk(
    position_value: float,
    *,
    distribution: McDistribution | str = McDistribution.NORMAL,
    mean: float = 0.0,
    std: float | None = None,
    df: float = 5.0,
    returns: ArrayLike | None = None,
    confidence: float = 0.99,
    horizon: int = 1,
    n_sims: int = 100_000,
    seed: int = 0,
) -> RiskResult:
    """Monte Carlo VaR/ES from simulated one-period returns compounded over ``horizon``.

    * ``normal``: ``r ~ N(mean, std^2)``;
    * ``student-t``: ``r = mean + std * sqrt((df - 2) / df) * T_df`` (so ``std`` is the true
      standard deviation; needs ``df > 2``);
    * ``bootstrap``: ``r`` drawn with replacement from ``returns``.
    """
    v = _check_position(position_value)
    _check_horizon(horizon)
    a = _check_confidence(confidence)
    try:
        dist = McDistribution(distribution)
    except ValueError:
        choices = ", ".join(d.value for d in McDistribution)
        raise InputError(
            f"unknown distribution {distribution!r}; choose one of {choices}"
        ) from None
    if isinstance(n_sims, bool) or not isinstance(n_sims, int) or n_sims < _min_samples(a):
        raise InputError(
            f"n_sims must be an integer >= {_min_samples(a)} for a {a:.2%} tail, got {n_sims!r}"
        )
    rng = np.random.Generator(np.random.SFC64(seed))
    shape = (n_sims, horizon)
    if dist is McDistribution.BOOTSTRAP:
        if returns is None:
            raise InputError("the bootstrap distribution needs observed returns")
        sample = _as_finite_1d(returns, "returns")
        if sample.size < 2:
            raise InsufficientDataError("the bootstrap needs at least 2 observed returns")
        r = sample[rng.integers(0, sample.size, size=shape)]
    else:
        if std is None or not (math.isfinite(std) and std >= 0) or not math.isfinite(mean):
            raise InputError(
                f"{dist.value} needs a finite mean and std >= 0, got {mean!r}, {std!r}"
            )
        if dist is McDistribution.NORMAL:
            r = mean + std * rng.standard_normal(shape)
        else:
            if not df > 2:
                raise InputError(f"Student-t needs df > 2 for a finite variance, got {df!r}")
            r = mean + std * math.sqrt((df - 2.0) / df) * rng.standard_t(df, shape)
    r_h = np.prod(1.0 + r, axis=1) - 1.0
    var, es = empirical_var_es(-v * r_h, a)
    return RiskResult(
        method=f"monte-carlo-{dist.value}",
        confidence=a,
        horizon=horizon,
        position_value=v,
        var=var,
        es=es,
        n_samples=n_sims,
        mean_return=float(r_h.mean()),
        std_return=float(r_h.std(ddof=1)),
    )
