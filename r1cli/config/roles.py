"""Roles: a named system prompt, optionally with its own model, provider and params.

`[roles.NAME]` in config.toml defines one (`system` required; `model`, `provider` and a
`params` table optional); `code` and `shell` are built in, and a config role of the
same name replaces the built-in one. Where a role sits in the precedence order (flags >
role > config defaults) is `engine.runtime.resolve`'s business; this module only
parses, validates and looks roles up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from r1cli.errors import ConfigError, UsageError

ROLE_KEYS = ("system", "model", "provider", "params")

CODE_PROMPT = (
    "Answer with code only: one fenced code block with the complete code, and no "
    "explanation before or after it. Put any necessary remark in a code comment."
)


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    system: str
    model: str | None = None
    provider: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    builtin: bool = False

    def public(self) -> dict[str, Any]:
        """The `r1 roles --json` shape of this role."""
        return {
            "name": self.name,
            "builtin": self.builtin,
            "system": self.system,
            "model": self.model,
            "provider": self.provider,
            "params": dict(self.params),
        }


def shell_prompt(env: Mapping[str, str] | None = None, os_name: str = "") -> str:
    """The `shell` role's prompt, naming the user's OS and shell so the command fits."""
    env = os.environ if env is None else env
    shell = Path(env.get("SHELL") or "/bin/sh").name or "sh"
    os_name = os_name or _os_name()
    return (
        f"You turn a request into one {shell} command for {os_name}. Reply with the "
        "command alone, on one line if you can: no explanation, no Markdown, no code "
        "fences, no leading '$'. Combine steps with && or pipes when needed. Prefer "
        "safe, standard tools."
    )


def _os_name() -> str:
    import platform  # only the shell role needs it; settings load on every command

    system = platform.system() or "Unix"
    if system == "Darwin":
        return "macOS"
    if system == "Linux":
        try:
            return f"Linux ({platform.freedesktop_os_release()['PRETTY_NAME']})"
        except (OSError, KeyError, AttributeError):
            return "Linux"
    return system


def builtin_roles(env: Mapping[str, str] | None = None) -> dict[str, Role]:
    return {
        "code": Role("code", CODE_PROMPT, builtin=True),
        "shell": Role("shell", shell_prompt(env), builtin=True),
    }


def parse_roles(table: Mapping[str, Any], config_file: Path) -> dict[str, Role]:
    """`[roles.*]` as Roles; ConfigError naming the role and key for anything wrong."""
    roles: dict[str, Role] = {}
    for name, body in table.items():
        where = f"{config_file}: roles.{name}"
        if not name.strip() or any(ch.isspace() for ch in name):
            raise ConfigError(f"{where}: a role name must be one word")
        if not isinstance(body, Mapping):
            raise ConfigError(
                f"{where} must be a table",
                hint=f'e.g. [roles.{name}] then system = "…"',
            )
        unknown = sorted(set(body) - set(ROLE_KEYS))
        if unknown:
            raise ConfigError(
                f"{where}: unknown key {unknown[0]!r}",
                hint="a role has system, and optionally model, provider and params",
            )
        system = body.get("system")
        if not isinstance(system, str) or not system.strip():
            raise ConfigError(
                f"{where}: system must be a non-empty string (the role's prompt)"
            )
        words = {key: body.get(key) for key in ("model", "provider")}
        for key, value in words.items():
            if value is not None and (
                not isinstance(value, str)
                or not value.strip()
                or any(ch.isspace() for ch in value.strip())
            ):
                raise ConfigError(f"{where}: {key} must be one word (a string)")
        params = body.get("params", {})
        if not isinstance(params, Mapping):
            raise ConfigError(f"{where}: params must be a table")
        roles[name] = Role(
            name,
            system,
            model=_stripped(words["model"]),
            provider=_stripped(words["provider"]),
            params=dict(params),
        )
    return roles


def _stripped(value: object) -> str | None:
    return value.strip() if isinstance(value, str) else None


def all_roles(
    configured: Mapping[str, Role], env: Mapping[str, str] | None = None
) -> dict[str, Role]:
    """Built-in roles, then the configured ones (which replace a built-in namesake)."""
    return {**builtin_roles(env), **configured}


def find_role(
    name: str, configured: Mapping[str, Role], env: Mapping[str, str] | None = None
) -> Role:
    """The role called `name`; UsageError (with the nearest name) when none is."""
    roles = all_roles(configured, env)
    role = roles.get(name.strip())
    if role is not None:
        return role
    import difflib

    close = difflib.get_close_matches(name, list(roles), n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise UsageError(
        f"no role named {name!r}",
        hint=f"{hint}known: {', '.join(sorted(roles))} ('r1 roles' lists them)",
    )
