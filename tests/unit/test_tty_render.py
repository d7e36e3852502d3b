"""The terminal view in-process: the renderer with a StringIO file, a fixed size and
TERM=dumb (the live region is not drawn; what is committed is compared). What a person
sees on a real pty is in tests/e2e/test_tty_render.py.
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from r1cli.core.events import ContentDelta, Event, ReasoningDelta, Usage
from r1cli.core.messages import Turn
from r1cli.render.footer import footer_line, format_cost
from r1cli.render.sanitize import sanitize
from r1cli.render.spinner import StderrSpinner
from r1cli.render.tty import TerminalRenderer
from tests.support.terminal import PAYLOADS, SGR, one_shot


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


def render(events: list[Event], **options: Any) -> str:
    out = io.StringIO()
    play(TerminalRenderer(file=out, color=False, **options), events)
    return out.getvalue()


def test_collapse_replaces_reasoning_with_one_line(dumb_terminal: None) -> None:
    out = render([ReasoningDelta("secret thoughts " * 5), ContentDelta("The answer.")])
    lines = out.splitlines()
    assert re.fullmatch(r"Thought for \d+\.\d s · ~24 tokens", lines[0].rstrip())
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
    # A turn without thinking keeps the one-part footer.
    turn = Turn(model="m", provider="p")
    turn.apply(Usage(prompt_tokens=1234, completion_tokens=2345, cost=0.0012))
    turn.end("complete")
    turn.started_at = 100.0
    turn.first_token_at = 101.0
    turn.ended_at = 111.0
    assert footer_line(turn, 0) == (
        "1,234 in · 2,345 out · $0.0012 · 234.5 tok/s · 11.0 s"
    )
    turn.usage = None
    turn.status = "interrupted"
    assert footer_line(turn, 50) == "interrupted · ~5.0 tok/s · 11.0 s"


def test_footer_stays_on_one_line_when_narrow() -> None:
    turn = Turn(model="m", provider="p")
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
