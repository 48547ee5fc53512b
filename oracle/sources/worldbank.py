"""World Bank Indicators API v2, JSON format, with paging.

Request: ``GET {base_url}/v2/country/{ISO3}/indicator/{id}?format=json&date=Y0:Y1
&per_page=N&page=P``. A page is a two-element array::

    [{"page": 1, "pages": 2, "per_page": 5, "total": 10, "sourceid": "2",
      "lastupdated": "2025-07-01"},
     [{"indicator": {"id": "NY.GDP.MKTP.KD.ZG", "value": "GDP growth (annual %)"},
       "country": {"id": "IT", "value": "Italy"}, "countryiso3code": "ITA",
       "date": "2024", "value": 0.7, "unit": "", "obs_status": "", "decimal": 1}, ...]]

Errors come back with HTTP 200 as a one-element array
``[{"message": [{"id": "120", "key": "Invalid value", "value": "..."}]}]`` (reported as
``api_error``); no data is ``[{... "total": 0}, null]``. Every page is checked: the page
number asked for, a stable page count, ``max_pages``, the row total, and on every row the
indicator, the country and an annual date. Defaults: ``gdp_growth`` ->
``NY.GDP.MKTP.KD.ZG`` (percent), ``debt_to_gdp`` -> ``GC.DOD.TOTL.GD.ZS`` (central
government debt, percent of GDP: narrower than the IMF's general government figure).
"""

from __future__ import annotations

from typing import Any

from oracle.config import WorldBankSourceConfig
from oracle.errors import PayloadError
from oracle.models import Observation, RejectionReason
from oracle.sources.base import (
    FeedRequest,
    HttpSource,
    annual_as_of,
    parse_year,
    pick_annual,
    to_decimal,
)
from oracle.transport import RawPayload, parse_json_body


class WorldBankSource(HttpSource):
    source_type = "world_bank"
    config: WorldBankSourceConfig

    def url_for(self, request: FeedRequest) -> str:
        assert request.series is not None and request.country is not None
        indicator = self.config.indicators[request.series]
        return f"{self.config.base_url}/v2/country/{request.country}/indicator/{indicator}"

    def params_for(self, request: FeedRequest, page: int) -> dict[str, str]:
        last = request.last_year
        first = last - self.config.window_years + 1
        return {
            "format": "json",
            "date": f"{first}:{last}",
            "per_page": str(self.config.per_page),
            "page": str(page),
        }

    def fetch(self, request: FeedRequest) -> Observation:
        assert request.series is not None and request.country is not None
        indicator = self.config.indicators[request.series]
        url = self.url_for(request)
        payloads: list[RawPayload] = []
        rows: list[Any] = []
        points: dict[int, Any] = {}
        pages = 1
        total = 0
        meta_first: dict[str, Any] = {}
        page = 1
        while page <= pages:
            params = self.params_for(request, page)
            payload = self.http.get(url, settings=self.settings, params=params)
            payloads.append(payload)
            meta, page_rows = self._split(parse_json_body(payload), payload)
            got_page = self._int(meta, "page", payload)
            got_pages = self._int(meta, "pages", payload)
            got_total = self._int(meta, "total", payload)
            if page == 1 and got_total == 0:
                meta_first, pages, total = meta, 0, 0  # "[{... total: 0}, null]": no data
                break
            if got_page != page:
                raise _paging(f"asked for page {page}, got page {got_page}", payload)
            if page == 1:
                pages, total, meta_first = got_pages, got_total, meta
                if pages > self.config.max_pages:
                    raise _paging(
                        f"{total} rows in {pages} pages exceed max_pages={self.config.max_pages}"
                        f" (per_page={self.config.per_page}); raise per_page or max_pages",
                        payload,
                    )
            elif got_pages != pages or got_total != total:
                raise _paging(
                    f"page {page} reports {got_pages} pages / {got_total} rows, page 1 reported "
                    f"{pages} / {total}: the data changed while paging",
                    payload,
                )
            self._points(page_rows, indicator, request.country, payload, points)
            rows.extend(page_rows)
            page += 1
        combined = _combined(payloads)
        if len(rows) != total:
            raise PayloadError(
                RejectionReason.PAGING_ERROR,
                f"collected {len(rows)} rows over {pages} page(s), the API announced {total}",
                url=url,
                payload_sha256=combined.sha256,
            )
        what = f"World Bank {indicator} for {request.country}"
        pick = pick_annual(points, request, what, combined)
        value = to_decimal(pick.raw_value, f"{what} in {pick.year}", combined)
        meta = {"indicator": indicator, "country": request.country, "pages": str(max(pages, 1))}
        for key in ("lastupdated", "sourceid"):
            if isinstance(meta_first.get(key), str):
                meta[key] = meta_first[key]
        if pick.skipped_null_years:
            meta["skipped_null_years"] = ",".join(map(str, pick.skipped_null_years))
        return self.observation(
            request,
            combined,
            value=value,
            raw_value=pick.raw_value,
            period=str(pick.year),
            as_of=annual_as_of(pick.year),
            meta=meta,
        )

    @staticmethod
    def _split(document: Any, payload: RawPayload) -> tuple[dict[str, Any], list[Any]]:
        if isinstance(document, list) and document and isinstance(document[0], dict):
            messages = document[0].get("message")
            if messages is not None:
                raise PayloadError(
                    RejectionReason.API_ERROR,
                    "World Bank API error: " + _messages_text(messages),
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
        is_pair = isinstance(document, list) and len(document) == 2
        if not (is_pair and isinstance(document[0], dict)):
            if isinstance(document, list):
                shape = f"a list of {len(document)} element(s)"
            else:
                shape = type(document).__name__
            raise _drift(f"expected [paging metadata, rows], got {shape}", payload)
        meta, rows = document
        if rows is None:
            rows = []
        if not isinstance(rows, list):
            raise _drift("the second element (rows) is not a list", payload)
        return meta, rows

    @staticmethod
    def _int(meta: dict[str, Any], key: str, payload: RawPayload) -> int:
        value = meta.get(key)
        if isinstance(value, bool):
            raise _drift(f"paging field {key!r} is a boolean", payload)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
        raise _drift(f"paging field {key!r} is missing or not an integer ({value!r})", payload)

    @staticmethod
    def _points(
        rows: list[Any],
        indicator: str,
        country: str,
        payload: RawPayload,
        points: dict[int, Any],
    ) -> None:
        """Check every row of one page and add ``{year: value}`` to ``points``."""
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                raise _drift(f"row {index} is not an object", payload)
            for key in ("indicator", "countryiso3code", "date", "value"):
                if key not in row:
                    keys = ", ".join(row)
                    raise _drift(f"row {index} has no {key!r} key (keys: {keys})", payload)
            indicator_info = row["indicator"]
            row_indicator = indicator_info.get("id") if isinstance(indicator_info, dict) else None
            if row_indicator != indicator:
                raise PayloadError(
                    RejectionReason.WRONG_INDICATOR,
                    f"row {index} is for indicator {row_indicator!r}, not {indicator}",
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
            if row["countryiso3code"] != country:
                country_info = row.get("country")
                name = country_info.get("value") if isinstance(country_info, dict) else None
                raise PayloadError(
                    RejectionReason.WRONG_COUNTRY,
                    f"row {index} is for {row['countryiso3code']!r}"
                    f"{f' ({name})' if name else ''}, not {country}",
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
            year = parse_year(row["date"], f"row {index} date", payload)
            if year in points:
                raise PayloadError(
                    RejectionReason.PAGING_ERROR,
                    f"year {year} appears twice (overlapping pages)",
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
            points[year] = row["value"]


def _combined(payloads: list[RawPayload]) -> RawPayload:
    """One provenance record for all pages: sha256 over the page bodies in order."""
    if len(payloads) == 1:
        return payloads[0]
    return RawPayload(
        body=b"".join(payload.body for payload in payloads),
        location=payloads[0].location,
        fetched_at=payloads[-1].fetched_at,
        status=payloads[-1].status,
        content_type=payloads[-1].content_type,
    )


def _messages_text(messages: Any) -> str:
    if not isinstance(messages, list):
        return str(messages)[:200]
    parts = []
    for message in messages:
        if isinstance(message, dict):
            code, key = message.get("id", "?"), message.get("key", "")
            parts.append(f"{code} {key}: {message.get('value', '')}".strip())
        else:
            parts.append(str(message))
    return "; ".join(parts)[:400]


def _drift(message: str, payload: RawPayload) -> PayloadError:
    return PayloadError(
        RejectionReason.SCHEMA_DRIFT,
        f"World Bank payload changed shape: {message}",
        url=payload.location,
        payload_sha256=payload.sha256,
    )


def _paging(message: str, payload: RawPayload) -> PayloadError:
    return PayloadError(
        RejectionReason.PAGING_ERROR,
        f"World Bank paging: {message}",
        url=payload.location,
        payload_sha256=payload.sha256,
    )
