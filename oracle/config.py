"""The oracle maintainer's configuration: one YAML file, validated by pydantic.

Load it with :func:`load_config` (or :func:`parse_config` for an in-memory mapping). Every
problem is reported at once as a :class:`~oracle.errors.ConfigError` whose issues name the
key (``feeds[1] (ITA-debt).aggregation.quorum``), what is wrong and the fix. The complete,
commented example lives in ``config/oracle.example.yaml``; the reference is
``docs/oracle-config.md``.

Shape::

    version: 1
    http: {...}                 # optional: timeouts, retries, body size limit
    sources:                    # named data sources, reusable by many feeds
      <name>: {type: custodian_http | imf_datamapper | world_bank | file | simulated, ...}
    feeds:                      # what the oracle publishes
      - {name: ..., kind: price, isin: ..., sources: [...], validation: {...}, ...}
      - {name: ..., kind: macro, country: ITA, series: debt_to_gdp, sources: [...], ...}
"""

from __future__ import annotations

import difflib
import os
import re
import string
import types
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from oracle.errors import ConfigError, ConfigIssue
from oracle.jsonpath import JsonPath, JsonPathSyntaxError
from oracle.models import FeedKind, MacroSeries

CONFIG_VERSION = 1
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
ISO3_RE = re.compile(r"^[A-Z]{3}$")
ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
URL_RE = re.compile(r"^https?://[^\s/?#]+(?::\d+)?(?:/[^\s?#]*)?$")


def _custom(problem: str, fix: str) -> PydanticCustomError:
    """A validation error that carries the fix for :func:`_issue_from_pydantic`."""
    return PydanticCustomError("oracle_config", "{problem}", {"problem": problem, "fix": fix})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------- units
class PriceQuoteUnit(StrEnum):
    """How a price source quotes (converted to ``percent_of_par``)."""

    PERCENT_OF_PAR = "percent_of_par"  # 98.75
    FRACTION_OF_PAR = "fraction_of_par"  # 0.9875
    BPS_OF_PAR = "bps_of_par"  # 9875
    PER_UNIT = "per_unit"  # 987.50 per bond of face value 1000 (needs face_value)


class MacroInputUnit(StrEnum):
    """How a macro source writes a ratio or rate (converted to percent)."""

    PERCENT = "percent"  # 137.3
    FRACTION = "fraction"  # 1.373
    BPS = "bps"  # 13730


class TimestampFormat(StrEnum):
    ISO8601 = "iso8601"  # 2025-06-30T15:30:00Z (an offset is required)
    UNIX_SECONDS = "unix_seconds"
    UNIX_MILLIS = "unix_millis"


# ----------------------------------------------------------------------- http, retry
class RetrySettings(_Strict):
    """Exponential backoff: wait ``min(backoff_max_s, backoff_initial_s * factor**(n-1))``
    (plus up to ``jitter`` of it at random) before retry ``n``. Only timeouts, connection
    errors, HTTP 429 and 5xx are retried; ``attempts`` counts the first try."""

    attempts: int = Field(3, ge=1, le=10)
    backoff_initial_s: float = Field(0.5, ge=0, le=60)
    backoff_factor: float = Field(2.0, ge=1, le=10)
    backoff_max_s: float = Field(8.0, ge=0, le=300)
    jitter: float = Field(0.1, ge=0, le=1)


class HttpSettings(_Strict):
    connect_timeout_s: float = Field(3.05, gt=0, le=60)
    read_timeout_s: float = Field(10.0, gt=0, le=300)
    retry: RetrySettings = RetrySettings()
    max_body_bytes: int = Field(5_000_000, ge=1_024, le=500_000_000)
    user_agent: str = Field("bondline-oracle/0.1", min_length=1, max_length=200)


class HttpOverrides(_Strict):
    """Per-source overrides of the top-level ``http`` settings (unset keys inherit)."""

    connect_timeout_s: float | None = Field(None, gt=0, le=60)
    read_timeout_s: float | None = Field(None, gt=0, le=300)
    retry: RetrySettings | None = None
    max_body_bytes: int | None = Field(None, ge=1_024, le=500_000_000)
    user_agent: str | None = Field(None, min_length=1, max_length=200)

    def apply(self, base: HttpSettings) -> HttpSettings:
        update = {
            name: getattr(self, name)
            for name in type(self).model_fields
            if getattr(self, name) is not None
        }
        return base.model_copy(update=update)


def _check_url(value: str) -> str:
    if not URL_RE.match(value):
        raise _custom(
            f"{value!r} is not an http(s) base URL",
            "write the scheme and host, e.g. https://api.worldbank.org (no query string)",
        )
    return value.rstrip("/")


HttpBaseUrl = Annotated[str, AfterValidator(_check_url)]


def _check_template(value: str, allowed: set[str]) -> str:
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        raise _custom(
            f"{value!r} is not a valid template ({exc})",
            "use {placeholders} with matching braces",
        ) from exc
    unknown = fields - allowed
    if unknown:
        raise _custom(
            f"unknown placeholder(s) {', '.join(sorted(unknown))} in {value!r}",
            f"use only {', '.join('{' + name + '}' for name in sorted(allowed))}",
        )
    return value


def _check_json_path(value: str) -> str:
    try:
        JsonPath.parse(value)
    except JsonPathSyntaxError as exc:
        raise _custom(str(exc), "write dotted keys and [n] indices, e.g. data.price") from exc
    return value


# --------------------------------------------------------------------------- sources
class AuthHeader(_Strict):
    """An HTTP header whose value is read from an environment variable at fetch time
    (the secret never sits in the config file)."""

    header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]+$")
    env: str = Field(..., description="name of the environment variable holding the secret")
    prefix: str = Field("", max_length=32, description='e.g. "Bearer "')

    @field_validator("env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_RE.match(value):
            raise _custom(
                f"{value!r} is not an environment variable name",
                "write the variable's name (e.g. CUSTODIAN_API_TOKEN), never the secret",
            )
        return value


class CustodianSourceConfig(_Strict):
    """Custodian / broker price API returning JSON for one bond per request."""

    type: Literal["custodian_http"]
    base_url: HttpBaseUrl
    path: str = Field("/", description="request path; {isin} is replaced by the feed ISIN")
    params: dict[str, str] = Field(default_factory=dict)
    auth: AuthHeader | None = None
    value_path: str = Field(..., description="JSON path of the price")
    price_unit: PriceQuoteUnit
    face_value: Decimal | None = Field(None, gt=0)
    timestamp_path: str = Field(..., description="JSON path of the quote time")
    timestamp_format: TimestampFormat = TimestampFormat.ISO8601
    isin_path: str | None = None
    currency_path: str | None = None
    expected_currency: str | None = Field(None, pattern=r"^[A-Z]{3}$")
    http: HttpOverrides | None = None

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise _custom(f"path {value!r} must start with '/'", f"write /{value}")
        return _check_template(value, {"isin", "feed"})

    @field_validator("value_path", "timestamp_path", "isin_path", "currency_path")
    @classmethod
    def _paths(cls, value: str | None) -> str | None:
        return None if value is None else _check_json_path(value)

    @model_validator(mode="after")
    def _units(self) -> CustodianSourceConfig:
        if self.price_unit is PriceQuoteUnit.PER_UNIT and self.face_value is None:
            raise _custom(
                "price_unit per_unit needs face_value to convert to percent of par",
                "add face_value: the face amount one quoted unit refers to (e.g. 1000)",
            )
        if (self.expected_currency is None) != (self.currency_path is None):
            raise _custom(
                "currency_path and expected_currency go together",
                "set both (e.g. currency_path: data.currency, expected_currency: EUR) or none",
            )
        return self


IMF_DEFAULT_INDICATORS: Mapping[MacroSeries, str] = {
    MacroSeries.DEBT_TO_GDP: "GGXWDG_NGDP",  # general government gross debt, % of GDP
    MacroSeries.GDP_GROWTH: "NGDP_RPCH",  # real GDP growth, annual % change
}
WORLD_BANK_DEFAULT_INDICATORS: Mapping[MacroSeries, str] = {
    MacroSeries.GDP_GROWTH: "NY.GDP.MKTP.KD.ZG",  # GDP growth (annual %)
    MacroSeries.DEBT_TO_GDP: "GC.DOD.TOTL.GD.ZS",  # central government debt, total (% of GDP)
}


class ImfSourceConfig(_Strict):
    """IMF DataMapper API: GET {base_url}/api/v1/{indicator}/{ISO3}."""

    type: Literal["imf_datamapper"]
    base_url: HttpBaseUrl = "https://www.imf.org/external/datamapper"
    indicators: dict[MacroSeries, str] = Field(default_factory=lambda: dict(IMF_DEFAULT_INDICATORS))
    http: HttpOverrides | None = None


class WorldBankSourceConfig(_Strict):
    """World Bank Indicators API v2: GET {base_url}/v2/country/{ISO3}/indicator/{id}."""

    type: Literal["world_bank"]
    base_url: HttpBaseUrl = "https://api.worldbank.org"
    indicators: dict[MacroSeries, str] = Field(
        default_factory=lambda: dict(WORLD_BANK_DEFAULT_INDICATORS)
    )
    per_page: int = Field(50, ge=1, le=1_000)
    max_pages: int = Field(10, ge=1, le=100)
    window_years: int = Field(15, ge=1, le=100, description="years requested, newest first")
    http: HttpOverrides | None = None


class FileSourceConfig(_Strict):
    """A CSV or JSON file maintained by hand or by another system.

    CSV: a header row, one record per row. JSON: a list of records, or an object holding
    one at ``records_path``. Macro records have a year in ``period_field``; price records a
    timestamp (``timestamp_format``). Relative paths are relative to the config file.
    """

    type: Literal["file"]
    path: str = Field(..., description="may use {isin} {country} {series} {feed}")
    format: Literal["csv", "json"] | None = None
    records_path: str | None = None
    period_field: str = Field(..., min_length=1)
    value_field: str = Field(..., min_length=1)
    country_field: str | None = None
    isin_field: str | None = None
    unit: PriceQuoteUnit | MacroInputUnit
    face_value: Decimal | None = Field(None, gt=0)
    timestamp_format: TimestampFormat = TimestampFormat.ISO8601

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        return _check_template(value, {"isin", "country", "series", "feed"})

    @field_validator("records_path")
    @classmethod
    def _records(cls, value: str | None) -> str | None:
        return None if value is None else _check_json_path(value)

    @model_validator(mode="after")
    def _consistent(self) -> FileSourceConfig:
        fmt = self.resolved_format
        if fmt is None:
            raise _custom(
                f"cannot tell the format of {self.path!r} from its extension",
                "add format: csv or format: json",
            )
        if self.records_path is not None and fmt != "json":
            raise _custom("records_path only applies to JSON files", "remove records_path")
        if self.unit is PriceQuoteUnit.PER_UNIT and self.face_value is None:
            raise _custom(
                "unit per_unit needs face_value to convert to percent of par",
                "add face_value (e.g. 1000)",
            )
        return self

    @property
    def resolved_format(self) -> Literal["csv", "json"] | None:
        if self.format is not None:
            return self.format
        suffix = Path(self.path).suffix.lower()
        if suffix == ".csv":
            return "csv"
        if suffix == ".json":
            return "json"
        return None


class SimulatedSourceConfig(_Strict):
    """Synthetic macro data from the TSDCM jump-diffusion model
    (``analytics.sovereign.simulate_path``), reproducible from ``seed``.

    Simulation time ``t = 0`` is 1 January of ``start_year``. Year ``Y`` reports the debt
    ratio at the end of the year and the mean growth rate over the year.
    """

    type: Literal["simulated"]
    seed: int = Field(0, ge=0, le=2**32 - 1)
    start_year: int = Field(..., ge=1900, le=2200)
    years: float = Field(30.0, gt=0, le=200)
    dt: float = Field(0.01, gt=0, le=1)
    model: dict[str, Any] | None = Field(
        None, description="overrides of analytics.sovereign.SovereignModelConfig (paper defaults)"
    )

    @model_validator(mode="after")
    def _grid(self) -> SimulatedSourceConfig:
        steps = round(self.years / self.dt)
        if abs(steps * self.dt - self.years) > 1e-9 * max(1.0, self.years):
            raise _custom(
                f"years ({self.years:g}) is not a whole number of dt steps ({self.dt:g})",
                "choose dt dividing years, e.g. years: 30 with dt: 0.01",
            )
        if self.model is not None:
            problem = _sovereign_model_problem(self.model)
            if problem is not None:
                raise _custom(
                    f"model: {problem}",
                    "use the keys of analytics.sovereign.SovereignModelConfig "
                    "(see docs/tsdcm-replication.md), or remove `model` for the paper defaults",
                )
        return self


def _sovereign_model_problem(model: dict[str, Any]) -> str | None:
    """Validate ``model`` against the analytics model config, if analytics is installed."""
    try:
        from analytics.sovereign import SovereignModelConfig
    except ImportError:  # validated again when the source runs
        return None
    try:
        SovereignModelConfig.model_validate(model)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    return None


SourceConfig = Annotated[
    CustodianSourceConfig
    | ImfSourceConfig
    | WorldBankSourceConfig
    | FileSourceConfig
    | SimulatedSourceConfig,
    Field(discriminator="type"),
]
SOURCE_TYPES: tuple[str, ...] = (
    "custodian_http",
    "imf_datamapper",
    "world_bank",
    "file",
    "simulated",
)
MACRO_SOURCE_TYPES = frozenset({"imf_datamapper", "world_bank", "file", "simulated"})
PRICE_SOURCE_TYPES = frozenset({"custodian_http", "file"})


# ----------------------------------------------------------------------------- feeds
class Tolerance(_Strict):
    """A distance between two values: relative in basis points of the reference value,
    or absolute in the feed's unit (percentage points for macro feeds). Set exactly one."""

    relative_bps: Decimal | None = Field(None, gt=0, le=1_000_000)
    absolute: Decimal | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Tolerance:
        if (self.relative_bps is None) == (self.absolute is None):
            raise _custom(
                "set exactly one of relative_bps and absolute",
                "e.g. {relative_bps: 200} (2 %) or {absolute: 1.5} (in the feed's unit)",
            )
        return self

    def exceeded(self, value: Decimal, reference: Decimal) -> bool:
        """Whether ``|value - reference|`` is beyond this tolerance."""
        distance = abs(value - reference)
        if self.absolute is not None:
            return distance > self.absolute
        assert self.relative_bps is not None
        if reference == 0:
            return distance != 0
        return distance * Decimal(10_000) > self.relative_bps * abs(reference)

    def describe(self) -> str:
        if self.absolute is not None:
            return f"{self.absolute} (absolute)"
        return f"{self.relative_bps} bps"


class ValueRange(_Strict):
    """Inclusive bounds in the feed's canonical unit."""

    min: Decimal
    max: Decimal

    @model_validator(mode="after")
    def _ordered(self) -> ValueRange:
        if self.min >= self.max:
            raise _custom(
                f"min ({self.min}) must be below max ({self.max})",
                "swap the two values or widen the range",
            )
        return self


DEFAULT_RANGES: Mapping[str, ValueRange] = {
    "price": ValueRange(min=Decimal("0.01"), max=Decimal("500")),
    MacroSeries.DEBT_TO_GDP.value: ValueRange(min=Decimal("0"), max=Decimal("400")),
    MacroSeries.GDP_GROWTH.value: ValueRange(min=Decimal("-70"), max=Decimal("100")),
}


class Aggregation(_Strict):
    """``quorum``: minimum number of valid, agreeing sources. ``max_spread``: largest
    allowed distance of a source from the median (required with more than one source)."""

    quorum: int = Field(1, ge=1, le=20)
    max_spread: Tolerance | None = None


class PriceValidation(_Strict):
    range: ValueRange | None = None
    max_age_s: float = Field(86_400, gt=0, description="reject quotes older than this")
    max_future_s: float = Field(300, ge=0, description="clock skew allowed for quote times")
    max_deviation: Tolerance | None = None


class MacroValidation(_Strict):
    range: ValueRange | None = None
    newest_year_offset: int = Field(
        -1, ge=-10, le=10, description="newest year used = current year + offset"
    )
    year: int | None = Field(None, ge=1900, le=2200, description="pin one year instead")
    max_lag_years: int = Field(2, ge=0, le=50)
    max_deviation: Tolerance | None = None


def _check_name(value: str, what: str) -> str:
    if not NAME_RE.match(value):
        raise _custom(
            f"{what} {value!r} is not a valid name",
            "use 1-64 letters, digits, '_', '-', '.', ':' starting with a letter or digit",
        )
    return value


def isin_check_digit(body: str) -> int:
    """ISO 6166 check digit of the first 11 characters of an ISIN (Luhn on digits)."""
    digits = "".join(str(int(ch, 36)) for ch in body)
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            value = value - 9 if value > 9 else value
        total += value
    return (10 - total % 10) % 10


class _FeedBase(_Strict):
    name: str
    sources: list[str] = Field(..., min_length=1)
    aggregation: Aggregation = Aggregation()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value, "feed name")

    @field_validator("sources")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        duplicates = sorted({name for name in value if value.count(name) > 1})
        if duplicates:
            raise _custom(
                f"source(s) listed twice: {', '.join(duplicates)}",
                "list each source once; a source counts once towards the quorum",
            )
        return value


class PriceFeedConfig(_FeedBase):
    kind: Literal["price"]
    isin: str
    validation: PriceValidation = PriceValidation()

    @field_validator("isin")
    @classmethod
    def _isin(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{2}[A-Z0-9]{9}[0-9]", value):
            raise _custom(
                f"{value!r} is not an ISIN",
                "write the 12-character ISIN in capitals, e.g. IT0005083057",
            )
        expected = isin_check_digit(value[:11])
        if int(value[11]) != expected:
            raise _custom(
                f"ISIN {value!r} fails its check digit (last character should be {expected})",
                "copy the ISIN again from the bond's documentation",
            )
        return value

    @property
    def value_range(self) -> ValueRange:
        return self.validation.range or DEFAULT_RANGES["price"]


class MacroFeedConfig(_FeedBase):
    kind: Literal["macro"]
    country: str
    series: MacroSeries
    validation: MacroValidation = MacroValidation()

    @field_validator("country")
    @classmethod
    def _iso3(cls, value: str) -> str:
        if not ISO3_RE.match(value):
            hint = value.upper() if ISO3_RE.match(value.upper()) else "ITA, GRC, ARG"
            raise _custom(
                f"{value!r} is not an ISO 3166-1 alpha-3 country code",
                f"write three capital letters, e.g. {hint}",
            )
        return value

    @property
    def value_range(self) -> ValueRange:
        return self.validation.range or DEFAULT_RANGES[self.series.value]


FeedConfig = Annotated[PriceFeedConfig | MacroFeedConfig, Field(discriminator="kind")]


class OracleConfig(_Strict):
    """The whole file. Build it with :func:`load_config` / :func:`parse_config`."""

    version: Literal[1]
    http: HttpSettings = HttpSettings()
    sources: dict[str, SourceConfig] = Field(..., min_length=1)
    feeds: list[FeedConfig] = Field(..., min_length=1)
    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)

    @property
    def base_dir(self) -> Path:
        """Directory that relative file paths are resolved against (the config's)."""
        return self._base_dir

    @field_validator("sources")
    @classmethod
    def _source_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            _check_name(name, "source name")
        return value

    def feed(self, name: str) -> PriceFeedConfig | MacroFeedConfig:
        for feed in self.feeds:
            if feed.name == name:
                return feed
        known = ", ".join(feed.name for feed in self.feeds)
        raise KeyError(f"no feed named {name!r} (feeds: {known})")

    def http_for(self, source_name: str) -> HttpSettings:
        source = self.sources[source_name]
        overrides = getattr(source, "http", None)
        return overrides.apply(self.http) if overrides is not None else self.http

    def missing_credentials(self) -> list[tuple[str, str]]:
        """(source, environment variable) pairs whose variable is unset right now."""
        missing = []
        for name, source in self.sources.items():
            if isinstance(source, CustodianSourceConfig) and source.auth is not None:
                if not os.environ.get(source.auth.env):
                    missing.append((name, source.auth.env))
        return missing


# ------------------------------------------------------------------------ cross-checks
def _cross_check(config: OracleConfig, raw: Mapping[str, Any]) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    raw_feeds = raw.get("feeds") if isinstance(raw.get("feeds"), list) else []
    seen: dict[str, int] = {}
    for index, feed in enumerate(config.feeds):
        where = _feed_label(index, raw_feeds)
        if feed.name in seen:
            issues.append(
                ConfigIssue(
                    f"{where}.name",
                    f"feed name {feed.name!r} is already used by feeds[{seen[feed.name]}]",
                    "give every feed a unique name",
                )
            )
        seen.setdefault(feed.name, index)
        allowed = PRICE_SOURCE_TYPES if feed.kind == FeedKind.PRICE else MACRO_SOURCE_TYPES
        for position, source_name in enumerate(feed.sources):
            source = config.sources.get(source_name)
            loc = f"{where}.sources[{position}]"
            if source is None:
                continue  # reported by _reference_issues
            if source.type not in allowed:
                issues.append(
                    ConfigIssue(
                        loc,
                        f"source {source_name!r} ({source.type}) cannot serve a {feed.kind} feed",
                        f"use a source of type {' or '.join(sorted(allowed))}",
                    )
                )
                continue
            issues.extend(_source_feed_issues(loc, source_name, source, feed))
        aggregation = feed.aggregation
        if aggregation.quorum > len(feed.sources):
            issues.append(
                ConfigIssue(
                    f"{where}.aggregation.quorum",
                    f"quorum {aggregation.quorum} exceeds the {len(feed.sources)} source(s)"
                    " of this feed, so the feed could never publish",
                    f"lower quorum to at most {len(feed.sources)} or add sources",
                )
            )
        if len(feed.sources) > 1 and aggregation.max_spread is None:
            issues.append(
                ConfigIssue(
                    f"{where}.aggregation.max_spread",
                    "a feed with several sources needs a limit on how far they may disagree",
                    "add max_spread, e.g. {relative_bps: 100} for prices or "
                    "{absolute: 0.5} (percentage points) for macro series",
                )
            )
    return issues


def _reference_issues(raw: Mapping[str, Any]) -> list[ConfigIssue]:
    """Feeds naming sources that are not defined (checked on the raw mapping, so these are
    reported together with any other problem in the file)."""
    sources = raw.get("sources")
    feeds = raw.get("feeds")
    if not isinstance(sources, Mapping) or not isinstance(feeds, list):
        return []
    names = [str(name) for name in sources]
    issues = []
    for index, feed in enumerate(feeds):
        listed = feed.get("sources") if isinstance(feed, Mapping) else None
        if not isinstance(listed, list):
            continue
        for position, source_name in enumerate(listed):
            if not isinstance(source_name, str) or source_name in sources:
                continue
            close = difflib.get_close_matches(source_name, names, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            issues.append(
                ConfigIssue(
                    f"{_feed_label(index, feeds)}.sources[{position}]",
                    f"unknown source {source_name!r}",
                    f"{hint}use a name defined under `sources:` ({', '.join(sorted(names))})",
                )
            )
    return issues


def _source_feed_issues(
    loc: str, name: str, source: Any, feed: PriceFeedConfig | MacroFeedConfig
) -> list[ConfigIssue]:
    if isinstance(feed, MacroFeedConfig) and isinstance(
        source, ImfSourceConfig | WorldBankSourceConfig
    ):
        if feed.series not in source.indicators:
            return [
                ConfigIssue(
                    loc,
                    f"source {name!r} has no indicator for series {feed.series.value!r}",
                    f"add sources.{name}.indicators.{feed.series.value}: <indicator code>",
                )
            ]
    if isinstance(source, FileSourceConfig):
        price_unit = isinstance(source.unit, PriceQuoteUnit)
        if price_unit != isinstance(feed, PriceFeedConfig):
            wanted = PriceQuoteUnit if isinstance(feed, PriceFeedConfig) else MacroInputUnit
            return [
                ConfigIssue(
                    loc,
                    f"file source {name!r} has unit {source.unit.value!r}, "
                    f"which does not fit a {feed.kind} feed",
                    f"set sources.{name}.unit to one of {', '.join(u.value for u in wanted)}",
                )
            ]
    return []


def _feed_label(index: int, raw_feeds: Sequence[Any]) -> str:
    if index < len(raw_feeds) and isinstance(raw_feeds[index], Mapping):
        name = raw_feeds[index].get("name")
        if isinstance(name, str):
            return f"feeds[{index}] ({name})"
    return f"feeds[{index}]"


# ------------------------------------------------------------ pydantic -> ConfigIssue
_TAGS = set(SOURCE_TYPES) | {"price", "macro"}


def _issue_from_pydantic(error: Mapping[str, Any], raw: Mapping[str, Any]) -> ConfigIssue:
    loc = list(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    # Drop discriminator tags pydantic inserts after a union member (sources.x.<type>.key).
    cleaned: list[str | int] = []
    for position, part in enumerate(loc):
        if (
            isinstance(part, str)
            and part in _TAGS
            and position > 0
            and _is_union_slot(loc[:position])
        ):
            continue
        cleaned.append(part)
    location = _format_loc(cleaned, raw)
    message = error["msg"]
    if kind == "oracle_config":
        return ConfigIssue(location, ctx["problem"], ctx["fix"])
    key = cleaned[-1] if cleaned else ""
    if kind == "missing":
        return ConfigIssue(location, "required key is missing", f"add `{key}:` here")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(cleaned[:-1], raw)
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"did you mean `{close[0]}`? " if close else ""
        listing = f"allowed keys here: {', '.join(allowed)}" if allowed else "remove it"
        return ConfigIssue(location, f"unknown key `{key}`", f"{hint}{listing}")
    if kind == "union_tag_invalid":
        tag = str(ctx.get("discriminator", "type")).strip("'")
        return ConfigIssue(
            f"{location}.{tag}",
            f"unknown {tag} {ctx.get('tag')!r}",
            f"use one of {ctx.get('expected_tags')}",
        )
    if kind == "union_tag_not_found":
        tag = str(ctx.get("discriminator", "type")).strip("'")
        choices = "price, macro" if cleaned[:1] == ["feeds"] else ", ".join(SOURCE_TYPES)
        return ConfigIssue(location, f"`{tag}` is missing", f"add `{tag}:` ({choices})")
    if kind in {"enum", "literal_error"}:
        return ConfigIssue(location, message, "use one of the values listed")
    if kind.endswith("_parsing") or kind.endswith("_type"):
        return ConfigIssue(location, message, "write a value of the expected type")
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        return ConfigIssue(location, message, "choose a value within the bound")
    if kind in {"too_short", "too_long"}:
        return ConfigIssue(location, message, "add or remove entries accordingly")
    if kind == "string_pattern_mismatch":
        return ConfigIssue(location, message, "follow the pattern shown")
    return ConfigIssue(location, message, "see docs/oracle-config.md for this key")


def _is_union_slot(prefix: Sequence[Any]) -> bool:
    """True when ``prefix`` points at a feed list item or a source mapping value."""
    return len(prefix) == 2 and prefix[0] in {"feeds", "sources"}


def _format_loc(loc: Sequence[str | int], raw: Mapping[str, Any]) -> str:
    if not loc:
        return "(top level)"
    out = ""
    for position, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            if position == 1 and loc[0] == "feeds":
                raw_feeds = raw.get("feeds")
                if isinstance(raw_feeds, list):
                    out = _feed_label(part, raw_feeds)
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_keys(loc: Sequence[str | int], raw: Mapping[str, Any]) -> list[str]:
    """Field names of the model found at ``loc`` (for "did you mean" hints)."""
    model: Any = OracleConfig
    node: Any = raw
    for part in loc:
        node = node[part] if isinstance(node, dict | list) and _has(node, part) else None
        model = _child_model(model, part, node)
        if model is None:
            return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(part, int) and 0 <= part < len(node)


def _child_model(model: Any, part: str | int, node: Any) -> Any:
    if isinstance(model, type) and issubclass(model, BaseModel):
        if not isinstance(part, str) or part not in model.model_fields:
            return None
        return _resolve(model.model_fields[part].annotation, node)
    if isinstance(model, _Container):
        return _resolve(model.item, node)
    return None


class _Container:
    def __init__(self, item: Any) -> None:
        self.item = item


def _resolve(annotation: Any, node: Any) -> Any:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        return _resolve(args[0], node)
    if origin in {list, dict}:
        return _Container(args[-1])
    if origin in {typing.Union, types.UnionType}:
        members = [arg for arg in args if arg is not type(None)]
        for member in members:
            is_model = isinstance(member, type) and issubclass(member, BaseModel)
            if is_model and isinstance(node, dict):
                tag_field = "type" if "type" in member.model_fields else "kind"
                literal = member.model_fields.get(tag_field)
                if literal is not None and node.get(tag_field) in typing.get_args(
                    literal.annotation
                ):
                    return member
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        return models[0] if len(models) == 1 else None
    return annotation


# ----------------------------------------------------------------------------- loading
class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def parse_config(
    data: Any, *, origin: str = "<config>", base_dir: Path | None = None
) -> OracleConfig:
    """Validate an already-parsed mapping; raise :class:`ConfigError` with every issue."""
    if not isinstance(data, Mapping):
        raise ConfigError(
            origin,
            [
                ConfigIssue(
                    "(top level)",
                    "the file must contain a mapping with version, sources and feeds",
                    "start from config/oracle.example.yaml",
                )
            ],
        )
    references = _reference_issues(data)
    try:
        config = OracleConfig.model_validate(dict(data))
    except ValidationError as exc:
        issues = [_issue_from_pydantic(error, data) for error in exc.errors()]
        raise ConfigError(origin, issues + references) from None
    issues = references + _cross_check(config, data)
    if issues:
        raise ConfigError(origin, issues)
    config._base_dir = (base_dir or Path.cwd()).resolve()
    return config


def load_config(path: str | os.PathLike[str]) -> OracleConfig:
    """Read, parse and validate the YAML file at ``path``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            str(file),
            [
                ConfigIssue(
                    "(file)",
                    "file not found",
                    "pass --config with the path of your YAML file "
                    "(template: config/oracle.example.yaml)",
                )
            ],
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            str(file), [ConfigIssue("(file)", f"cannot read: {exc}", "check the file")]
        ) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: no objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            str(file),
            [ConfigIssue(where, f"YAML syntax: {problem}", "fix the YAML at that position")],
        ) from None
    return parse_config(data, origin=str(file), base_dir=file.resolve().parent)
