"""Drive a `TerminalRenderer` on the pseudo-terminal this process runs in.

Used by tests/e2e/test_tty_render.py (via pexpect) and by the benchmarks: it plays a
JSON script of steps against a real renderer writing to the real pty, so the test can
feed every byte into pyte and look at what a person would see.

    python tests/support/tty_driver.py SCRIPT.json

The script: {"reasoning": "collapse", "color": true, "model": "m", "status":
"complete", "steps": [...]} where each step is one of
  {"r": TEXT} / {"c": TEXT}      a reasoning / content delta
  {"usage": {...}}               a Usage event (fields of r1cli.core.events.Usage)
  {"finish": REASON}             a Finish event
  {"sleep": SECONDS}
  {"mark": NAME}                 write MARK(NAME) between two frames
  {"resize": [ROWS, COLS]}       resize the pty (TIOCSWINSZ: the kernel sends
                                 SIGWINCH) and write RESIZE(ROWS, COLS) at that point
  {"wait_interrupt": SECONDS}    write MARK("interrupt") and sleep until SIGINT
Markers are OSC sequences (`ESC ] 7777 ; … BEL`) written under the renderer's lock,
so the reader can split the byte stream exactly where they happened. A SIGINT
(KeyboardInterrupt) ends the turn as `interrupted`, like Ctrl-C in `r1`.
"""

from __future__ import annotations

import fcntl
import json
import struct
import sys
import termios
import time
from pathlib import Path
from typing import Any

from r1cli.core.events import ContentDelta, Event, Finish, ReasoningDelta, Usage
from r1cli.core.messages import Turn
from r1cli.render.tty import TerminalRenderer

MARK = "\x1b]7777;mark;{}\x07"
RESIZE = "\x1b]7777;resize;{};{}\x07"


def _emit(renderer: TerminalRenderer, text: str) -> None:
    with renderer._lock:  # between two frames, never inside one
        sys.stdout.write(text)
        sys.stdout.flush()


def _resize(renderer: TerminalRenderer, rows: int, cols: int) -> None:
    with renderer._lock:
        size = struct.pack("HHHH", rows, cols, 0, 0)
        fcntl.ioctl(sys.stdout.fileno(), termios.TIOCSWINSZ, size)
        sys.stdout.write(RESIZE.format(rows, cols))
        sys.stdout.flush()


def _event(step: dict[str, Any]) -> Event | None:
    if "r" in step:
        return ReasoningDelta(step["r"])
    if "c" in step:
        return ContentDelta(step["c"])
    if "usage" in step:
        return Usage(**step["usage"])
    if "finish" in step:
        return Finish(step["finish"])
    return None


def _play(renderer: TerminalRenderer, turn: Turn, step: dict[str, Any]) -> None:
    event = _event(step)
    if event is not None:
        turn.apply(event)
        renderer.on_event(event, turn)
    elif "sleep" in step:
        time.sleep(step["sleep"])
    elif "mark" in step:
        _emit(renderer, MARK.format(step["mark"]))
    elif "resize" in step:
        _resize(renderer, *step["resize"])
    elif "wait_interrupt" in step:
        _emit(renderer, MARK.format("interrupt"))
        time.sleep(step["wait_interrupt"])


def main(argv: list[str]) -> int:
    script = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    renderer = TerminalRenderer(
        reasoning=script.get("reasoning", "collapse"),
        color=script.get("color", True),
        model=script.get("model", "test-model"),
    )
    turn = Turn(model=script.get("model", "test-model"), provider="fake")
    status = script.get("status", "complete")
    renderer.begin(turn)
    try:
        for step in script["steps"]:
            _play(renderer, turn, step)
    except KeyboardInterrupt:
        status = "interrupted"
    turn.end(status)
    renderer.end(turn)
    _emit(renderer, MARK.format("end"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
