"""BlockSplitter: finished top-level Markdown blocks out of a stream, exactly once."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from r1cli.render import blocks
from r1cli.render.blocks import BlockSplitter


def feed_all(chunks: list[str]) -> tuple[list[str], BlockSplitter]:
    splitter = BlockSplitter()
    done: list[str] = []
    for chunk in chunks:
        done += splitter.feed(chunk)
    return done, splitter


def split(text: str, chunks: list[str] | None = None) -> list[str]:
    done, splitter = feed_all(chunks if chunks is not None else [text])
    return done + splitter.finish()


def block_ends(text: str) -> list[int]:
    """Line numbers where the whole text's top-level blocks end (markdown-it)."""
    md = MarkdownIt().enable("table")
    tokens = md.parse(text.replace("\r", " "))
    return [t.map[1] for t in tokens if t.level == 0 and t.nesting >= 0 and t.map]


def cut_lines(pieces: list[str]) -> set[int]:
    """Line numbers at which consecutive pieces were cut."""
    cuts, line = set(), 0
    for piece in pieces[:-1]:
        line += piece.count("\n")
        cuts.add(line)
    return cuts


# -- the last block can change type ------------------------------------------------


def test_paragraph_becomes_a_table_so_it_is_not_committed_early() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("| a | b |\n") == []
    assert splitter.feed("|---|---|\n| 1 | 2 |\n") == []
    assert splitter.tail == "| a | b |\n|---|---|\n| 1 | 2 |\n"
    assert splitter.feed("\nNext paragraph\n") == ["| a | b |\n|---|---|\n| 1 | 2 |\n"]
    assert splitter.tail == "\nNext paragraph\n"


def test_a_table_may_interrupt_the_paragraph_before_it() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("Intro line\n| a | b |\n") == []
    assert splitter.feed("|---|---|\n") == ["Intro line\n"]
    assert splitter.tail == "| a | b |\n|---|---|\n"


@pytest.mark.parametrize("underline", ["===", "---", "-"])
def test_paragraph_becomes_a_setext_heading(underline: str) -> None:
    splitter = BlockSplitter()
    assert splitter.feed("Some text\n\nTitle\n") == ["Some text\n"]
    assert splitter.tail == "\nTitle\n"
    # A finished heading cannot change any more: it is committed at once.
    assert splitter.feed(underline + "\n") == [f"\nTitle\n{underline}\n"]
    assert splitter.tail == ""


def test_atx_heading_and_thematic_break_are_committed_at_once() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("# Title\n") == ["# Title\n"]
    assert splitter.feed("\n***\n") == ["\n***\n"]


def test_partial_line_is_never_examined() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("para\n\n# Head") == []  # `# Head` may still grow
    assert splitter.tail == "para\n\n# Head"
    assert splitter.feed("ing\n") == ["para\n", "\n# Heading\n"]


# -- fenced code, lists, quotes ----------------------------------------------------


def test_long_fenced_code_block_with_blank_lines_is_one_block() -> None:
    body = "".join(f"line {i}\n" + ("\n" if i % 7 == 0 else "") for i in range(300))
    text = "```python\n" + body + "```\n"
    splitter = BlockSplitter()
    done: list[str] = []
    for line in text.splitlines(keepends=True):
        done += splitter.feed(line)
    assert done == [text]
    assert splitter.tail == ""


def test_open_fence_is_not_reparsed_per_line(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = blocks._parse_blocks
    monkeypatch.setattr(blocks, "_parse_blocks", lambda t: calls.append(t) or real(t))
    splitter = BlockSplitter()
    splitter.feed("```\n")
    for i in range(2000):
        splitter.feed(f"x = {i}\n")
    assert len(calls) == 1
    assert splitter.in_fence


def test_text_without_newline_is_never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(blocks, "_parse_blocks", lambda t: calls.append(t) or [])
    splitter = BlockSplitter()
    for _ in range(5000):
        assert splitter.feed("word ") == []
    assert calls == []


def test_fence_closes_only_with_a_long_enough_fence_of_its_marker() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("````md\n```\n~~~~\n    ````\n") == []  # all inside
    assert splitter.in_fence
    assert splitter.feed("   `````  \n") == [
        "````md\n```\n~~~~\n    ````\n   `````  \n"
    ]


def test_tilde_fence_and_unclosed_fence_at_the_end() -> None:
    assert split("~~~\ncode\n\nmore\n") == ["~~~\ncode\n\nmore\n"]
    assert split("text\n~~~\ncode\n~~~\nafter") == [
        "text\n",
        "~~~\ncode\n~~~\n",
        "after",
    ]


def test_preview_of_a_long_open_fence_is_bounded() -> None:
    splitter = BlockSplitter()
    splitter.feed("\n```py\n" + "".join(f"n{i}\n" for i in range(1000)) + "par")
    preview = splitter.preview(5)
    assert preview == "\n```py\nn995\nn996\nn997\nn998\nn999\npar"
    assert splitter.preview(5000) == splitter.tail


def test_list_with_blank_lines_between_items_is_one_block() -> None:
    text = "- one\n\n- two\n\n  still two\n\n- three\n\nAfter the list.\n"
    done, splitter = feed_all(list(text))
    assert done == ["- one\n\n- two\n\n  still two\n\n- three\n\n"]
    assert splitter.tail == "After the list.\n"


def test_ordered_list_is_not_cut_between_items() -> None:
    text = "1. a\n2. b\n\n3. c\n\nend\n"
    assert split(text, list(text)) == ["1. a\n2. b\n\n3. c\n\n", "end\n"]


def test_nested_block_quotes_with_lazy_continuation() -> None:
    text = "> outer\n> > inner\n> > more\nlazy line\n\nnext\n"
    done, splitter = feed_all(list(text))
    assert done == ["> outer\n> > inner\n> > more\nlazy line\n"]
    assert splitter.tail == "\nnext\n"


def test_finish_splits_the_rest_into_blocks() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("para one\n\npara two") == []
    assert splitter.finish() == ["para one\n", "\npara two"]
    assert splitter.finish() == []


# -- properties over random Markdown and random chunkings --------------------------

LINES = [
    "",
    "",
    "plain words here",
    "more *words* `code`",
    "# Heading",
    "Title",
    "===",
    "---",
    "***",
    "- item",
    "  - nested item",
    "  continued",
    "1. first",
    "2) second",
    "> quote",
    "> > nested quote",
    "```",
    "```python",
    "````",
    "~~~",
    "   ```",
    "``` a`b",
    "    indented code",
    "\tcode with tab",
    "| a | b |",
    "|---|---|",
    "| 1 | 2 |",
    "<div>",
    "</div>",
    "<!-- comment",
    "-->",
    "[ref]: https://example.com",
    "text with \r carriage return",
]

markdown_texts = st.builds(
    lambda lines, end: "\n".join(lines) + end,
    st.lists(st.sampled_from(LINES), max_size=30),
    st.sampled_from(["", "\n", "\n\n", " tail"]),
)


@st.composite
def chunked(draw: st.DrawFn) -> tuple[str, list[str]]:
    text = draw(markdown_texts)
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=40)))
    bounds = [0, *cuts, len(text)]
    return text, [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


@settings(max_examples=200, deadline=None)
@given(chunked())
def test_committed_blocks_plus_tail_reassemble_the_text(
    case: tuple[str, list[str]],
) -> None:
    text, chunks = case
    splitter = BlockSplitter()
    committed: list[str] = []
    fed = ""
    for chunk in chunks:
        committed += splitter.feed(chunk)
        fed += chunk
        assert "".join(committed) + splitter.tail == fed
        assert all(committed)
    assert "".join(committed + splitter.finish()) == text


@settings(max_examples=200, deadline=None)
@given(chunked())
def test_blocks_do_not_depend_on_the_chunking(case: tuple[str, list[str]]) -> None:
    text, chunks = case
    whole = split(text)
    assert split(text, chunks) == whole
    assert split(text, list(text)) == whole


@settings(max_examples=200, deadline=None)
@given(markdown_texts)
def test_blocks_are_the_top_level_blocks_of_the_whole_text(text: str) -> None:
    """Cut after every block of a one-shot parse; after the last only if final."""
    pieces = split(text, list(text))
    ends = block_ends(text)
    assert set(ends[:-1]) <= cut_lines(pieces) <= set(ends)
    assert all(piece.strip() for piece in pieces[1:-1]) or len(pieces) < 3
