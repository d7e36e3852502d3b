"""core/redact.py on its own: each layer alone (value-based, name-based for headers
and JSON fields, context-based in free text) and the `--debug` dump's content."""

from __future__ import annotations

import json

import pytest

from r1cli.core.redact import (
    REDACTED,
    looks_like_secret,
    redact_headers,
    redact_json,
    redact_text,
    redact_url,
)

KEY = "sk-or-v1-" + "ab12" * 16


# -- value-based: the known secrets, wherever they are ------------------------------


@pytest.mark.parametrize(
    "text",
    [KEY, f"prefix {KEY} suffix", f"{KEY}{KEY}", f'{{"k": "{KEY}"}}', f"x={KEY}&y=1"],
)
def test_known_secret_is_removed_by_value(text: str) -> None:
    out = redact_text(text, [KEY])
    assert KEY not in out and REDACTED in out


def test_value_layer_leaves_other_text_alone() -> None:
    assert redact_text("nothing secret here", [KEY]) == "nothing secret here"
    assert redact_text("empty secrets are ignored", ["", ""]) == (
        "empty secrets are ignored"
    )


def test_several_secrets_are_all_removed() -> None:
    other = "another-secret-value-123456"
    out = redact_text(f"{KEY} and {other}", [KEY, other])
    assert out == f"{REDACTED} and {REDACTED}"


# -- context-based: credentials recognised by what surrounds them -------------------


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        (
            "https://alice:pw123@example.com/v1",
            "alice:pw123",
            "https://[REDACTED]@example.com/v1",
        ),
        (
            "http://token@127.0.0.1:8080/x",
            "token@",
            "http://[REDACTED]@127.0.0.1:8080/x",
        ),
        ("Authorization: Bearer abc.def-ghi", "abc.def-ghi", "Bearer [REDACTED]"),
        ("bearer xyz123", "xyz123", "bearer [REDACTED]"),
        ("api_key=zzz999 next", "zzz999", "api_key=[REDACTED] next"),
        ("apiKey: 'q1w2e3'", "q1w2e3", "apiKey: '[REDACTED]'"),
        ('"x-api-key": "hdr-value-1"', "hdr-value-1", '"x-api-key": "[REDACTED]"'),
        ("GET /v1?key=AIzaSecret&alt=sse", "AIzaSecret", "?key=[REDACTED]&alt=sse"),
        ("https://h/p?a=1&token=t0k3n", "t0k3n", "&token=[REDACTED]"),
        ("password=hunter2", "hunter2", "password=[REDACTED]"),
        ("access_token: at-777", "at-777", "access_token: [REDACTED]"),
    ],
)
def test_context_layer(text: str, gone: str, kept: str) -> None:
    out = redact_text(text)
    assert gone not in out, out
    assert kept in out, out


@pytest.mark.parametrize(
    "text",
    [
        "max_tokens=5 temperature=0.7",
        "https://example.com/v1/chat?model=r1",
        "email me at someone@example.com",
        "press any key: enter",
        "the token limit was reached",
    ],
)
def test_context_layer_leaves_ordinary_text_alone(text: str) -> None:
    assert redact_text(text) == text


def test_redaction_is_idempotent() -> None:
    text = f"https://u:p@h/ Bearer {KEY} api_key={KEY}"
    once = redact_text(text, [KEY])
    assert redact_text(once, [KEY]) == once


def test_redact_url_removes_userinfo_and_query_credentials() -> None:
    assert redact_url("https://u:p@h.example/v1?key=k1") == (
        "https://[REDACTED]@h.example/v1?key=[REDACTED]"
    )
    assert redact_url("https://h.example/v1") == "https://h.example/v1"


# -- name-based: headers ------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "authorization",
        "Proxy-Authorization",
        "x-api-key",
        "X-API-Key",
        "api-key",
        "Cookie",
        "Set-Cookie",
    ],
)
def test_credential_headers_are_redacted_by_name(name: str) -> None:
    out = redact_headers({name: "opaque-value", "Accept": "text/event-stream"})
    assert out == {name: REDACTED, "Accept": "text/event-stream"}


def test_other_headers_are_redacted_by_value_only() -> None:
    out = redact_headers({"X-Title": f"app {KEY}", "HTTP-Referer": "r1"}, [KEY])
    assert out == {"X-Title": f"app {REDACTED}", "HTTP-Referer": "r1"}


# -- name-based: JSON fields, at any depth ------------------------------------------


def test_json_fields_named_like_credentials_are_redacted_at_any_depth() -> None:
    body = {
        "key": "modelslab-key",
        "model": "r1",
        "nested": {"api_key": "k2", "list": [{"token": "k3"}, {"secret": "k4"}]},
        "messages": [{"role": "user", "content": f"my key is {KEY}"}],
        "password": 123,
    }
    out = redact_json(body, [KEY])
    text = json.dumps(out)
    for secret in ("modelslab-key", "k2", "k3", "k4", KEY, "123"):
        assert secret not in text, secret
    assert out["model"] == "r1"
    assert out["messages"][0]["content"] == f"my key is {REDACTED}"
    assert body["key"] == "modelslab-key", "the input is not modified"


def test_json_without_secrets_is_unchanged() -> None:
    body = {"a": [1, 2.5, None, True, "x"], "b": {"c": "d"}}
    assert redact_json(body) == body


# -- looks_like_secret (keeps key-like lines out of the REPL's input history) -------


@pytest.mark.parametrize(
    "text",
    [
        KEY,
        "sk-ant-api03-" + "x" * 30,
        "token: " + "a" * 30,
        "export API_KEY=" + "b" * 30,
    ],
)
def test_key_shaped_text_is_recognised(text: str) -> None:
    assert looks_like_secret(text)


@pytest.mark.parametrize(
    "text", ["what is a token?", "sk-short", "explain api keys to me", ""]
)
def test_ordinary_text_is_not_key_shaped(text: str) -> None:
    assert not looks_like_secret(text)


def test_known_key_is_recognised_in_any_text() -> None:
    assert looks_like_secret("paste: abc", known=["abc"])
    assert not looks_like_secret("paste: abc", known=[""])


# -- the --debug dump: its content, not only its keys -------------------------------


def test_debug_dump_content_has_no_credential() -> None:
    from r1cli.providers.base import HttpRequest
    from r1cli.wire.transport import _debug_request

    request = HttpRequest(
        "https://user:pw-in-url@openrouter.ai/api/v1/chat/completions?key=q-secret",
        {
            "Authorization": f"Bearer {KEY}",
            "X-Title": "r1cli",
            "X-Echo": f"copy of {KEY}",
        },
        {
            "model": "deepseek/deepseek-r1-0528",
            "key": "body-key-value",
            "messages": [{"role": "user", "content": f"leak {KEY} please"}],
        },
        (KEY,),
    )
    lines: list[str] = []
    _debug_request(request, lines.append)
    dump = "\n".join(lines)
    for secret in (KEY, "pw-in-url", "q-secret", "body-key-value", "user:"):
        assert secret not in dump, secret
    assert lines[0] == (
        "POST https://[REDACTED]@openrouter.ai/api/v1/chat/completions?key=[REDACTED]"
    )
    headers = json.loads(lines[1].removeprefix("headers: "))
    assert headers == {
        "Authorization": REDACTED,
        "X-Title": "r1cli",
        "X-Echo": f"copy of {REDACTED}",
    }
    body = json.loads(lines[2].removeprefix("body: "))
    assert body["key"] == REDACTED
    assert body["model"] == "deepseek/deepseek-r1-0528"
    assert body["messages"][0]["content"] == f"leak {REDACTED} please"
