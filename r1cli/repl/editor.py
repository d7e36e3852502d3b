"""Let the user edit text in their own editor, for the REPL's `/edit`.

Long prompts are easier to write in a real editor than on the prompt line. We follow
the Unix convention (VISUAL, then EDITOR, then a sensible default found on PATH) and
run the editor on a private temporary file, attached to the same terminal: the REPL
calls us while the terminal is in normal (cooked) mode.

The file may hold a draft with pasted secrets, so it lives 0600 in a 0700 directory
of its own and is removed however the edit ends.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any, TypeAlias

# What signal.signal() accepts and returns (typeshed's alias for it is private).
_Handler: TypeAlias = Callable[[int, FrameType | None], Any] | int | None

# Tried in order when neither VISUAL nor EDITOR is set. `editor` is Debian's
# alternatives link (the user's or admin's choice); nano is friendly; vi is
# everywhere POSIX.
FALLBACK_EDITORS: tuple[str, ...] = ("editor", "nano", "vi")
if sys.platform == "win32":
    FALLBACK_EDITORS = (*FALLBACK_EDITORS, "notepad")

FILE_STEM = "r1-edit"


class EditorUnavailable(Exception):
    """No editor could be started; the message names the variable to set."""


def edit_text(
    text: str, *, suffix: str = ".md", env: Mapping[str, str] | None = None
) -> str | None:
    """Open `text` in the user's editor and return what they saved.

    Returns None when the editor exits non-zero (the user aborted, e.g. `:cq` in
    vim). A trailing newline the editor added is dropped when `text` had none, so
    an unchanged edit gives back `text`. Raises EditorUnavailable when no editor
    can be started.
    """
    env = os.environ if env is None else env
    argv = _editor_argv(env)

    directory = tempfile.mkdtemp(prefix="r1cli-")  # 0700, ours alone
    try:
        path = os.path.join(directory, FILE_STEM + suffix)
        # O_EXCL in a fresh private directory: nobody else can have put a file or
        # symlink there. 0600 from creation (the umask can only narrow it).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        # newline="": write the text byte for byte, no \r\n translation.
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)

        try:
            with _sigint_left_to_editor():
                completed = subprocess.run([*argv, path], env=dict(env), check=False)
        except OSError as exc:
            raise EditorUnavailable(
                f"cannot start editor {argv[0]!r}: {exc.strerror or exc}"
                f" — set {_variable_in_use(env)} to a working editor"
            ) from exc
        if completed.returncode != 0:
            return None
        try:
            # Universal newlines: an editor on Windows may save \r\n.
            with open(path, encoding="utf-8", errors="replace") as handle:
                edited = handle.read()
        except FileNotFoundError:  # the user deleted the file: treat as abort
            return None
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    # Most editors end the file with a newline; a one-line prompt should not grow one.
    if edited.endswith("\n") and not text.endswith("\n"):
        edited = edited[:-1]
    return edited


def _editor_argv(env: Mapping[str, str]) -> list[str]:
    """The editor command as argv, its program resolved on env's PATH."""
    search_path = env.get("PATH", os.defpath)
    for variable in ("VISUAL", "EDITOR"):
        command = env.get(variable, "").strip()
        if not command:
            continue
        # shlex, not str.split: EDITOR="code --wait" and quoted paths with spaces.
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise EditorUnavailable(
                f"${variable} is not a valid command ({exc}) — fix {variable}"
            ) from exc
        if not argv:
            continue
        program = shutil.which(argv[0], path=search_path)
        if program is None:
            # The user chose this editor; falling back silently to another one would
            # be a surprise, so say what is wrong instead.
            raise EditorUnavailable(
                f"editor {argv[0]!r} from ${variable} not found"
                f" — set {variable} to an installed editor"
            )
        return [program, *argv[1:]]
    for name in FALLBACK_EDITORS:
        program = shutil.which(name, path=search_path)
        if program is not None:
            return [program]
    raise EditorUnavailable(
        f"no editor found (no $VISUAL or $EDITOR, and none of"
        f" {', '.join(FALLBACK_EDITORS)} on PATH) — set EDITOR, e.g. EDITOR=nano"
    )


def _variable_in_use(env: Mapping[str, str]) -> str:
    """The variable whose editor we ran, for the advice in an error."""
    for variable in ("VISUAL", "EDITOR"):
        if env.get(variable, "").strip():
            return variable
    return "EDITOR"


@contextlib.contextmanager
def _sigint_left_to_editor() -> Iterator[None]:
    """While the editor runs, Ctrl-C and Ctrl-\\ are the editor's, not ours.

    The editor shares our terminal and process group, so a Ctrl-C typed into it
    (vim users press it to leave insert mode) reaches us too; subprocess.run would
    then kill the editor mid-edit. A no-op Python handler, unlike SIG_IGN, is reset
    to the default across exec, so the editor still gets normal signal behaviour.
    """
    previous: dict[int, _Handler] = {}
    try:
        for name in ("SIGINT", "SIGQUIT"):
            signum = getattr(signal, name, None)
            if signum is None:  # no SIGQUIT on Windows
                continue
            try:
                previous[signum] = signal.signal(signum, _ignore_signal)
            except ValueError:  # not the main thread: cannot change handlers
                break
        yield
    finally:
        for signum, handler in previous.items():
            # None means a handler installed outside Python; the default is the
            # closest we can restore.
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


def _ignore_signal(signum: int, frame: FrameType | None) -> None:
    """A handler that does nothing: the signal was meant for the editor."""
