"""The MCP client against real server processes: `mcp-server-time` from PyPI, and
`tests.support.mcp_faults` (written with the SDK) for every fault the issue lists —
fails to start, hangs at start, crashes mid-call, a huge result, an error result, a
call that outlives its timeout — and the clean environment a server gets.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from r1cli.core.events import ToolCall
from r1cli.mcp.approval import Approval
from r1cli.mcp.client import MAX_RESULT_BYTES, McpHub
from r1cli.mcp.config import ServerConfig
from r1cli.mcp.toolbox import Toolbox
from tests.support.canary import CANARY
from tests.support.mcp_time import time_server_command

ROOT = Path(__file__).resolve().parents[2]


def faults(name: str = "f", *extra: str, **kw: object) -> ServerConfig:
    return ServerConfig(
        name=name,
        command=sys.executable,
        args=("-m", "tests.support.mcp_faults", *extra),
        cwd=str(ROOT),
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def hub() -> Iterator[McpHub]:
    warnings: list[str] = []
    hub = McpHub(warn=warnings.append)
    hub.start([faults()])
    assert warnings == []
    yield hub
    hub.close()


def test_time_server_from_pypi() -> None:
    command = time_server_command()
    hub = McpHub(warn=pytest.fail)
    try:
        hub.start(
            [ServerConfig("time", command=command, args=("--local-timezone", "UTC"))]
        )
        assert {t.name for t in hub.tools()} >= {"get_current_time", "convert_time"}
        result = hub.call("time", "get_current_time", {"timezone": "Asia/Tokyo"}, 20)
        assert not result.is_error
        assert json.loads(result.text)["timezone"] == "Asia/Tokyo"
        assert "+09:00" in json.loads(result.text)["datetime"]
    finally:
        hub.close()


def test_error_result_goes_back_as_an_error(hub: McpHub) -> None:
    result = hub.call("f", "fail", {}, 10)
    # MCPServer reports a raised exception as an error result naming the tool.
    assert result.is_error and "fail" in result.text


def test_huge_result_is_cut_with_a_marker(hub: McpHub) -> None:
    result = hub.call("f", "huge", {}, 10)
    assert not result.is_error
    assert "[result cut: 200,000 bytes" in result.text
    assert len(result.text.encode()) < MAX_RESULT_BYTES + 200


def test_timeout_bounds_a_call() -> None:
    warnings: list[str] = []
    hub = McpHub(warn=warnings.append)
    try:
        hub.start([faults()])
        started = time.monotonic()
        result = hub.call("f", "slow", {"seconds": 30}, 1.0)
        assert time.monotonic() - started < 5
        assert result.is_error and "timed out after 1 s" in result.text
        assert warnings == [
            "MCP server f timed out on slow after 1 s; going on without it"
        ]
        # The hung server was stopped: later calls say so at once.
        assert hub.call("f", "echo", {"text": "hi"}, 5).is_error
    finally:
        hub.close()


def test_crash_mid_call_is_an_error_result_and_one_warning() -> None:
    warnings: list[str] = []
    hub = McpHub(warn=warnings.append)
    try:
        hub.start([faults()])
        started = time.monotonic()
        result = hub.call("f", "crash", {}, 20)
        assert result.is_error
        assert time.monotonic() - started < 15
        assert warnings == [
            "MCP server f stopped during crash (it may have crashed); "
            "going on without it"
        ]
        later = hub.call("f", "echo", {"text": "hi"}, 5)
        assert later.is_error and "stopped during crash" in later.text
        assert hub.tools() == []  # the next round offers none of its tools
    finally:
        hub.close()


def test_failing_and_hanging_servers_are_warnings(tmp_path: Path) -> None:
    pidfile = tmp_path / "slowpoke.pid"
    warnings: list[str] = []
    # Long enough for a good server to start on a loaded machine.
    hub = McpHub(warn=warnings.append, start_timeout=8)
    started = time.monotonic()
    try:
        hub.start(
            [
                faults("good"),
                faults("bad", "--fail-at-start"),
                faults("slowpoke", "--hang-at-start", env={"PIDFILE": str(pidfile)}),
                ServerConfig("missing", command="no-such-command-r1"),
            ]
        )
        assert time.monotonic() - started < 15
        joined = "\n".join(warnings)
        assert "bad" in joined and "cannot open the database" in joined
        assert "slowpoke did not start within 8 s" in joined
        assert "missing failed to start: command not found" in joined
        assert {t.server for t in hub.tools()} == {"good"}
        assert hub.call("good", "echo", {"text": "hi"}, 10).text == "hi"
    finally:
        hub.close()
    assert time.monotonic() - started < 35
    # The server that hung at start is gone, not left running.
    with pytest.raises(ProcessLookupError):
        os.kill(int(pidfile.read_text()), 0)


def test_server_gets_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    monkeypatch.setenv("R1_TEST_PASSED", "on purpose")
    hub = McpHub(warn=pytest.fail)
    try:
        hub.start([faults(env={"GREETING": "hello", "WANTED": "$R1_TEST_PASSED"})])
        env = json.loads(hub.call("f", "env", {}, 10).text)
    finally:
        hub.close()
    assert CANARY not in json.dumps(env)
    assert "OPENROUTER_API_KEY" not in env
    assert env["GREETING"] == "hello" and env["WANTED"] == "on purpose"
    assert "PATH" in env and "HOME" in env


def test_toolbox_refuses_on_a_pipe_and_says_how_to_allow(hub: McpHub) -> None:
    warnings: list[str] = []
    servers = {"f": faults()}
    box = Toolbox(
        hub,
        Approval(servers, yes=False, ask=None),
        {"f": None},
        timeout=5,
        warn=warnings.append,
    )
    result = box.call(ToolCall("c1", "f__echo", '{"text": "hi"}'))
    assert result.is_error and "did not approve" in result.content
    assert "f__echo" in warnings[0] and "--yes" in warnings[0]
    trusted = Toolbox(
        hub,
        Approval({"f": faults(trust=("echo",))}, yes=False, ask=None),
        {"f": None},
        timeout=5,
        warn=warnings.append,
    )
    assert trusted.call(ToolCall("c2", "f__echo", '{"text": "hi"}')).content == "hi"
    assert trusted.call(ToolCall("c3", "f__fail", "{}")).content.startswith(
        "the user did not approve"
    )


def test_streamable_http_server_with_headers_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket
    import subprocess

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.mcp_faults", "--http", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    monkeypatch.setenv("R1_TEST_TOKEN", "Bearer t0k")
    hub = McpHub(warn=pytest.fail)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as client:
                if client.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        config = ServerConfig(
            "web",
            url=f"http://127.0.0.1:{port}/mcp",
            headers={"Authorization": "$R1_TEST_TOKEN", "X-Plain": "as is"},
        )
        hub.start([config])
        assert "header" in {t.name for t in hub.tools()}
        result = hub.call("web", "header", {"name": "authorization"}, 10)
        assert result.text == "Bearer t0k"
        assert hub.call("web", "header", {"name": "x-plain"}, 10).text == "as is"
    finally:
        hub.close()
        process.terminate()
        process.wait(10)
