"""The interactive REPL: `r1 chat`, and bare `r1` on a terminal.

prompt-toolkit reads the input (Enter sends; Alt-Enter, Esc-Enter and Ctrl-J insert a
newline; a trailing backslash continues; pasted text stays one message; Ctrl-X Ctrl-E
opens the editor; Up/Down and Ctrl-R search the input history, which never keeps a
line holding an API key). Each message becomes one `chat.run_turn` through the same
`TerminalRenderer` and history recorder as `r1 ask`; slash commands live in
`slash.py`, the conversation's state in `session.py`.

Keys during an answer: Ctrl-C stops it (the partial answer stays on screen and in
history, marked interrupted) and the prompt comes back. At the prompt, Ctrl-C clears
the line; on an empty line it hints at Ctrl-D, and a second one within 2 s quits.
Ctrl-D and /exit quit with status 0. Errors print as one `error:` line and the REPL
goes on; a failed turn can be asked again with /retry.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import (
    CompleteEvent,
    Completer,
    Completion,
    PathCompleter,
)
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.history import FileHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.styles import Style

from r1cli.config.paths import ensure_private_dir
from r1cli.core.messages import Turn, unmarked
from r1cli.core.redact import looks_like_secret
from r1cli.errors import R1Error, UsageError
from r1cli.render.report import Report
from r1cli.render.sanitize import sanitize
from r1cli.render.terminal import columns, isatty
from r1cli.repl import slash
from r1cli.repl.state import ChatState

DOUBLE_CTRL_C = 2.0  # seconds within which a second Ctrl-C at the prompt quits
RECAP_MESSAGES = 4  # messages shown, dimmed, when a conversation is resumed
RECAP_LINES = 4  # lines shown of each
DIM, RESET = "\x1b[2m", "\x1b[0m"

STYLE = Style.from_dict(
    {
        "prompt": "bold",
        "continuation": "#888888",
        "bottom-toolbar": "noreverse #888888",
    }
)


def require_terminal() -> None:
    """The REPL needs a terminal on both ends; say what to use instead."""
    if not (isatty(sys.stdin) and isatty(sys.stdout)):
        raise UsageError(
            "r1 chat needs a terminal on stdin and stdout",
            hint='for scripts use: r1 ask "question" (stdin is added to the prompt)',
        )


class SecretFilteringHistory(FileHistory):
    """Input history in a private file that never stores a line holding a key."""

    def __init__(self, path: Path, secrets: Callable[[], Iterable[str]]) -> None:
        ensure_private_dir(path.parent)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        super().__init__(str(path))
        self._secrets = secrets

    def store_string(self, string: str) -> None:
        if looks_like_secret(string, self._secrets()):
            return
        with contextlib.suppress(OSError):  # a full disk must not end the chat
            super().store_string(string)


class SlashCompleter(Completer):
    """Tab: slash commands, their arguments, and file paths after /file and /export."""

    def __init__(self, session: ChatState) -> None:
        self._session = session
        self._paths = PathCompleter(expanduser=True)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        text = document.text_before_cursor
        if not text.startswith("/") or "\n" in text:
            return
        if " " not in text:
            word = text[1:].lower()
            for command in slash.COMMANDS:
                if command.name.startswith(word):
                    yield Completion(
                        f"/{command.name}",
                        start_position=-len(text),
                        display_meta=command.help,
                    )
            return
        name, _, argument = text[1:].partition(" ")
        command = slash.find(name.lower())
        if command is None:
            return
        argument = argument.lstrip()
        if command.complete == "path":
            sub = Document(argument, len(argument))
            yield from self._paths.get_completions(sub, complete_event)
            return
        if " " in argument:
            return  # only the first word of an argument is completed
        for value, meta in slash.argument_candidates(self._session, command):
            if value.lower().startswith(argument.lower()):
                yield Completion(
                    value, start_position=-len(argument), display_meta=meta
                )


class Repl:
    def __init__(self, session: ChatState, report: Report) -> None:
        self.session = session
        self.report = report
        self.color = session.settings.color
        self._last_ctrl_c = 0.0
        self._context = slash.SlashContext(
            session=session, edit_text=_edit_text, copy_text=_copy_text
        )
        self._prompt: PromptSession[str] = self._prompt_session()

    # -- the loop ----------------------------------------------------------------

    def run(self, first_prompt: str | None = None) -> None:
        threading.Thread(target=_warm_up, name="r1cli-warm-up", daemon=True).start()
        self._banner()
        if self.session.conversation.messages:
            self._recap()
        if first_prompt:
            self._send(first_prompt)
        while True:
            try:
                text = self._prompt.prompt()
            except KeyboardInterrupt:
                now = time.monotonic()
                if now - self._last_ctrl_c < DOUBLE_CTRL_C:
                    return
                self._last_ctrl_c = now
                self._note("(Ctrl-C again to quit, or Ctrl-D)")
                continue
            except EOFError:
                return
            self._last_ctrl_c = 0.0
            try:
                if not self._handle(text):
                    return
            except KeyboardInterrupt:
                self._note("cancelled")

    def _handle(self, text: str) -> bool:
        """Act on one input; False when the REPL should end."""
        if not text.strip():
            return True
        parsed = slash.parse(text)
        if parsed is None:
            self._send(slash.unescape(text))
            return True
        try:
            result = slash.run(self._context, *parsed)
        except R1Error as exc:
            self.report.error(exc)
            return True
        for line in result.lines:
            self._note(line)
        if result.clear:
            from prompt_toolkit.shortcuts import clear

            clear()
        if result.recap:
            self._recap()
        if result.exit:
            return False
        if result.retry:
            self._turn(self.session.retry)
        if result.send is not None:
            self._send(result.send)
        return True

    def _send(self, text: str) -> None:
        self._turn(lambda renderer: self.session.send(text, renderer))

    def _turn(self, action: Callable[[Any], Turn]) -> None:
        """Run one turn; Ctrl-C and errors end the turn, never the REPL."""
        from r1cli.render.tty import TerminalRenderer

        renderer = TerminalRenderer(
            reasoning=self.session.reasoning,
            color=self.color,
            model=self.session.model,
        )
        try:
            with _keys_not_echoed():
                turn = action(renderer)
        except KeyboardInterrupt:
            self._note("stopped; the partial answer is kept (/retry asks again)")
            return
        except R1Error as exc:
            self.report.error(exc, self.session.runtime.saved_note("error"))
            return
        except Exception as exc:
            self.report.internal(exc)
            return
        self.report.after_turn(
            turn,
            self.session.runtime.history_warning,
            "raise it with /set max_tokens N, then /retry",
        )

    # -- output ------------------------------------------------------------------

    def _note(self, text: str) -> None:
        """A line of our own (not model text, but it may quote some): dim."""
        line = sanitize(text)
        _stdout(f"{DIM}{line}{RESET}\n" if self.color else f"{line}\n")

    def _banner(self) -> None:
        session = self.session
        from r1cli import __version__

        banner = f"r1 {__version__} · {session.model} via {session.spec.name}"
        self._note(_clip(f"{banner} · /help · Ctrl-D quits", columns(sys.stdout)))
        if session.conversation.id is not None:
            self._note(
                f"continuing conversation {session.conversation.id} "
                f"({len(session.conversation.messages)} messages)"
            )

    def _recap(self) -> None:
        """The last turns of a resumed conversation, dimmed, so the user knows where
        they are."""
        width = columns(sys.stdout)
        messages = self.session.conversation.messages[-RECAP_MESSAGES:]
        for message in messages:
            label = "you" if message.role == "user" else "r1"
            text, cut = unmarked(message.content)
            lines = [line for line in text.strip().splitlines() if line.strip()]
            shown = lines[:RECAP_LINES]
            for n, line in enumerate(shown):
                prefix = f"{label}: " if n == 0 else " " * (len(label) + 2)
                self._note(_clip(prefix + line, width))
            if len(lines) > RECAP_LINES:
                self._note(
                    " " * (len(label) + 2)
                    + f"… ({len(lines) - RECAP_LINES} more lines)"
                )
            if cut:
                self._note(" " * (len(label) + 2) + "[interrupted]")
        if messages:
            self._note("")

    def _toolbar(self) -> StyleAndTextTuples:
        session = self.session
        used = session.estimated_context_tokens()
        parts = [session.model]
        window = session.context_window
        if window:
            parts.append(
                f"{used:,} tokens ({used * 100 / window:.0f}% of {_short(window)})"
            )
        else:
            parts.append(f"{used:,} tokens")
        if session.usage.cost is not None:
            parts.append(f"${session.usage.cost:.4f}")
        return [("class:bottom-toolbar", sanitize(" · ".join(parts)))]

    # -- input -------------------------------------------------------------------

    def _prompt_session(self) -> PromptSession[str]:
        settings = self.session.settings
        runtime = self.session.runtime

        # Keys in the environment and the keys file, read once; the session's own
        # (which grow when /provider switches) are looked at on every line.
        stored = _stored_secrets(self.session)

        def secrets() -> list[str]:
            return [*runtime.secrets, *stored]

        return PromptSession(
            message=[("class:prompt", "› ")],
            multiline=True,
            prompt_continuation=lambda width, line, wrapped: [
                ("class:continuation", "· ".rjust(width))
            ],
            history=SecretFilteringHistory(self.session.paths.input_history, secrets),
            completer=SlashCompleter(self.session),
            complete_while_typing=True,
            reserve_space_for_menu=4,
            key_bindings=_key_bindings(),
            vi_mode=settings.vi_mode,
            enable_open_in_editor=True,
            bottom_toolbar=self._toolbar if settings.toolbar else None,
            style=STYLE,
            include_default_pygments_style=False,
            color_depth=None if self.color else ColorDepth.MONOCHROME,
            mouse_support=False,
        )


def _key_bindings() -> KeyBindings:
    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and state.current_completion is not None:
            buffer.apply_completion(state.current_completion)
            return
        document = buffer.document
        if document.is_cursor_at_the_end and document.text.endswith("\\"):
            buffer.delete_before_cursor(1)
            buffer.insert_text("\n")  # a trailing backslash continues the message
            return
        buffer.validate_and_handle()

    @bindings.add("escape", "enter")  # Alt-Enter, or Esc then Enter
    @bindings.add("c-j")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    @bindings.add("c-x", "c-e")
    def _editor(event: KeyPressEvent) -> None:
        # Back to the prompt after editing (not sent at once, as bash would): the
        # user sees the message and presses Enter.
        event.current_buffer.open_in_editor(validate_and_handle=False)

    @bindings.add("tab")
    def _complete(event: KeyPressEvent) -> None:
        # Computed here, not by the background completer: a Tab typed right after
        # the text must see the completions of that text, not of a prefix.
        buffer = event.current_buffer
        state = buffer.complete_state
        if state is not None and len(state.completions) > 1:
            buffer.complete_next()
            return
        if buffer.completer is None:
            return
        request = CompleteEvent(completion_requested=True)
        found = list(buffer.completer.get_completions(buffer.document, request))
        if len(found) == 1:
            buffer.cancel_completion()
            buffer.apply_completion(found[0])
        elif found:
            buffer.start_completion(insert_common_part=True)

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()  # clear the line, stay at the prompt
        else:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    return bindings


def _warm_up() -> None:
    """Load what the first turn needs (httpx, the TLS context, rich's Markdown)
    while the user types it, so Enter sends at once."""
    with contextlib.suppress(Exception):  # the turn itself reports real failures
        import r1cli.engine.turn  # noqa: F401  (providers, dialects)
        from r1cli.wire.transport import warm_up

        warm_up()
        from r1cli.render.tty import import_quietly

        import_quietly()


def _stored_secrets(session: ChatState) -> list[str]:
    """The API keys in `*_API_KEY` variables and in the keys file."""
    from r1cli.config.keys import read_keys

    found = [v for k, v in os.environ.items() if k.endswith("_API_KEY") and len(v) >= 8]
    with contextlib.suppress(Exception):
        found += read_keys(session.paths.keys_file).values()
    return found


def _edit_text(text: str) -> str | None:
    from r1cli.repl.editor import EditorUnavailable, edit_text

    try:
        return edit_text(text)
    except EditorUnavailable as exc:
        raise UsageError(str(exc)) from None


def _copy_text(text: str) -> str:
    from r1cli.repl.clipboard import ClipboardUnavailable, copy_text

    try:
        return copy_text(text).describe()
    except ClipboardUnavailable as exc:
        raise UsageError(str(exc)) from None


@contextlib.contextmanager
def _keys_not_echoed() -> Iterator[None]:
    """While an answer streams, keys typed are neither echoed into it nor changed.

    They wait in the terminal's input queue and reach the next prompt as typed (an
    Enter stays CR, so a message typed ahead is sent when the prompt returns, as in
    a shell); Ctrl-C still sends SIGINT.
    """
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        yield
        return
    quiet = list(saved)
    quiet[0] &= ~termios.ICRNL  # iflag: CR is not turned into NL (Ctrl-J here)
    quiet[3] &= ~(termios.ECHO | termios.ICANON)  # lflag; ISIG stays on
    try:
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
    except termios.error:
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)


def _short(tokens: int) -> str:
    return f"{tokens / 1000:.0f}k" if tokens >= 1000 else str(tokens)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def _stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
