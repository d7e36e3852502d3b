"""`r1 tools`: the configured MCP servers, whether each starts, and their tools.

Every server is started (enabled or not: this is where a user checks a config before
enabling it) and stopped again. A table-like listing on stdout; `--json` an object
scripts can read: {"servers": [{"name", "enabled", "transport", "status", "error",
"tools": [{"name", "function", "description"}]}]}. Exit 0 even when a server fails:
the failure is the report.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from r1cli.cli.boundary import error_boundary
from r1cli.render.report import Report


def tools(
    json_output: Annotated[
        bool, typer.Option("--json", help="A JSON object on stdout.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    """List the MCP servers in config.toml, whether each starts, and their tools."""
    report = Report(json=json_output, debug=debug)
    with error_boundary(report):
        _list(report, json_output)


def _list(report: Report, json_output: bool) -> None:
    from r1cli.config.paths import resolve_paths
    from r1cli.config.settings import load_settings
    from r1cli.mcp.config import parse_servers

    paths = resolve_paths()
    settings = load_settings(paths.config_file)
    servers = parse_servers(settings.mcp_servers, str(paths.config_file))
    listing = _probe(servers) if servers else []
    if json_output:
        typer.echo(json.dumps({"servers": listing}, ensure_ascii=False))
        return
    if not listing:
        report.line(
            f"no MCP servers configured; add [mcp_servers.NAME] to {paths.config_file}"
        )
        return
    from r1cli.render.sanitize import sanitize

    for entry in listing:
        state = "ok" if entry["status"] == "ok" else str(entry["error"])
        off = "" if entry["enabled"] else " (disabled)"
        typer.echo(sanitize(f"{entry['name']}{off}  {entry['transport']}  {state}"))
        for tool in entry["tools"]:
            description = " ".join(str(tool["description"]).split())
            if len(description) > 100:
                description = description[:99] + "…"
            typer.echo(sanitize(f"  {tool['function']}  {description}"))


def _probe(servers: list[Any]) -> list[dict[str, Any]]:
    from r1cli.mcp.client import McpHub
    from r1cli.mcp.toolbox import function_name

    hub = McpHub(warn=lambda message: None)
    try:
        hub.start(servers)
        listing = []
        for config in servers:
            server = hub.servers[config.name]
            listing.append(
                {
                    "name": config.name,
                    "enabled": config.enabled,
                    "transport": "http" if config.url else "stdio",
                    "status": "ok" if server.error is None else "failed",
                    "error": server.error,
                    "tools": [
                        {
                            "name": tool.name,
                            "function": function_name(config.name, tool.name),
                            "description": tool.description,
                        }
                        for tool in server.tools
                    ],
                }
            )
        return listing
    finally:
        hub.close()
