"""An MCP server written with the SDK, with tools for every fault the client must
survive. Run as `python -m tests.support.mcp_faults [--fail-at-start|--hang-at-start]`, or
with `--http PORT` as a streamable-HTTP server on 127.0.0.1:PORT (path /mcp).

Tools: echo (its argument back), env (the server's environment, as JSON), huge (a
200 KB result), fail (raises: an error result), slow (sleeps N seconds), crash (the
process exits mid-call), header (a header of the HTTP request, over HTTP).
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

try:
    from mcp.server.mcpserver import Context
    from mcp.server.mcpserver import MCPServer as Server
except ImportError:  # mcp 1.x
    from mcp.server.fastmcp import Context  # type: ignore[no-redef]
    from mcp.server.fastmcp import FastMCP as Server  # type: ignore[no-redef]


def main() -> None:
    if "--fail-at-start" in sys.argv:
        print("faults: cannot open the database", file=sys.stderr)
        raise SystemExit(1)
    if "--hang-at-start" in sys.argv:
        pidfile = os.environ.get("PIDFILE")
        if pidfile:  # so a test can check the process is gone after close
            with open(pidfile, "w", encoding="utf-8") as handle:
                handle.write(str(os.getpid()))
        time.sleep(3600)
    app = Server("faults")

    @app.tool()
    def echo(text: str) -> str:
        """Say the text back."""
        return text

    @app.tool()
    def env() -> str:
        """The server's environment."""
        return json.dumps(dict(os.environ))

    @app.tool()
    def huge() -> str:
        """A very large result."""
        return "x" * 200_000

    @app.tool()
    def fail() -> str:
        """Always fails."""
        raise ValueError("the tool broke")

    @app.tool()
    def slow(seconds: float) -> str:
        """Sleep, then answer."""
        time.sleep(seconds)
        return "done"

    @app.tool()
    def crash() -> str:
        """The process dies mid-call."""
        os._exit(3)

    @app.tool()
    def header(name: str, ctx: Context[Any, Any]) -> str:
        """One header of the HTTP request that carried this call."""
        headers = getattr(ctx.request_context.request, "headers", None) or {}
        return str(headers.get(name, ""))

    if "--http" in sys.argv:
        port = int(sys.argv[sys.argv.index("--http") + 1])
        app.run("streamable-http", host="127.0.0.1", port=port)
    else:
        app.run()


if __name__ == "__main__":
    main()
