"""`[mcp_servers]` checking, `--tool` selection, the clean environment, function
names, and the one-line view of a call (sanitised)."""

from __future__ import annotations

import pytest

from r1cli.core.events import ToolCall, ToolResult
from r1cli.errors import ConfigError, UsageError
from r1cli.mcp.approval import Approval
from r1cli.mcp.config import ServerConfig, parse_servers, select
from r1cli.mcp.env import clean_env
from r1cli.mcp.toolbox import function_name
from r1cli.render.toolline import tool_line

TABLE = {
    "time": {"command": "mcp-server-time", "args": ["--local-timezone", "UTC"]},
    "docs": {
        "url": "https://mcp.example.com/mcp",
        "headers": {"Authorization": "$DOCS_TOKEN"},
        "enabled": False,
        "trust": ["search"],
    },
}


def test_codex_shaped_tables_are_read() -> None:
    time, docs = parse_servers(TABLE, "config.toml")
    assert time.command == "mcp-server-time" and time.args == (
        "--local-timezone",
        "UTC",
    )
    assert time.enabled and not time.trusts("get_current_time")
    assert docs.url and not docs.enabled
    assert docs.trusts("search") and not docs.trusts("delete")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"a": {"args": []}}, "either command (stdio) or url"),
        ({"a": {"command": "x", "url": "http://h"}}, "either command"),
        ({"a": {"command": "x", "colour": 1}}, "unknown key 'colour'"),
        ({"a": {"command": "x", "trust": "yes"}}, "trust must be"),
        ({"a": {"url": "ftp://h"}}, "http(s) URL"),
        ({"a": {"command": "x", "env": {"K": 1}}}, "table of strings"),
        ({"a__b": {"command": "x"}}, "no '__'"),
    ],
)
def test_bad_tables_name_the_server(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match="mcp_servers") as caught:
        parse_servers(table, "config.toml")
    assert message in caught.value.message


def test_tool_selection() -> None:
    servers = parse_servers(TABLE, "c")
    chosen, offered = select(servers, None)
    assert [s.name for s in chosen] == ["time"]  # docs is disabled
    chosen, offered = select(servers, ("docs.search", "docs.fetch", "time"))
    assert [s.name for s in chosen] == ["docs", "time"]  # named: started anyway
    assert offered == {"docs": {"search", "fetch"}, "time": None}
    with pytest.raises(UsageError, match="no MCP server named 'nope'"):
        select(servers, ("nope",))


def test_clean_env_passes_only_what_is_named() -> None:
    environ = {
        "PATH": "/bin",
        "HOME": "/home/u",
        "LANG": "C.UTF-8",
        "LC_ALL": "C",
        "OPENROUTER_API_KEY": "sk-secret",
        "AWS_SECRET_ACCESS_KEY": "x",
        "DOCS_TOKEN": "t0k",
    }
    env = clean_env({"TOKEN": "${DOCS_TOKEN}", "MODE": "fast"}, environ)
    assert env == {
        "PATH": "/bin",
        "HOME": "/home/u",
        "LANG": "C.UTF-8",
        "LC_ALL": "C",
        "TOKEN": "t0k",
        "MODE": "fast",
    }


def test_function_names_are_what_providers_accept() -> None:
    assert function_name("time", "get_current_time") == "time__get_current_time"
    assert function_name("fs", "read file.txt") == "fs__read_file_txt"
    assert len(function_name("s", "x" * 100)) == 64


def test_approval_policy() -> None:
    asked: list[str] = []

    def ask(call: ToolCall) -> str:
        asked.append(call.name)
        return "always" if call.name == "s__a" else "no"

    servers = {"s": ServerConfig("s", command="x", trust=("t",))}
    policy = Approval(servers, yes=False, ask=ask)  # type: ignore[arg-type]
    assert policy.decide("s", "t", ToolCall("1", "s__t", "{}")) == "approved"
    assert policy.decide("s", "a", ToolCall("2", "s__a", "{}")) == "approved"
    assert policy.decide("s", "a", ToolCall("3", "s__a", "{}")) == "approved"
    assert policy.decide("s", "b", ToolCall("4", "s__b", "{}")) == "refused"
    assert asked == ["s__a", "s__b"]  # "always" asked once; trusted never
    unasked = Approval(servers, yes=False, ask=None)
    assert unasked.decide("s", "b", ToolCall("5", "s__b", "{}")) == "unasked"
    assert (
        Approval(servers, yes=True, ask=None).decide(
            "s", "b", ToolCall("6", "s__b", "{}")
        )
        == "approved"
    )


def test_tool_line_is_one_sanitised_line() -> None:
    call = ToolCall("1", "evil__x", '{"q": "a\\u001b]0;pwned\\u0007b"}')
    result = ToolResult("1", "evil__x", "line1\n\x1b[2Jline2 " + "z" * 300)
    line = tool_line(call, result, 100)
    assert "\x1b" not in line and "\x07" not in line and "\n" not in line
    assert line.startswith("⚙ evil__x(q=") and " → line1 " in line
    assert line.endswith("…") and len(line) <= 110
    error = tool_line(call, ToolResult("1", "evil__x", "boom", is_error=True))
    assert error.endswith("→ error: boom")


def test_config_show_hides_env_and_header_values() -> None:
    from r1cli.mcp.config import masked

    shown = masked(
        {
            "command": "gh-mcp",
            "env": {"GITHUB_TOKEN": "ghp_secret", "PASSED": "$GH_TOKEN"},
            "headers": {"Authorization": "Bearer abc", "X": "${VAR}"},
        }
    )
    assert shown["env"] == {"GITHUB_TOKEN": "***", "PASSED": "$GH_TOKEN"}
    assert shown["headers"] == {"Authorization": "***", "X": "${VAR}"}
    assert "secret" not in repr(shown) and shown["command"] == "gh-mcp"
