"""The terminal view: what a person sees on a real pty.

The in-process renderer tests are in tests/unit/test_tty_render.py. The `pty` tests run
`tests/support/tty_driver.py` (a real TerminalRenderer) or the real `r1` on a pseudo-terminal
via pexpect and feed every byte into pyte, then compare the whole scrollback with a
one-shot render of the same Markdown.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest

from tests.support.fakeserver import (
    FakeServer,
    Reply,
    generate_stream,
    generated_answer_markdown,
)
from tests.support.terminal import PAYLOADS, SGR, one_shot

ROOT = Path(__file__).resolve().parents[2]
DRIVER = ROOT / "tests" / "support" / "tty_driver.py"
MARKER = re.compile(rb"\x1b\]7777;(mark|resize);([^\x07]*)\x07")


# -- start-up ---------------------------------------------------------------------


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


def test_the_repl_warm_up_loads_rich_markdown() -> None:
    # The warm-up swallows every error (the turn reports real ones), so a broken
    # import in it would only show as a slower first answer.
    code = (
        "import sys, r1cli.repl.loop as loop; loop._warm_up(); "
        "print('rich.markdown' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"


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
        r"thought [\d.]+ s · 40 tok · \$0\.0001 │ answer [\d.]+ s · 860 tok · \$0\.0020",
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
    assert re.fullmatch(r"Thought for \d+\.\d s · ~\d+ tokens", lines[0])
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
    assert re.fullmatch(r"Thought for \d+\.\d s · ~[\d,]+ tokens", lines[0])
    assert re.fullmatch(
        r"thought [\d.]+ s · 350 tok · \$0\.\d{4} │ answer [\d.]+ s · 350 tok · \$0\.\d{4}",
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
