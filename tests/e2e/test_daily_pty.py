"""What a daily user notices on a real terminal: keys typed while `r1 chat` starts
are kept, the thought line's numbers, and the thinking status on stderr when stdout
is a file. Real `r1` processes on a pty against the fake server."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pexpect
import pytest

from tests.e2e.test_repl import KEY, MODEL, start
from tests.support.fakeserver import FakeServer
from tests.support.pty_session import pty_env
from tests.support.replies import chat_chunk, sse_reply

pytestmark = pytest.mark.pty


def test_text_typed_while_the_repl_starts_is_sent_with_its_enter(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(sse_reply([chat_chunk({"content": "Hi there."}, "stop")]))
    session = start(server, r1_home)
    try:
        # At once: Python has not even imported r1cli yet.
        session.send("hello\r")
        session.wait_for("Hi there.")
        session.wait_prompt()
        sent = server.requests[0].json()["messages"]
        assert sent == [{"role": "user", "content": "hello"}]
        session.ctrl("d")
        assert session.wait_exit() == 0
    finally:
        session.close()


def test_an_unfinished_line_typed_at_start_waits_at_the_prompt(
    server: FakeServer, r1_home: Path
) -> None:
    server.queue(sse_reply([chat_chunk({"content": "Done."}, "stop")]))
    session = start(server, r1_home)
    try:
        session.send("hel")
        session.wait_for(lambda: session.cursor_line() == "› hel")
        session.send("lo\r")
        session.wait_for("Done.")
        assert server.requests[0].json()["messages"][-1]["content"] == "hello"
    finally:
        session.close()


def r1_ask(server: FakeServer, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "r1cli",
        "ask",
        "--provider",
        "openai",
        "--base-url",
        server.url + "/v1",
        "-m",
        MODEL,
        *extra,
        "why?",
    ]


def screen_lines(data: bytes, rows: int = 24, cols: int = 80) -> list[str]:
    import pyte

    screen = pyte.HistoryScreen(cols, rows, history=1000)
    pyte.ByteStream(screen).feed(data)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def run_on_pty(argv: list[str], env: dict[str, str]) -> tuple[bytes, int]:
    child = pexpect.spawn(argv[0], argv[1:], dimensions=(24, 80), env=env, timeout=30)
    child.expect(pexpect.EOF)
    data = child.before
    child.close()
    return data, child.exitstatus if child.exitstatus is not None else -1


def test_thought_line_and_footer_agree_on_a_real_terminal(
    server: FakeServer, r1_home: Path
) -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 500}
    usage["completion_tokens_details"] = {"reasoning_tokens": 456}  # type: ignore[assignment]
    chunks = [
        chat_chunk({"reasoning": "Let me think. "}),
        chat_chunk({"reasoning": "Still thinking. "}),
        chat_chunk({"reasoning": "Done thinking."}),
        chat_chunk({}, None, usage),  # this provider counts before the answer
        chat_chunk({"content": "The answer is 42."}),
        chat_chunk({"content": ""}, "stop", usage),
        b"data: [DONE]\n\n",
    ]
    # 1 s in the queue before the first byte: not part of the thinking time.
    server.queue(sse_reply(chunks, head_delay=1.0, delay=0.3))
    data, status = run_on_pty(r1_ask(server), pty_env(r1_home, R1CLI_API_KEY=KEY))
    assert status == 0, data[-2000:]
    lines = screen_lines(data)
    thought = re.fullmatch(r"Thought for (\d+\.\d) s · 456 tokens", lines[0])
    assert thought is not None, lines
    # Reasoning ran from the first reasoning chunk to the answer: 3 chunk delays.
    assert 0.6 <= float(thought.group(1)) <= 1.2 + 0.5
    # The footer's split tells the same story: the same seconds, the same count.
    footer = re.match(r"thought (\d+\.\d) s · 456 tok │ answer ", lines[-1])
    assert footer is not None, lines
    assert footer.group(1) == thought.group(1)


def test_on_a_pipe_stderr_shows_the_thinking_status_and_stdout_only_the_answer(
    server: FakeServer, r1_home: Path, tmp_path: Path
) -> None:
    reasoning = [chat_chunk({"reasoning": f"step {n}. "}) for n in range(8)]
    chunks = [
        *reasoning,
        chat_chunk({"content": "The answer "}),
        chat_chunk({"content": "is 42.\n"}),
        chat_chunk({"content": ""}, "stop"),
        b"data: [DONE]\n\n",
    ]
    server.queue(sse_reply(chunks, delay=0.15))
    out = tmp_path / "out.txt"
    command = " ".join(shlex.quote(arg) for arg in r1_ask(server))
    data, status = run_on_pty(
        ["/bin/sh", "-c", f"{command} > {shlex.quote(str(out))}"],
        pty_env(r1_home, R1CLI_API_KEY=KEY),
    )
    assert status == 0, data[-2000:]
    shown = data.decode()
    counts = re.findall(r"thinking… (\d+\.\d) s · ~(\d+) tokens", shown)
    assert counts, shown
    assert float(counts[-1][0]) >= 0.5 and int(counts[-1][1]) >= 10
    assert screen_lines(data) == []  # cleared: nothing left on the terminal
    assert out.read_bytes() == b"The answer is 42.\n"
