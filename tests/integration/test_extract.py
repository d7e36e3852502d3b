"""`r1 ask -x/--extract`: stdout gets only the last fenced code block of the answer.

In-process runs (stdout and stderr are not terminals) against the loopback fake
provider, and the renderer itself with a terminal-like stderr for the progress view.
"""

from __future__ import annotations

import io
from pathlib import Path

from r1cli.core.events import ContentDelta, Finish, ReasoningDelta
from r1cli.core.messages import Turn
from r1cli.render.extract import NO_BLOCK_WARNING, ExtractRenderer
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import Result, RunR1

ANSWER = [
    "Here is a first try:\n```python\nprint(1)\n```\n",
    "And the final one:\n\n```python\ndef f():\n",
    "    return 2\n```\nHope it helps.",
]


def ask(call_r1: RunR1, server: FakeServer, *args: str, **stream: object) -> Result:
    server.queue(sse_reply(chat_stream(**stream)))  # type: ignore[arg-type]
    return call_r1(
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        env={"OPENROUTER_API_KEY": CANARY},
    )


def test_stdout_gets_only_the_last_code_block(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    result = ask(
        call_r1, server, "-x", "write f", content=ANSWER, reasoning=["thinking"]
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "def f():\n    return 2\n"
    # History keeps the whole answer.
    (row,) = history_rows(r1_home, "assistant")
    assert row["content"] == "".join(ANSWER)


def test_no_code_block_prints_the_whole_answer_and_warns(
    call_r1: RunR1, server: FakeServer
) -> None:
    result = ask(call_r1, server, "--extract", "hi", content=["just ", "prose"])
    assert result.returncode == 0
    assert result.stdout == "just prose\n"
    assert result.stderr == f"warning: {NO_BLOCK_WARNING}\n"


def test_a_failed_turn_writes_nothing_to_stdout(
    call_r1: RunR1, server: FakeServer
) -> None:
    # The stream ends without a finish: a network error (exit 6), half a block.
    result = ask(
        call_r1,
        server,
        "-x",
        "hi",
        content=["```sh\nrm -rf /tmp/x"],
        finish=None,
        done=False,
    )
    assert result.returncode == 6
    assert result.stdout == ""


def test_extract_with_json_is_a_usage_error(call_r1: RunR1) -> None:
    result = call_r1("-x", "--json", "hi", env={"OPENROUTER_API_KEY": CANARY})
    assert result.returncode == 2
    assert result.error_lines() == ["error: --extract and --json do not go together"]


def test_a_terminal_stderr_shows_reasoning_and_progress() -> None:
    out, err = io.BytesIO(), io.StringIO()
    warnings: list[str] = []
    renderer = ExtractRenderer(
        model="m", warn=warnings.append, out=out, err=err, progress=True, color=False
    )
    turn = Turn("m", "p")
    renderer.begin(turn)
    for event in (
        ReasoningDelta("pondering"),
        ContentDelta("```\nls\n```\n"),
        Finish("stop"),
    ):
        turn.apply(event)
        renderer.on_event(event, turn)
    turn.end("complete")
    renderer.end(turn)
    assert out.getvalue() == b"ls\n"
    shown = err.getvalue()
    assert "pondering" in shown and "writing the answer… 11 characters" in shown
    assert shown.endswith("\r")  # the progress line is cleared at the end
    assert warnings == []
