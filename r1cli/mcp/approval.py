"""Who approves a tool call: config `trust`, `--yes`, the user's answer, or nobody.

Pure policy, no terminal code: the question itself is a callable the CLI or REPL
passes in (None on a pipe). "always" approves that tool for the rest of the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from r1cli.core.events import ToolCall
from r1cli.mcp.config import ServerConfig

Answer = Literal["yes", "no", "always"]
Ask = Callable[[ToolCall], Answer]

NOT_APPROVED = "the user did not approve this call; do not retry it"


class Approval:
    def __init__(
        self, servers: dict[str, ServerConfig], *, yes: bool, ask: Ask | None
    ) -> None:
        self._servers = servers
        self._yes = yes
        self._ask = ask
        self._always: set[str] = set()

    def decide(
        self, server: str, tool: str, call: ToolCall
    ) -> Literal["approved", "refused", "unasked"]:
        """approved; refused (the user said no); unasked (no one could be asked)."""
        config = self._servers.get(server)
        if self._yes or (config is not None and config.trusts(tool)):
            return "approved"
        if call.name in self._always:
            return "approved"
        if self._ask is None:
            return "unasked"
        answer = self._ask(call)
        if answer == "always":
            self._always.add(call.name)
        return "refused" if answer == "no" else "approved"
