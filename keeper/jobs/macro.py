"""Push macro observations (debt-to-GDP, real GDP growth) to the sovereign's MacroFeed when a
new period or a revision is published.

For each configured sovereign, one pass:

1. Read chain time and the MacroFeed's ``latest(code, series)`` for both series; run the
   sovereign's two oracle pipelines (``debt_feed``, ``growth_feed``) with ``now`` = chain
   time and ``last_accepted`` = what is on chain (the oracle refuses a period older than
   the one on chain and applies its deviation limit against it). Only accepted values are
   pushed; rejections are counted in ``keeper_oracle_rejections_total{feed,reason}`` and
   ``keeper_feed_no_value{feed}`` is 1 while a feed has nothing acceptable.
2. The accepted period (``"2024"``, annual) becomes the MacroFeed period: the year for an
   annual sovereign, ``year * 100 + quarter`` for a quarterly one (oracle periods written
   ``"2024-Q3"``). A period that does not fit the sovereign's registered frequency is not
   pushed (alert). The value becomes bps: ``to_fixed(2)`` of the percentage.
3. :func:`plan_macro` (pure) compares with ``observation(code, series, period)``: a
   series whose period is not on chain, or whose value differs (a revision), needs a
   report; an identical value is never re-sent (MacroFeed would revert with
   ``macro: value unchanged``). Both series of the same period -> one ``report_pair``;
   otherwise one ``report`` per series that changed.
4. ``published_at`` is chain time (the latest block's timestamp, never after the block
   that records it). MacroFeed wants ``published_at >= period end``: a period that has
   not ended on chain yet is skipped with a log line (and pushed by a later pass).

Intent keys: ``macro:<address>:<country>:<period>:<debt_bps>:<growth_bps>`` (``-`` for a
series the transaction does not touch). Each transaction is simulated first; a foreseen
revert is logged and skipped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from web3 import Web3

from keeper.abi import MACRO_FEED_ABI
from keeper.exceptions import ConfigError, ConfigIssue, SimulationReverted, UnsafeStateError
from keeper.jobs.base import Job, JobContext, JobReport
from keeper.jobs.feeds import (
    FeedRunner,
    chain_datetime,
    load_oracle,
    oracle_feed,
    record_result,
    rejection_summary,
)
from keeper.settings import MacroJob, SovereignSettings
from oracle.config import MacroFeedConfig
from oracle.models import AggregatedValue, LastAccepted, MacroSeries

AVAILABLE = True
DEBT_TO_GDP = 1  # MacroFeed series ids
GDP_GROWTH = 2
SERIES = {DEBT_TO_GDP: MacroSeries.DEBT_TO_GDP, GDP_GROWTH: MacroSeries.GDP_GROWTH}
ANNUAL, QUARTERLY = 1, 4
BPS_DECIMALS = 2  # MacroFeed values: percent with 2 decimals

_QUARTER_RE = re.compile(r"^(\d{4})-?Q([1-4])$")


# --------------------------------------------------------------------- periods
def chain_period(oracle_period: str, frequency: int) -> int | None:
    """MacroFeed period of an oracle period, or ``None`` when it does not fit the
    sovereign's frequency: ``"2024"`` -> 2024 (annual); ``"2024-Q3"`` -> 202403
    (quarterly)."""
    text = oracle_period.strip()
    if frequency == ANNUAL and re.fullmatch(r"\d{4}", text):
        return int(text)
    match = _QUARTER_RE.match(text)
    if frequency == QUARTERLY and match:
        return int(match.group(1)) * 100 + int(match.group(2))
    return None


def period_label(period: int, frequency: int) -> str:
    """The oracle's way of writing a MacroFeed period."""
    if frequency == QUARTERLY:
        return f"{period // 100}-Q{period % 100}"
    return str(period)


def period_as_of(period: int, frequency: int) -> datetime:
    """The instant the oracle dates a period at (last day of the period, 00:00 UTC)."""
    if frequency == QUARTERLY:
        year, quarter = divmod(period, 100)
        last_month = quarter * 3
        next_first = datetime(year + (last_month == 12), last_month % 12 + 1, 1, tzinfo=UTC)
        return datetime.fromordinal(next_first.toordinal() - 1).replace(tzinfo=UTC)
    return datetime(period, 12, 31, tzinfo=UTC)


# ----------------------------------------------------------------- decision logic
@dataclass(frozen=True, slots=True)
class SeriesValue:
    """An accepted oracle value of one series, in MacroFeed terms, and what the MacroFeed
    holds for the same period (``onchain_version`` 0 = nothing)."""

    period: int
    value_bps: int
    onchain_version: int
    onchain_bps: int

    @property
    def needs_report(self) -> bool:
        return self.onchain_version == 0 or self.onchain_bps != self.value_bps

    @property
    def is_revision(self) -> bool:
        return self.onchain_version > 0


@dataclass(frozen=True, slots=True)
class MacroAction:
    """``report_pair`` (both values set) or ``report`` of one series."""

    period: int
    debt_bps: int | None
    growth_bps: int | None

    @property
    def is_pair(self) -> bool:
        return self.debt_bps is not None and self.growth_bps is not None

    @property
    def series(self) -> int:
        assert not self.is_pair
        return DEBT_TO_GDP if self.debt_bps is not None else GDP_GROWTH

    def key(self, address: str, country: str) -> str:
        debt = "-" if self.debt_bps is None else str(self.debt_bps)
        growth = "-" if self.growth_bps is None else str(self.growth_bps)
        return f"macro:{address}:{country}:{self.period}:{debt}:{growth}"


def plan_macro(debt: SeriesValue | None, growth: SeriesValue | None) -> list[MacroAction]:
    """What to send (pure). ``None``: the oracle has no acceptable value for that series."""
    need_debt = debt is not None and debt.needs_report
    need_growth = growth is not None and growth.needs_report
    if need_debt and need_growth and debt is not None and growth is not None:
        if debt.period == growth.period:
            return [MacroAction(debt.period, debt.value_bps, growth.value_bps)]
    actions = []
    if need_debt and debt is not None:
        actions.append(MacroAction(debt.period, debt.value_bps, None))
    if need_growth and growth is not None:
        actions.append(MacroAction(growth.period, None, growth.value_bps))
    return actions


# ---------------------------------------------------------------------------- job
@dataclass(frozen=True, slots=True)
class LatestOnChain:
    period: int  # 0 = nothing reported
    value_bps: int
    published_at: int
    recorded_at: int
    version: int


class _Sovereign:
    def __init__(self, ctx: JobContext, cfg: SovereignSettings) -> None:
        self.cfg = cfg
        self.code = cfg.country.encode("ascii")
        self.contract = ctx.chain.contract(cfg.address, MACRO_FEED_ABI)
        self.frequency = 0

    @property
    def address(self) -> str:
        return str(self.contract.address)

    def labels(self) -> dict[int, str]:
        return {DEBT_TO_GDP: self.cfg.debt_feed, GDP_GROWTH: self.cfg.growth_feed}

    def latest(self, series: int) -> LatestOnChain:
        period, value, published, recorded, version = self.contract.functions.latest(
            self.code, series
        ).call()
        return LatestOnChain(int(period), int(value), int(published), int(recorded), int(version))

    def last_accepted(self, latest: LatestOnChain) -> LastAccepted | None:
        if latest.period == 0:
            return None
        return LastAccepted(
            value=Decimal(latest.value_bps).scaleb(-BPS_DECIMALS),
            period=period_label(latest.period, self.frequency),
            as_of=period_as_of(latest.period, self.frequency),
        )


class MacroJobRunner(Job):
    name = "macro"

    def __init__(self, ctx: JobContext, settings: MacroJob) -> None:
        super().__init__(ctx)
        self.settings = settings
        oracle = load_oracle(ctx.oracle_config, self.name)
        names = []
        for i, cfg in enumerate(settings.sovereigns):
            for key, series in (("debt_feed", "debt_to_gdp"), ("growth_feed", "gdp_growth")):
                where = f"jobs.macro.sovereigns[{i}].{key} ({cfg.name})"
                name = getattr(cfg, key)
                feed = oracle_feed(oracle, name, where, "macro")
                assert isinstance(feed, MacroFeedConfig)
                problem = None
                if feed.series.value != series:
                    problem = f"oracle feed {name!r} is series {feed.series.value}, not {series}"
                elif feed.country != cfg.country:
                    problem = f"oracle feed {name!r} is for {feed.country}, not {cfg.country}"
                if problem:
                    raise ConfigError(
                        "<keeper config>",
                        [ConfigIssue(where, problem, f"name the {cfg.country} {series} feed")],
                    )
                names.append(name)
        self.runner = FeedRunner(oracle, names)
        self.sovereigns: list[_Sovereign] = []

    def setup(self) -> None:
        chain = self.ctx.chain
        me = chain.address
        sovereigns = []
        for i, cfg in enumerate(self.settings.sovereigns):
            where = f"jobs.macro.sovereigns[{i}] ({cfg.name})"
            if not chain.w3.eth.get_code(Web3.to_checksum_address(cfg.address)):
                raise UnsafeStateError(f"{where}: no contract at {cfg.address} (wrong address?)")
            sovereign = _Sovereign(self.ctx, cfg)
            fns = sovereign.contract.functions
            if not fns.hasRole(fns.REPORTER_ROLE().call(), me).call():
                raise UnsafeStateError(
                    f"{where}: the signer {me} lacks REPORTER_ROLE on the MacroFeed "
                    f"{cfg.address}; grant it (grantRole(REPORTER_ROLE, {me})) or remove the "
                    "sovereign"
                )
            sovereign.frequency = int(fns.frequency(sovereign.code).call())
            if sovereign.frequency not in (ANNUAL, QUARTERLY):
                raise UnsafeStateError(
                    f"{where}: {cfg.country} is not registered in the MacroFeed {cfg.address}; "
                    f"the admin must call add_sovereign(b'{cfg.country}', 1 or 4) first"
                )
            sovereigns.append(sovereign)
        self.sovereigns = sovereigns

    # --------------------------------------------------------------------- acting
    def run(self) -> JobReport:
        report = JobReport(job=self.name)
        for sovereign in self.sovereigns:
            self._run_sovereign(sovereign, report)
        return report

    def _series_value(
        self,
        sovereign: _Sovereign,
        series: int,
        accepted: AggregatedValue,
        report: JobReport,
    ) -> SeriesValue | None:
        period = chain_period(accepted.period, sovereign.frequency)
        name = sovereign.cfg.name
        if period is None:
            message = (
                f"{name} {SERIES[series].value}: oracle period {accepted.period!r} does not fit "
                f"the MacroFeed's frequency ({sovereign.frequency} per year); not pushed"
            )
            report.alerts.append(message)
            self.log.error(
                "period does not fit the sovereign's frequency",
                extra={"sovereign": name, "period": accepted.period,
                       "frequency": sovereign.frequency},
            )  # fmt: skip
            return None
        value, _, _, version = sovereign.contract.functions.observation(
            sovereign.code, series, period
        ).call()
        return SeriesValue(period, accepted.to_fixed(BPS_DECIMALS), int(version), int(value))

    def _run_sovereign(self, sovereign: _Sovereign, report: JobReport) -> None:
        metrics = self.ctx.metrics
        chain_time = self.ctx.chain.timestamp()
        latest = {series: sovereign.latest(series) for series in SERIES}
        for series, state in latest.items():
            age = chain_time - state.published_at if state.period else math.inf
            metrics.macro_age.labels(sovereign=sovereign.cfg.name, series=SERIES[series].value).set(
                age
            )
        labels = sovereign.labels()
        results = self.runner.run(
            {
                f"{sovereign.cfg.name}/{series}": (labels[series], sovereign.last_accepted(state))
                for series, state in latest.items()
            },
            chain_datetime(chain_time),
        )
        values: dict[int, SeriesValue | None] = {}
        for series in SERIES:
            result = results[f"{sovereign.cfg.name}/{series}"]
            record_result(metrics, labels[series], result)
            if result.accepted is None:
                values[series] = None
                report.skipped.append(
                    f"{sovereign.cfg.name} {SERIES[series].value}: no acceptable value "
                    f"({rejection_summary(result)}); not pushed"
                )
                self.log.warning(
                    "feed has no acceptable value; nothing pushed",
                    extra={"feed": labels[series], "sovereign": sovereign.cfg.name,
                           "reasons": rejection_summary(result)},
                )  # fmt: skip
                continue
            values[series] = self._series_value(sovereign, series, result.accepted, report)
        for action in plan_macro(values[DEBT_TO_GDP], values[GDP_GROWTH]):
            self._send(sovereign, action, chain_time, report)

    def _send(
        self, sovereign: _Sovereign, action: MacroAction, chain_time: int, report: JobReport
    ) -> None:
        fns = sovereign.contract.functions
        key = action.key(sovereign.address, sovereign.cfg.country)
        period_end = int(fns.period_end(sovereign.code, action.period).call())
        if chain_time < period_end:
            message = (
                f"{key}: period {action.period} ends at {period_end}, after chain time "
                f"{chain_time}; MacroFeed refuses a publication before the period ended"
            )
            report.skipped.append(message)
            self.log.warning(
                "period has not ended on chain yet; not pushed",
                extra={"key": key, "period_end": period_end, "chain_time": chain_time},
            )
            return
        if action.is_pair:
            label = "macro_report_pair"
            data = fns.report_pair(
                sovereign.code, action.period, action.debt_bps, action.growth_bps, chain_time
            )._encode_transaction_data()
        else:
            label = "macro_report"
            value = action.debt_bps if action.debt_bps is not None else action.growth_bps
            data = fns.report(
                sovereign.code, action.series, action.period, value, chain_time
            )._encode_transaction_data()
        self.log.info(
            "macro observation due",
            extra={"key": key, "sovereign": sovereign.cfg.name, "period": action.period,
                   "debt_bps": action.debt_bps, "growth_bps": action.growth_bps},
        )  # fmt: skip
        try:
            result = self.ctx.tx.send(key, label, sovereign.address, data)
        except SimulationReverted as exc:
            report.skipped.append(f"{key}: {exc.reason}")
            self.log.info("not sent: simulation reverts", extra={"key": key, "reason": exc.reason})
            return
        report.actions.append(f"{key} ({result.status})")

    # --------------------------------------------------------------------- status
    def status(self) -> list[dict[str, Any]]:
        chain_time = self.ctx.chain.timestamp()
        rows: list[dict[str, Any]] = []
        for sovereign in self.sovereigns:
            row: dict[str, Any] = {
                "sovereign": sovereign.cfg.name,
                "address": sovereign.address,
                "country": sovereign.cfg.country,
                "frequency": sovereign.frequency,
            }
            for series, label in SERIES.items():
                state = sovereign.latest(series)
                row[label.value] = (
                    {
                        "period": state.period,
                        "value_bps": state.value_bps,
                        "published_at": state.published_at,
                        "recorded_at": state.recorded_at,
                        "version": state.version,
                        "age_s": chain_time - state.published_at,
                    }
                    if state.period
                    else None
                )
            rows.append(row)
        return rows


def build(ctx: JobContext, settings: MacroJob) -> MacroJobRunner:
    return MacroJobRunner(ctx, settings)
