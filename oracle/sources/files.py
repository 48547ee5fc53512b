"""CSV and JSON files: hand-maintained fallbacks, exports from another system, fixtures.

The path may use ``{isin}``, ``{country}``, ``{series}`` and ``{feed}``; a relative path is
resolved against the directory of the config file. Records are rows of a CSV file with a
header, or objects in a JSON list (at ``records_path`` if the list is nested). When
``country_field`` / ``isin_field`` is set, only the records of the feed's country / bond
are used, and a file holding none of them is rejected (``wrong_country`` /
``wrong_instrument``).

* macro feeds: ``period_field`` holds the year; the newest usable year is picked as for
  the APIs; a year listed twice is ``schema_drift``.
* price feeds: ``period_field`` holds the quote time (``timestamp_format``); the newest
  quote is used.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from oracle.config import FileSourceConfig, MacroInputUnit, PriceQuoteUnit
from oracle.errors import FetchError, PayloadError
from oracle.jsonpath import JsonPath, JsonPathLookupError
from oracle.models import FeedKind, Observation, RejectionReason, utc_now
from oracle.sources.base import (
    FeedRequest,
    Source,
    annual_as_of,
    iso_timestamp,
    macro_to_percent,
    parse_timestamp,
    parse_year,
    pick_annual,
    price_to_percent_of_par,
    to_decimal,
)
from oracle.transport import RawPayload, parse_json_body

MAX_FILE_BYTES = 50_000_000


class FileSource(Source):
    source_type = "file"

    def __init__(
        self,
        name: str,
        config: FileSourceConfig,
        base_dir: Path,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(name)
        self.config = config
        self.base_dir = base_dir
        self.clock = clock
        self._records_path = JsonPath.parse(config.records_path) if config.records_path else None

    def path_for(self, request: FeedRequest) -> Path:
        text = self.config.path.format(
            isin=request.isin or "",
            country=request.country or "",
            series=request.series.value if request.series else "",
            feed=request.feed,
        )
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def fetch(self, request: FeedRequest) -> Observation:
        path = self.path_for(request)
        payload = self._read(path)
        records = self._records(payload)
        records = self._filter(records, request, payload)
        if request.kind is FeedKind.MACRO:
            return self._macro(records, request, payload)
        return self._price(records, request, payload)

    # ------------------------------------------------------------------ reading
    def _read(self, path: Path) -> RawPayload:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise FetchError(
                    RejectionReason.PAYLOAD_TOO_LARGE,
                    f"{path} is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                    url=str(path),
                )
            body = path.read_bytes()
        except FileNotFoundError:
            raise FetchError(
                RejectionReason.FILE_ERROR,
                f"file {path} does not exist (sources.{self.name}.path)",
                url=str(path),
            ) from None
        except OSError as exc:
            raise FetchError(
                RejectionReason.FILE_ERROR, f"cannot read {path}: {exc.strerror}", url=str(path)
            ) from None
        return RawPayload(body=body, location=str(path), fetched_at=self.clock())

    def _records(self, payload: RawPayload) -> list[dict[str, Any]]:
        if self.config.resolved_format == "csv":
            return self._csv_records(payload)
        document = parse_json_body(payload)
        if self._records_path is not None:
            try:
                document = self._records_path.resolve(document)
            except JsonPathLookupError as exc:
                raise _drift(
                    f"cannot read records_path {self._records_path}: {exc.message}", payload
                ) from None
        if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
            raise _drift("expected a list of objects (one per record)", payload)
        return document

    def _csv_records(self, payload: RawPayload) -> list[dict[str, Any]]:
        try:
            text = payload.body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PayloadError(
                RejectionReason.FILE_ERROR,
                f"{payload.location} is not UTF-8 text ({exc.reason} at byte {exc.start})",
                url=payload.location,
                payload_sha256=payload.sha256,
            ) from None
        if not text.strip():
            raise PayloadError(
                RejectionReason.EMPTY_BODY,
                f"{payload.location} is empty",
                url=payload.location,
                payload_sha256=payload.sha256,
            )
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [name.strip() for name in reader.fieldnames or []]
        wanted = [
            field
            for field in (
                self.config.period_field,
                self.config.value_field,
                self.config.country_field,
                self.config.isin_field,
            )
            if field is not None
        ]
        missing = [field for field in wanted if field not in header]
        if missing:
            raise _drift(
                f"CSV header lacks column(s) {', '.join(missing)} (header: {', '.join(header)})",
                payload,
            )
        records = []
        for row in reader:
            if None in row:
                raise _drift(f"line {reader.line_num} has more cells than the header", payload)
            records.append({(key or "").strip(): value for key, value in row.items()})
        return records

    def _filter(
        self, records: list[dict[str, Any]], request: FeedRequest, payload: RawPayload
    ) -> list[dict[str, Any]]:
        checks: list[tuple[str, str, RejectionReason]] = []
        country_field, isin_field = self.config.country_field, self.config.isin_field
        if country_field and request.country:
            checks.append((country_field, request.country, RejectionReason.WRONG_COUNTRY))
        if isin_field and request.isin:
            checks.append((isin_field, request.isin, RejectionReason.WRONG_INSTRUMENT))
        for field, wanted, reason in checks:
            present = sorted({str(record.get(field, "")).strip() for record in records})
            records = [r for r in records if str(r.get(field, "")).strip().upper() == wanted]
            if not records:
                shown = ", ".join(present[:5]) + (", ..." if len(present) > 5 else "")
                raise PayloadError(
                    reason,
                    f"{payload.location} has no record with {field} = {wanted} "
                    f"(values there: {shown or 'none'})",
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
        if not records:
            raise PayloadError(
                RejectionReason.MISSING_PERIOD,
                f"{payload.location} holds no records",
                url=payload.location,
                payload_sha256=payload.sha256,
            )
        return records

    # --------------------------------------------------------------- observations
    def _field(self, record: dict[str, Any], field: str, index: int, payload: RawPayload) -> Any:
        if field not in record:
            raise _drift(f"record {index} has no field {field!r}", payload)
        return record[field]

    def _macro(
        self, records: list[dict[str, Any]], request: FeedRequest, payload: RawPayload
    ) -> Observation:
        assert isinstance(self.config.unit, MacroInputUnit)
        points: dict[int, Any] = {}
        for index, record in enumerate(records):
            year = parse_year(
                self._field(record, self.config.period_field, index, payload),
                f"record {index} {self.config.period_field}",
                payload,
            )
            if year in points:
                raise _drift(f"year {year} appears in more than one record", payload)
            value = self._field(record, self.config.value_field, index, payload)
            points[year] = None if isinstance(value, str) and not value.strip() else value
        what = f"{self.config.value_field} in {Path(payload.location).name}"
        pick = pick_annual(points, request, what, payload)
        number = to_decimal(pick.raw_value, f"{what} for {pick.year}", payload)
        meta = {"unit": self.config.unit.value}
        if pick.skipped_null_years:
            meta["skipped_null_years"] = ",".join(map(str, pick.skipped_null_years))
        return self.observation(
            request,
            payload,
            value=macro_to_percent(number, self.config.unit),
            raw_value=pick.raw_value,
            period=str(pick.year),
            as_of=annual_as_of(pick.year),
            meta=meta,
        )

    def _price(
        self, records: list[dict[str, Any]], request: FeedRequest, payload: RawPayload
    ) -> Observation:
        assert isinstance(self.config.unit, PriceQuoteUnit)
        dated = []
        for index, record in enumerate(records):
            moment = parse_timestamp(
                self._field(record, self.config.period_field, index, payload),
                self.config.timestamp_format,
                f"record {index} {self.config.period_field}",
                payload,
            )
            dated.append((moment, index, record))
        moment, index, record = max(dated, key=lambda item: (item[0], item[1]))
        raw_value = self._field(record, self.config.value_field, index, payload)
        number = to_decimal(raw_value, f"record {index} {self.config.value_field}", payload)
        return self.observation(
            request,
            payload,
            value=price_to_percent_of_par(number, self.config.unit, self.config.face_value),
            raw_value=raw_value,
            period=iso_timestamp(moment),
            as_of=moment,
            meta={"price_unit": self.config.unit.value},
        )


def _drift(message: str, payload: RawPayload) -> PayloadError:
    return PayloadError(
        RejectionReason.SCHEMA_DRIFT,
        f"{payload.location}: {message}",
        url=payload.location,
        payload_sha256=payload.sha256,
    )
