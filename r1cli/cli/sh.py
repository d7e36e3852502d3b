"""`r1 sh PROMPT…`: one shell command from the `shell` role, run only when the user says.

The answer (the command) is stored in history like any other. On a terminal the
command is shown and the user picks: run it, edit it (in $VISUAL/$EDITOR) or cancel
(the default). It runs as `$SHELL -c COMMAND` (/bin/sh without $SHELL), attached to
the terminal, and its exit status becomes r1's. `--yes` runs it without asking, for
scripts that accept the risk. Without `--yes` and without a terminal on stdin, stdout
and stderr, nothing runs: the command is printed on stdout and r1 exits 2
(`NOT_CONFIRMED`), so `r1 sh … | cat` can never run anything by surprise.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated, Optional

import typer

from r1cli.cli.ask import build_runtime
from r1cli.cli.boundary import Scope, error_boundary
from r1cli.cli.options import (
    BaseUrlOpt,
    DebugOpt,
    ModelOpt,
    NoHistoryOpt,
    ProviderOpt,
)
from r1cli.engine.resolve import TurnOptions
from r1cli.errors import ProviderError, UsageError
from r1cli.render.report import Report
from r1cli.render.terminal import isatty

# The exit status when the command was not confirmed and not run (no terminal).
NOT_CONFIRMED = 2
RUN_WORDS = ("y", "yes", "r", "run")
EDIT_WORDS = ("e", "edit")


def sh(
    prompt: Annotated[
        Optional[list[str]],  # noqa: UP045 - typer needs Optional at runtime on 3.10
        typer.Argument(help="What the command should do; stdin is added when piped."),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option("--yes", "-y", help="Run the command without asking."),
    ] = False,
    model: ModelOpt = None,
    provider: ProviderOpt = None,
    base_url: BaseUrlOpt = None,
    no_history: NoHistoryOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Ask for one shell command, show it, and run it after you say so."""
    report = Report(debug=debug)
    with error_boundary(report) as scope:
        opts = TurnOptions(
            words=tuple(prompt or ()),
            model=model,
            provider=provider,
            base_url=base_url,
            no_history=no_history,
            debug=debug,
            role="shell",
        )
        command = ask_for_command(opts, report, scope)
        code = confirm_and_run(command, report, yes=yes)
    raise typer.Exit(code)


def ask_for_command(opts: TurnOptions, report: Report, scope: Scope) -> str:
    """The shell role's answer, as one command (fences and a `$ ` prompt removed)."""
    from r1cli.engine.prompt import build_prompt
    from r1cli.engine.resolve import read_stdin
    from r1cli.render.extract import ExtractRenderer

    text = build_prompt(opts.words, read_stdin(opts.stdin_encoding), opts.files)
    runtime = scope.runtime = build_runtime(opts, report)
    report.debug = runtime.settings.debug
    conversation = runtime.initial_conversation(opts)
    conversation.add_user(text)
    renderer = ExtractRenderer(
        model=runtime.model,
        warn=report.warn,
        color=runtime.settings.color,
        emit=False,
    )
    turn = runtime.run(conversation, text, renderer)
    report.after_turn(turn, runtime.history_warning, None)
    if turn.status == "length":
        raise ProviderError(
            "the answer was cut off at the token limit; not running part of a command"
        )
    command = command_from_answer(turn.content)
    if not command:
        raise ProviderError("the model gave no command", hint="rephrase the request")
    return command


def command_from_answer(answer: str) -> str:
    """The command in an answer: its last code block if it has one, else all of it."""
    from r1cli.render.extract import extracted

    text, _ = extracted(answer)
    lines = text.strip().splitlines()
    if len(lines) == 1 and lines[0].startswith("$ "):
        lines[0] = lines[0][2:]
    return "\n".join(lines).strip()


def confirm_and_run(command: str, report: Report, *, yes: bool) -> int:
    """Run `command` when `yes` or the user agrees; the exit status to leave with."""
    if yes:
        sys.stderr.write(f"$ {report.clean(command)}\n")
        sys.stderr.flush()
        return run_command(command)
    if not all(isatty(stream) for stream in (sys.stdin, sys.stdout, sys.stderr)):
        sys.stdout.write(command + "\n")
        sys.stdout.flush()
        report.line("error: not run: confirming it needs a terminal")
        report.hint("read it, then run it with 'r1 sh --yes …' or paste it yourself")
        return NOT_CONFIRMED
    while True:
        sys.stderr.write(f"\n  {report.clean(command)}\n\n")
        choice = ask_choice()
        if choice == "run":
            return run_command(command)
        if choice == "cancel":
            report.line("cancelled: nothing was run")
            return 0
        command = edit_command(command)


def ask_choice() -> str:
    """The user's choice: run, edit or cancel (the default, also on end of input)."""
    sys.stderr.write("run it? [y]es, [e]dit, [N]o: ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not answer:
        sys.stderr.write("\n")
    word = answer.strip().lower()
    if word in RUN_WORDS:
        return "run"
    if word in EDIT_WORDS:
        return "edit"
    return "cancel"


def edit_command(command: str) -> str:
    """The command as the user left it in their editor (unchanged if they gave up)."""
    from r1cli.repl.editor import EditorUnavailable, edit_text

    try:
        edited = edit_text(command, suffix=".sh")
    except EditorUnavailable as exc:
        raise UsageError(str(exc)) from None
    if edited is None or not edited.strip():
        return command
    return edited.strip()


def shell_argv(command: str) -> list[str]:
    """`$SHELL -c COMMAND`, or /bin/sh when $SHELL is unset or empty."""
    return [os.environ.get("SHELL", "").strip() or "/bin/sh", "-c", command]


def run_command(command: str) -> int:
    """Run it on the user's terminal; its exit status (128+N for death by signal N)."""
    try:
        with _signals_left_to_child():
            completed = subprocess.run(shell_argv(command), check=False)
    except OSError as exc:
        raise UsageError(
            f"cannot start the shell {shell_argv(command)[0]!r}: {exc.strerror or exc}",
            hint="set SHELL to an installed shell",
        ) from None
    code = completed.returncode
    return 128 - code if code < 0 else code


@contextmanager
def _signals_left_to_child() -> Iterator[None]:
    """Ctrl-C and Ctrl-\\ while the command runs are the command's, as in a shell.

    A no-op handler rather than SIG_IGN: an ignored signal stays ignored across exec,
    and the command must still be stoppable with Ctrl-C.
    """
    previous = {
        signum: signal.signal(signum, _ignore)
        for signum in (signal.SIGINT, signal.SIGQUIT)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _ignore(signum: int, frame: FrameType | None) -> None:
    """The signal was meant for the command, which got it too."""
