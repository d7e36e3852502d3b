"""Removes secrets from anything that might be shown: headers, JSON bodies, URLs, text.

Redaction is by name (header and field names that carry credentials) and by value
(the actual key strings), so a key survives in no debug dump whatever its position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[REDACTED]"
_SECRET_NAMES = re.compile(
    r"^(authorization|proxy-authorization|x-api-key|api-key|api_key|apikey|key|"
    r"token|access_token|secret|password|cookie|set-cookie)$",
    re.IGNORECASE,
)


# Shorter values are no API key of any provider; replacing them everywhere would
# mangle the output (a test key "x" turned "text/event-stream" into "te[REDACTED]t…").
MIN_SECRET_LENGTH = 8


# Credentials recognised by their context in free text, whatever their value: the
# userinfo of a URL (`https://user:pass@host`), a bearer token, and `name=value` /
# `name: value` for credential names (a query string, a log line, a JSON dump).
_URL_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.\-]*://)[^/\s?#@]*@", re.IGNORECASE)
_BEARER = re.compile(r"(\bbearer\s+)[^\s\"',;]+", re.IGNORECASE)
_NAMED_VALUE = re.compile(
    r"((?:\b(?:x-)?api[_-]?key|\baccess[_-]?token|\bsecret|\bpassword|[?&](?:key|token))"
    r"[\"']?\s*[=:]\s*[\"']?)(?!\[REDACTED\])[^\s\"'&,;#]+",
    re.IGNORECASE,
)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` without the given secret values and without credentials recognisable
    by their context (URL userinfo, `Bearer …`, `api_key=…`)."""
    for secret in secrets:
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
    text = _URL_USERINFO.sub(rf"\1{REDACTED}@", text)
    text = _BEARER.sub(rf"\1{REDACTED}", text)
    return _NAMED_VALUE.sub(rf"\1{REDACTED}", text)


def redact_url(url: str) -> str:
    """`url` without its userinfo (`user:password@`) and credential query values."""
    return redact_text(url)


def redact_headers(
    headers: Mapping[str, str], secrets: Iterable[str] = ()
) -> dict[str, str]:
    secrets = tuple(secrets)
    return {
        name: REDACTED if _SECRET_NAMES.match(name) else redact_text(value, secrets)
        for name, value in headers.items()
    }


def redact_json(value: Any, secrets: Iterable[str] = ()) -> Any:
    secrets = tuple(secrets)
    if isinstance(value, dict):
        return {
            k: REDACTED if _SECRET_NAMES.match(str(k)) else redact_json(v, secrets)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact_json(item, secrets) for item in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value


# Key shapes of the providers r1 talks to (OpenAI/OpenRouter/DeepSeek `sk-…`,
# Anthropic `sk-ant-…`, ModelsLab and others as long opaque tokens after a name).
_KEY_SHAPES = re.compile(
    r"\b(?:sk|rk|pk)-[A-Za-z0-9_\-]{20,}"
    r"|\b(?:api[_-]?key|token|secret|bearer|authorization)\b\s*[:=]?\s*['\"]?"
    r"[A-Za-z0-9_\-\.]{24,}",
    re.IGNORECASE,
)


def looks_like_secret(text: str, known: Iterable[str] = ()) -> bool:
    """True when `text` holds one of the `known` keys or something shaped like a key.

    Used to keep such lines out of files that are not meant for secrets (the REPL's
    input history).
    """
    if any(secret and secret in text for secret in known):
        return True
    return _KEY_SHAPES.search(text) is not None
