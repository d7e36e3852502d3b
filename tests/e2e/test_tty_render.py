"""The terminal view: static pieces in-process, and what a person sees on a real pty.

In-process tests use the renderer with a StringIO file, a fixed size and TERM=dumb
(the live region is not drawn; what is committed is compared). The `pty` tests run
`tests/support/tty_driver.py` (a real TerminalRenderer) or the real `r1` on a pseudo-terminal
via pexpect and feed every byte into pyte, then compare the whole scrollback with a
one-shot render of the same Markdown.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from r1cli.core.events import ContentDelta, Event, ReasoningDelta, Usage
from r1cli.core.messages import Turn
from r1cli.render.sanitize import sanitize
from r1cli.render.spinner import StderrSpinner
from r1cli.render.tty import (
    TerminalRenderer,
    answer_markdown,
    footer_line,
    format_cost,
)
from tests.support.fakeserver import (
    FakeServer,
    Reply,
    generate_stream,
    generated_answer_markdown,
)

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "support" / "tty_driver.py"
SGR = re.compile(rb"\x1b\[[0-9;:]*m")
MARKER = re.compile(rb"\x1b\]7777;(mark|resize);([^\x07]*)\x07")
PAYLOADS = (
    "A\x1b]52;c;Y3VybCB4fHNo\x07B "  # OSC 52 clipboard, BEL-terminated
    "C\x1b]52;c;Y3VybCB4fHNo\x1b\\D "  # ... and ST-terminated
    "\x1b]8;;https://evil\x1b\\docs\x1b]8;;\x1b\\ "  # OSC 8 hidden link
    "\x1b]0;pwned-title\x07\x1b]2;pwned-title\x07 "  # window title
    "\x1b[2J\x1b[H\x1b[1A\x1b[K "  # clear screen, cursor moves
    "rm -rf ~\rls -la abc\b\b\bxyz "  # CR and BS overwrite
    "\x9b31m\x9d0;t\x9c\x90q\x9c "  # C1 controls
    "\u202eevil\u202c \u2066iso\u2069"  # bidi override and isolate
)


# -- in-process ---------------------------------------------------------------------


@pytest.fixture
def dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixed 60x20 terminal where rich draws no live region (TERM=dumb)."""
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setenv("LINES", "20")
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def play(
    renderer: TerminalRenderer, events: list[Event], status: str = "complete"
) -> Turn:
    turn = Turn(model="test-model", provider="fake")
    renderer.begin(turn)
    for event in events:
        turn.apply(event)
        renderer.on_event(event, turn)
    turn.end(status)  # type: ignore[arg-type]
    renderer.end(turn)
    return turn


def one_shot(markdown: str, width: int) -> str:
    console = Console(
        file=io.StringIO(), width=width, force_terminal=True, color_system=None
    )
    console.print(answer_markdown(sanitize(markdown)))
    return console.file.getvalue()


def render(events: list[Event], **options: Any) -> str:
    out = io.StringIO()
    play(TerminalRenderer(file=out, color=False, **options), events)
    return out.getvalue()


def test_collapse_replaces_reasoning_with_one_line(dumb_terminal: None) -> None:
    out = render([ReasoningDelta("secret thoughts " * 5), ContentDelta("The answer.")])
    lines = out.splitlines()
    assert re.fullmatch(r"Thought for \d+\.\d s · 20 tokens", lines[0].rstrip())
    assert lines[1].strip() == ""
    assert lines[2].rstrip() == "The answer."
    assert "secret" not in out


def test_hide_shows_no_reasoning_at_all(dumb_terminal: None) -> None:
    out = render(
        [ReasoningDelta("secret thoughts"), ContentDelta("The answer.")],
        reasoning="hide",
    )
    assert "secret" not in out and "Thought" not in out
    assert out.splitlines()[0].rstrip() == "The answer."


def test_show_commits_reasoning_while_it_streams(dumb_terminal: None) -> None:
    out = io.StringIO()
    renderer = TerminalRenderer(file=out, color=False, reasoning="show")
    turn = Turn(model="m", provider="fake")
    renderer.begin(turn)
    for event in [ReasoningDelta("first line\n\nsecond "), ReasoningDelta("line")]:
        turn.apply(event)
        renderer.on_event(event, turn)
    assert out.getvalue().splitlines()[:2] == ["first line", ""]  # before the end
    event = ContentDelta("Answer.")
    turn.apply(event)
    renderer.on_event(event, turn)
    turn.end("complete")
    renderer.end(turn)
    lines = out.getvalue().splitlines()
    assert [line.rstrip() for line in lines[:3]] == ["first line", "", "second line"]
    assert lines[3].startswith("Thought for ")
    assert "Answer." in lines[5]


def test_reasoning_only_turn_still_ends_with_the_summary(dumb_terminal: None) -> None:
    out = render([ReasoningDelta("thinking " * 8)])
    assert out.splitlines()[0].startswith("Thought for ")


def test_footer_shows_tokens_cost_speed_and_time() -> None:
    turn = Turn(model="m", provider="p")
    turn.apply(ReasoningDelta("x"))
    turn.apply(
        Usage(
            prompt_tokens=1234,
            completion_tokens=2345,
            reasoning_tokens=1204,
            cost=0.0012,
        )
    )
    turn.end("complete")
    turn.started_at = 100.0
    turn.first_token_at = 101.0
    turn.ended_at = 111.0
    assert footer_line(turn, 0) == (
        "1,234 in · 2,345 out (1,204 reasoning) · $0.0012 · 234.5 tok/s · 11.0 s"
    )
    turn.usage = None
    turn.status = "interrupted"
    assert footer_line(turn, 50) == "interrupted · ~5.0 tok/s · 11.0 s"


def test_footer_stays_on_one_line_when_narrow() -> None:
    turn = Turn(model="m", provider="p")
    turn.apply(ReasoningDelta("x"))
    turn.apply(Usage(prompt_tokens=12, completion_tokens=900, cost=0.0021))
    turn.end("interrupted")
    turn.started_at, turn.first_token_at, turn.ended_at = 0.0, 1.0, 3.0
    line = footer_line(turn, 0, 40)
    assert line == "interrupted · 900 out · $0.0021 · 3.0 s"
    assert footer_line(turn, 0, 10) == "interrupted"


def test_renderer_can_be_reused_for_the_next_turn(dumb_terminal: None) -> None:
    out = io.StringIO()
    renderer = TerminalRenderer(file=out, color=False)
    play(renderer, [ContentDelta("first answer")])
    play(renderer, [ReasoningDelta("hmm"), ContentDelta("second answer")])
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    assert lines[0] == "first answer"
    assert lines[3].startswith("Thought for ") and lines[5] == "second answer"


@pytest.mark.parametrize(
    ("cost", "text"),
    [(0.0012, "$0.0012"), (0.0, "$0.0000"), (3.456, "$3.46"), (1e-6, "<$0.0001")],
)
def test_cost_format(cost: float, text: str) -> None:
    assert format_cost(cost) == text


def test_links_show_their_url_and_markup_stays_literal(dumb_terminal: None) -> None:
    out = render(
        [
            ContentDelta("See [Click](https://evil/?q=s), <https://a.b/c> and "),
            ContentDelta("[link=https://evil]safe[/link] [bold red]x[/] :smile:"),
        ]
    )
    text = " ".join(out.split())
    assert "Click (https://evil/?q=s)" in text
    assert text.count("https://a.b/c") == 1
    assert "[link=https://evil]safe[/link] [bold red]x[/] :smile:" in text
    assert "\x1b" not in out


def test_escape_payloads_are_inert_in_answer_and_reasoning(dumb_terminal: None) -> None:
    out = render(
        [ReasoningDelta(PAYLOADS + "\n"), ContentDelta(PAYLOADS)], reasoning="show"
    )
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)
    text = " ".join(out.split())
    once = " ".join(sanitize(PAYLOADS).split())
    for visible in ("␛]52;c;Y3VybCB4fHNo", "␛]0;pwned-title", "rm -rf ~", "⟨U+202E⟩"):
        assert text.count(visible) == 2 * once.count(visible) > 0, visible


def test_no_colour_means_no_sgr_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")  # the live region is drawn too
    monkeypatch.setenv("COLUMNS", "50")
    monkeypatch.setenv("LINES", "20")
    events: list[Event] = [
        ReasoningDelta("thinking hard\n"),
        ContentDelta("# Title\n\n**bold** `code`\n\n```python\nx = 1\n```\n"),
        Usage(prompt_tokens=1, completion_tokens=2, cost=0.1),
    ]
    plain = io.StringIO()
    play(TerminalRenderer(file=plain, color=False), events)
    assert SGR.search(plain.getvalue().encode()) is None
    colour = io.StringIO()
    play(TerminalRenderer(file=colour, color=True), events)
    assert SGR.search(colour.getvalue().encode()) is not None


markdown_lines = st.sampled_from(
    [
        "",
        "",
        "Some *text* with `code` and a [link](https://x.y).",
        "# Heading",
        "## Sub heading",
        "Title",
        "===",
        "---",
        "- item one",
        "  - nested",
        "1. first",
        "> quote",
        "> > deeper",
        "```python",
        "```",
        "def f(x): return x",
        "    indented",
        "| a | b |",
        "|---|:-:|",
        "| 1 | 2 |",
        "<div>",
        "***",
    ]
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(markdown_lines, max_size=25).map("\n".join),
    st.lists(st.integers(1, 12), min_size=1, max_size=8),
)
def test_streamed_render_equals_one_shot(text: str, sizes: list[int]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in (("COLUMNS", "50"), ("LINES", "20"), ("TERM", "dumb")):
            mp.setenv(name, value)
        chunks, i = [], 0
        while i < len(text):
            size = sizes[len(chunks) % len(sizes)]
            chunks.append(text[i : i + size])
            i += size
        out = render([ContentDelta(c) for c in chunks])
    footer = out.splitlines()[-1]
    if text:
        assert out == one_shot(text, 50) + "\n" + footer + "\n"


def test_spinner_draws_and_clears(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    spinner = StderrSpinner(
        "deep\x1b]0;x\x07seek", file=out, interval=0.01, enabled=True
    )
    spinner.start()
    time.sleep(0.08)
    spinner.stop()
    spinner.stop()
    text = out.getvalue()
    assert re.search(r"⠋ waiting for deep␛\]0;x␇seek… \d+\.\d s", text)
    assert "\x1b" not in text
    drawn = text.rsplit("\r", 2)[-2]
    assert drawn.strip() == "" and text.endswith("\r")
    spinner_off = StderrSpinner("m", file=io.StringIO())  # not a tty: silent
    spinner_off.start()
    spinner_off.stop()


def test_importing_the_tty_module_imports_no_rich() -> None:
    code = (
        "import sys, r1cli.render.tty; "
        "print(sorted(m for m in ('rich', 'markdown_it', 'prompt_toolkit') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# -- on a real pseudo-terminal ------------------------------------------------------


class Terminal:
    """pyte with unlimited history, fed the bytes a pty produced.

    The driver's marker sequences split the stream where they were written: `mark`
    snapshots the screen, `resize` resizes the screen like xterm does (rows that no
    longer fit above the cursor scroll into the history).
    """

    def __init__(self, rows: int, cols: int) -> None:
        self.screen = pyte.HistoryScreen(cols, rows, history=100_000)
        self._stream = pyte.ByteStream(self.screen)
        self.snapshots: dict[str, list[str]] = {}

    def feed(self, data: bytes) -> Terminal:
        pos = 0
        for match in MARKER.finditer(data):
            self._stream.feed(data[pos : match.start()])
            pos = match.end()
            arg = match.group(2).decode()
            if match.group(1) == b"mark":
                self.snapshots[arg] = self.display()
            else:
                self.resize(*map(int, arg.split(";")))
        self._stream.feed(data[pos:])
        return self

    def display(self) -> list[str]:
        return [line.rstrip() for line in self.screen.display]

    def lines(self) -> list[str]:
        """Scrollback then screen, trailing blank rows dropped."""
        history = [
            "".join(line[x].data for x in range(max(line, default=-1) + 1)).rstrip()
            for line in self.screen.history.top
        ]
        lines = history + self.display()
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def resize(self, rows: int, cols: int) -> None:
        screen = self.screen
        y = screen.cursor.y
        excess = max(0, y - (rows - 1))
        screen.cursor.y = screen.lines - 1
        for _ in range(excess):
            screen.index()  # scrolls the top row into the history
        for row in [r for r in screen.buffer if r >= rows]:
            del screen.buffer[row]
        screen.lines = rows
        screen.resize(rows, cols)
        screen.cursor.y = y - excess


def pty_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR")
    }
    env |= {"TERM": "xterm-256color", "PYTHONPATH": str(ROOT), **extra}
    return env


def run_pty(
    argv: list[str],
    rows: int,
    cols: int,
    *,
    env: dict[str, str] | None = None,
    interrupt_after: bytes | None = None,
) -> tuple[bytes, int]:
    """Run `argv` on a pty of rows x cols; all output and the exit status."""
    child = pexpect.spawn(
        argv[0], argv[1:], dimensions=(rows, cols), env=env or pty_env(), timeout=30
    )
    data = b""
    if interrupt_after is not None:
        child.expect(re.escape(interrupt_after))
        data += child.before + child.after
        child.kill(signal.SIGINT)
    child.expect(pexpect.EOF)
    data += child.before
    child.close()
    status = child.exitstatus if child.exitstatus is not None else -child.signalstatus
    return data, status


def drive(
    tmp_path: Path,
    steps: list[dict[str, Any]],
    rows: int = 24,
    cols: int = 80,
    **script: Any,
) -> tuple[Terminal, bytes]:
    path = tmp_path / "script.json"
    path.write_text(json.dumps({"steps": steps, **script}), encoding="utf-8")
    interrupt = (
        b"\x1b]7777;mark;interrupt\x07"
        if any("wait_interrupt" in s for s in steps)
        else None
    )
    data, status = run_pty(
        [sys.executable, str(DRIVER), str(path)], rows, cols, interrupt_after=interrupt
    )
    assert status == 0, data[-2000:]
    return Terminal(rows, cols).feed(data), data


def stream_steps(
    text: str, key: str = "c", size: int = 5, pause: float = 0.002
) -> list[dict[str, Any]]:
    """`text` as deltas of `size` characters, with a short pause every ten deltas."""
    steps: list[dict[str, Any]] = []
    for n, start in enumerate(range(0, len(text), size)):
        steps.append({key: text[start : start + size]})
        if n % 10 == 9:
            steps.append({"sleep": pause})
    return steps


def answer_region(lines: list[str]) -> list[str]:
    """The answer: after `Thought for …` and a blank line, before blank + footer."""
    start = next(i for i, line in enumerate(lines) if line.startswith("Thought for "))
    assert lines[start + 1] == "" and lines[-2] == ""
    return lines[start + 2 : -2]


def reference(markdown: str, width: int) -> list[str]:
    return [line.rstrip() for line in one_shot(markdown, width).splitlines()]


USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 900,
    "reasoning_tokens": 40,
    "cost": 0.0021,
}


@pytest.mark.pty
def test_pty_long_answer_scrollback_equals_one_shot_render(tmp_path: Path) -> None:
    answer = generated_answer_markdown(1200, 0.0, seed=3)
    steps = [{"r": "Let me think about this. " * 6}, {"sleep": 0.05}]
    body = stream_steps(answer)
    steps += [*body[: len(body) // 2], {"sleep": 0.08}, {"mark": "middle"}]
    steps += [*body[len(body) // 2 :], {"usage": USAGE}, {"finish": "stop"}]
    term, data = drive(tmp_path, steps, rows=24, cols=80)
    expected = reference(answer, 80)
    assert len(expected) > 3 * 24
    lines = term.lines()
    assert answer_region(lines) == expected  # every line once, in order
    assert re.fullmatch(
        r"12 in · 900 out \(40 reasoning\) · \$0\.0021 · [\d.]+ tok/s · [\d.]+ s",
        lines[-1],
    )
    # Live while streaming: no `...` freeze, the newest text is on screen.
    middle = [line for line in term.snapshots["middle"] if line]
    assert "..." not in middle
    assert any(line in expected[48:] for line in middle[-10:])
    assert not term.screen.cursor.hidden
    assert term.screen.title == ""
    assert len(data) <= 50 * len(answer.encode())


@pytest.mark.pty
def test_pty_resize_mid_stream_leaves_every_line_once(tmp_path: Path) -> None:
    parts = [
        f"### Part {n:02}\n\nShort words, part {n:02}.\n\n- item {n:02}a\n- item {n:02}b\n\n"
        f"```\ncode {n:02}\n```\n\n"
        for n in range(1, 15)
    ]
    answer = "".join(parts)
    expected = reference(answer, 50)
    assert expected == reference(answer, 80) == reference(answer, 60)
    body = stream_steps(answer, size=4)
    third = len(body) // 3
    steps = [{"r": "hm"}, *body[:third], {"sleep": 0.06}, {"resize": [18, 50]}]
    steps += [*body[third : 2 * third], {"sleep": 0.06}, {"resize": [30, 60]}]
    steps += body[2 * third :]
    term, _ = drive(tmp_path, steps, rows=24, cols=80)
    got = answer_region(term.lines())
    assert got == expected
    numbered = [line for line in got if re.search(r"\b\d\d[ab.]?$", line)]
    assert len(numbered) == len(set(numbered)) == 14 * 5


@pytest.mark.pty
def test_pty_forty_columns(tmp_path: Path) -> None:
    answer = generated_answer_markdown(500, 0.0, seed=5)
    steps = [{"r": "narrow " * 30}, *stream_steps(answer), {"usage": USAGE}]
    term, _ = drive(tmp_path, steps, rows=20, cols=40)
    lines = term.lines()
    assert answer_region(lines) == reference(answer, 40)
    assert all(len(line) <= 40 for line in lines)


@pytest.mark.pty
def test_pty_reasoning_panel_shows_a_bounded_tail_then_collapses(
    tmp_path: Path,
) -> None:
    reasoning = "".join(f"Step {n:02}: weighing option {n:02}.\n" for n in range(1, 31))
    steps = [
        *stream_steps(reasoning, key="r", size=8, pause=0.01),
        {"sleep": 0.25},
        {"mark": "thinking"},
        *stream_steps("The answer is **42**.\n"),
    ]
    term, _ = drive(tmp_path, steps, rows=24, cols=60)
    during = term.snapshots["thinking"]
    title = next(line for line in during if "Thinking…" in line)
    assert re.fullmatch(r"╭─ Thinking… \d+\.\d s · \d+ tokens", title)
    assert any("Step 30: weighing option 30." in line for line in during)
    assert not any("Step 01" in line for line in during)  # only the last lines
    assert 3 <= sum(1 for line in during if line.startswith("│")) <= 8
    lines = term.lines()
    assert re.fullmatch(r"Thought for \d+\.\d s · \d+ tokens", lines[0])
    assert lines[2] == "The answer is 42."
    assert not any(
        "Step" in line or "Thinking" in line or "╭" in line for line in lines
    )


@pytest.mark.pty
def test_pty_ctrl_c_leaves_the_partial_answer_and_the_cursor(tmp_path: Path) -> None:
    partial = (
        "Intro paragraph.\n\n- first\n- second\n\n```python\ndef f():\n    return 1"
    )
    steps = [{"r": "x"}, *stream_steps(partial), {"sleep": 0.1}, {"wait_interrupt": 10}]
    term, data = drive(tmp_path, steps, rows=24, cols=60)
    lines = term.lines()
    region = answer_region(lines)
    assert region == reference(partial, 60)
    assert any("return 1" in line for line in region)
    assert lines[-1].startswith("interrupted · ")
    assert not term.screen.cursor.hidden
    assert data.rfind(b"\x1b[?25h") > data.rfind(b"\x1b[?25l")
    assert data.count(b"\x1b[?2026h") == data.count(b"\x1b[?2026l")


@pytest.mark.pty
@pytest.mark.parametrize("mode", ["show", "collapse"])
def test_pty_escape_payloads_stay_inert(tmp_path: Path, mode: str) -> None:
    steps = [
        {"r": PAYLOADS + "\n"},
        {"sleep": 0.15},
        {"c": "Answer: " + PAYLOADS + "\n"},
    ]
    term, data = drive(tmp_path, steps, rows=24, cols=80, reasoning=mode)
    assert term.screen.title == "" and term.screen.icon_name == ""
    for sequence in (b"\x1b]52", b"\x1b]8;", b"\x1b]0;", b"\x1b]2;", b"\x1b[2J"):
        assert sequence not in data
    for code in ("\x9b", "\x9d", "\x90", "\u202e", "\u2066", "\x08"):
        assert code.encode() not in data
    text = "\n".join(term.lines())
    copies = 2 if mode == "show" else 1  # collapse: the reasoning is gone at the end
    assert text.count("pwned-title") == 2 * copies
    assert text.count("rm -rf ~") == copies


@pytest.mark.pty
def test_pty_no_colour(tmp_path: Path) -> None:
    answer = "# Title\n\n**bold** and `code`\n\n```python\nx = 1\n```\n"
    steps = [{"r": "thinking\n" * 4}, *stream_steps(answer), {"usage": USAGE}]
    _, data = drive(tmp_path, steps, rows=24, cols=60, color=False)
    assert SGR.search(data) is None
    _, coloured = drive(tmp_path, steps, rows=24, cols=60, color=True)
    assert SGR.search(coloured) is not None


@pytest.mark.pty
def test_pty_spinner_while_waiting_for_the_first_token(tmp_path: Path) -> None:
    steps = [{"sleep": 0.35}, {"mark": "waiting"}, {"c": "Hello."}]
    term, _ = drive(
        tmp_path, steps, rows=10, cols=60, model="deepseek/deepseek-r1-0528"
    )
    waiting = "\n".join(term.snapshots["waiting"])
    assert re.search(
        r"[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for deepseek/deepseek-r1-0528… \d+\.\d s", waiting
    )
    lines = term.lines()
    assert lines[0] == "Hello." and "waiting" not in "\n".join(lines)


# -- the real `r1` on a pty, against the fake server ----------------------------------


def r1_argv(server: FakeServer, *extra: str) -> list[str]:
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
        "deepseek/deepseek-r1-0528",
        *extra,
        "Explain Fibonacci",
    ]


@pytest.mark.pty
def test_pty_r1_ask_end_to_end(tmp_path: Path) -> None:
    tokens = 700
    with FakeServer(
        [Reply(chunks=generate_stream(tokens, seed=2), delay=0.0005)]
    ) as server:
        data, status = run_pty(r1_argv(server), 24, 80, env=pty_env(R1CLI_API_KEY="x"))
    assert status == 0, data[-2000:]
    lines = Terminal(24, 80).feed(data).lines()
    answer = generated_answer_markdown(tokens, seed=2)
    assert answer_region(lines) == reference(answer, 80)
    assert re.fullmatch(r"Thought for \d+\.\d s · [\d,]+ tokens", lines[0])
    assert re.fullmatch(
        r"[\d,]+ in · 700 out \(350 reasoning\) · \$0\.\d{4} · ([\d.]+ tok/s · )?[\d.]+ s",
        lines[-1],
    )
    assert len(data) <= 50 * len(answer.encode())


@pytest.mark.pty
def test_pty_r1_ctrl_c_mid_answer(tmp_path: Path) -> None:
    chunks = generate_stream(800, reasoning_ratio=0.05, seed=4)
    with FakeServer([Reply(chunks=chunks, delay=0.005)]) as server:
        data, status = run_pty(
            r1_argv(server),
            24,
            80,
            env=pty_env(R1CLI_API_KEY="x"),
            interrupt_after=b"Overview",
        )
    assert status in (130, -signal.SIGINT)  # by exit code or by the signal itself
    term = Terminal(24, 80).feed(data)
    text = "\n".join(term.lines())
    assert "Overview" in text
    assert "interrupted · " in text
    assert not term.screen.cursor.hidden


@pytest.mark.pty
@pytest.mark.parametrize("variable", [("NO_COLOR", "1"), ("TERM", "dumb")])
def test_pty_r1_without_colour(tmp_path: Path, variable: tuple[str, str]) -> None:
    with FakeServer([Reply(chunks=generate_stream(160, seed=6))]) as server:
        env = pty_env(R1CLI_API_KEY="x", **dict([variable]))
        data, status = run_pty(r1_argv(server), 24, 80, env=env)
    assert status == 0, data[-2000:]
    assert SGR.search(data) is None
    if variable[0] == "TERM":  # a dumb terminal gets no cursor movement either
        assert b"\x1b" not in data
    lines = Terminal(24, 80).feed(data).lines()
    assert answer_region(lines) == reference(generated_answer_markdown(160, seed=6), 80)


@pytest.mark.pty
def test_pty_open_code_block_taller_than_the_screen(tmp_path: Path) -> None:
    code = "".join(f"value_{n:03} = compute({n})  # 日本語 👍\n" for n in range(80))
    answer = f"Here is the code:\n\n```python\n{code}```\n\nDone.\n"
    body = stream_steps(answer, size=12)
    middle = len(body) * 2 // 3
    steps = [{"r": "x"}, *body[:middle], {"sleep": 0.1}, {"mark": "middle"}]
    steps += body[middle:]
    term, _ = drive(tmp_path, steps, rows=16, cols=60)
    screen = [line for line in term.snapshots["middle"] if line.strip()]
    assert "..." not in screen
    newest = max(int(m) for m in re.findall(r"value_(\d{3})", "\n".join(screen)))
    assert newest >= 45  # the bottom of the open block is what shows
    assert len(term.snapshots["middle"]) == 16
    assert answer_region(term.lines()) == reference(answer, 60)
