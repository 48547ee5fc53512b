"""Value objects of the oracle package: observations, rejections, aggregated values.

Glossary and units
------------------
* **feed**: a named value the protocol needs on-chain. A *price* feed is the custodian
  market price of one bond (ISIN); a *macro* feed is one series (``debt_to_gdp`` or
  ``gdp_growth``) of one sovereign (ISO 3166-1 alpha-3 code).
* **observation**: one value from one source for one feed, with its provenance (source,
  URL or file, fetch time, sha256 of the raw payload).
* **canonical units** (every :class:`Observation` and :class:`AggregatedValue` is in one):

  - ``percent_of_par``: bond clean price as a percentage of face value (``98.75`` means
    98.75 % of par). A token of denomination ``N`` is worth ``value / 100 * N``.
  - ``percent_of_gdp``: general government gross debt in percent of GDP (``137.3``).
  - ``percent_per_year``: real GDP growth in percent per year, signed (``-8.9``).

  Values are :class:`decimal.Decimal`, parsed straight from the payload text so no binary
  float rounding enters; :meth:`AggregatedValue.to_fixed` turns one into the integer the
  chain wants (e.g. 8 decimals for a Chainlink-style price, or 2 for basis points of a
  percent).
* **period**: ``"2024"`` for annual macro data (``as_of`` is 31 December of that year);
  for prices the quote timestamp in ISO 8601 (``as_of`` is that instant). Every datetime
  in this package is timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any


class FeedKind(StrEnum):
    PRICE = "price"
    MACRO = "macro"


class MacroSeries(StrEnum):
    DEBT_TO_GDP = "debt_to_gdp"
    GDP_GROWTH = "gdp_growth"


class Unit(StrEnum):
    """Canonical unit of a feed value (see the module docstring)."""

    PERCENT_OF_PAR = "percent_of_par"
    PERCENT_OF_GDP = "percent_of_gdp"
    PERCENT_PER_YEAR = "percent_per_year"


SERIES_UNIT: Mapping[MacroSeries, Unit] = {
    MacroSeries.DEBT_TO_GDP: Unit.PERCENT_OF_GDP,
    MacroSeries.GDP_GROWTH: Unit.PERCENT_PER_YEAR,
}


class RejectionReason(StrEnum):
    """Why an observation (or a whole feed) was not accepted. Stable strings: log on them."""

    # transport
    HTTP_ERROR = "http_error"  # non-2xx status (retried for 429/5xx, then given up)
    TIMEOUT = "timeout"  # connect or read timeout on every attempt
    CONNECTION_ERROR = "connection_error"  # refused, reset, DNS failure on every attempt
    MISSING_CREDENTIAL = "missing_credential"  # auth environment variable not set
    PAYLOAD_TOO_LARGE = "payload_too_large"  # body larger than http.max_body_bytes
    FILE_ERROR = "file_error"  # file source missing or unreadable
    # payload shape
    EMPTY_BODY = "empty_body"
    HTML_BODY = "html_body"  # an HTML page (login, CDN block, error page) instead of JSON
    NOT_JSON = "not_json"
    API_ERROR = "api_error"  # the API answered with its own error document
    SCHEMA_DRIFT = "schema_drift"  # expected key or structure missing or of another type
    PAGING_ERROR = "paging_error"  # inconsistent or runaway paging metadata
    # payload content
    INVALID_NUMBER = "invalid_number"  # value is not a finite number
    INVALID_TIMESTAMP = "invalid_timestamp"
    NULL_VALUE = "null_value"
    MISSING_PERIOD = "missing_period"  # the wanted year is absent from the series
    WRONG_COUNTRY = "wrong_country"
    WRONG_INDICATOR = "wrong_indicator"
    WRONG_INSTRUMENT = "wrong_instrument"  # price for another ISIN
    UNIT_MISMATCH = "unit_mismatch"  # e.g. quoted in another currency than configured
    # validation against limits
    OUT_OF_RANGE = "out_of_range"
    STALE = "stale"  # too old, or older than the last accepted value
    FUTURE_TIMESTAMP = "future_timestamp"
    DEVIATION_LIMIT = "deviation_limit"  # jump vs the last accepted value too large
    # aggregation (feed level or per outlier)
    PERIOD_MISMATCH = "period_mismatch"  # another period than the one aggregated
    OUTLIER = "outlier"  # too far from the median of the other sources
    SPREAD_TOO_WIDE = "spread_too_wide"  # sources disagree; no quorum of agreeing sources
    NO_QUORUM = "no_quorum"  # fewer valid sources than the quorum
    INTERNAL_ERROR = "internal_error"  # a bug in an adapter; reported, never pushed


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (the default clock of the package)."""
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Observation:
    """One value for one feed from one source, with its provenance."""

    feed: str
    source: str  # source name from the config
    source_type: str  # adapter type, e.g. "imf_datamapper"
    value: Decimal  # in ``unit``
    unit: Unit
    period: str  # "2024" (annual) or the quote timestamp (ISO 8601)
    as_of: datetime  # end of the period / quote instant, UTC
    fetched_at: datetime  # when the payload was received, UTC
    payload_sha256: str  # sha256 of the raw payload bytes, hex
    location: str  # URL, file path or "simulated:..."
    raw_value: str  # the value as written in the payload, before unit conversion
    meta: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "source": self.source,
            "source_type": self.source_type,
            "value": str(self.value),
            "unit": self.unit.value,
            "period": self.period,
            "as_of": _iso(self.as_of),
            "fetched_at": _iso(self.fetched_at),
            "payload_sha256": self.payload_sha256,
            "location": self.location,
            "raw_value": self.raw_value,
            "meta": dict(self.meta),
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    """Something that will not reach the chain, and precisely why.

    ``source`` is ``None`` for feed-level rejections (no quorum, sources disagree).
    ``observation`` is set when the value was read but failed validation or aggregation.
    """

    feed: str
    reason: RejectionReason
    message: str
    source: str | None = None
    observation: Observation | None = None
    location: str | None = None
    payload_sha256: str | None = None

    def __str__(self) -> str:
        who = self.source if self.source is not None else "(feed)"
        return f"{self.feed} {who}: {self.reason.value}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "source": self.source,
            "reason": self.reason.value,
            "message": self.message,
            "location": self.location,
            "payload_sha256": self.payload_sha256,
            "observation": self.observation.to_dict() if self.observation else None,
        }


@dataclass(frozen=True, slots=True)
class LastAccepted:
    """The value last accepted for a feed (typically read back from the chain).

    Used for the deviation limit and to refuse data older than what was already pushed.
    """

    value: Decimal
    period: str
    as_of: datetime


@dataclass(frozen=True, slots=True)
class AggregatedValue:
    """The value a keeper may push: the median of the agreeing, valid observations."""

    feed: str
    kind: FeedKind
    value: Decimal  # in ``unit``
    unit: Unit
    period: str
    as_of: datetime  # macro: end of the period; price: the oldest agreeing quote
    observations: tuple[Observation, ...]  # the agreeing observations behind ``value``
    spread: Decimal  # max - min of the agreeing observations, in ``unit``
    computed_at: datetime

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(obs.source for obs in self.observations)

    def to_fixed(self, decimals: int, *, rounding: str = ROUND_HALF_EVEN) -> int:
        """``value`` as an integer with ``decimals`` implied decimals (banker's rounding).

        ``to_fixed(8)`` of ``98.745`` percent of par is ``9_874_500_000``.
        """
        if not 0 <= decimals <= 36:
            raise ValueError(f"decimals must be within 0..36, got {decimals}")
        scaled = self.value.scaleb(decimals).quantize(Decimal(1), rounding=rounding)
        return int(scaled)

    def as_last_accepted(self) -> LastAccepted:
        return LastAccepted(value=self.value, period=self.period, as_of=self.as_of)

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "kind": self.kind.value,
            "value": str(self.value),
            "unit": self.unit.value,
            "period": self.period,
            "as_of": _iso(self.as_of),
            "sources": list(self.sources),
            "spread": str(self.spread),
            "computed_at": _iso(self.computed_at),
            "provenance": [
                {"source": obs.source, "payload_sha256": obs.payload_sha256}
                for obs in self.observations
            ],
        }


@dataclass(frozen=True, slots=True)
class FeedResult:
    """Outcome of one pipeline run for one feed.

    ``accepted`` is the only thing that may be pushed; it is ``None`` when the feed has
    nothing safe to push. ``rejections`` lists every observation or feed-level problem with
    its reason. ``observations`` holds every observation that was read (accepted or not).
    """

    feed: str
    kind: FeedKind
    accepted: AggregatedValue | None
    observations: tuple[Observation, ...]
    rejections: tuple[Rejection, ...]
    started_at: datetime
    finished_at: datetime

    @property
    def ok(self) -> bool:
        return self.accepted is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "feed": self.feed,
            "kind": self.kind.value,
            "accepted": self.accepted.to_dict() if self.accepted else None,
            "observations": [obs.to_dict() for obs in self.observations],
            "rejections": [rej.to_dict() for rej in self.rejections],
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
        }
