"""What `r1 --version`, `r1 --help` and a piped one-shot import (issue 15).

Each runs `r1cli.__main__.main(ARGS)` in a fresh interpreter (this one has imported
everything the other tests needed) and reports `sys.modules` when the command exits;
heavy modules a path does not use must not be there. `r1 --help` answered from the
command summaries must print exactly what the whole app prints.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from r1cli.cli import app as app_module
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply

ROOT = Path(__file__).resolve().parents[2]

# In a child: run main(ARGS) in-process, then print the loaded modules as JSON.
PROBE = """
import sys
from r1cli.__main__ import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stdout.flush()
names = [k for k, v in sys.modules.items() if v is not None]
sys.__stderr__.write("\\nMODULES " + repr(sorted(names)) + "\\n")
"""

NEVER_AT_START = ("pydantic", "pydantic_core", "prompt_toolkit", "rich.markdown",
                  "markdown_it", "pygments", "click", "httpx._main")  # fmt: skip
COMMAND_MODULES = ("r1cli.cli.history", "r1cli.cli.keys", "r1cli.cli.config",
                   "r1cli.cli.models", "r1cli.cli.batch", "r1cli.cli.sh")  # fmt: skip


def loaded(args: list[str], r1_home: Path, stdin: bytes = b"") -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "R1CLI_HOME": str(r1_home),
           "R1CLI_API_KEY": "sk-test", "NO_PROXY": "127.0.0.1"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=stdin,
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    marker = done.stderr.rsplit(b"\nMODULES ", 1)
    assert len(marker) == 2, done.stderr.decode(errors="replace")
    return set(ast.literal_eval(marker[1].decode()))


def present(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(
        m for m in modules if m in names or m.startswith(tuple(n + "." for n in names))
    )


def test_version_imports_nothing_but_the_version(r1_home: Path) -> None:
    modules = loaded(["--version"], r1_home)
    assert present(modules, ("typer", "r1cli.cli", "r1cli.engine", "json")) == []
    assert "r1cli" in modules


def test_help_imports_no_command_and_no_network_stack(r1_home: Path) -> None:
    modules = loaded(["--help"], r1_home)
    heavy = ("httpx", "httpcore", "ssl", "sqlite3", "rich", "r1cli.engine",
             "r1cli.history", "r1cli.cli.ask", *NEVER_AT_START, *COMMAND_MODULES)  # fmt: skip
    assert present(modules, heavy) == []
    assert "typer" in modules


@pytest.mark.parametrize("history", [False, True])
def test_a_piped_one_shot_imports_only_its_path(r1_home: Path, history: bool) -> None:
    with FakeServer() as server:
        server.queue(sse_reply(chat_stream(["ok"])))
        args = ["--provider", "openai", "--base-url", f"{server.url}/v1", "-m", "m"]
        modules = loaded([*args, *([] if history else ["--no-history"]), "hi"], r1_home)
        assert len(server.requests) == 1, "the one-shot ran"
    assert present(modules, (*NEVER_AT_START, *COMMAND_MODULES, "rich")) == []
    stores = present(modules, ("sqlite3", "r1cli.history"))
    # With history on, the store is there: the probe does see what a path imports.
    assert bool(stores) is history, stores


def test_every_command_has_a_summary() -> None:
    assert set(app_module.SUMMARIES) == set(app_module.COMMANDS), (
        "a new command needs its summary in cli.app.SUMMARIES (r1 --help lists it)"
    )


def test_root_help_from_the_summaries_is_the_whole_apps_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert app_module._root_help() == 0
    quick = capsys.readouterr().out
    whole: typer.Typer = app_module.app
    whole(args=["--help"], prog_name="r1", standalone_mode=False)
    assert capsys.readouterr().out == quick
    assert "history " in quick and "ask " in quick
