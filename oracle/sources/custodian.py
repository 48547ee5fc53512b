"""Custodian / broker price API: one JSON document per bond, every field configurable.

Request: ``GET {base_url}{path}`` with ``{isin}`` in ``path`` replaced by the feed's ISIN,
optional query ``params``, and optionally an auth header whose value is read from an
environment variable at every fetch (rotate the secret without restarting).

From the JSON it reads ``value_path`` (the price, in ``price_unit``), ``timestamp_path``
(in ``timestamp_format``), and optionally ``isin_path`` (must equal the feed's ISIN) and
``currency_path`` (must equal ``expected_currency``).
"""

from __future__ import annotations

import os
from urllib.parse import quote

from oracle.config import CustodianSourceConfig, HttpSettings
from oracle.errors import FetchError, PayloadError
from oracle.jsonpath import JsonPath, JsonPathLookupError
from oracle.models import Observation, RejectionReason
from oracle.sources.base import (
    FeedRequest,
    HttpSource,
    iso_timestamp,
    parse_timestamp,
    price_to_percent_of_par,
    to_decimal,
)
from oracle.transport import HttpClient, RawPayload, parse_json_body


class CustodianPriceSource(HttpSource):
    source_type = "custodian_http"
    config: CustodianSourceConfig

    def __init__(
        self, name: str, config: CustodianSourceConfig, http: HttpClient, settings: HttpSettings
    ) -> None:
        super().__init__(name, config, http, settings)
        self._value_path = JsonPath.parse(config.value_path)
        self._timestamp_path = JsonPath.parse(config.timestamp_path)
        self._isin_path = JsonPath.parse(config.isin_path) if config.isin_path else None
        self._currency_path = JsonPath.parse(config.currency_path) if config.currency_path else None

    def url_for(self, request: FeedRequest) -> str:
        assert request.isin is not None, "price request without an ISIN"
        path = self.config.path.format(isin=quote(request.isin), feed=quote(request.feed))
        return f"{self.config.base_url}{path}"

    def _headers(self) -> dict[str, str]:
        auth = self.config.auth
        if auth is None:
            return {}
        secret = os.environ.get(auth.env, "")
        if not secret.strip():
            raise FetchError(
                RejectionReason.MISSING_CREDENTIAL,
                f"environment variable {auth.env} (sources.{self.name}.auth.env) is not set "
                "or empty; export it before running the oracle",
            )
        secret = secret.strip()
        if any(ord(char) < 32 or ord(char) == 127 for char in secret):
            # never echo the value: it is a secret
            raise FetchError(
                RejectionReason.MISSING_CREDENTIAL,
                f"environment variable {auth.env} (sources.{self.name}.auth.env) contains "
                "control characters (a pasted newline?); set it to the bare token",
            )
        return {auth.header: f"{auth.prefix}{secret}"}

    def fetch(self, request: FeedRequest) -> Observation:
        url = self.url_for(request)
        try:
            payload = self.http.get(
                url, settings=self.settings, params=self.config.params, headers=self._headers()
            )
        except FetchError as exc:
            if exc.status in {401, 403} and self.config.auth is not None:
                raise FetchError(
                    exc.reason,
                    f"{exc.message}; check the credential in ${self.config.auth.env}",
                    url=exc.url,
                    payload_sha256=exc.payload_sha256,
                    status=exc.status,
                ) from None
            raise
        document = parse_json_body(payload)
        if self._isin_path is not None:
            reported = self._lookup(self._isin_path, document, payload)
            if str(reported).strip().upper() != request.isin:
                raise PayloadError(
                    RejectionReason.WRONG_INSTRUMENT,
                    f"payload is for {reported!r} ({self.config.isin_path}), "
                    f"not for {request.isin}",
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
        if self._currency_path is not None:
            currency = self._lookup(self._currency_path, document, payload)
            if str(currency).strip().upper() != self.config.expected_currency:
                raise PayloadError(
                    RejectionReason.UNIT_MISMATCH,
                    f"price is quoted in {currency!r} ({self.config.currency_path}), "
                    f"expected {self.config.expected_currency}",
                    url=payload.location,
                    payload_sha256=payload.sha256,
                )
        raw_value = self._lookup(self._value_path, document, payload)
        quoted = to_decimal(raw_value, f"price at {self.config.value_path}", payload)
        raw_time = self._lookup(self._timestamp_path, document, payload)
        as_of = parse_timestamp(
            raw_time,
            self.config.timestamp_format,
            f"quote time at {self.config.timestamp_path}",
            payload,
        )
        value = price_to_percent_of_par(quoted, self.config.price_unit, self.config.face_value)
        return self.observation(
            request,
            payload,
            value=value,
            raw_value=raw_value,
            period=iso_timestamp(as_of),
            as_of=as_of,
            meta={"price_unit": self.config.price_unit.value},
        )

    @staticmethod
    def _lookup(path: JsonPath, document: object, payload: RawPayload) -> object:
        try:
            return path.resolve(document)
        except JsonPathLookupError as exc:
            raise PayloadError(
                RejectionReason.SCHEMA_DRIFT,
                f"cannot read {path}: {exc.message}",
                url=payload.location,
                payload_sha256=payload.sha256,
            ) from None
