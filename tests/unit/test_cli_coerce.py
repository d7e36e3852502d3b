"""The fast coercion (r1cli.cli.coerce) agrees with typer's own pydantic adapter for
every value it answers, on every parameter of `ask` and `chat`; the rest it leaves to
typer (whose error messages users see)."""

from __future__ import annotations

from typing import Any

import pytest
import typer.main
from typer._click import Context
from typer._coercion import build_runtime_param

from r1cli.cli.app import app
from r1cli.cli.coerce import UNKNOWN, fast_value

VALUES = ["0", "-3", "12", "007", "+5", "1.5", "-0.25", "2.", ".5", "1e3", " 2", "abc",
          "", "show", "SHOW", "high", "low", "x.txt", "1_000", "9" * 20, "-0",
          "deepseek/deepseek-r1", "é"]  # fmt: skip


def _params() -> list[tuple[Any, Any]]:
    group = typer.main.get_command(app)
    found = []
    for name in ("ask", "chat"):
        command = group.commands[name]  # type: ignore[attr-defined]
        found += [(command, param) for param in command.params]
    return found


def _typers(command: Any, param: Any, value: Any) -> tuple[bool, Any]:
    real = build_runtime_param(param.type_descriptor)
    try:
        return True, real._coerce_value(value, param=param, ctx=Context(command))
    except Exception as exc:  # typer's BadParameter: the value is rejected
        return False, exc


@pytest.mark.parametrize(("command", "param"), _params(), ids=lambda p: p.name)
def test_fast_answers_are_typers_answers(command: Any, param: Any) -> None:
    multi = param.multiple or param.nargs == -1
    for one in VALUES:
        value = [one, one] if multi else one
        fast = fast_value(param.type_descriptor, value)
        if fast is UNKNOWN:
            continue
        accepted, expected = _typers(command, param, value)
        assert accepted, (
            f"{param.name}={value!r}: typer rejects what the fast path took"
        )
        assert fast == expected and type(fast) is type(expected), (param.name, value)


def test_the_fast_path_answers_the_common_values() -> None:
    """Strings, plain numbers and exact choices never reach pydantic (a fast path that
    answered nothing would pass the test above)."""
    answered = {
        param.name
        for _, param in _params()
        for one in ("12", "1.5", "high", "show", "m")
        if fast_value(param.type_descriptor, [one] if param.nargs == -1
                      or param.multiple else one) is not UNKNOWN
    }  # fmt: skip
    assert {"model", "prompt", "temperature", "max_tokens", "effort", "reasoning",
            "stop", "option"} <= answered  # fmt: skip
    assert "file" not in answered  # paths stay typer's


def test_a_malformed_number_still_gets_typers_message(call_r1: Any) -> None:
    result = call_r1("ask", "--temperature", "abc", "hi")
    assert result.returncode == 2
    assert "invalid value for '--temperature'" in result.stderr
