"""`core.fences`: the last fenced code block of an answer, for `ask -x` and `r1 sh`."""

from __future__ import annotations

import pytest

from r1cli.core.fences import code_blocks, last_code_block


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        # The last of several blocks, without its fences or info string.
        ("a\n```py\nx = 1\n```\nb\n```sh\nls -l\n```\nbye\n", "ls -l\n"),
        # Tildes, and backtick lines inside a tilde block are content.
        ("~~~\n```\nin\n```\n~~~\n", "```\nin\n```\n"),
        # A longer fence nests a shorter one: one block, the outer.
        ("````md\n```py\nx\n```\n````\n", "```py\nx\n```\n"),
        # A closing fence must be at least as long as the opening one.
        ("````\na\n```\nb\n````\n", "a\n```\nb\n"),
        # Indented (in a list item): the fence's indentation is removed.
        (
            "1. step\n   ```bash\n   echo hi\n     indented\n   ```\n",
            "echo hi\n  indented\n",
        ),
        # Unterminated (cut off): the block runs to the end of the answer.
        ("text\n```python\ndef f():\n    return 1", "def f():\n    return 1\n"),
        # A closing fence with trailing spaces still closes.
        ("```\nx\n```   \nafter\n", "x\n"),
        # Empty block.
        ("```\n```\n", ""),
        # Blank lines inside are kept.
        ("```\na\n\nb\n```", "a\n\nb\n"),
        # A backtick "fence" with a backtick in its info string is inline code.
        ("```not a fence``` here\n```\nreal\n```\n", "real\n"),
        # A tilde fence is not closed by backticks.
        ("~~~\na\n```\n", "a\n```\n"),
        # CRLF line endings.
        ("```\r\nx\r\n```\r\n", "x\n"),
    ],
)
def test_last_code_block(answer: str, expected: str) -> None:
    assert last_code_block(answer) == expected


@pytest.mark.parametrize(
    "answer", ["", "just prose", "inline `code` only", "``\nx\n``"]
)
def test_no_block_is_none(answer: str) -> None:
    assert last_code_block(answer) is None


def test_blocks_keep_info_and_whether_closed() -> None:
    blocks = code_blocks("```py\na\n```\n~~~ sh\nb\n")
    assert [(b.info, b.closed) for b in blocks] == [("py", True), ("sh", False)]
