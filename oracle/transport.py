"""HTTP transport with bounded retries, and strict decoding of JSON payloads.

Every request has a connect and a read timeout (never unbounded), a body size limit, and
is retried with exponential backoff only when retrying can help: timeouts, connection
errors, HTTP 429 and 5xx (honouring ``Retry-After`` up to ``backoff_max_s``). Other
statuses fail at once. After the last attempt a :class:`~oracle.errors.FetchError` says
what happened on that attempt and how many were made.

Decoding (:func:`parse_json_body`) parses numbers straight into :class:`decimal.Decimal`
and tells apart an empty body, an HTML page (login page, CDN block, error page), an XML
document and broken JSON, each with its own rejection reason.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests

from oracle.config import HttpSettings
from oracle.errors import FetchError, PayloadError
from oracle.models import RejectionReason, utc_now

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class RawPayload:
    """Bytes as received, with where and when they came from (the provenance)."""

    body: bytes
    location: str  # final URL (never contains credentials) or file path
    fetched_at: datetime
    status: int | None = None  # HTTP status; None for files
    content_type: str = ""

    @property
    def sha256(self) -> str:
        return sha256_hex(self.body)


def excerpt(body: bytes, limit: int = 160) -> str:
    """A short, single-line, printable excerpt of a body for error messages."""
    title = _TITLE_RE.search(body[:65_536])
    if title:
        text = title.group(1).decode("utf-8", "replace")
        return "HTML page titled " + repr(" ".join(text.split())[:limit])
    text = " ".join(body[: limit * 4].decode("utf-8", "replace").split())
    return repr(text[:limit] + ("..." if len(text) > limit else ""))


def backoff_delay(retry_number: int, settings: HttpSettings, rand: Callable[[], float]) -> float:
    """Seconds to wait before retry ``retry_number`` (1-based): capped exponential + jitter."""
    retry = settings.retry
    exponential = retry.backoff_initial_s * retry.backoff_factor ** (retry_number - 1)
    base = min(retry.backoff_max_s, exponential)
    return base * (1 + retry.jitter * rand())


class HttpClient:
    """A GET-only HTTP client shared by the HTTP sources (thread-safe: one
    :class:`requests.Session` per thread, so connections are pooled per worker)."""

    def __init__(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = utc_now,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._rand = rand
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def get(
        self,
        url: str,
        *,
        settings: HttpSettings,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> RawPayload:
        """GET ``url``; return the body on a 2xx, else raise :class:`FetchError`."""
        attempts = settings.retry.attempts
        request_headers = {"User-Agent": settings.user_agent, "Accept": "application/json"}
        request_headers.update(headers or {})
        last_error: FetchError | None = None
        for attempt in range(1, attempts + 1):
            retry_after: float | None = None
            try:
                payload = self._attempt(url, params, request_headers, settings)
            except _Retryable as exc:
                last_error = exc.error
                retry_after = exc.retry_after
            else:
                return payload
            if attempt < attempts:
                delay = backoff_delay(attempt, settings, self._rand)
                if retry_after is not None:
                    delay = max(delay, min(retry_after, settings.retry.backoff_max_s))
                self._sleep(delay)
        assert last_error is not None
        raise FetchError(
            last_error.reason,
            f"{last_error.message} (gave up after {attempts} attempt{'s' if attempts > 1 else ''})",
            url=last_error.url,
            payload_sha256=last_error.payload_sha256,
            status=last_error.status,
        )

    def _attempt(
        self,
        url: str,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
        settings: HttpSettings,
    ) -> RawPayload:
        timeout = (settings.connect_timeout_s, settings.read_timeout_s)
        try:
            response = self._session().get(
                url, params=params, headers=headers, timeout=timeout, stream=True
            )
        except requests.Timeout as exc:
            raise _Retryable(
                FetchError(
                    RejectionReason.TIMEOUT,
                    f"no response from {url} within {_timeout_text(settings)} "
                    f"({type(exc).__name__})",
                    url=url,
                )
            ) from None
        except requests.ConnectionError as exc:
            raise _Retryable(
                FetchError(
                    RejectionReason.CONNECTION_ERROR,
                    f"cannot connect to {url}: {_short(exc)}",
                    url=url,
                )
            ) from None
        except requests.RequestException as exc:
            raise FetchError(
                RejectionReason.HTTP_ERROR, f"request to {url} failed: {_short(exc)}", url=url
            ) from None
        with response:
            final_url = response.url or url
            try:
                body = _read_limited(response, settings.max_body_bytes, final_url)
            except requests.Timeout:
                raise _Retryable(
                    FetchError(
                        RejectionReason.TIMEOUT,
                        f"{final_url} stopped sending the body within {settings.read_timeout_s} s",
                        url=final_url,
                    )
                ) from None
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                raise _Retryable(
                    FetchError(
                        RejectionReason.CONNECTION_ERROR,
                        f"connection to {final_url} broke while reading: {_short(exc)}",
                        url=final_url,
                    )
                ) from None
            payload = RawPayload(
                body=body,
                location=final_url,
                fetched_at=self._clock(),
                status=response.status_code,
                content_type=response.headers.get("Content-Type", ""),
            )
            status = response.status_code
            if 200 <= status < 300:
                return payload
            error = FetchError(
                RejectionReason.HTTP_ERROR,
                f"HTTP {status} {response.reason or ''} from {final_url}: {excerpt(body)}".replace(
                    "  ", " "
                ),
                url=final_url,
                payload_sha256=payload.sha256,
                status=status,
            )
            if status in RETRYABLE_STATUS:
                raise _Retryable(error, _retry_after(response.headers.get("Retry-After")))
            raise error


class _Retryable(Exception):
    def __init__(self, error: FetchError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


def _read_limited(response: requests.Response, limit: int, url: str) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise FetchError(
            RejectionReason.PAYLOAD_TOO_LARGE,
            f"{url} announces {int(declared):,} bytes; "
            f"the limit is {limit:,} (http.max_body_bytes)",
            url=url,
        )
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_content(chunk_size=65_536):
        size += len(chunk)
        if size > limit:
            raise FetchError(
                RejectionReason.PAYLOAD_TOO_LARGE,
                f"{url} sent more than {limit:,} bytes (http.max_body_bytes)",
                url=url,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
    return seconds if seconds >= 0 else None


def _timeout_text(settings: HttpSettings) -> str:
    return f"{settings.connect_timeout_s} s connect / {settings.read_timeout_s} s read"


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def parse_json_body(payload: RawPayload) -> Any:
    """Decode a payload as strict JSON (RFC 8259), floats as :class:`Decimal`.

    Raises :class:`PayloadError` with ``EMPTY_BODY``, ``HTML_BODY`` or ``NOT_JSON``.
    """
    body = payload.body
    stripped = body.lstrip()
    where = payload.location
    if not stripped:
        raise PayloadError(
            RejectionReason.EMPTY_BODY,
            f"{where} returned an empty body (HTTP {payload.status})"
            if payload.status is not None
            else f"{where} is empty",
            url=where,
            payload_sha256=payload.sha256,
        )
    head = stripped[:256].lower()
    content_type = payload.content_type.lower()
    if "html" in content_type or head.startswith((b"<!doctype html", b"<html")):
        raise PayloadError(
            RejectionReason.HTML_BODY,
            f"{where} returned HTML instead of JSON ({excerpt(body)}); "
            "typically a login, rate-limit or CDN block page",
            url=where,
            payload_sha256=payload.sha256,
        )
    if head.startswith(b"<"):
        kind = "an XML document" if head.startswith(b"<?xml") or "xml" in content_type else "markup"
        raise PayloadError(
            RejectionReason.NOT_JSON,
            f"{where} returned {kind} instead of JSON ({excerpt(body)}); "
            "check the request format parameter",
            url=where,
            payload_sha256=payload.sha256,
        )
    try:
        text = body.decode("utf-8-sig")
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise PayloadError(
            RejectionReason.NOT_JSON,
            f"{where} body is not UTF-8 text ({exc.reason} at byte {exc.start})",
            url=where,
            payload_sha256=payload.sha256,
        ) from None
    except json.JSONDecodeError as exc:
        raise PayloadError(
            RejectionReason.NOT_JSON,
            f"{where} body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} "
            f"({excerpt(body, 80)})",
            url=where,
            payload_sha256=payload.sha256,
        ) from None
    except ValueError as exc:
        raise PayloadError(
            RejectionReason.NOT_JSON,
            f"{where} body is not valid JSON: {exc}",
            url=where,
            payload_sha256=payload.sha256,
        ) from None
