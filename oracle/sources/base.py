"""The one interface every data source implements, and the helpers adapters share.

An adapter turns "what feed, for which bond or country, as of when" (a
:class:`FeedRequest`) into exactly one :class:`~oracle.models.Observation` in the feed's
canonical unit, or raises :class:`~oracle.errors.SourceError` with a precise
:class:`~oracle.models.RejectionReason`. Adapters check the payload (shape, types, nulls,
country, instrument); limits (range, staleness, deviation) are checked afterwards by
:mod:`oracle.validation`, the same way for every source.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from oracle.config import (
    HttpSettings,
    MacroFeedConfig,
    MacroInputUnit,
    PriceFeedConfig,
    PriceQuoteUnit,
    TimestampFormat,
)
from oracle.errors import PayloadError
from oracle.jsonpath import describe_json_type
from oracle.models import SERIES_UNIT, FeedKind, MacroSeries, Observation, RejectionReason, Unit
from oracle.transport import HttpClient, RawPayload

HUNDRED = Decimal(100)
TEN_THOUSAND = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """What one pipeline run asks every source of a feed for."""

    feed: str
    kind: FeedKind
    now: datetime  # reference time of the run, UTC
    isin: str | None = None  # price feeds
    country: str | None = None  # macro feeds: ISO 3166-1 alpha-3
    series: MacroSeries | None = None  # macro feeds
    newest_year: int | None = None  # macro: newest year that may be used
    pinned_year: int | None = None  # macro: use exactly this year

    @classmethod
    def for_feed(cls, feed: PriceFeedConfig | MacroFeedConfig, now: datetime) -> FeedRequest:
        if isinstance(feed, PriceFeedConfig):
            return cls(feed=feed.name, kind=FeedKind.PRICE, now=now, isin=feed.isin)
        validation = feed.validation
        return cls(
            feed=feed.name,
            kind=FeedKind.MACRO,
            now=now,
            country=feed.country,
            series=feed.series,
            newest_year=now.year + validation.newest_year_offset,
            pinned_year=validation.year,
        )

    @property
    def unit(self) -> Unit:
        if self.kind is FeedKind.PRICE:
            return Unit.PERCENT_OF_PAR
        assert self.series is not None
        return SERIES_UNIT[self.series]

    @property
    def last_year(self) -> int:
        """The newest year a macro source should report (pinned year or newest_year)."""
        year = self.pinned_year if self.pinned_year is not None else self.newest_year
        assert year is not None, "macro request without a year"
        return year


class Source(ABC):
    """A named data source. Implementations must be safe to call from several threads."""

    source_type: ClassVar[str]

    def __init__(self, name: str) -> None:
        self.name = name

    @abstractmethod
    def fetch(self, request: FeedRequest) -> Observation:
        """Return one observation for ``request`` or raise :class:`SourceError`."""

    def observation(
        self,
        request: FeedRequest,
        payload: RawPayload,
        *,
        value: Decimal,
        raw_value: Any,
        period: str,
        as_of: datetime,
        meta: Mapping[str, str] | None = None,
    ) -> Observation:
        """Build an :class:`Observation` carrying ``payload``'s provenance."""
        return Observation(
            feed=request.feed,
            source=self.name,
            source_type=self.source_type,
            value=value,
            unit=request.unit,
            period=period,
            as_of=as_of,
            fetched_at=payload.fetched_at,
            payload_sha256=payload.sha256,
            location=payload.location,
            raw_value=str(raw_value),
            meta=dict(meta or {}),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class HttpSource(Source):
    """A source fetched over HTTP: its config block, the shared client and HTTP settings."""

    def __init__(self, name: str, config: Any, http: HttpClient, settings: HttpSettings) -> None:
        super().__init__(name)
        self.config = config
        self.http = http
        self.settings = settings


# ------------------------------------------------------------------------- numbers
def to_decimal(value: Any, what: str, payload: RawPayload | None = None) -> Decimal:
    """A JSON/CSV value as a finite Decimal.

    ``None`` (JSON null, empty CSV cell) raises ``NULL_VALUE``; booleans, objects, lists,
    non-numeric strings and NaN/Infinity raise ``INVALID_NUMBER``. Numeric strings such as
    ``"98.745"`` are accepted (several APIs quote prices as strings to avoid float loss).
    """
    sha = payload.sha256 if payload else None
    where = payload.location if payload else None
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PayloadError(
            RejectionReason.NULL_VALUE, f"{what} is null", url=where, payload_sha256=sha
        )
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str | float):
        raise PayloadError(
            RejectionReason.INVALID_NUMBER,
            f"{what} is {describe_json_type(value)} ({str(value)[:40]!r}), expected a number",
            url=where,
            payload_sha256=sha,
        )
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation:
        raise PayloadError(
            RejectionReason.INVALID_NUMBER,
            f"{what} is {str(value)[:40]!r}, not a number",
            url=where,
            payload_sha256=sha,
        ) from None
    if not number.is_finite():
        raise PayloadError(
            RejectionReason.INVALID_NUMBER,
            f"{what} is {value!r}, not a finite number",
            url=where,
            payload_sha256=sha,
        )
    return number


def price_to_percent_of_par(
    value: Decimal, unit: PriceQuoteUnit, face_value: Decimal | None
) -> Decimal:
    """Convert a quoted price to percent of par (the canonical price unit)."""
    if unit is PriceQuoteUnit.PERCENT_OF_PAR:
        return value
    if unit is PriceQuoteUnit.FRACTION_OF_PAR:
        return value * HUNDRED
    if unit is PriceQuoteUnit.BPS_OF_PAR:
        return value / HUNDRED
    # per_unit: price / face_value * 100
    assert face_value is not None and face_value > 0, "per_unit needs a positive face_value"
    return value * HUNDRED / face_value


def macro_to_percent(value: Decimal, unit: MacroInputUnit) -> Decimal:
    """Convert a ratio or rate to percent (the canonical macro unit)."""
    if unit is MacroInputUnit.PERCENT:
        return value
    if unit is MacroInputUnit.FRACTION:
        return value * HUNDRED
    return value / HUNDRED  # bps


# ---------------------------------------------------------------------------- time
def annual_as_of(year: int) -> datetime:
    """The instant an annual period is dated at: 31 December of ``year``, 00:00 UTC."""
    return datetime(year, 12, 31, tzinfo=UTC)


def parse_year(value: Any, what: str, payload: RawPayload | None = None) -> int:
    text = ""
    if isinstance(value, str | int) and not isinstance(value, bool):
        text = str(value).strip()
    if len(text) != 4 or not text.isdigit():
        raise PayloadError(
            RejectionReason.SCHEMA_DRIFT,
            f"{what} {value!r} is not a year (expected four digits, e.g. '2024')",
            url=payload.location if payload else None,
            payload_sha256=payload.sha256 if payload else None,
        )
    return int(text)


def parse_timestamp(
    value: Any, fmt: TimestampFormat, what: str, payload: RawPayload | None = None
) -> datetime:
    """Parse a quote time into an aware UTC datetime; naive ISO times are refused."""
    where = payload.location if payload else None
    sha = payload.sha256 if payload else None

    def fail(detail: str) -> PayloadError:
        return PayloadError(
            RejectionReason.INVALID_TIMESTAMP,
            f"{what} {str(value)[:60]!r} {detail}",
            url=where,
            payload_sha256=sha,
        )

    if value is None:
        raise PayloadError(
            RejectionReason.NULL_VALUE, f"{what} is null", url=where, payload_sha256=sha
        )
    if fmt is TimestampFormat.ISO8601:
        if not isinstance(value, str):
            raise fail(f"is {describe_json_type(value)}, expected an ISO 8601 string")
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise fail("is not an ISO 8601 timestamp") from None
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise fail("has no UTC offset (write e.g. 2025-06-30T15:30:00Z)")
        return moment.astimezone(UTC)
    if isinstance(value, bool):
        raise fail("is a boolean, expected a number of seconds")
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(str(value))
    except InvalidOperation:
        raise fail("is not a number") from None
    if not number.is_finite():
        raise fail("is not a finite number")
    seconds = number / 1000 if fmt is TimestampFormat.UNIX_MILLIS else number
    try:
        return datetime.fromtimestamp(float(seconds), tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise fail("is out of the representable time range") from None


def iso_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------------- annual data
@dataclass(frozen=True, slots=True)
class AnnualPick:
    year: int
    raw_value: Any
    skipped_null_years: tuple[int, ...]


def pick_annual(
    points: Mapping[int, Any],
    request: FeedRequest,
    what: str,
    payload: RawPayload | None = None,
) -> AnnualPick:
    """Choose the year to report from ``{year: value or None}``.

    * pinned year: that year must be present (``MISSING_PERIOD``) and not null
      (``NULL_VALUE``);
    * otherwise: the newest non-null year not after ``request.newest_year`` (later years,
      such as IMF projections, are ignored); ``MISSING_PERIOD`` when the series has no
      year up to then, ``NULL_VALUE`` when all those years are null. How old the chosen
      year may be is a validation limit (``max_lag_years``), not decided here.
    """
    where = payload.location if payload else None
    sha = payload.sha256 if payload else None
    if request.pinned_year is not None:
        year = request.pinned_year
        if year not in points:
            present = _years_text(points)
            raise PayloadError(
                RejectionReason.MISSING_PERIOD,
                f"{what} has no value for the pinned year {year} (years present: {present})",
                url=where,
                payload_sha256=sha,
            )
        if points[year] is None:
            raise PayloadError(
                RejectionReason.NULL_VALUE,
                f"{what} is null for the pinned year {year}",
                url=where,
                payload_sha256=sha,
            )
        return AnnualPick(year, points[year], ())
    newest = request.last_year
    usable = sorted((year for year in points if year <= newest), reverse=True)
    if not usable:
        raise PayloadError(
            RejectionReason.MISSING_PERIOD,
            f"{what} has no year up to {newest} (years present: {_years_text(points)})",
            url=where,
            payload_sha256=sha,
        )
    skipped: list[int] = []
    for year in usable:
        if points[year] is not None:
            return AnnualPick(year, points[year], tuple(skipped))
        skipped.append(year)
    raise PayloadError(
        RejectionReason.NULL_VALUE,
        f"{what} is null for every year up to {newest} ({usable[-1]}-{usable[0]})",
        url=where,
        payload_sha256=sha,
    )


def _years_text(points: Mapping[int, Any]) -> str:
    if not points:
        return "none"
    years = sorted(points)
    return f"{years[0]}-{years[-1]}" if len(years) > 2 else ", ".join(map(str, years))
