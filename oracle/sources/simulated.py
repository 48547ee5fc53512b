"""Simulated macro data from the TSDCM two-regime jump-diffusion model.

Drives demos and tests without any network: the path comes from
``analytics.sovereign.simulate_path(config=None, *, years, dt, seed) -> SovereignPath``
(numpy arrays ``t`` in years from the start, ``debt_ratio`` as a fraction of GDP,
``growth`` as a fraction per year, ``regime``), so the same seed always yields the same
data.

Annualisation (simulation time ``t = 0`` is 1 January of ``start_year``; year
``Y = start_year + k`` covers ``k <= t < k + 1``):

* ``debt_to_gdp`` for ``Y``: the debt ratio at the last step with ``t <= k + 1``
  (end of year), times 100 (percent of GDP);
* ``gdp_growth`` for ``Y``: the mean of the growth samples with ``k <= t < k + 1``,
  times 100 (percent per year).

Only years fully inside the simulated horizon are reported. Values are rounded to
``1e-6`` percent. The year used follows the same rule as the APIs (newest year up to
``current year + newest_year_offset``), so a demo whose clock advances sees new periods
appear. The payload hash covers the model name, parameters and annual values.
"""

from __future__ import annotations

import importlib
import json
import math
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from oracle.config import SimulatedSourceConfig
from oracle.errors import FetchError, PayloadError
from oracle.models import MacroSeries, Observation, RejectionReason, utc_now
from oracle.sources.base import FeedRequest, Source, annual_as_of, pick_annual
from oracle.transport import RawPayload

SIMULATOR = "analytics.sovereign.simulate_path"
QUANTUM = Decimal("0.000001")

Simulator = Callable[..., Any]


def load_simulator() -> Simulator:
    """Import ``analytics.sovereign.simulate_path`` (lazily: numpy is only needed here)."""
    module_name, _, attribute = SIMULATOR.rpartition(".")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attribute)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as exc:
        raise FetchError(
            RejectionReason.INTERNAL_ERROR,
            f"{SIMULATOR} is not available ({type(exc).__name__}: {exc})",
        ) from None


def load_model_config(overrides: Mapping[str, Any]) -> Any:
    """``analytics.sovereign.SovereignModelConfig`` with ``overrides`` applied."""
    module = importlib.import_module(SIMULATOR.rpartition(".")[0])
    return module.SovereignModelConfig.model_validate(dict(overrides))


class SimulatedMacroSource(Source):
    source_type = "simulated"

    def __init__(
        self,
        name: str,
        config: SimulatedSourceConfig,
        *,
        clock: Callable[[], datetime] = utc_now,
        simulator: Simulator | None = None,
    ) -> None:
        super().__init__(name)
        self.config = config
        self.clock = clock
        self._simulator = simulator
        self._lock = threading.Lock()
        self._annual: Mapping[MacroSeries, Mapping[int, Decimal]] | None = None
        self._body: bytes = b""

    @property
    def location(self) -> str:
        cfg = self.config
        return f"simulated:{SIMULATOR}?seed={cfg.seed}&years={cfg.years:g}&dt={cfg.dt:g}"

    def fetch(self, request: FeedRequest) -> Observation:
        assert request.series is not None
        annual, body = self._simulate()
        payload = RawPayload(body=body, location=self.location, fetched_at=self.clock())
        points = dict(annual[request.series])
        what = f"simulated {request.series.value}"
        pick = pick_annual(points, request, what, payload)
        value: Decimal = pick.raw_value
        return self.observation(
            request,
            payload,
            value=value,
            raw_value=value,
            period=str(pick.year),
            as_of=annual_as_of(pick.year),
            meta={"seed": str(self.config.seed), "model": SIMULATOR},
        )

    def _simulate(self) -> tuple[Mapping[MacroSeries, Mapping[int, Decimal]], bytes]:
        with self._lock:
            if self._annual is None:
                simulate = self._simulator or load_simulator()
                cfg = self.config
                try:
                    model = load_model_config(cfg.model) if cfg.model is not None else None
                    path = simulate(model, years=cfg.years, dt=cfg.dt, seed=cfg.seed)
                except Exception as exc:  # the model is external code: report, never crash
                    raise FetchError(
                        RejectionReason.INTERNAL_ERROR,
                        f"{SIMULATOR} failed: {type(exc).__name__}: {exc}",
                        url=self.location,
                    ) from None
                self._annual = self._annualise(path)
                self._body = self._canonical_body(self._annual)
            return self._annual, self._body

    def _annualise(self, path: Any) -> dict[MacroSeries, dict[int, Decimal]]:
        try:
            t = [float(x) for x in path.t]
            debt = [float(x) for x in path.debt_ratio]
            growth = [float(x) for x in path.growth]
        except (AttributeError, TypeError, ValueError) as exc:
            raise PayloadError(
                RejectionReason.SCHEMA_DRIFT,
                f"{SIMULATOR} returned an unexpected object ({exc}); expected arrays t, "
                "debt_ratio, growth",
                url=self.location,
            ) from None
        if not (len(t) == len(debt) == len(growth)) or len(t) < 2:
            raise PayloadError(
                RejectionReason.SCHEMA_DRIFT,
                f"{SIMULATOR} returned arrays of lengths t={len(t)}, debt_ratio={len(debt)}, "
                f"growth={len(growth)}",
                url=self.location,
            )
        if any(b <= a for a, b in zip(t, t[1:], strict=False)):
            raise PayloadError(
                RejectionReason.SCHEMA_DRIFT,
                f"{SIMULATOR} time grid is not increasing",
                url=self.location,
            )
        step = t[1] - t[0]
        horizon = t[-1] + step / 2
        debt_points: dict[int, Decimal] = {}
        growth_points: dict[int, Decimal] = {}
        k = 0
        while k + 1 <= horizon:
            year = self.config.start_year + k
            end_index = max(i for i, ti in enumerate(t) if ti <= k + 1 + step / 2)
            samples = [
                g for ti, g in zip(t, growth, strict=True) if k - step / 2 <= ti < k + 1 - step / 2
            ]
            debt_value = debt[end_index]
            if samples and math.isfinite(debt_value) and all(map(math.isfinite, samples)):
                debt_points[year] = _percent(debt_value)
                growth_points[year] = _percent(sum(samples) / len(samples))
            k += 1
        return {MacroSeries.DEBT_TO_GDP: debt_points, MacroSeries.GDP_GROWTH: growth_points}

    def _canonical_body(self, annual: Mapping[MacroSeries, Mapping[int, Decimal]]) -> bytes:
        cfg = self.config
        document = {
            "model": SIMULATOR,
            "seed": cfg.seed,
            "years": cfg.years,
            "dt": cfg.dt,
            "start_year": cfg.start_year,
            "model_overrides": cfg.model or {},
            "series": {
                series.value: {str(year): str(value) for year, value in sorted(points.items())}
                for series, points in annual.items()
            },
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _percent(fraction: float) -> Decimal:
    return (Decimal(repr(fraction)) * 100).quantize(QUANTUM)
