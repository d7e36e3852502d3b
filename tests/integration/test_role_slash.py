"""`/role [NAME|off]` in the REPL and `-r` on `r1 chat`: the session's state, and the
request the next message sends. In-process over the loopback fake provider."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from r1cli.engine.resolve import TurnOptions
from r1cli.engine.runtime import Runtime
from r1cli.errors import UsageError
from r1cli.render.plain import PlainRenderer
from r1cli.repl import slash
from r1cli.repl.slash import SlashContext, SlashResult
from r1cli.repl.state import ChatState
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply

CONFIG = """\
[roles.poet]
system = "Answer in verse."
model = "vendor/poet"
params = { temperature = 1.2, stop = ["END"] }
"""


def open_session(server: FakeServer, home: Path, **options: Any) -> ChatState:
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "config.toml").write_text(CONFIG, encoding="utf-8")
    opts = TurnOptions(
        provider="openai", base_url=server.url + "/v1", model="m0", **options
    )
    return ChatState(Runtime.from_options(opts), opts)


def run(session: ChatState, line: str) -> SlashResult:
    parsed = slash.parse(line)
    assert parsed is not None
    context = SlashContext(session, edit_text=lambda t: t, copy_text=lambda t: "x")
    return slash.run(context, *parsed)


def send(session: ChatState, server: FakeServer) -> dict[str, Any]:
    server.queue(sse_reply(chat_stream(["ok"])))
    session.send("hello", PlainRenderer(out=io.BytesIO()))
    body: dict[str, Any] = server.requests[-1].json()
    return body


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("R1CLI_API_KEY", CANARY)


def test_role_applies_system_model_and_params_to_the_next_message(
    server: FakeServer, r1_home: Path
) -> None:
    session = open_session(server, r1_home)
    result = run(session, "/role poet")
    assert result.lines == ["role: poet · model: vendor/poet (via openai)"]
    body = send(session, server)
    assert body["messages"][0] == {"role": "system", "content": "Answer in verse."}
    assert (body["model"], body["temperature"], body["stop"]) == (
        "vendor/poet",
        1.2,
        ["END"],
    )


def test_role_without_a_name_lists_the_roles_with_the_current_one_marked(
    server: FakeServer, r1_home: Path
) -> None:
    session = open_session(server, r1_home, role="code")
    lines = run(session, "/role").lines
    assert lines[0] == "role: code"
    marked = [line.split()[1] for line in lines[1:-1] if line.startswith("*")]
    listed = [line[2:].split()[0] for line in lines[1:-1]]
    assert marked == ["code"] and listed == ["code", "poet", "shell"]
    # -r on chat put the role's prompt on the conversation.
    assert "code only" in (session.conversation.system or "")


def test_role_off_removes_the_system_prompt(server: FakeServer, r1_home: Path) -> None:
    session = open_session(server, r1_home, role="poet")
    run(session, "/role off")
    assert session.role is None
    body = send(session, server)
    assert body["messages"][0]["role"] == "user"


def test_an_unknown_role_changes_nothing(server: FakeServer, r1_home: Path) -> None:
    session = open_session(server, r1_home)
    with pytest.raises(UsageError, match="no role named 'peot'"):
        run(session, "/role peot")
    assert (session.role, session.model, session.conversation.system) == (
        None,
        "m0",
        None,
    )
    names = [
        value for value, _ in slash.argument_candidates(session, slash.find("role"))
    ]  # type: ignore[arg-type]
    assert names == ["code", "poet", "shell"]
