"""The one place where failures become stderr lines and exit codes, for every command.

`with error_boundary(report) as scope:` wraps a command's body. An `R1Error` prints as
`error:` / `saved:` / `hint:` (sanitised, secrets redacted) and exits with its code;
anything else is a one-line internal error (exit 1, traceback only with `--debug`).
Ctrl-C, SIGTERM, SIGHUP and a closed pipe end the process by re-raising the signal
after the partial answer is saved, so a calling shell loop stops (the shell reports
130 / 143 / 129 / 141). A command that builds a Runtime puts it on `scope.runtime`, so
the report can say what was saved.
"""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING, NoReturn, ParamSpec

import typer

from r1cli.errors import Interrupted, R1Error
from r1cli.render.report import Report

if TYPE_CHECKING:
    from r1cli.engine.runtime import Runtime

# Signals that stop a turn from outside, and the reason the turn is marked with.
_STOP_SIGNALS = {signal.SIGTERM: "terminated", signal.SIGHUP: "hangup"}
_SIGNAL_FOR_REASON = {reason: signum for signum, reason in _STOP_SIGNALS.items()}

P = ParamSpec("P")


class Scope:
    """What the boundary may need to know about the command it wraps."""

    def __init__(self) -> None:
        self.runtime: Runtime | None = None

    def saved_note(self, how: str) -> str | None:
        return self.runtime.saved_note(how) if self.runtime is not None else None


@contextmanager
def error_boundary(report: Report) -> Iterator[Scope]:
    """Run a command body; turn every failure into the documented report and exit."""
    scope = Scope()
    previous = {s: signal.signal(s, _raise_interrupted) for s in _STOP_SIGNALS}
    try:
        yield scope
    except KeyboardInterrupt:
        die_by_signal(signal.SIGINT, report, scope, "interrupted")
    except BrokenPipeError:
        die_by_signal(signal.SIGPIPE, report, scope, None)
    except Interrupted as exc:
        if exc.reason == "output closed":
            die_by_signal(signal.SIGPIPE, report, scope, None)
        signum = _SIGNAL_FOR_REASON.get(exc.reason, signal.SIGTERM)
        die_by_signal(signum, report, scope, exc.reason)
    except R1Error as exc:
        raise typer.Exit(report.error(exc, scope.saved_note("error"))) from None
    except (typer.Exit, typer.Abort):
        raise
    except Exception as exc:
        raise typer.Exit(report.internal(exc)) from None
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _raise_interrupted(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(_STOP_SIGNALS[signal.Signals(signum)])


def die_by_signal(
    signum: int, report: Report, scope: Scope, message: str | None
) -> NoReturn:
    """Report, then end the process by `signum` so the caller sees a signal death."""
    if message:
        report.line(message)
    saved = scope.saved_note("interrupted")
    if saved and signum != signal.SIGPIPE:
        report.line(f"saved: {report.clean(saved)}")
    if signum != signal.SIGPIPE:
        report.json_error("interrupted", 128 + signum)
    else:
        # Stop Python from flushing into the closed pipe at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    sys.exit(128 + signum)  # only reached where the signal cannot kill us


def bounded(command: Callable[P, None]) -> Callable[P, None]:
    """Run a whole command inside `error_boundary` (for commands with no Runtime).

    `functools.wraps` keeps the signature, which is what Typer reads the options from.
    """

    @functools.wraps(command)
    def run_bounded(*args: P.args, **kwargs: P.kwargs) -> None:
        with error_boundary(Report()):
            command(*args, **kwargs)

    run_bounded.__dict__["bounded"] = True
    return run_bounded
