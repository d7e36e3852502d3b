"""The REPL's key bindings, driven in-process (prompt-toolkit's pipe input, no pty)."""

from __future__ import annotations

import pytest
from prompt_toolkit import PromptSession
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from r1cli.repl.keys import key_bindings


def _prompt(keys: str) -> str:
    with create_pipe_input() as pipe:
        pipe.send_text(keys)
        pipe.close()  # keys that send nothing end in EOFError, not a hang
        session: PromptSession[str] = PromptSession(
            multiline=True,
            key_bindings=key_bindings(),
            input=pipe,
            output=DummyOutput(),
        )
        return session.prompt()


@pytest.mark.parametrize(
    ("keys", "sent"),
    [
        ("hello\r", "hello"),
        ("one\\\rtwo\r", "one\ntwo"),  # a trailing backslash continues
        ("one\ntwo\r", "one\ntwo"),  # Ctrl-J inserts a newline
        ("one\x1b\rtwo\r", "one\ntwo"),  # Esc then Enter (Alt-Enter)
        ("typo\x03fixed\r", "fixed"),  # Ctrl-C on a line clears it
    ],
)
def test_enter_sends_and_the_newline_keys_do_not(keys: str, sent: str) -> None:
    assert _prompt(keys) == sent


def test_ctrl_c_on_an_empty_line_interrupts() -> None:
    with pytest.raises(KeyboardInterrupt):
        _prompt("\x03")
