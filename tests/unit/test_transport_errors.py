"""How the transport reads Retry-After and turns an HTTP status into an R1Error."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from r1cli.errors import ProviderFailed, RequestRejected
from r1cli.wire.failures import retry_after_seconds, status_error
from r1cli.wire.transport import Target
from tests.support.streams import CASES


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"Retry-After": "0"}, 0.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),
        ({"retry-after-ms": "soon", "Retry-After": "3"}, 3.0),
        ({"Retry-After": "garbage"}, None),
        ({"Retry-After": "-5"}, None),
        ({"retry-after-ms": "-5"}, None),
        ({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}, 0.0),  # in the past
        ({}, None),
    ],
)
def test_retry_after_seconds(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


def test_retry_after_http_date_in_the_future() -> None:
    when = datetime.now(timezone.utc) + timedelta(seconds=30)
    value = retry_after_seconds(
        httpx.Headers({"Retry-After": format_datetime(when, True)})
    )
    assert value is not None and 28 <= value <= 30


TARGET = Target("openrouter", "check OPENROUTER_API_KEY")


def make_error(
    status: int, payload: bytes = b"", **headers: str
) -> RequestRejected | ProviderFailed:
    error = status_error(
        status, "", httpx.Headers(headers), payload, "openrouter.ai", TARGET
    )
    assert isinstance(error, (RequestRejected, ProviderFailed))
    return error


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 413, 422])
def test_status_error_rejections(status: int) -> None:
    error = make_error(status, b'{"error":{"message":"nope"}}')
    assert isinstance(error, RequestRejected)
    assert int(error.exit_code) == 4
    assert not error.retryable
    assert error.status == status
    assert "openrouter (openrouter.ai)" in error.message
    assert "nope" in error.message


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504, 529])
def test_status_error_retryable_failures(status: int) -> None:
    error = make_error(status, b'{"error":"busy"}')
    assert isinstance(error, ProviderFailed)
    assert int(error.exit_code) == 5
    assert error.retryable


def test_status_error_auth_has_the_key_hint() -> None:
    assert make_error(401).hint == "check OPENROUTER_API_KEY"


def test_status_error_redirect_names_the_target() -> None:
    error = make_error(302, location="https://evil.example/steal")
    assert isinstance(error, RequestRejected)
    assert "evil.example" in error.message and "not following" in error.message


def test_status_error_request_id_and_html() -> None:
    error = make_error(
        502,
        b"<html><title>502 Bad Gateway</title><body>x</body></html>",
        **{"content-type": "text/html", "x-request-id": "req-42"},
    )
    assert "502 Bad Gateway" in error.message
    assert "req-42" in error.message
    assert "<body>" not in error.message


def test_status_error_daily_cap() -> None:
    error = make_error(
        429,
        **{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1750032000000"},
    )
    assert isinstance(error, ProviderFailed)
    assert not error.retryable
    assert "2025-06-16 00:00 UTC" in error.message


def test_status_error_affordable_tokens_hint() -> None:
    error = make_error(402, CASES["T29"].reply.chunks[0])
    assert error.hint is not None and "--max-tokens 7527" in error.hint


def test_status_error_body_is_bounded() -> None:
    error = make_error(400, b"x" * 100_000)
    assert len(error.message) < 500
