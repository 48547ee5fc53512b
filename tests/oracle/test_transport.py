"""HTTP transport: bounded exponential backoff, what is retried, body decoding."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pytest_httpserver import HTTPServer

from oracle.config import HttpSettings, RetrySettings
from oracle.errors import FetchError, PayloadError
from oracle.models import RejectionReason
from oracle.transport import HttpClient, RawPayload, backoff_delay, parse_json_body

SETTINGS = HttpSettings(
    connect_timeout_s=0.5,
    read_timeout_s=0.5,
    retry=RetrySettings(
        attempts=4, backoff_initial_s=0.5, backoff_factor=2, backoff_max_s=1.5, jitter=0
    ),
)


def client(sleeps: list[float]) -> HttpClient:
    return HttpClient(sleep=sleeps.append, clock=lambda: datetime(2025, 7, 1, tzinfo=UTC))


def test_backoff__exponential_then_capped() -> None:
    delays = [backoff_delay(n, SETTINGS, lambda: 0.0) for n in (1, 2, 3, 4)]
    assert delays == [0.5, 1.0, 1.5, 1.5]


def test_backoff__jitter_adds_at_most_its_fraction() -> None:
    settings = SETTINGS.model_copy(
        update={"retry": SETTINGS.retry.model_copy(update={"jitter": 0.1})}
    )
    assert backoff_delay(1, settings, lambda: 0.999) == pytest.approx(0.5 * 1.0999)


def test_503_then_200__retried_once_and_succeeds(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/x").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/x").respond_with_data('{"v": 1.25}')
    sleeps: list[float] = []
    payload = client(sleeps).get(httpserver.url_for("/x"), settings=SETTINGS)

    assert parse_json_body(payload) == {"v": Decimal("1.25")}
    assert sleeps == [0.5]


def test_persistent_500__gives_up_after_attempts_with_waits_between(
    httpserver: HTTPServer,
) -> None:
    httpserver.expect_request("/x").respond_with_data("oops", status=500)
    sleeps: list[float] = []
    with pytest.raises(FetchError) as caught:
        client(sleeps).get(httpserver.url_for("/x"), settings=SETTINGS)

    assert caught.value.reason is RejectionReason.HTTP_ERROR
    assert caught.value.status == 500
    assert "gave up after 4 attempts" in caught.value.message
    assert sleeps == [0.5, 1.0, 1.5]
    assert len(httpserver.log) == 4


def test_404__not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("no", status=404)
    sleeps: list[float] = []
    with pytest.raises(FetchError) as caught:
        client(sleeps).get(httpserver.url_for("/x"), settings=SETTINGS)
    assert caught.value.status == 404
    assert sleeps == []
    assert len(httpserver.log) == 1


def test_429_retry_after__honoured_up_to_the_cap(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/x").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "1.2"}
    )
    httpserver.expect_ordered_request("/x").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    httpserver.expect_ordered_request("/x").respond_with_data("{}")
    sleeps: list[float] = []
    client(sleeps).get(httpserver.url_for("/x"), settings=SETTINGS)
    assert sleeps == [1.2, 1.5]  # max(own backoff, Retry-After), capped at backoff_max_s


def test_headers_and_user_agent_sent(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/x", headers={"User-Agent": "bondline-oracle/0.1", "X-Key": "k"}
    ).respond_with_data("{}")
    client([]).get(httpserver.url_for("/x"), settings=SETTINGS, headers={"X-Key": "k"})


def _payload(body: bytes, content_type: str = "application/json") -> RawPayload:
    return RawPayload(body, "http://h/x", datetime(2025, 7, 1, tzinfo=UTC), 200, content_type)


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"   ", "application/json", RejectionReason.EMPTY_BODY),
        (b"<!DOCTYPE html><title>Login</title>", "text/plain", RejectionReason.HTML_BODY),
        (b'{"a": 1}', "text/html", RejectionReason.HTML_BODY),
        (b'<?xml version="1.0"?><a/>', "text/xml", RejectionReason.NOT_JSON),
        (b'{"a": Infinity}', "application/json", RejectionReason.NOT_JSON),
        (b"\xff\xfe{}", "application/json", RejectionReason.NOT_JSON),
        (b'{"a": }', "application/json", RejectionReason.NOT_JSON),
    ],
)
def test_parse_json_body__bad_bodies(
    body: bytes, content_type: str, reason: RejectionReason
) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_json_body(_payload(body, content_type))
    assert caught.value.reason is reason
    assert caught.value.payload_sha256 == _payload(body).sha256


def test_parse_json_body__decimals_exact_and_bom_tolerated() -> None:
    document = parse_json_body(_payload(b'\xef\xbb\xbf{"p": 0.1, "n": 3}'))
    assert document == {"p": Decimal("0.1"), "n": 3}
