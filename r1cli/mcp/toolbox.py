"""The tools one turn offers, and the `ToolRunner` the engine's loop calls.

Function names are `SERVER__TOOL` (characters a provider rejects become `_`); a call
is approved (`approval`), its arguments parsed, and it runs on its server within the
per-call timeout. Whatever goes wrong becomes an error result the model reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from r1cli.core.events import ToolCall, ToolResult
from r1cli.core.messages import ToolSpec
from r1cli.mcp.approval import NOT_APPROVED, Approval, Ask
from r1cli.mcp.client import McpHub, ToolInfo
from r1cli.mcp.config import ServerConfig, select

Warn = Callable[[str], None]
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def function_name(server: str, tool: str) -> str:
    return f"{server}__{_UNSAFE.sub('_', tool)}"[:64]


class Toolbox:
    def __init__(
        self,
        hub: McpHub,
        approval: Approval,
        offered: dict[str, set[str] | None],
        *,
        timeout: float,
        warn: Warn,
    ) -> None:
        self._hub = hub
        self._approval = approval
        self._timeout = timeout
        self._warn = warn
        self._by_function: dict[str, ToolInfo] = {}
        for tool in hub.tools():
            wanted = offered.get(tool.server)
            if wanted is None or tool.name in wanted:
                self._by_function[function_name(tool.server, tool.name)] = tool

    @property
    def specs(self) -> tuple[ToolSpec, ...]:
        """The tools of the servers still up (one that crashed is offered no more)."""
        live = {tool.server for tool in self._hub.tools()}
        return tuple(
            ToolSpec(name, tool.description, tool.parameters or {"type": "object"})
            for name, tool in self._by_function.items()
            if tool.server in live
        )

    def call(self, call: ToolCall) -> ToolResult:
        tool = self._by_function.get(call.name)
        if tool is None:
            return _error(call, f"there is no tool named {call.name}")
        try:
            arguments: Any = (
                json.loads(call.arguments) if call.arguments.strip() else {}
            )
        except ValueError as exc:
            return _error(call, f"the arguments are not valid JSON: {exc}")
        if not isinstance(arguments, dict):
            return _error(call, "the arguments must be a JSON object")
        verdict = self._approval.decide(tool.server, tool.name, call)
        if verdict == "unasked":
            self._warn(
                f"refused tool call {call.name} (no terminal to ask); allow it with "
                f"--yes, or trust = true under [mcp_servers.{tool.server}]"
            )
        if verdict != "approved":
            return _error(call, NOT_APPROVED)
        result = self._hub.call(tool.server, tool.name, arguments, self._timeout)
        return ToolResult(call.id, call.name, result.text, result.is_error)

    def close(self) -> None:
        self._hub.close()


def _error(call: ToolCall, text: str) -> ToolResult:
    return ToolResult(call.id, call.name, text, is_error=True)


def open_toolbox(
    servers: list[ServerConfig],
    only: tuple[str, ...] | None,
    *,
    yes: bool,
    ask: Ask | None,
    timeout: float,
    warn: Warn,
    start_timeout: float = 30.0,
) -> Toolbox | None:
    """Start the selected servers; None when there is nothing to offer."""
    chosen, offered = select(servers, only)
    if not chosen:
        return None
    hub = McpHub(warn=warn, start_timeout=start_timeout)
    hub.start(chosen)
    approval = Approval({s.name: s for s in servers}, yes=yes, ask=ask)
    box = Toolbox(hub, approval, offered, timeout=timeout, warn=warn)
    if not box.specs:
        box.close()
        return None
    return box
