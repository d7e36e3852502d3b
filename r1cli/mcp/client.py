"""The MCP client: the only importer of the `mcp` SDK.

The SDK is async; r1's turn loop is not. A `McpHub` runs a private asyncio loop in a
daemon thread, and each server lives in one task there that enters the SDK's
transport and `ClientSession`, lists the tools, serves calls one at a time, and exits
its contexts in the task that entered them (anyio requires that). The synchronous
side waits on futures with timeouts, so a server that hangs costs at most its
timeout, and one that fails to start, crashes or hangs becomes a warning: the turn
goes on without it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

from r1cli.mcp.config import ServerConfig
from r1cli.mcp.env import clean_env, expand

T = TypeVar("T")
Warn = Callable[[str], None]

MAX_RESULT_BYTES = 64 * 1024
CUT_MARKER = "\n[result cut: {total:,} bytes, only the first {kept:,} kept]"
# Stopping a server: the SDK closes stdin, then terminates, then kills (2 s each).
_STOP_WAIT = 8.0


@dataclass(frozen=True, slots=True)
class ToolInfo:
    server: str
    name: str
    description: str
    parameters: dict[str, object]


@dataclass(frozen=True, slots=True)
class CallOutcome:
    text: str
    is_error: bool


@dataclass(slots=True)
class _Server:
    config: ServerConfig
    requests: asyncio.Queue[tuple[str, dict[str, Any], float, Future[CallOutcome]]]
    stop: asyncio.Event
    tools: list[ToolInfo] = field(default_factory=list)
    error: str | None = None
    task: asyncio.Task[None] | None = None
    stderr: IO[str] | None = None
    # Set when the server's task has ended: its process is gone (the SDK kills it).
    finished: threading.Event = field(default_factory=threading.Event)


class McpHub:
    """The running servers of one command, reached from synchronous code."""

    def __init__(self, *, warn: Warn, start_timeout: float = 30.0) -> None:
        # The SDK logs transport trouble at WARNING; r1 reports it its own way.
        logging.getLogger("mcp").addHandler(logging.NullHandler())
        logging.getLogger("mcp").propagate = False
        self._warn = warn
        self._start_timeout = start_timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="r1-mcp", daemon=True
        )
        self._thread.start()
        self.servers: dict[str, _Server] = {}

    # -- starting ---------------------------------------------------------------

    def start(self, configs: list[ServerConfig]) -> None:
        """Start every server at once and wait until each is up, failed or late."""
        ready: list[tuple[_Server, Future[None]]] = []
        for config in configs:
            server = self._submit(self._make_server(config))
            started: Future[None] = Future()
            server.task = self._submit(self._spawn(server, started))
            self.servers[config.name] = server
            ready.append((server, started))
        # One deadline for all: they start side by side.
        deadline = time.monotonic() + self._start_timeout
        for server, started in ready:
            try:
                started.result(max(deadline - time.monotonic(), 0.0))
            except FutureTimeout:
                server.error = f"did not start within {self._start_timeout:.0f} s"
            except Exception as exc:  # the server's own failure, reported below
                server.error = server.error or describe(exc)
            if server.error is not None:
                # A server stuck starting never looks at its stop signal: cancel.
                self._cancel(server)
                server.error += self._stderr_tail(server)
                self._warn(
                    f"MCP server {server.config.name} {server.error}; "
                    "going on without it"
                )

    async def _make_server(self, config: ServerConfig) -> _Server:
        return _Server(config, asyncio.Queue(), asyncio.Event())

    async def _spawn(
        self, server: _Server, started: Future[None]
    ) -> asyncio.Task[None]:
        return asyncio.ensure_future(self._serve(server, started))

    async def _serve(self, server: _Server, started: Future[None]) -> None:
        from mcp.client.session import ClientSession

        try:
            async with (
                self._transport(server) as streams,
                ClientSession(streams[0], streams[1]) as session,
            ):
                await session.initialize()
                server.tools = await _list_tools(session, server.config.name)
                started.set_result(None)
                await self._answer(server, session)
        except BaseException as exc:
            if not started.done():
                server.error = describe(exc)
                started.set_exception(RuntimeError(server.error))
            else:
                server.error = server.error or f"stopped: {describe(exc)}"
            _fail_pending(server, f"the MCP server {server.config.name} stopped")
            if not isinstance(exc, Exception):
                raise
        finally:
            server.finished.set()

    def _transport(self, server: _Server) -> Any:
        config = server.config
        if config.url is not None:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            headers = {k: expand(v, _environ()) for k, v in config.headers.items()}
            client = httpx2.AsyncClient(headers=headers, timeout=30.0)
            return streamable_http_client(config.url, http_client=client)
        from mcp.client.stdio import StdioServerParameters, stdio_client

        # The server's stderr, for the last line of a failure; closed in `close`.
        server.stderr = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        params = StdioServerParameters(
            command=config.command or "",
            args=list(config.args),
            env=clean_env(config.env),
            cwd=config.cwd,
        )
        return stdio_client(params, errlog=server.stderr)

    async def _answer(self, server: _Server, session: Any) -> None:
        """Serve calls until asked to stop; one call at a time per server."""
        stop = asyncio.ensure_future(server.stop.wait())
        try:
            while True:
                get = asyncio.ensure_future(server.requests.get())
                done, _ = await asyncio.wait(
                    {get, stop}, return_when=asyncio.FIRST_COMPLETED
                )
                if get not in done:
                    get.cancel()
                    return
                tool, arguments, timeout, reply = get.result()
                try:
                    result = await asyncio.wait_for(
                        session.call_tool(tool, arguments), timeout
                    )
                except asyncio.TimeoutError:
                    # A hung server may never answer again: stop it. (The error is
                    # set before the reply, so the caller sees both.)
                    server.error = f"timed out on {tool} after {timeout:g} s"
                    _settle(reply, CallOutcome(f"timed out after {timeout:g} s", True))
                    return
                except Exception as exc:
                    if _connection_lost(exc):
                        server.error = f"stopped during {tool} (it may have crashed)"
                    _settle(reply, CallOutcome(describe(exc), True))
                    if server.error is not None:
                        return
                    continue
                _settle(reply, outcome(result))
        finally:
            stop.cancel()

    # -- calling ----------------------------------------------------------------

    def call(
        self, server_name: str, tool: str, arguments: dict[str, Any], timeout: float
    ) -> CallOutcome:
        server = self.servers.get(server_name)
        if server is None or server.error is not None:
            why = server.error if server is not None else "is not configured"
            return CallOutcome(f"the MCP server {server_name} {why}", True)
        reply: Future[CallOutcome] = Future()
        self._loop.call_soon_threadsafe(
            server.requests.put_nowait, (tool, arguments, timeout, reply)
        )
        try:
            # The server task enforces the timeout; this wait only guards against
            # a task that can no longer answer at all.
            result = reply.result(timeout + 5.0)
        except FutureTimeout:
            server.error = "stopped answering"
            self._cancel(server)
            result = CallOutcome(f"timed out after {timeout:g} s", True)
        if server.error is not None:
            # It crashed or hung during this call: said once, then left out.
            self._warn(f"MCP server {server_name} {server.error}; going on without it")
        return result

    def tools(self) -> list[ToolInfo]:
        return [t for s in self.servers.values() if s.error is None for t in s.tools]

    # -- stopping ---------------------------------------------------------------

    def close(self) -> None:
        """Stop every server and the loop, bounded: a server that does not end on
        its stop signal is cancelled, and the SDK terminates, then kills, its
        process."""
        for server in self.servers.values():
            self._signal_stop(server)
        for server in self.servers.values():
            if not server.finished.wait(_STOP_WAIT / 2):
                self._cancel(server)
                server.finished.wait(_STOP_WAIT)
            if server.stderr is not None:
                server.stderr.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(2.0)

    def _signal_stop(self, server: _Server) -> None:
        self._loop.call_soon_threadsafe(server.stop.set)

    def _cancel(self, server: _Server) -> None:
        if server.task is not None:
            self._loop.call_soon_threadsafe(server.task.cancel)

    def _submit(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def _stderr_tail(self, server: _Server) -> str:
        handle = server.stderr
        if handle is None:
            return ""
        try:
            handle.seek(0)
            lines = [
                line.strip() for line in handle.read().splitlines() if line.strip()
            ]
        except (OSError, ValueError):
            return ""
        return f" ({lines[-1][:200]})" if lines else ""


async def _list_tools(session: Any, server: str) -> list[ToolInfo]:
    tools: list[ToolInfo] = []
    cursor: str | None = None
    while True:
        if cursor is None:
            listing = await session.list_tools()
        else:
            from mcp_types import PaginatedRequestParams

            listing = await session.list_tools(
                params=PaginatedRequestParams(cursor=cursor)
            )
        for tool in listing.tools:
            schema = tool.input_schema if isinstance(tool.input_schema, dict) else {}
            tools.append(
                ToolInfo(server, tool.name, tool.description or "", dict(schema))
            )
        cursor = listing.next_cursor
        if not cursor:
            return tools


def outcome(result: Any) -> CallOutcome:
    """A `CallToolResult` as the text the model reads, cut at 64 KiB."""
    parts: list[str] = []
    for item in result.content or []:
        kind = getattr(item, "type", "")
        if kind == "text":
            parts.append(item.text)
        elif kind == "resource":
            resource = item.resource
            parts.append(
                getattr(resource, "text", None) or f"[resource {resource.uri}]"
            )
        else:
            parts.append(f"[{kind} content not shown]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return CallOutcome(cut("\n".join(parts)), bool(result.is_error))


def cut(text: str, limit: int = MAX_RESULT_BYTES) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    kept = data[:limit].decode("utf-8", errors="ignore")
    return kept + CUT_MARKER.format(total=len(data), kept=len(kept.encode()))


def describe(exc: BaseException) -> str:
    """One line for a server's failure (the SDK nests them in exception groups)."""
    while getattr(exc, "exceptions", None):  # an exception group (3.10: no name)
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    if isinstance(exc, FileNotFoundError):
        return f"failed to start: command not found ({exc.filename or exc})"
    if isinstance(exc, OSError):
        return f"failed to start: {exc.strerror or exc}"
    text = str(exc).strip() or type(exc).__name__
    return f"failed: {text.splitlines()[0][:200]}"


def _connection_lost(exc: BaseException) -> bool:
    """The server's process or connection is gone (not a JSON-RPC error it sent)."""
    from mcp.shared.exceptions import MCPError

    if not isinstance(exc, MCPError):
        return True
    return "connection closed" in str(exc).lower()


def _settle(reply: Future[CallOutcome], value: CallOutcome) -> None:
    if not reply.done():
        reply.set_result(value)


def _fail_pending(server: _Server, why: str) -> None:
    while not server.requests.empty():
        _, _, _, reply = server.requests.get_nowait()
        _settle(reply, CallOutcome(why, True))


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)
