"""The answer's Markdown parses with one shared MarkdownIt (render/markdown.py)."""

from __future__ import annotations

import io

import markdown_it
import pytest
import rich.markdown
from rich.console import Console

from r1cli.render import markdown
from r1cli.render.markdown import answer_markdown, share_parser
from tests.support.fakeserver import generated_answer_markdown

SAMPLES = [
    generated_answer_markdown(600, 0.5, 1),
    "| a | b |\n|---|---|\n| ~~struck~~ | `code` |\n\n> quoted **bold**\n",
    "# Title\n\n1. one\n2. two\n\n```python\nprint('x')\n```\n\n---\n\ntext <https://x.io>",
]


def _render(md: rich.markdown.Markdown) -> str:
    console = Console(file=io.StringIO(), width=80, force_terminal=True)
    console.print(md)
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("text", SAMPLES)
def test_shared_parser_renders_as_riches_own_parser(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = _render(answer_markdown(text))
    # The same, with rich building a new MarkdownIt of its own as it does by itself.
    monkeypatch.setattr(rich.markdown, "MarkdownIt", markdown_it.MarkdownIt)
    own = _render(answer_markdown(text))
    assert shared.count("\n") > 2
    assert shared == own


def test_no_parser_is_built_per_render(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_markdown("warm *up*")  # the shared parser exists from here on
    built = []
    real_init = markdown_it.MarkdownIt.__init__

    def counting_init(
        self: markdown_it.MarkdownIt, *args: object, **kw: object
    ) -> None:
        built.append(1)
        real_init(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown_it.MarkdownIt, "__init__", counting_init)
    for n in range(20):
        answer_markdown(f"block {n}\n\n- item *{n}*\n")
    assert built == []
    rich.markdown.Markdown("and rich's own *Markdown*, e.g. in r1 history")
    assert built == []


def test_other_call_shapes_get_a_real_parser() -> None:
    share_parser()
    stand_in = rich.markdown.MarkdownIt
    assert stand_in is not markdown_it.MarkdownIt
    assert isinstance(stand_in("commonmark"), markdown_it.MarkdownIt)
    assert isinstance(stand_in(options_update={"html": True}), markdown_it.MarkdownIt)
    # Rules enabled in another order or another set get their own parser.
    first = stand_in().enable("table").parse("| a |\n|---|\n| b |\n")
    assert any(token.type == "table_open" for token in first)
    plain = stand_in().parse("| a |\n|---|\n| b |\n")
    assert not any(token.type == "table_open" for token in plain)
    assert markdown._SharedMarkdownIt._parsers


def test_markdown_it_goes_without_linkify() -> None:
    # Imported by nothing of ours, and ~35 ms of regex compiling when installed.
    import subprocess
    import sys

    code = (
        "import r1cli.render, rich.markdown, sys, markdown_it.main as m; "
        "print(m.linkify_it is None, sys.modules.get('linkify_it', 'absent'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "None"]
