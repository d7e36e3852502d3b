"""Pinned edges of the pure text machinery (issue 10, item 13): the sanitiser's range
boundaries, SSE with CRLF lines in one read, think-tag edge cases, and what each
`feed()` of the Markdown block splitter commits."""

from __future__ import annotations

import pytest

from r1cli.core.events import ContentDelta, ReasoningDelta
from r1cli.providers.think_tags import ThinkTagSplitter
from r1cli.render.blocks import BlockSplitter
from r1cli.render.sanitize import StreamSanitizer, count_controls, sanitize
from r1cli.wire.sse import SSEDecoder, SSEEvent

FLAG_GB_SCT = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"

# -- sanitiser range edges ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x7f", "\u2421"),  # DEL
        ("\x80", "\ufffd"),  # first C1
        ("\x9f", "\ufffd"),  # last C1
        ("\xa0", "\xa0"),  # NBSP: printable, kept
        ("\x1f", "\u241f"),  # last C0
        ("\x20", "\x20"),
        ("\udc00", "\ufffd"),  # lone low surrogate, first
        ("\udfff", "\ufffd"),  # lone low surrogate, last
        ("\ud7ff", "\ud7ff"),  # just below the surrogates
        ("\ue000", "\ue000"),  # just above them (private use, printable)
        ("\U000e0000", "⟨U+E0000⟩"),  # first tag character
        ("\U000e007f", "⟨U+E007F⟩"),  # CANCEL TAG alone
        ("\U000e0080", "\U000e0080"),  # just past the tag block
        ("\u202a", "⟨U+202A⟩"),
        ("\u2069", "⟨U+2069⟩"),
        ("\u200e", "\u200e"),  # LRM is allowed
    ],
)
def test_sanitiser_range_edges(text: str, expected: str) -> None:
    assert sanitize(text) == expected
    assert count_controls(text) == (0 if expected == text else 1)


@pytest.mark.parametrize(
    "flag",
    [
        "\U0001f3f4\U000e0067\U000e0062\U000e007f",  # two letters
        "\U0001f3f4\U000e0031\U000e0032\U000e007f",  # two digit tags
        FLAG_GB_SCT,  # the usual five
        "\U0001f3f4" + "\U000e0061" * 6 + "\U000e007f",  # six: the longest kept
    ],
)
def test_flag_tag_sequences_are_kept_whole(flag: str) -> None:
    assert sanitize(f"a{flag}b") == f"a{flag}b"
    for cut in range(len(flag) + 1):
        stream = StreamSanitizer()
        out = stream.feed("a" + flag[:cut]) + stream.feed(flag[cut:] + "b")
        assert out + stream.flush() == f"a{flag}b", cut


@pytest.mark.parametrize(
    "smuggled",
    [
        "\U0001f3f4\U000e0067\U000e007f",  # one tag
        "\U0001f3f4\U000e0041\U000e0042\U000e007f",  # uppercase tags: text smuggling
        "\U0001f3f4" + "\U000e0061" * 7 + "\U000e007f",  # seven
        "\U000e0067\U000e0062\U000e007f",  # no black flag
    ],
)
def test_tags_outside_a_well_formed_flag_become_visible(smuggled: str) -> None:
    out = sanitize(smuggled)
    assert not any(0xE0000 <= ord(ch) <= 0xE007F for ch in out)
    assert "⟨U+E007F⟩" in out


# -- SSE: CRLF lines in one read ------------------------------------------------------


def test_sse_crlf_lines_in_one_read_give_fixed_events() -> None:
    raw = (
        b": comment\r\n"
        b"event: first\r\n"
        b"data: a\r\n"
        b"data:b\r\n"
        b"\r\n"
        b'data: {"x": 1}\r\n'
        b"id: 7\r\n"
        b"\r\n\r\n\r\n"
        b"data: tail\r\n"
        b"\r\n"
    )
    assert SSEDecoder().feed(raw) == [
        SSEEvent("first", "a\nb", ("a", "b")),
        SSEEvent("message", '{"x": 1}', ('{"x": 1}',)),
        SSEEvent("message", "tail", ("tail",)),
    ]


def test_sse_mixed_terminators_in_one_read() -> None:
    raw = b"data: one\r\rdata: two\n\ndata: three\r\n\r\ndata: four\r\n\n"
    events = SSEDecoder().feed(raw)
    assert [e.data for e in events] == ["one", "two", "three", "four"]


def test_sse_crlf_split_between_reads_is_one_terminator() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    assert decoder.feed(b"\n\r") == [SSEEvent("message", "x", ("x",))]
    assert decoder.feed(b"\ndata: y\r\n\r\n") == [SSEEvent("message", "y", ("y",))]


# -- think tags --------------------------------------------------------------------


def split(chunks: list[str], reason: str | None = "stop", **options: bool) -> list:
    splitter = ThinkTagSplitter(**options)
    out = []
    for chunk in chunks:
        out += splitter.feed(chunk)
    out += splitter.finish(reason)
    merged: list = []
    for delta in out:  # compare texts per kind, whatever the delta boundaries
        if merged and type(merged[-1]) is type(delta):
            merged[-1] = type(delta)(merged[-1].text + delta.text)
        else:
            merged.append(delta)
    return merged


@pytest.mark.parametrize(
    ("chunks", "reason", "expected"),
    [
        (["x"], "stop", [ContentDelta("x")]),  # a one-character answer
        (["<think>a</think>x"], "stop", [ReasoningDelta("a"), ContentDelta("x")]),
        (["<think>a</think>", "x"], "stop", [ReasoningDelta("a"), ContentDelta("x")]),
        (["<think>a</th"], "length", [ReasoningDelta("a")]),  # `</th` at the end
        (["<think>a", "</th"], "length", [ReasoningDelta("a")]),
        (["<think>a <"], "length", [ReasoningDelta("a <")]),  # lone `<`, cut off
        (["<"], "stop", [ContentDelta("<")]),  # a lone `<` is an answer
        (["<thi"], "stop", []),  # an opening tag cut off is not
        (["</think>hello"], "stop", [ContentDelta("hello")]),  # starts with </think>
        (["</think>"], "stop", []),
        (["<think></think>y"], "stop", [ContentDelta("y")]),
        (["<think>a</think>"], "stop", [ReasoningDelta("a")]),
    ],
)
def test_think_tag_edges(chunks: list[str], reason: str, expected: list) -> None:
    assert split(chunks, reason) == expected
    # The same text one character at a time gives the same split.
    assert split(list("".join(chunks)), reason) == expected


def test_assumed_thinking_without_tags_is_the_answer_at_a_stop() -> None:
    out = split(["x"], "stop", assume_thinking=True)
    assert out[-1] == ContentDelta("x")
    assert split(["</think>hi"], "stop", assume_thinking=True) == [ContentDelta("hi")]


# -- the block splitter: what each feed() commits -------------------------------------


def commits(pieces: list[str]) -> list[list[str]]:
    splitter = BlockSplitter()
    steps = [splitter.feed(piece) for piece in pieces]
    steps.append(splitter.finish())
    return steps


def test_block_splitter_commits_lf_text() -> None:
    assert commits(["# Title\n", "\npara one\n", "\n", "para two\n", "\nend"]) == [
        ["# Title\n"],
        [],
        [],
        ["\npara one\n"],  # a block is committed once the next one has begun
        [],  # "end" is not a whole line yet, so "para two" may still continue
        ["\npara two\n", "\nend"],
    ]


def test_block_splitter_commits_crlf_text_the_same_way() -> None:
    lf = commits(["# Title\n", "\npara one\n", "\n", "para two\n", "\nend"])
    crlf = commits(
        ["# Title\r\n", "\r\npara one\r\n", "\r\n", "para two\r\n", "\r\nend"]
    )
    assert [[b.replace("\r\n", "\n") for b in step] for step in crlf] == lf
    assert "".join(b for step in crlf for b in step) == (
        "# Title\r\n\r\npara one\r\n\r\npara two\r\n\r\nend"
    )


def test_fence_is_held_until_it_closes() -> None:
    assert commits(["```py\n", "x = 1\n", "\n", "y = 2\n", "```\n", "after\n"]) == [
        [],
        [],
        [],
        [],
        ["```py\nx = 1\n\ny = 2\n```\n"],
        [],
        ["after\n"],
    ]


def test_tab_indented_fence_is_indented_code_not_a_fence() -> None:
    # A tab is four columns: "\t```" is an indented code block in CommonMark, so a
    # blank line inside it does not hold back the rest of the answer as a fence would.
    steps = commits(["\t```py\n", "\tcode\n", "\n", "text\n", "\t```\n", "\nend\n"])
    text = "".join(block for step in steps for block in step)
    assert text == "\t```py\n\tcode\n\ntext\n\t```\n\nend\n"
    assert steps[3] == ["\t```py\n\tcode\n"]


def test_fence_indented_three_spaces_is_a_fence() -> None:
    steps = commits(["   ```\n", "a\n", "\n", "b\n", "   ```\n", "x\n"])
    assert steps[:4] == [[], [], [], []]
    assert steps[4] == ["   ```\na\n\nb\n   ```\n"]
