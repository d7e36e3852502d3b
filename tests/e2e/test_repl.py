"""`r1 chat` on a real pseudo-terminal against the fake server: what a person sees.

Each test starts the real `r1` on a pty (tests/support/pty_session.py: pexpect + a pyte
screen that answers the terminal queries prompt_toolkit makes), types like a person,
and checks the screen, the request bodies the fake server received and the history
database. Slash-command logic is covered without a terminal in tests/integration/test_slash.py.
"""

from __future__ import annotations

import base64
import re
import signal
import sqlite3
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakeserver import FakeServer, Reply
from tests.support.history import history_rows
from tests.support.pty_session import PtySession, pty_env
from tests.support.replies import chat_chunk, chat_stream, json_reply, sse_reply

pytestmark = pytest.mark.pty

MODEL = "deepseek/deepseek-r1-0528"
KEY = "sk-test-not-a-real-key"


def start(
    server: FakeServer,
    home: Path,
    *args: str,
    command: tuple[str, ...] = ("chat",),
    rows: int = 24,
    cols: int = 80,
    cwd: Path | None = None,
    **env: str,
) -> PtySession:
    argv = [*command, "--provider", "openai", "--base-url", server.url + "/v1"]
    argv += ["-m", MODEL, *args]
    session = PtySession(
        argv,
        pty_env(home, R1CLI_API_KEY=KEY, **env),
        rows=rows,
        cols=cols,
        cwd=cwd,
    )
    return session


@pytest.fixture
def sessions() -> Iterator[list[PtySession]]:
    """Sessions to kill at teardown, whatever happened."""
    started: list[PtySession] = []
    yield started
    for session in started:
        session.close()


def quit_with_ctrl_d(session: PtySession) -> None:
    session.ctrl("d")
    assert session.wait_exit() == 0


def write_config(home: Path, text: str) -> None:
    folder = home / "config"
    folder.mkdir(parents=True)
    (folder / "config.toml").write_text(text, encoding="utf-8")


def answer(text: str, reasoning: str = "", **usage: object) -> Reply:
    return sse_reply(
        chat_stream([text], [reasoning] if reasoning else [], usage=usage or None)
    )


def bodies(server: FakeServer) -> list[dict[str, object]]:
    return [request.json() for request in server.requests]


def messages(server: FakeServer, n: int) -> list[dict[str, str]]:
    found = bodies(server)[n]["messages"]
    assert isinstance(found, list)
    return found


def ask(session: PtySession, text: str, expect: str) -> None:
    """Type a prompt at an empty prompt and wait for the answer and the next prompt."""
    session.wait_prompt()
    session.type_line(text)
    session.wait_for(expect)
    session.wait_prompt()


# -- conversation ------------------------------------------------------------------


def test_multi_turn_chat_sends_the_whole_conversation(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(
        answer(
            "Paris is the **capital**.",
            "The user asks",
            prompt_tokens=12,
            completion_tokens=30,
            cost=0.0012,
        ),
        answer(
            "About 2.1 million.",
            "Population",
            prompt_tokens=50,
            completion_tokens=20,
            cost=0.0008,
        ),
    )
    session = start(server, r1_home, "-s", "Be brief.", "--temperature", "0.3")
    sessions.append(session)
    session.wait_prompt()
    screen = session.text()
    assert f"{MODEL} via openai" in screen and "/help" in screen
    assert re.search(r"\d+ tokens", screen)  # the toolbar is drawn
    ask(session, "What is the capital of France?", "Paris is the capital.")
    ask(session, "And its population?", "About 2.1 million.")
    text = session.text()
    assert re.search(r"Thought for \d+\.\d s", text)
    # The footer's split: 30 output tokens, ~4 of them the reasoning's (estimated).
    assert re.search(
        r"~4 tok · \$0\.0002 │ answer [\d.]+ s · ~26 tok · \$0\.0010", text
    )
    # toolbar: tokens of the context and the running cost
    assert "70 tokens" in text and "$0.0020" in text
    quit_with_ctrl_d(session)

    first, second = bodies(server)
    assert first["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    assert second["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is the capital of France?"},
        {"role": "assistant", "content": "Paris is the **capital**."},
        {"role": "user", "content": "And its population?"},
    ]
    assert first["temperature"] == second["temperature"] == 0.3
    assert first["stream"] is True and first["model"] == MODEL
    rows = history_rows(r1_home)
    assert [r["content"] for r in rows] == [
        "Paris is the **capital**.",
        "About 2.1 million.",
    ]
    assert {r["status"] for r in rows} == {"complete"}
    assert rows[0]["reasoning"] == "The user asks"


def test_bare_r1_on_a_terminal_opens_the_repl(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    write_config(
        r1_home,
        f'provider = "openai"\nbase_url = "{server.url}/v1"\nmodel = "{MODEL}"\n',
    )
    server.queue(answer("Hi!"))
    session = PtySession([], pty_env(r1_home, R1CLI_API_KEY=KEY))
    sessions.append(session)
    ask(session, "hello", "Hi!")
    session.type_line("/exit")
    assert session.wait_exit() == 0
    assert messages(server, 0) == [{"role": "user", "content": "hello"}]


def test_flags_without_a_prompt_open_the_repl_but_ask_does_not(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    session = start(server, r1_home, "--effort", "low", command=())
    sessions.append(session)
    session.wait_prompt()
    session.type_line("/effort")
    session.wait_for("effort: low")
    session.wait_prompt()
    quit_with_ctrl_d(session)

    explicit = start(server, r1_home, command=("ask",))
    sessions.append(explicit)
    assert explicit.wait_exit() == 2
    assert "error: no prompt" in explicit.text()


def test_first_message_given_on_the_command_line(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(answer("Forty-two."))
    session = start(server, r1_home, "the answer?")
    sessions.append(session)
    session.wait_for("Forty-two.")
    session.wait_prompt()
    quit_with_ctrl_d(session)
    assert messages(server, 0)[-1] == {"role": "user", "content": "the answer?"}


# -- input ------------------------------------------------------------------------


def test_multi_line_input_stays_one_message(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(answer("one"), answer("two"), answer("three"), answer("four"))
    session = start(server, r1_home)
    sessions.append(session)
    session.wait_prompt()
    session.send("alt")
    session.send("\x1b\r")  # Alt-Enter (Esc-Enter)
    session.send("enter")
    session.ctrl("j")  # Ctrl-J
    session.type_line("line")
    session.wait_for("one")
    session.wait_prompt()
    session.send("back\\")
    session.send("\r")  # trailing backslash continues
    session.type_line("slash")
    session.wait_for("two")
    session.wait_prompt()
    session.paste("\n    pasted 1\npasted 2\r\npasted 3\n")
    session.pump(0.2)
    assert "three" not in session.text()  # a pasted newline does not send
    session.send("\r")
    session.wait_for("three")
    session.wait_prompt()
    session.type_line("//help is a prompt")
    session.wait_for("four")
    session.wait_prompt()
    quit_with_ctrl_d(session)
    sent = [messages(server, n)[-1]["content"] for n in range(4)]
    assert sent == [
        "alt\nenter\nline",
        "back\nslash",
        "    pasted 1\npasted 2\npasted 3",  # blank lines around it trimmed
        "/help is a prompt",
    ]


def test_input_history_across_runs_without_secrets(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(answer("ok 1"), answer("ok 2"), answer("ok 3"))
    session = start(server, r1_home)
    sessions.append(session)
    ask(session, "remember this line", "ok 1")
    ask(session, "my key is sk-or-v1-abcdef0123456789abcdef0123456789", "ok 2")
    quit_with_ctrl_d(session)
    stored = (r1_home / "state" / "input-history").read_text(encoding="utf-8")
    assert "remember this line" in stored
    assert "sk-or-v1" not in stored
    mode = stat.S_IMODE((r1_home / "state" / "input-history").stat().st_mode)
    assert mode == 0o600

    again = start(server, r1_home)
    sessions.append(again)
    again.wait_prompt()
    again.send("\x1b[A")  # Up: the previous run's line comes back
    again.wait_for(lambda: again.cursor_line() == "› remember this line")
    again.send("\r")
    again.wait_for("ok 3")
    again.wait_prompt()
    quit_with_ctrl_d(again)
    assert messages(server, 2)[-1]["content"] == "remember this line"


def test_tab_completes_commands_and_arguments(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    session = start(server, r1_home)
    sessions.append(session)
    session.wait_prompt()
    session.send("/reas\t")
    session.wait_for(lambda: session.cursor_line().startswith("› /reasoning"))
    session.send(" h\t")
    session.wait_for(lambda: session.cursor_line() == "› /reasoning hide")
    session.send("\r")
    session.wait_for("reasoning: hide")
    session.wait_prompt()
    quit_with_ctrl_d(session)


# -- keys during an answer ------------------------------------------------------------


def slow_answer(reasoning: list[str], content: list[str], delay: float) -> Reply:
    return sse_reply(chat_stream(content, reasoning), delay=delay)


@pytest.mark.parametrize("phase", ["reasoning", "answer"])
def test_ctrl_c_mid_turn_keeps_the_partial_and_returns_to_the_prompt(
    server: FakeServer, r1_home: Path, sessions: list[PtySession], phase: str
) -> None:
    reasoning = ["Let me think. "] + ["still thinking "] * 200
    content = ["Partial answer begins. "] + ["more words "] * 200
    if phase == "answer":
        reasoning = ["Quick thought."]
    server.queue(slow_answer(reasoning, content, 0.02), answer("Fine."))
    session = start(server, r1_home)
    sessions.append(session)
    session.wait_prompt()
    session.type_line("go slowly")
    session.wait_for("Thinking…" if phase == "reasoning" else "Partial answer begins.")
    pressed = time.monotonic()
    session.ctrl("c")
    session.wait_prompt(timeout=5)
    assert time.monotonic() - pressed < 1.5  # (includes the screen settling)
    assert server.wait_for_disconnect(2)
    text = session.text()
    assert "interrupted" in text
    if phase == "answer":
        assert "Partial answer begins." in text
    row = history_rows(r1_home)[0]
    assert row["status"] == "interrupted"
    assert row["reasoning"].startswith(
        "Let me think." if phase == "reasoning" else "Quick"
    )
    # the REPL goes on; the next request carries the cut-off answer, marked
    session.type_line("and now?")
    session.wait_for("Fine.")
    session.wait_prompt()
    quit_with_ctrl_d(session)
    history = messages(server, 1)
    if phase == "answer":
        assert history[1]["role"] == "assistant"
        assert history[1]["content"].startswith("Partial answer begins.")
        assert history[1]["content"].endswith("[answer interrupted]")
        assert history[2] == {"role": "user", "content": "and now?"}
    else:  # nothing was answered: the prompts are merged, roles still alternate
        assert [m["role"] for m in history] == ["user"]


def test_ctrl_c_while_the_connection_stalls(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(Reply(head_delay=30))
    session = start(server, r1_home)
    sessions.append(session)
    session.wait_prompt()
    session.type_line("hello?")
    session.wait_for(lambda: len(server.requests) == 1)
    time.sleep(0.3)
    pressed = time.monotonic()
    session.ctrl("c")
    session.wait_prompt(timeout=5)
    assert time.monotonic() - pressed < 1.5
    quit_with_ctrl_d(session)


def test_ctrl_c_and_ctrl_d_at_the_prompt(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    session = start(server, r1_home)
    sessions.append(session)
    session.wait_prompt()
    session.send("some draft")
    session.wait_for(lambda: session.cursor_line() == "› some draft")
    session.ctrl("c")  # clears the line
    session.wait_for(session.at_empty_prompt)
    session.ctrl("c")  # on an empty line: a hint
    session.wait_for("Ctrl-D")
    session.wait_prompt()
    time.sleep(2.1)
    session.ctrl("c")  # too late to count as a double press: another hint
    session.wait_prompt()
    assert session.child.isalive()
    session.ctrl("c")  # the second within 2 s quits
    assert session.wait_exit() == 0
    assert server.requests == []


# -- errors, retry, resume --------------------------------------------------------------


def test_an_error_is_one_line_and_retry_recovers(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(
        json_reply(400, {"error": {"message": "bad things", "code": 400}}),
        answer("Recovered."),
    )
    session = start(server, r1_home)
    sessions.append(session)
    ask(session, "try me", "error:")
    assert "bad things" in session.text()
    assert "Traceback" not in session.text()
    session.type_line("/retry")
    session.wait_for("Recovered.")
    session.wait_prompt()
    quit_with_ctrl_d(session)
    assert messages(server, 0) == messages(server, 1)
    assert [r["content"] for r in history_rows(r1_home)] == ["Recovered."]


def test_resume_with_c_shows_the_last_turns_and_continues(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(answer("First answer.\n\nWith two paragraphs."), answer("Second."))
    first = start(server, r1_home)
    sessions.append(first)
    ask(first, "first question", "With two paragraphs.")
    quit_with_ctrl_d(first)

    resumed = start(server, r1_home, "-c")
    sessions.append(resumed)
    resumed.wait_prompt()
    screen = resumed.text()
    assert "continuing conversation" in screen
    assert "you: first question" in screen and "r1: First answer." in screen
    # the recap is dimmed
    assert re.search(rb"\x1b\[2myou: first question", bytes(resumed.output))
    ask(resumed, "follow-up", "Second.")
    quit_with_ctrl_d(resumed)
    assert messages(server, 1) == [
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "First answer.\n\nWith two paragraphs."},
        {"role": "user", "content": "follow-up"},
    ]
    db = sqlite3.connect(r1_home / "data" / "history.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM conversations").fetchone() == (1,)


def test_chat_needs_a_terminal(run_r1: object, server: FakeServer) -> None:
    result = run_r1(  # type: ignore[operator]
        "chat",
        "--provider",
        "openai",
        "--base-url",
        server.url + "/v1",
        "-m",
        MODEL,
        env={"R1CLI_API_KEY": KEY},
    )
    assert result.returncode == 2
    assert result.error_lines() == [
        "error: r1 chat needs a terminal on stdin and stdout"
    ]


# -- slash commands on the terminal ----------------------------------------------------


def test_slash_commands_on_the_terminal(
    server: FakeServer, r1_home: Path, sessions: list[PtySession], tmp_path: Path
) -> None:
    code = "print('hi')\n"
    server.queue(
        answer(
            f"Here:\n\n```python\n{code}```\n\nDone.",
            "thinking",
            prompt_tokens=5,
            completion_tokens=7,
            cost=0.5,
        ),
        answer("Again."),
        answer("Edited answer."),
        answer("With file."),
        answer("New one."),
    )
    notes = tmp_path / "notes.txt"
    notes.write_text("file body line\n", encoding="utf-8")
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[1])\n"
        "p.write_text(p.read_text().replace('first', 'edited'))\n",
        encoding="utf-8",
    )
    work = tmp_path / "work"
    work.mkdir()
    session = start(
        server,
        r1_home,
        cwd=work,
        rows=40,
        cols=100,
        EDITOR=f"{sys.executable} {editor}",
        PATH="/usr/bin:/bin",
    )
    sessions.append(session)

    def command(line: str, expect: str) -> None:
        session.wait_prompt()
        session.type_line(line)
        session.wait_for(expect)

    command("/help", "/model [NAME]")
    command("/system You are terse.", "system prompt set")
    command("/system", "system: You are terse.")
    command("/set temperature 0.25", "temperature = 0.25")
    command("/set max-tokens 500", "max_tokens = 500")
    command("/effort high", "effort: high")
    command("/params", "effort = high")
    command("/reasoning show", "reasoning: show")
    command("first prompt", "Done.")
    command("/copy code", "copied code block 1 of 1")
    payload = base64.b64encode(code.encode()).decode()
    assert f"\x1b]52;c;{payload}".encode() in session.output
    command("/retry", "Again.")
    command("/edit", "Edited answer.")
    command(f"/file {notes}", "attached notes.txt")
    command("with a file", "With file.")
    command("/usage", "answers")
    assert "$0.5000" in session.text()
    command("/export", "exported to")
    command("/history", "msgs")
    command("/model other/model", "model: other/model")
    command("/provider nosuch", "error: unknown provider 'nosuch'")
    command("/mdoel x", "did you mean /model?")
    command("/new", "new conversation")
    command("/load nope", "error: no conversation matches")
    command("a new one", "New one.")
    command("/clear", "")
    session.wait_prompt()
    session.type_line("/exit")
    assert session.wait_exit() == 0

    requests = bodies(server)
    first = requests[0]
    assert first["messages"][0] == {"role": "system", "content": "You are terse."}
    assert first["temperature"] == 0.25 and first["max_tokens"] == 500
    assert first["reasoning_effort"] == "high"
    assert requests[1]["messages"] == first["messages"]  # /retry: same request
    assert requests[2]["messages"][-1] == {"role": "user", "content": "edited prompt"}
    assert len(requests[2]["messages"]) == 2  # /edit replaced the exchange
    assert "file body line" in requests[3]["messages"][-1]["content"]
    assert requests[4]["model"] == "other/model"
    assert requests[4]["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "a new one"},
    ]
    exported = list(work.glob("r1-*.md"))
    assert len(exported) == 1
    assert "edited prompt" in exported[0].read_text(encoding="utf-8")
    # the screen was cleared: the earlier commands are off the visible screen
    assert "/help" not in "\n".join(session.screen.display)


def test_model_and_provider_switch_reaches_the_request(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    other = FakeServer()
    with other:
        write_config(
            r1_home,
            f'[providers.local2]\nextends = "openai"\nbase_url = "{other.url}/v1"\n'
            'model = "local-model"\nauth = "none"\n',
        )
        other.queue(answer("From the other server."))
        session = start(server, r1_home)
        sessions.append(session)
        session.wait_prompt()
        session.type_line("/provider local2")
        session.wait_for("provider: local2")
        ask(session, "hello other", "From the other server.")
        quit_with_ctrl_d(session)
        assert server.requests == []
        body = other.requests[0].json()
        assert body["model"] == "local-model"
        assert "authorization" not in other.requests[0].headers


def test_reasoning_chunk_then_stream_error_keeps_the_repl(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    broken = sse_reply(
        [chat_chunk({"reasoning": "hmm"}), chat_chunk({"content": "Half"})],
    )
    server.queue(broken, answer("Whole."))
    session = start(server, r1_home)
    sessions.append(session)
    ask(session, "q", "error:")
    assert "without a finish" in session.text()
    ask(session, "/retry", "Whole.")
    quit_with_ctrl_d(session)
    assert messages(server, 1) == messages(server, 0)


def test_ctrl_x_ctrl_e_edits_the_message_in_the_editor(
    server: FakeServer, r1_home: Path, sessions: list[PtySession], tmp_path: Path
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\np = pathlib.Path(sys.argv[-1])\n"
        "p.write_text(p.read_text().strip() + '\\nwritten in the editor\\n')\n",
        encoding="utf-8",
    )
    server.queue(answer("Edited."))
    session = start(server, r1_home, VISUAL=f"{sys.executable} {editor}")
    sessions.append(session)
    session.wait_prompt()
    session.send("draft")
    session.ctrl("x")
    session.ctrl("e")
    session.wait_for("written in the editor")
    session.send("\r")
    session.wait_for("Edited.")
    session.wait_prompt()
    quit_with_ctrl_d(session)
    assert messages(server, 0)[-1]["content"] == "draft\nwritten in the editor"


def test_vi_mode_and_no_toolbar_from_config(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    write_config(r1_home, "vi_mode = true\ntoolbar = false\n")
    server.queue(answer("Vi works."))
    session = start(server, r1_home)
    sessions.append(session)
    session.wait_prompt()
    assert "tokens" not in "\n".join(session.screen.display)  # no toolbar
    session.send("hello")
    session.send("\x1b")  # to normal mode
    session.pump(0.6)
    session.send("0iX")  # line start, insert
    session.wait_for(lambda: session.cursor_line() == "› Xhello")
    session.send("\r")
    session.wait_for("Vi works.")
    session.wait_prompt()
    quit_with_ctrl_d(session)
    assert messages(server, 0)[-1]["content"] == "Xhello"


def test_a_message_typed_during_an_answer_is_sent_after_it(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    slow = sse_reply(chat_stream(["word "] * 60 + ["END"], ["hm"]), delay=0.02)
    server.queue(slow, answer("Second."))
    session = start(server, r1_home)
    sessions.append(session)
    session.wait_prompt()
    session.type_line("first")
    session.wait_for("word")
    session.send("typed ahead\r")
    session.wait_for("Second.")
    session.wait_prompt()
    assert "typed ahead" not in session.text().split("END")[0]  # not echoed mid-answer
    quit_with_ctrl_d(session)
    assert messages(server, 1)[-1] == {"role": "user", "content": "typed ahead"}


def test_sigterm_mid_answer_saves_and_ends_by_sigterm(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(slow_answer(["hm"], ["Some words "] * 300, 0.02))
    session = start(server, r1_home)
    sessions.append(session)
    session.wait_prompt()
    session.type_line("long one")
    session.wait_for("Some words")
    session.child.kill(signal.SIGTERM)
    assert session.wait_exit() == 128 + signal.SIGTERM
    row = history_rows(r1_home)[0]
    assert row["status"] == "interrupted"
    assert str(row["content"]).startswith("Some words")


def test_an_answer_cut_at_the_token_limit_says_how_to_raise_it(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    server.queue(sse_reply(chat_stream(["Half an ans"], ["hm"], finish="length")))
    session = start(server, r1_home)
    sessions.append(session)
    ask(session, "long question", "Half an ans")
    text = session.text()
    assert "warning: the answer was cut off at the token limit" in text
    assert "hint: raise it with /set max_tokens N, then /retry" in text
    quit_with_ctrl_d(session)


def test_input_history_leaves_out_the_keys_r1_knows(
    server: FakeServer, r1_home: Path, sessions: list[PtySession]
) -> None:
    # Neither key looks like a key: they are left out because r1 knows them.
    stored_key = "plainstoredvalue42"
    config = r1_home / "config"
    config.mkdir(parents=True, mode=0o700)
    (config / "keys.toml").write_text(f'deepseek = "{stored_key}"\n', encoding="utf-8")
    (config / "keys.toml").chmod(0o600)
    server.queue(answer("a"), answer("b"), answer("c"))
    session = start(server, r1_home)
    sessions.append(session)
    ask(session, f"the key {KEY} works?", "a")
    ask(session, f"and {stored_key}?", "b")
    ask(session, "an ordinary line", "c")
    quit_with_ctrl_d(session)
    stored = (r1_home / "state" / "input-history").read_text(encoding="utf-8")
    assert "an ordinary line" in stored
    assert KEY not in stored and stored_key not in stored
