"""Built-in providers and the ones users define in `config.toml`.

A `ProviderSpec` is plain data: where to send, how to authenticate, which dialect the
stream speaks, and which quirks apply. Resolving a spec never touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import urlsplit

from r1cli.core.hosts import is_loopback_host
from r1cli.core.redact import redact_url
from r1cli.errors import ConfigError

Dialect = Literal["openai", "anthropic"]
AuthStyle = Literal["bearer", "x-api-key", "modelslab", "none"]
ReasoningParam = Literal["openrouter", "effort", "none"]
UsageParam = Literal["openrouter", "stream_options", "none"]

DIALECTS: tuple[str, ...] = ("openai", "anthropic")
AUTH_STYLES: tuple[str, ...] = ("bearer", "x-api-key", "modelslab", "none")


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    name: str
    base_url: str
    dialect: Dialect = "openai"
    auth: AuthStyle = "bearer"
    key_env: str | None = None
    default_model: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    think_tags: bool = False
    reasoning_param: ReasoningParam = "effort"
    usage_param: UsageParam = "stream_options"
    # Earlier answers' reasoning is never sent back unless a provider needs it.
    send_reasoning: bool = False

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or self.base_url

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def needs_key(self) -> bool:
        return self.auth != "none" and not self.is_loopback


def _local(name: str, port: int) -> ProviderSpec:
    return ProviderSpec(
        name=name,
        base_url=f"http://localhost:{port}/v1",
        auth="none",
        think_tags=True,
    )


BUILTIN: dict[str, ProviderSpec] = {
    "openrouter": ProviderSpec(
        name="openrouter",
        base_url="https://openrouter.ai/api/v1",
        key_env="OPENROUTER_API_KEY",
        default_model="deepseek/deepseek-r1-0528",
        reasoning_param="openrouter",
        usage_param="openrouter",
    ),
    "deepseek": ProviderSpec(
        name="deepseek",
        base_url="https://api.deepseek.com",
        key_env="DEEPSEEK_API_KEY",
        default_model="deepseek-reasoner",
        reasoning_param="none",
        usage_param="none",
    ),
    "modelslab": ProviderSpec(
        name="modelslab",
        base_url="https://modelslab.com/api/v7/llm",
        auth="modelslab",
        key_env="MODELSLAB_API_KEY",
        default_model="deepseek-deepseek-r1-0528-free",
        reasoning_param="none",
        usage_param="none",
    ),
    "modelslab-anthropic": ProviderSpec(
        name="modelslab-anthropic",
        base_url="https://modelslab.com/api/v7/llm/v1",
        dialect="anthropic",
        auth="x-api-key",
        key_env="MODELSLAB_API_KEY",
        default_model="deepseek-deepseek-r1-0528-free",
        reasoning_param="none",
        usage_param="none",
    ),
    "anthropic": ProviderSpec(
        name="anthropic",
        base_url="https://api.anthropic.com/v1",
        dialect="anthropic",
        auth="x-api-key",
        key_env="ANTHROPIC_API_KEY",
        reasoning_param="none",
        usage_param="none",
    ),
    "ollama": _local("ollama", 11434),
    "vllm": _local("vllm", 8000),
    "llamacpp": _local("llamacpp", 8080),
    "lmstudio": _local("lmstudio", 1234),
    "openai": ProviderSpec(name="openai", base_url="", key_env="OPENAI_API_KEY"),
}

DEFAULT_PROVIDER = "openrouter"


def provider_names(custom: Mapping[str, Any] | None = None) -> list[str]:
    return sorted({*BUILTIN, *(custom or {})})


def resolve_provider(
    name: str,
    custom: Mapping[str, Any] | None = None,
    *,
    base_url: str | None = None,
) -> ProviderSpec:
    """The spec for `name`: a built-in, or a `[providers.NAME]` table from config.

    Raises:
        ConfigError: unknown provider, bad table, missing or unsafe base URL.
    """
    table = (custom or {}).get(name)
    if table is not None:
        spec = _spec_from_table(name, table)
    elif name in BUILTIN:
        spec = BUILTIN[name]
    else:
        known = ", ".join(provider_names(custom))
        raise ConfigError(
            f"unknown provider {name!r}", hint=f"known providers: {known}"
        )
    if base_url:
        spec = replace(spec, base_url=base_url)
    return _checked(spec)


# RFC 9110 token characters for a header name.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _checked_headers(name: str, headers: Mapping[Any, Any]) -> dict[str, str]:
    """Header names and values that can be sent as they are; a CR/LF in a value would
    split the request (httpx refuses it only at send time, which was reported as a
    network error and retried)."""
    checked: dict[str, str] = {}
    for key, value in headers.items():
        where = f"config: providers.{name}.headers.{key}"
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string")
        if not _TOKEN.fullmatch(str(key)):
            raise ConfigError(f"{where}: not a valid header name")
        bad = next(
            (
                ch
                for ch in value
                if ch in "\r\n" or (ord(ch) < 0x20 and ch != "\t") or ord(ch) == 0x7F
            ),
            None,
        )
        if bad is not None:
            kind = "a line break" if bad in "\r\n" else "a control character"
            raise ConfigError(f"{where}: the value contains {kind} (U+{ord(bad):04X})")
        if not value.isascii():
            raise ConfigError(f"{where}: the value must be ASCII")
        checked[str(key)] = value
    return checked


def _spec_from_table(name: str, table: Any) -> ProviderSpec:
    if not isinstance(table, Mapping):
        raise ConfigError(f"config: [providers.{name}] must be a table")
    # Overriding a built-in (e.g. [providers.openrouter] headers) starts from it.
    base_name = str(table.get("extends", name if name in BUILTIN else "openai"))
    if base_name not in BUILTIN:
        raise ConfigError(
            f"config: providers.{name}.extends names no built-in provider"
        )
    base = BUILTIN[base_name]
    known = {
        "base_url": str,
        "dialect": str,
        "auth": str,
        "key_env": str,
        "model": str,
        "headers": Mapping,
        "think_tags": bool,
        "extends": str,
    }
    for key, value in table.items():
        expected = known.get(key)
        if expected is None:
            raise ConfigError(f"config: unknown key {key!r} in [providers.{name}]")
        if not isinstance(value, expected):
            raise ConfigError(f"config: providers.{name}.{key} has the wrong type")
    dialect = table.get("dialect", base.dialect)
    auth = table.get("auth", base.auth)
    if dialect not in DIALECTS:
        raise ConfigError(f"config: providers.{name}.dialect must be one of {DIALECTS}")
    if auth not in AUTH_STYLES:
        raise ConfigError(f"config: providers.{name}.auth must be one of {AUTH_STYLES}")
    return replace(
        base,
        name=name,
        base_url=table.get("base_url", base.base_url),
        dialect=dialect,
        auth=auth,
        key_env=table.get("key_env", base.key_env if name == base.name else None),
        default_model=table.get("model", base.default_model),
        headers={**base.headers, **_checked_headers(name, table.get("headers", {}))},
        think_tags=table.get("think_tags", base.think_tags),
    )


def _checked(spec: ProviderSpec) -> ProviderSpec:
    if not spec.base_url:
        raise ConfigError(
            f"provider {spec.name!r} has no base URL",
            hint="pass --base-url URL (e.g. http://localhost:8000/v1)",
        )
    parts = urlsplit(spec.base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"invalid base URL {redact_url(spec.base_url)!r} for provider {spec.name}"
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
            f"refusing plain HTTP to {parts.hostname}: the API key would travel unencrypted",
            hint="use an https:// base URL (plain http is allowed only to localhost)",
        )
    return replace(spec, base_url=spec.base_url.rstrip("/"))
