"""IMF DataMapper API (World Economic Outlook / Fiscal Monitor headline series).

Request: ``GET {base_url}/api/v1/{indicator}/{ISO3}``, e.g.
``https://www.imf.org/external/datamapper/api/v1/GGXWDG_NGDP/ITA``. Answer::

    {"values": {"GGXWDG_NGDP": {"ITA": {"2022": 140.5, "2023": 137.3, ...}}},
     "api": {"version": "1", "output-method": "json"}}

Defaults: ``debt_to_gdp`` -> ``GGXWDG_NGDP`` (general government gross debt, percent of
GDP), ``gdp_growth`` -> ``NGDP_RPCH`` (real GDP growth, annual percent change). Both are
already in percent. The series runs several years into the future (WEO projections):
those years are ignored unless ``newest_year_offset`` allows them. Quirks handled: an
unknown country code is answered with the series of *every* country (reported as
``wrong_country``); a request the DataMapper knows nothing about is answered with only
the ``api`` block (``api_error``).
"""

from __future__ import annotations

from typing import Any

from oracle.config import ImfSourceConfig
from oracle.errors import PayloadError
from oracle.models import Observation, RejectionReason
from oracle.sources.base import FeedRequest, HttpSource, annual_as_of, pick_annual, to_decimal
from oracle.transport import RawPayload, parse_json_body


class ImfDataMapperSource(HttpSource):
    source_type = "imf_datamapper"
    config: ImfSourceConfig

    def url_for(self, request: FeedRequest) -> str:
        assert request.series is not None and request.country is not None
        indicator = self.config.indicators[request.series]
        return f"{self.config.base_url}/api/v1/{indicator}/{request.country}"

    def fetch(self, request: FeedRequest) -> Observation:
        assert request.series is not None and request.country is not None
        indicator = self.config.indicators[request.series]
        payload = self.http.get(self.url_for(request), settings=self.settings)
        document = parse_json_body(payload)
        years = self._country_series(document, indicator, request.country, payload)
        points: dict[int, Any] = {}
        for key, raw in years.items():
            if not (isinstance(key, str) and len(key) == 4 and key.isdigit()):
                raise _drift(
                    f"values.{indicator}.{request.country} has key {key!r}, not a year", payload
                )
            points[int(key)] = raw
        what = f"IMF {indicator} for {request.country}"
        pick = pick_annual(points, request, what, payload)
        value = to_decimal(pick.raw_value, f"{what} in {pick.year}", payload)
        meta = {"indicator": indicator, "country": request.country}
        if pick.skipped_null_years:
            meta["skipped_null_years"] = ",".join(map(str, pick.skipped_null_years))
        return self.observation(
            request,
            payload,
            value=value,
            raw_value=pick.raw_value,
            period=str(pick.year),
            as_of=annual_as_of(pick.year),
            meta=meta,
        )

    @staticmethod
    def _country_series(
        document: Any, indicator: str, country: str, payload: RawPayload
    ) -> dict[str, Any]:
        if not isinstance(document, dict):
            kind = type(document).__name__
            raise _drift(f"expected a JSON object with 'values', got {kind}", payload)
        values = document.get("values")
        if values is None:
            if "api" in document:
                raise PayloadError(
                    RejectionReason.API_ERROR,
                    f"the DataMapper returned no data for {indicator}/{country} (only its "
                    "'api' block): the indicator or the country code is unknown to it",
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
            keys = ", ".join(map(str, document)) or "none"
            raise _drift(f"no 'values' key (keys: {keys})", payload)
        if not isinstance(values, dict):
            raise _drift("'values' is not an object", payload)
        if indicator not in values:
            if values:
                raise PayloadError(
                    RejectionReason.WRONG_INDICATOR,
                    f"payload has values for {', '.join(sorted(values))}, not {indicator}",
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
            raise PayloadError(
                RejectionReason.API_ERROR,
                f"the DataMapper returned an empty 'values' object for {indicator}/{country}",
                url=payload.location,
                payload_sha256=payload.sha256,
            )
        by_country = values[indicator]
        if not isinstance(by_country, dict):
            raise _drift(f"values.{indicator} is not an object keyed by country", payload)
        if country not in by_country:
            others = sorted(map(str, by_country))
            shown = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
            raise PayloadError(
                RejectionReason.WRONG_COUNTRY,
                f"payload has {indicator} for {len(others)} other countr"
                f"{'y' if len(others) == 1 else 'ies'} ({shown}) but not {country}",
                url=payload.location,
                payload_sha256=payload.sha256,
            )
        years = by_country[country]
        if not isinstance(years, dict):
            raise _drift(f"values.{indicator}.{country} is not an object keyed by year", payload)
        return years


def _drift(message: str, payload: RawPayload) -> PayloadError:
    return PayloadError(
        RejectionReason.SCHEMA_DRIFT,
        f"IMF DataMapper payload changed shape: {message}",
        url=payload.location,
        payload_sha256=payload.sha256,
    )
