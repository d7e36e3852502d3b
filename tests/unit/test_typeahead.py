"""Splitting the keys typed while the REPL started into messages and the rest."""

from __future__ import annotations

import io

import pytest

from r1cli.repl.typeahead import read_pending, split


@pytest.mark.parametrize(
    ("typed", "lines", "rest"),
    [
        ("hello\n", ["hello"], ""),  # the tty made NL of the Enter (ICRNL)
        ("hello\r", ["hello"], ""),  # raw CR
        ("one\r\ntwo\nthr", ["one", "two"], "thr"),
        ("hel", [], "hel"),
        ("\n\n", [], ""),  # empty Enters send nothing
        ("caf\u00e9 \x1b[Ax\tz", [], "café [Ax\tz"),  # escape dropped, tab kept
        ("", [], ""),
    ],
)
def test_split(typed: str, lines: list[str], rest: str) -> None:
    assert split(typed) == (lines, rest)


def test_nothing_is_read_from_a_stream_that_is_no_terminal() -> None:
    assert read_pending(io.StringIO("hello\n")) == ""
