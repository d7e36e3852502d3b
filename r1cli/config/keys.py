"""API keys: where they come from, and the keys file that `r1 keys` manages.

Order: `R1CLI_API_KEY`, then the provider's own variable, then the keys file (0600,
written atomically). A key is never printed: `mask` is the only way one is shown.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from r1cli.config.paths import write_private_file
from r1cli.config.providers import ProviderSpec
from r1cli.errors import ConfigError

ENV_API_KEY = "R1CLI_API_KEY"


@dataclass(frozen=True, slots=True)
class FoundKey:
    value: str
    source: str  # "env:NAME" or "file:PATH"

    def __repr__(self) -> str:  # never leak the value through a repr
        return f"FoundKey(source={self.source!r}, value={mask(self.value)!r})"


def mask(key: str) -> str:
    """A recognisable but useless form of a key: its prefix kind and last four."""
    if len(key) <= 8:
        return "…" * min(len(key), 3)
    prefix = key[:6] if key.startswith("sk-") else ""
    return f"{prefix}…{key[-4:]}"


def find_key(
    spec: ProviderSpec,
    keys_file: Path,
    env: Mapping[str, str] | None = None,
) -> FoundKey | None:
    env = os.environ if env is None else env
    # A keyless (local) provider never gets the generic key: it may be another
    # provider's, and must not be sent to a host other than its own.
    names = [spec.key_env] if spec.auth == "none" else [ENV_API_KEY, spec.key_env]
    for name in names:
        if name and env.get(name, "").strip():
            return FoundKey(env[name].strip(), f"env:{name}")
    stored = read_keys(keys_file).get(spec.name)
    return FoundKey(stored, f"file:{keys_file}") if stored else None


class MissingKey(ConfigError):
    """No key for a provider that needs one (exit 3); a terminal may offer to store
    one (`provider` names it)."""

    def __init__(self, provider: str, variable: str) -> None:
        super().__init__(
            f"no API key for {provider}",
            hint=f"set {variable} or run 'r1 keys set {provider}'",
        )
        self.provider = provider


def require_key(spec: ProviderSpec, keys_file: Path) -> FoundKey | None:
    """The key for `spec`, or MissingKey (exit 3) when one is needed and missing."""
    found = find_key(spec, keys_file)
    if found is None and spec.needs_key:
        raise MissingKey(spec.name, spec.key_env or ENV_API_KEY)
    return found


def read_keys(keys_file: Path) -> dict[str, str]:
    if not keys_file.exists():
        return {}
    from r1cli.config.settings import load_toml

    data = load_toml(keys_file)
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


def store_key(keys_file: Path, provider: str, key: str) -> None:
    """Add or replace one provider's key in the keys file (0600, atomic)."""
    keys = read_keys(keys_file)
    keys[provider] = key
    write_keys(keys_file, keys)


def write_keys(keys_file: Path, keys: Mapping[str, str]) -> None:
    lines = ["# API keys for r1cli, managed by `r1 keys`. Keep this file private.\n"]
    # json.dumps gives a valid TOML basic string (same escapes) for any key text.
    lines += [
        f"{json.dumps(name)} = {json.dumps(value)}\n"
        for name, value in sorted(keys.items())
    ]
    write_private_file(keys_file, "".join(lines))


def check_permissions(keys_file: Path) -> str | None:
    """A warning when the keys file is readable by others."""
    try:
        mode = keys_file.stat().st_mode & 0o777
    except OSError:
        return None
    if mode & 0o077:
        return f"{keys_file} is readable by other users (mode {mode:o}); run: chmod 600 {keys_file}"
    return None


def validate_key_text(text: str) -> str:
    key = text.strip()
    if not key or any(ch.isspace() for ch in key) or not key.isprintable():
        raise ConfigError(
            "that does not look like an API key (empty or has spaces/controls)"
        )
    return key
