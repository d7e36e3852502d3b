"""`r1 "what time is it in Tokyo?"` with `mcp-server-time` configured, on both
dialects: the model's call runs on the real server and its result goes back in the
next request. Also: refusal on a pipe, --yes, --json events, tool lines on stderr with
--show-reasoning (never stdout), --no-tools/--tool, `r1 tools`, history and -c.

`call_r1` runs r1 in this process; the MCP servers are real child processes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.mcp_time import time_server_command
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import Result, RunR1
from tests.support.tool_replies import anthropic_stream, openai_tool_stream

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "what time is it in Tokyo?"
TOKYO = '{"timezone": "Asia/Tokyo"}'
CALL = ("call_1", "time__get_current_time", TOKYO)


def configure(home: Path, trust: str = "", extra: str = "") -> None:
    command = time_server_command()
    folder = home / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        "[mcp_servers.time]\n"
        f"command = {json.dumps(command)}\n"
        'args = ["--local-timezone", "UTC"]\n'
        f"{trust}\n{extra}",
        encoding="utf-8",
    )


def ask(call_r1: RunR1, server: FakeServer, *args: str) -> Result:
    return call_r1(
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        env={"OPENROUTER_API_KEY": CANARY},
    )


def bodies(server: FakeServer) -> list[dict[str, Any]]:
    return [r.json() for r in server.requests]


def queue_openai(server: FakeServer) -> None:
    server.queue(
        sse_reply(openai_tool_stream([CALL], reasoning="Use the clock.", size=4)),
        sse_reply(chat_stream(["It is 9 hours ahead of UTC."], ["Got it."])),
    )


def test_trusted_call_on_openai_dialect(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure(r1_home, "trust = true")
    queue_openai(server)
    result = ask(call_r1, server, QUESTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It is 9 hours ahead of UTC.\n"
    assert "⚙" not in result.stdout and "⚙" not in result.stderr
    first, second = bodies(server)
    names = {t["function"]["name"] for t in first["tools"]}
    assert names == {"time__get_current_time", "time__convert_time"}
    tool_message = second["messages"][-1]
    assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_1"
    assert json.loads(tool_message["content"])["timezone"] == "Asia/Tokyo"
    assert "+09:00" in tool_message["content"]


def test_trusted_call_on_anthropic_dialect(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure(r1_home, 'trust = ["get_current_time"]')
    server.queue(
        sse_reply(
            anthropic_stream(
                thinking="The clock tool knows.", signature="sig-9", calls=[CALL]
            )
        ),
        sse_reply(anthropic_stream(text="Tokyo is at UTC+9.")),
    )
    result = call_r1(
        "-p",
        "anthropic",
        "--base-url",
        f"{server.url}/v1",
        "-m",
        "claude-test",
        QUESTION,
        env={"ANTHROPIC_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Tokyo is at UTC+9.\n"
    second = bodies(server)[1]
    thinking, use = second["messages"][1]["content"]
    assert thinking["signature"] == "sig-9" and use["type"] == "tool_use"
    block = second["messages"][2]["content"][0]
    assert block["type"] == "tool_result" and block["tool_use_id"] == "call_1"
    assert "+09:00" in block["content"]


def test_untrusted_call_on_a_pipe_is_refused(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure(r1_home)
    queue_openai(server)
    result = ask(call_r1, server, QUESTION)
    assert result.returncode == 0, result.stderr  # a refusal is not an error
    assert "refused tool call time__get_current_time" in result.stderr
    assert "--yes" in result.stderr and "[mcp_servers.time]" in result.stderr
    tool_message = bodies(server)[1]["messages"][-1]
    assert "did not approve" in tool_message["content"]


def test_yes_json_events_and_history(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure(r1_home)
    queue_openai(server)
    result = ask(call_r1, server, "--yes", "--json", QUESTION)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [e["type"] for e in events]
    assert (
        kinds.index("tool_call") < kinds.index("tool_result") < kinds.index("content")
    )
    call = next(e for e in events if e["type"] == "tool_call")
    assert call == {
        "type": "tool_call",
        "id": "call_1",
        "name": "time__get_current_time",
        "arguments": {"timezone": "Asia/Tokyo"},
    }
    output = next(e for e in events if e["type"] == "tool_result")
    assert output["is_error"] is False and "+09:00" in output["content"]

    shown = call_r1("history", "show", "--json")
    stored = json.loads(shown.stdout)["messages"][1]["tools"]
    assert [s["role"] for s in stored] == ["assistant", "tool"]
    cid = next(e for e in events if e["type"] == "done")["conversation_id"]
    for command in (("history", "show"), ("history", "export", cid)):
        text = call_r1(*command).stdout
        assert "time__get_current_time" in text and "Asia/Tokyo" in text
    # -c replays the call and its result before the new question.
    server.queue(sse_reply(chat_stream(["Still 9 hours."])))
    again = ask(call_r1, server, "--no-tools", "-c", "and now?")
    assert again.returncode == 0, again.stderr
    replay = bodies(server)[2]
    assert [m["role"] for m in replay["messages"]] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    assert "tools" not in replay  # --no-tools


def test_show_reasoning_puts_the_tool_line_on_stderr(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure(r1_home, "trust = true")
    queue_openai(server)
    result = ask(call_r1, server, "--show-reasoning", QUESTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It is 9 hours ahead of UTC.\n"
    lines = result.stderr.splitlines()
    line = next(text for text in lines if text.startswith("⚙"))
    assert line.startswith(
        '⚙ time__get_current_time(timezone="Asia/Tokyo") → '
        '{"timezone": "Asia/Tokyo", "datetime": "'
    )


def test_tool_filter_offers_only_what_is_named(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure(r1_home, "trust = true")
    server.queue(sse_reply(chat_stream(["ok"])))
    result = ask(call_r1, server, "--tool", "time.convert_time", "hi")
    assert result.returncode == 0, result.stderr
    assert [t["function"]["name"] for t in bodies(server)[0]["tools"]] == [
        "time__convert_time"
    ]
    unknown = ask(call_r1, server, "--tool", "nope", "hi")
    assert unknown.returncode == 2 and "no MCP server named 'nope'" in unknown.stderr


def test_a_broken_server_is_a_warning_and_the_turn_goes_on(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure(
        r1_home,
        "trust = true",
        "[mcp_servers.bad]\n"
        f"command = {json.dumps(sys.executable)}\n"
        'args = ["-m", "tests.support.mcp_faults", "--fail-at-start"]\n'
        f"cwd = {json.dumps(str(ROOT))}\n",
    )
    queue_openai(server)
    result = ask(call_r1, server, QUESTION)
    assert result.returncode == 0, result.stderr
    assert "warning: MCP server bad" in result.stderr
    assert "going on without it" in result.stderr
    assert result.stdout == "It is 9 hours ahead of UTC.\n"


def test_r1_tools_lists_servers_and_tools(call_r1: RunR1, r1_home: Path) -> None:
    configure(r1_home, "", '[mcp_servers.gone]\ncommand = "no-such-command-r1"\n')
    listing = call_r1("tools", "--json")
    assert listing.returncode == 0, listing.stderr
    servers = {s["name"]: s for s in json.loads(listing.stdout)["servers"]}
    assert servers["time"]["status"] == "ok"
    functions = {t["function"] for t in servers["time"]["tools"]}
    assert functions == {"time__get_current_time", "time__convert_time"}
    assert servers["gone"]["status"] == "failed"
    assert "command not found" in servers["gone"]["error"]
    text = call_r1("tools")
    assert "time__get_current_time  Get current time" in text.stdout


def test_a_turn_without_tools_never_imports_the_sdk(
    server: FakeServer, r1_home: Path
) -> None:
    import os
    import subprocess

    configure(r1_home, "trust = true")
    server.queue(sse_reply(chat_stream(["hi"])))
    code = (
        "import sys\n"
        "from r1cli.__main__ import main\n"
        "try:\n"
        f"    main(['--base-url', '{server.url}/api/v1', '--no-tools', 'hi'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print([m for m in ('mcp', 'mcp_types', 'httpx2') if m in sys.modules],"
        " file=sys.stderr)\n"
    )
    env = {**os.environ, "OPENROUTER_API_KEY": CANARY, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert result.stdout == "hi\n", result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"


def configure_faults(home: Path, settings: str = "") -> None:
    folder = home / "config"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        f"{settings}\n"
        "[mcp_servers.f]\n"
        f"command = {json.dumps(sys.executable)}\n"
        'args = ["-m", "tests.support.mcp_faults"]\n'
        f"cwd = {json.dumps(str(ROOT))}\n"
        "trust = true\n",
        encoding="utf-8",
    )


def test_tool_timeout_setting_and_error_results_reach_the_model(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure_faults(r1_home, "tool_timeout = 1")
    calls = [("c1", "f__slow", '{"seconds": 30}'), ("c2", "f__huge", "{}")]
    server.queue(
        sse_reply(openai_tool_stream(calls)),
        sse_reply(chat_stream(["Done."])),
    )
    result = ask(call_r1, server, "--json", "go")
    assert result.returncode == 0, result.stderr
    outputs = [
        e
        for e in map(json.loads, result.stdout.splitlines())
        if e["type"] == "tool_result"
    ]
    assert outputs[0]["is_error"] and "timed out after 1 s" in outputs[0]["content"]
    # The timed-out server was stopped: the next call is an error, not a hang.
    assert outputs[1]["is_error"]
    sent = bodies(server)[1]["messages"]
    assert [m["role"] for m in sent[-2:]] == ["tool", "tool"]


def test_max_tool_calls_flag_and_huge_result(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    configure_faults(r1_home)
    calls = [("c1", "f__huge", "{}"), ("c2", "f__echo", '{"text": "hi"}')]
    server.queue(
        sse_reply(openai_tool_stream(calls)),
        sse_reply(chat_stream(["Done."])),
    )
    result = ask(call_r1, server, "--max-tool-calls", "1", "go")
    assert result.returncode == 0, result.stderr
    huge, refused = bodies(server)[1]["messages"][-2:]
    assert "[result cut: 200,000 bytes" in huge["content"]
    assert len(huge["content"].encode()) < 64 * 1024 + 200
    assert "limit of 1 tool calls" in refused["content"]


def test_a_model_without_tools_gets_a_no_tools_hint(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    from tests.support.replies import json_reply

    configure(r1_home, "trust = true")
    message = "No endpoints found that support tool use."
    server.queue(json_reply(404, {"error": {"message": message, "code": 404}}))
    result = ask(call_r1, server, QUESTION)
    assert result.returncode == 4
    assert "hint: the model may not take tools: try again with --no-tools" in (
        result.stderr
    )
