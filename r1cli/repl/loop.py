"""The interactive REPL: `r1 chat`, and bare `r1` on a terminal.

prompt-toolkit reads the input (Enter sends; Alt-Enter, Esc-Enter and Ctrl-J insert a
newline; a trailing backslash continues; pasted text stays one message; Ctrl-X Ctrl-E
opens the editor; Up/Down and Ctrl-R search the input history, which never keeps a
line holding an API key). Each message becomes one `run_turn` through the same
`TerminalRenderer` and history recorder as `r1 ask`. Around the loop: slash commands
in `slash.py`, the conversation's state in `state.py`, keys in `keys.py`, Tab in
`completion.py`, the input history in `input_history.py`.

Keys during an answer: Ctrl-C stops it (the partial answer stays on screen and in
history, marked interrupted) and the prompt comes back. At the prompt, Ctrl-C clears
the line; on an empty line it hints at Ctrl-D, and a second one within 2 s quits.
Ctrl-D and /exit quit with status 0. Errors print as one `error:` line and the REPL
goes on; a failed turn can be asked again with /retry.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.styles import Style

from r1cli.core.messages import Turn, unmarked
from r1cli.errors import R1Error, UsageError
from r1cli.render.footer import format_cost
from r1cli.render.report import Report
from r1cli.render.sanitize import sanitize
from r1cli.render.terminal import columns, isatty
from r1cli.repl import slash, typeahead
from r1cli.repl.answer_key import answer_now_key
from r1cli.repl.completion import SlashCompleter
from r1cli.repl.input_history import SecretFilteringHistory, stored_secrets
from r1cli.repl.keys import key_bindings, keys_not_echoed
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
        # First, before anything is drawn: keys typed while r1 started.
        typed, unfinished = typeahead.take(sys.stdin)
        _warm_up_after_first_draw(self._prompt)
        self._banner()
        if self.session.conversation.messages:
            self._recap()
        if first_prompt:
            self._send(first_prompt)
        for line in typed:
            self._note(f"› {line}")
            if not self._handle(line):
                return
        while True:
            try:
                default, unfinished = unfinished, ""
                text = self._prompt.prompt(default=default)
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
            runtime = self.session.runtime
            with keys_not_echoed(), answer_now_key(runtime.request_answer_now):
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
        self._note(_clip(f"{banner} · /help · Ctrl-D quits", columns()))
        if session.conversation.id is not None:
            self._note(
                f"continuing conversation {session.conversation.id} "
                f"({len(session.conversation.messages)} messages)"
            )

    def _recap(self) -> None:
        """The last turns of a resumed conversation, dimmed, so the user knows where
        they are."""
        width = columns()
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
            parts.append(format_cost(session.usage.cost))
        return [("class:bottom-toolbar", sanitize(" · ".join(parts)))]

    # -- input -------------------------------------------------------------------

    def _prompt_session(self) -> PromptSession[str]:
        settings = self.session.settings
        runtime = self.session.runtime

        # Keys in the environment and the keys file, read once; the session's own
        # (which grow when /provider switches) are looked at on every line.
        stored = stored_secrets(self.session.paths.keys_file)

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
            key_bindings=key_bindings(),
            vi_mode=settings.vi_mode,
            enable_open_in_editor=True,
            bottom_toolbar=self._toolbar if settings.toolbar else None,
            style=STYLE,
            include_default_pygments_style=False,
            color_depth=None if self.color else ColorDepth.MONOCHROME,
            mouse_support=False,
        )


def _warm_up_after_first_draw(prompt: PromptSession[str]) -> None:
    """Start `_warm_up` once the prompt is on screen: started earlier, its imports
    share the interpreter with drawing the prompt and delay it (~30 %)."""
    started: list[bool] = []

    def start(_: object) -> None:
        if not started:
            started.append(True)
            threading.Thread(target=_warm_up, name="r1cli-warm-up", daemon=True).start()

    prompt.app.after_render.add_handler(start)


def _warm_up() -> None:
    """Load what the first turn needs (httpx, the TLS context, rich's Markdown)
    while the user types it, so Enter sends at once."""
    with contextlib.suppress(Exception):  # the turn itself reports real failures
        import r1cli.engine.turn  # noqa: F401  (providers, dialects)
        from r1cli.wire.transport import warm_up

        warm_up()
        from r1cli.render.tty import import_quietly

        import_quietly()


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


def _short(tokens: int) -> str:
    return f"{tokens / 1000:.0f}k" if tokens >= 1000 else str(tokens)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def _stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
