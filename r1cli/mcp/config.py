"""`[mcp_servers.NAME]` tables of config.toml, checked into `ServerConfig`s.

The shape is Codex CLI's: a stdio server has `command`, `args`, `env`, `cwd`; a
streamable-HTTP server has `url` and `headers`; either may set `enabled = false` and
`trust` (true: every tool auto-approved; a list: those tools).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from r1cli.errors import ConfigError

# A server's name becomes the prefix of the function names the model sees.
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_KEYS = {"command", "args", "env", "cwd", "url", "headers", "enabled", "trust"}


@dataclass(frozen=True, slots=True)
class ServerConfig:
    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    enabled: bool = True
    # True: every tool is approved without asking; a tuple: those tools only.
    trust: bool | tuple[str, ...] = False

    def trusts(self, tool: str) -> bool:
        return self.trust is True or (
            isinstance(self.trust, tuple) and tool in self.trust
        )


def parse_servers(table: Mapping[str, Any], where: str) -> list[ServerConfig]:
    """Every `[mcp_servers.*]` table, in the file's order; ConfigError names the
    file and the offending server."""
    return [
        _server(name, value, f"{where}: mcp_servers.{name}")
        for name, value in table.items()
    ]


def _server(name: str, value: Any, where: str) -> ServerConfig:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table")
    if not _NAME.match(name) or "__" in name:
        raise ConfigError(
            f"{where}: a server name is letters, digits, - and _ (no '__')",
        )
    unknown = sorted(set(value) - _KEYS)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}",
            hint="known keys: " + ", ".join(sorted(_KEYS)),
        )
    command, url = value.get("command"), value.get("url")
    if (command is None) == (url is None):
        raise ConfigError(f"{where}: give either command (stdio) or url (HTTP)")
    if command is not None and (not isinstance(command, str) or not command.strip()):
        raise ConfigError(f"{where}.command must be a non-empty string")
    if url is not None and (
        not isinstance(url, str) or not url.startswith(("http://", "https://"))
    ):
        raise ConfigError(f"{where}.url must be an http(s) URL")
    trust = value.get("trust", False)
    if isinstance(trust, list) and all(isinstance(t, str) for t in trust):
        trust = tuple(trust)
    elif not isinstance(trust, bool):
        raise ConfigError(f"{where}.trust must be true, false or a list of tool names")
    enabled = value.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}.enabled must be true or false")
    cwd = value.get("cwd")
    if cwd is not None and not isinstance(cwd, str):
        raise ConfigError(f"{where}.cwd must be a string")
    return ServerConfig(
        name=name,
        command=command,
        args=_strings(value.get("args", []), f"{where}.args"),
        env=_table(value.get("env", {}), f"{where}.env"),
        cwd=cwd,
        url=url,
        headers=_table(value.get("headers", {}), f"{where}.headers"),
        enabled=enabled,
        trust=trust,
    )


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of strings")
    return tuple(value)


def _table(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(v, str) for v in value.values()
    ):
        raise ConfigError(f"{where} must be a table of strings")
    return dict(value)


def select(
    servers: list[ServerConfig], only: tuple[str, ...] | None
) -> tuple[list[ServerConfig], dict[str, set[str] | None]]:
    """The servers a turn starts and, per server, the tools it offers (None: all).

    `only` is `--tool SERVER` / `--tool SERVER.TOOL` (None: every enabled server).
    Naming a server picks it even when it is disabled in config; an unknown one is a
    usage error, not a silent empty tool list.
    """
    if only is None:
        return [s for s in servers if s.enabled], {s.name: None for s in servers}
    from r1cli.errors import UsageError

    by_name = {s.name: s for s in servers}
    wanted: dict[str, set[str] | None] = {}
    for item in only:
        server, _, tool = item.partition(".")
        if server not in by_name:
            known = ", ".join(by_name) or "none configured"
            raise UsageError(
                f"--tool {item}: no MCP server named {server!r} ({known})",
                hint="add it under [mcp_servers.NAME] in config.toml; r1 tools lists them",
            )
        if not tool:
            wanted[server] = None
        elif server not in wanted or wanted[server] is not None:
            tools = wanted.get(server) or set()
            tools.add(tool)
            wanted[server] = tools
    return [by_name[name] for name in wanted], wanted


def masked(server: Any) -> Any:
    """A `[mcp_servers.NAME]` table for display: `env` and `headers` values hidden
    unless they only name a variable (`$NAME`): they often hold tokens."""
    if not isinstance(server, dict):
        return server
    shown = dict(server)
    for key in ("env", "headers"):
        table = shown.get(key)
        if isinstance(table, dict):
            shown[key] = {
                name: value if _names_variable(value) else "***"
                for name, value in table.items()
            }
    return shown


def _names_variable(value: Any) -> bool:
    return (
        isinstance(value, str)
        and re.fullmatch(r"\$\{?[A-Za-z_]\w*\}?", value) is not None
    )
