"""The REPL's keys: bindings grouped by theme, and quiet keys while an answer streams.

At the prompt: Enter sends (a trailing backslash continues the message, and Enter
picks a highlighted completion); Alt-Enter, Esc-Enter and Ctrl-J insert a newline;
Ctrl-X Ctrl-E opens the editor; Tab completes; Ctrl-C clears the line, or on an empty
line asks the loop to quit. During an answer (`keys_not_echoed`) typed keys wait,
unechoed, for the next prompt.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.key_binding import (
    KeyBindings,
    KeyBindingsBase,
    KeyPressEvent,
    merge_key_bindings,
)

from r1cli.render.terminal import TermAttrs, terminal_mode


def key_bindings() -> KeyBindingsBase:
    """Every binding the REPL adds to prompt-toolkit's defaults."""
    return merge_key_bindings(
        [
            load_send_bindings(),
            load_editor_bindings(),
            load_completion_bindings(),
            load_interrupt_bindings(),
        ]
    )


def load_send_bindings() -> KeyBindings:
    """Enter sends; Alt-Enter, Esc-Enter, Ctrl-J and a trailing backslash don't."""
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

    return bindings


def load_editor_bindings() -> KeyBindings:
    """Ctrl-X Ctrl-E: edit the message in $VISUAL/$EDITOR."""
    bindings = KeyBindings()

    @bindings.add("c-x", "c-e")
    def _editor(event: KeyPressEvent) -> None:
        # Back to the prompt after editing (not sent at once, as bash would): the
        # user sees the message and presses Enter.
        event.current_buffer.open_in_editor(validate_and_handle=False)

    return bindings


def load_completion_bindings() -> KeyBindings:
    """Tab: complete at once when there is one candidate, else show the menu."""
    bindings = KeyBindings()

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

    return bindings


def load_interrupt_bindings() -> KeyBindings:
    """Ctrl-C clears the line; on an empty line it raises KeyboardInterrupt."""
    bindings = KeyBindings()

    @bindings.add("c-c")
    def _interrupt(event: KeyPressEvent) -> None:
        buffer = event.current_buffer
        if buffer.text:
            buffer.reset()  # clear the line, stay at the prompt
        else:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

    return bindings


@contextlib.contextmanager
def keys_not_echoed() -> Iterator[None]:
    """While an answer streams, keys typed are neither echoed into it nor changed.

    They wait in the terminal's input queue and reach the next prompt as typed (an
    Enter stays CR, so a message typed ahead is sent when the prompt returns, as in
    a shell); Ctrl-C still sends SIGINT.
    """
    import termios

    def quiet(attrs: TermAttrs) -> TermAttrs:
        attrs[0] &= ~termios.ICRNL  # iflag: CR is not turned into NL (Ctrl-J here)
        attrs[3] &= ~(termios.ECHO | termios.ICANON)  # lflag; ISIG stays on
        return attrs

    with terminal_mode(quiet):
        yield
