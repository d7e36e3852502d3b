"""API keys: where they come from, and the keys file that `r1 keys` manages.

Order: `R1CLI_API_KEY`, then the provider's own variable, then the keys file (0600,
written atomically). A key is never printed: `mask` is the only way one is shown.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
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
    *,
    warn: Callable[[str], None] | None = None,
) -> FoundKey | None:
    """The key for `spec` (None: there is none), checked to be sendable.

    A key taken from a keys file that group or others can read is still used, but
    `warn` gets one line with the fix each time (callers print it as a warning).
    """
    env = os.environ if env is None else env
    # A keyless (local) provider never gets the generic key: it may be another
    # provider's, and must not be sent to a host other than its own.
    names = [spec.key_env] if spec.auth == "none" else [ENV_API_KEY, spec.key_env]
    for name in names:
        if name and env.get(name, "").strip():
            value = env[name].strip()
            check_key(value, f"${name}")
            return FoundKey(value, f"env:{name}")
    stored = read_keys(keys_file).get(spec.name)
    if not stored:
        return None
    exposed = check_permissions(keys_file)
    if exposed and warn is not None:
        warn(exposed)
    check_key(stored, f"{keys_file} (entry {spec.name!r})")
    return FoundKey(stored, f"file:{keys_file}")


def key_problem(key: str) -> str | None:
    """What makes `key` unusable in an HTTP header, described without the key.

    A key is sent as a header value: a line break would split the request (httpx
    refuses it only after the request is built, so it was reported as a network
    error and retried), and a non-ASCII character (the README's `sk-or-v1-…` pasted
    as written) cannot be encoded at all.
    """
    for position, char in enumerate(key, start=1):
        code = f"U+{ord(char):04X}"
        if char in "\r\n":
            return f"contains a line break ({code} at character {position})"
        if char.isspace():
            return f"contains whitespace ({code} at character {position})"
        if not char.isprintable() or ord(char) == 0x7F:
            return f"contains a control character ({code} at character {position})"
        if not char.isascii():
            return (
                f"contains a non-ASCII character ({code} at character {position}); "
                "API keys are plain ASCII"
            )
    return None


def check_key(key: str, where: str) -> None:
    """ConfigError (exit 3) naming where the key came from, when it cannot be sent."""
    problem = key_problem(key)
    if problem:
        raise ConfigError(
            f"the API key in {where} {problem}",
            hint="copy the key again from the provider's dashboard",
        )


class MissingKey(ConfigError):
    """No key for a provider that needs one (exit 3); a terminal may offer to store
    one (`provider` names it)."""

    def __init__(self, provider: str, variable: str) -> None:
        super().__init__(
            f"no API key for {provider}",
            hint=f"set {variable} or run 'r1 keys set {provider}'",
        )
        self.provider = provider


def require_key(
    spec: ProviderSpec,
    keys_file: Path,
    *,
    warn: Callable[[str], None] | None = None,
) -> FoundKey | None:
    """The key for `spec`, or MissingKey (exit 3) when one is needed and missing."""
    found = find_key(spec, keys_file, warn=warn)
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
        return (
            f"{keys_file} is open to other users (mode {mode:o}); "
            f"fix: chmod 600 {keys_file}"
        )
    return None


def validate_key_text(text: str) -> str:
    key = text.strip()
    if not key:
        raise ConfigError("that does not look like an API key (it is empty)")
    problem = key_problem(key)
    if problem:
        raise ConfigError(f"that does not look like an API key: it {problem}")
    return key
