"""`/copy`: OSC 52 on a real pseudo-terminal, and real (fake) clipboard tools.

The tools are small shell scripts on a PATH of their own that record the bytes they
got on stdin and their arguments, so the tests see exactly what a real xclip or
clip.exe would receive, through the real subprocess machinery. No tool from the
machine running the suite is ever on PATH.
"""

from __future__ import annotations

import base64
import io
import os
import select
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from r1cli.repl import clipboard
from r1cli.repl.clipboard import ClipboardUnavailable, CopyResult, copy_text

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="fake tools are POSIX shell scripts"
)

CAT = shutil.which("cat") or "/bin/cat"
SLEEP = shutil.which("sleep") or "/bin/sleep"

NON_ASCII = "héllo — 世界 🎉\nsecond line\n"


class Tools:
    """A private bin directory of fake clipboard tools, and what they recorded."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.log = root / "log"
        self.bin.mkdir()
        self.log.mkdir()

    def add(self, name: str, *, exit_code: int = 0, hang: bool = False) -> None:
        """A tool that records argv and stdin, then exits `exit_code` (or hangs)."""
        if hang:
            body = f'echo $$ > "{self.log}/{name}.pid"\nexec {SLEEP} 30\n'
        else:
            body = (
                f'printf "%s\\n" "$@" > "{self.log}/{name}.argv"\n'
                f'{CAT} > "{self.log}/{name}.in"\n'
                f"exit {exit_code}\n"
            )
        script = self.bin / name
        script.write_text("#!/bin/sh\n" + body)
        script.chmod(0o755)

    def received(self, name: str) -> bytes | None:
        """The bytes `name` read from stdin, or None if it never ran."""
        path = self.log / f"{name}.in"
        return path.read_bytes() if path.exists() else None

    def argv(self, name: str) -> list[str]:
        return (self.log / f"{name}.argv").read_text().splitlines()

    def env(self, **variables: str) -> dict[str, str]:
        """An environment whose PATH holds only our fakes."""
        return {"PATH": str(self.bin), **variables}


@pytest.fixture
def tools(tmp_path: Path) -> Tools:
    return Tools(tmp_path)


@pytest.fixture
def pty_pair() -> Iterator[tuple[TextIO, int]]:
    """A text stream on a pty's slave side, and the master fd to read it back."""
    master, slave = os.openpty()
    terminal = open(slave, "w", encoding="utf-8", closefd=True)  # noqa: SIM115
    try:
        yield terminal, master
    finally:
        terminal.close()
        os.close(master)


def read_pty(master: int, size: int, timeout: float = 2.0) -> bytes:
    """Read `size` bytes written to the pty (the kernel may deliver them late)."""
    data = b""
    deadline = time.monotonic() + timeout
    while len(data) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([master], [], [], remaining)[0]:
            break
        data += os.read(master, 65536)
    return data


def assert_nothing_written(master: int) -> None:
    # copy_text has returned, so anything it wrote is already in the kernel.
    assert not select.select([master], [], [], 0.05)[0]


def osc52(text: str) -> bytes:
    return b"\x1b]52;c;" + base64.b64encode(text.encode()) + b"\x1b\\"


# --- OSC 52 -------------------------------------------------------------------


def test_osc52_written_to_a_terminal(
    tools: Tools, pty_pair: tuple[TextIO, int]
) -> None:
    terminal, master = pty_pair
    result = copy_text(NON_ASCII, terminal=terminal, env=tools.env(TERM="xterm"))
    assert result == CopyResult(("OSC 52",))
    expected = osc52(NON_ASCII)
    assert read_pty(master, len(expected)) == expected


def test_osc52_wrapped_for_tmux(tools: Tools, pty_pair: tuple[TextIO, int]) -> None:
    terminal, master = pty_pair
    env = tools.env(TERM="screen-256color", TMUX="/tmp/tmux-1000/default,42,0")
    copy_text("hi tmux", terminal=terminal, env=env)
    b64 = base64.b64encode(b"hi tmux")
    expected = b"\x1bPtmux;\x1b\x1b]52;c;" + b64 + b"\x1b\x1b\\" + b"\x1b\\"
    assert read_pty(master, len(expected)) == expected


def test_osc52_wrapped_for_screen_in_chunks(
    tools: Tools, pty_pair: tuple[TextIO, int]
) -> None:
    terminal, master = pty_pair
    text = "screen " * 100  # longer than one DCS chunk
    env = tools.env(TERM="screen.xterm-256color", STY="1234.pts-0.host")
    copy_text(text, terminal=terminal, env=env)
    inner_size = len(b"\x1b]52;c;") + len(base64.b64encode(text.encode())) + 1
    chunks = -(-inner_size // clipboard.SCREEN_DCS_CHUNK)
    written = read_pty(master, inner_size + 4 * chunks)
    pieces = written.split(b"\x1b\\")
    assert pieces[-1] == b""
    pieces = pieces[:-1]
    assert len(pieces) > 1
    assert all(p.startswith(b"\x1bP") for p in pieces)
    assert all(len(p) - 2 <= clipboard.SCREEN_DCS_CHUNK for p in pieces)
    # Screen passes the bodies through; together they are a BEL-terminated OSC 52.
    inner = b"".join(p[2:] for p in pieces)
    assert inner == b"\x1b]52;c;" + base64.b64encode(text.encode()) + b"\x07"


def test_screen_term_without_sty_is_not_wrapped(
    tools: Tools, pty_pair: tuple[TextIO, int]
) -> None:
    terminal, master = pty_pair
    copy_text("x", terminal=terminal, env=tools.env(TERM="screen"))
    expected = osc52("x")
    assert read_pty(master, len(expected)) == expected


def test_no_osc52_to_a_pipe_or_file(tools: Tools) -> None:
    tools.add("xclip")
    out = io.StringIO()
    result = copy_text("hello", terminal=out, env=tools.env(DISPLAY=":0"))
    assert out.getvalue() == ""
    assert result.methods == ("xclip",)


def test_no_osc52_to_a_dumb_terminal(
    tools: Tools, pty_pair: tuple[TextIO, int]
) -> None:
    terminal, master = pty_pair
    tools.add("xclip")
    result = copy_text(
        "hello", terminal=terminal, env=tools.env(TERM="dumb", DISPLAY=":0")
    )
    assert_nothing_written(master)
    assert result.methods == ("xclip",)


def test_oversize_text_skips_osc52_but_not_the_tool(
    tools: Tools, pty_pair: tuple[TextIO, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal, master = pty_pair
    tools.add("xclip")
    env = tools.env(TERM="xterm", DISPLAY=":0")
    monkeypatch.setattr(clipboard, "OSC52_MAX_BYTES", 10)

    assert copy_text("é" * 5, terminal=terminal, env=env).methods == (
        "OSC 52",
        "xclip",
    )
    expected = osc52("é" * 5)
    assert read_pty(master, len(expected)) == expected

    # 11 bytes of UTF-8: the limit counts bytes, not characters.
    big = "é" * 5 + "!"
    assert copy_text(big, terminal=terminal, env=env).methods == ("xclip",)
    assert_nothing_written(master)
    assert tools.received("xclip") == big.encode()


def test_default_limit_fits_in_100k_of_base64() -> None:
    limit = clipboard.OSC52_MAX_BYTES
    assert 99_000 < len(base64.b64encode(b"x" * limit)) <= 100_000


def test_osc52_and_tool_both_reported(
    tools: Tools, pty_pair: tuple[TextIO, int]
) -> None:
    terminal, master = pty_pair
    tools.add("wl-copy")
    env = tools.env(TERM="xterm-kitty", WAYLAND_DISPLAY="wayland-0")
    result = copy_text("both", terminal=terminal, env=env)
    assert result.methods == ("OSC 52", "wl-copy")
    assert result.describe() == "OSC 52 and wl-copy"
    expected = osc52("both")
    assert read_pty(master, len(expected)) == expected
    assert tools.received("wl-copy") == b"both"


# --- choosing a tool ----------------------------------------------------------


def test_wayland_prefers_wl_copy(tools: Tools) -> None:
    for name in ("wl-copy", "xclip", "xsel"):
        tools.add(name)
    env = tools.env(WAYLAND_DISPLAY="wayland-0", DISPLAY=":0")
    assert copy_text("w", terminal=io.StringIO(), env=env).methods == ("wl-copy",)
    assert tools.received("wl-copy") == b"w"
    assert tools.received("xclip") is None


def test_x11_uses_xclip_on_the_clipboard_selection(tools: Tools) -> None:
    tools.add("xclip")
    tools.add("xsel")
    tools.add("wl-copy")  # present, but no Wayland session
    result = copy_text("x", terminal=io.StringIO(), env=tools.env(DISPLAY=":0"))
    assert result.methods == ("xclip",)
    assert tools.argv("xclip") == ["-selection", "clipboard"]
    assert tools.received("wl-copy") is None
    assert tools.received("xsel") is None


def test_x11_falls_back_to_xsel(tools: Tools) -> None:
    tools.add("xsel")
    result = copy_text("x", terminal=io.StringIO(), env=tools.env(DISPLAY=":0"))
    assert result.methods == ("xsel",)
    assert tools.argv("xsel") == ["--clipboard", "--input"]


def test_wayland_without_wl_copy_uses_xwayland(tools: Tools) -> None:
    tools.add("xclip")
    env = tools.env(WAYLAND_DISPLAY="wayland-0", DISPLAY=":0")
    assert copy_text("x", terminal=io.StringIO(), env=env).methods == ("xclip",)


def test_pbcopy_when_present(tools: Tools) -> None:
    tools.add("pbcopy")
    result = copy_text(NON_ASCII, terminal=io.StringIO(), env=tools.env())
    assert result.methods == ("pbcopy",)
    assert tools.received("pbcopy") == NON_ASCII.encode("utf-8")


@pytest.mark.parametrize("name", ["xclip", "xsel", "wl-copy", "pbcopy"])
def test_tools_receive_utf8(tools: Tools, name: str) -> None:
    tools.add(name)
    env = tools.env(DISPLAY=":0", WAYLAND_DISPLAY="wayland-0")
    copy_text(NON_ASCII, terminal=io.StringIO(), env=env)
    assert tools.received(name) == NON_ASCII.encode("utf-8")


def test_clip_exe_receives_utf16le(tools: Tools) -> None:
    tools.add("clip.exe")
    result = copy_text(NON_ASCII, terminal=io.StringIO(), env=tools.env())
    assert result.methods == ("clip.exe",)
    assert tools.received("clip.exe") == NON_ASCII.encode("utf-16-le")


def test_failing_tool_is_not_reported_and_the_next_is_tried(tools: Tools) -> None:
    tools.add("xclip", exit_code=1)
    tools.add("xsel")
    result = copy_text("x", terminal=io.StringIO(), env=tools.env(DISPLAY=":0"))
    assert result.methods == ("xsel",)
    assert tools.received("xclip") == b"x"  # it did run


def test_failing_tool_alone_is_unavailable(tools: Tools) -> None:
    tools.add("xclip", exit_code=1)
    with pytest.raises(ClipboardUnavailable) as caught:
        copy_text("secret text", terminal=io.StringIO(), env=tools.env(DISPLAY=":0"))
    message = str(caught.value)
    assert "xclip failed (exit 1)" in message
    assert "\n" not in message
    assert "secret text" not in message


def test_failing_tool_still_leaves_osc52(
    tools: Tools, pty_pair: tuple[TextIO, int]
) -> None:
    terminal, master = pty_pair
    tools.add("xclip", exit_code=1)
    result = copy_text("x", terminal=terminal, env=tools.env(DISPLAY=":0"))
    assert result.methods == ("OSC 52",)
    expected = osc52("x")
    assert read_pty(master, len(expected)) == expected


def test_hanging_tool_is_cut_off(tools: Tools, monkeypatch: pytest.MonkeyPatch) -> None:
    # One hang only, to keep the suite fast: the fallback to the next tool after a
    # failure is covered by test_failing_tool_is_not_reported_and_the_next_is_tried.
    monkeypatch.setattr(clipboard, "TOOL_TIMEOUT", 0.2)
    tools.add("wl-copy", hang=True)
    tools.add("xclip", exit_code=1)
    env = tools.env(WAYLAND_DISPLAY="wayland-0", DISPLAY=":0")
    start = time.monotonic()
    with pytest.raises(ClipboardUnavailable) as caught:
        copy_text("x", terminal=io.StringIO(), env=env)
    assert time.monotonic() - start < 1.5
    message = str(caught.value)
    assert "wl-copy timed out after 0.2 s" in message
    assert "xclip failed (exit 1)" in message  # tried next, after the hang
    # Killed and reaped, not left sleeping.
    pid = int((tools.log / "wl-copy.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_tool_runs_in_its_own_session(tools: Tools) -> None:
    # So a later Ctrl-C in the REPL cannot kill xclip's selection-keeping child.
    script = tools.bin / "xclip"
    script.write_text(
        f"#!{sys.executable} -IS\n"
        "import os, sys\n"
        "sys.stdin.buffer.read()\n"
        f"open({str(tools.log / 'sid')!r}, 'w').write(str(os.getsid(0)))\n"
    )
    script.chmod(0o755)
    copy_text("x", terminal=io.StringIO(), env=tools.env(DISPLAY=":0"))
    assert int((tools.log / "sid").read_text()) != os.getsid(0)


# --- nothing available --------------------------------------------------------


def test_nothing_available(tools: Tools) -> None:
    with pytest.raises(ClipboardUnavailable) as caught:
        copy_text("x", terminal=io.StringIO(), env=tools.env(DISPLAY=":0"))
    message = str(caught.value)
    assert "OSC 52" in message
    assert "xclip" in message
    assert "install xclip or xsel, or use a terminal with OSC 52" in message
    assert "\n" not in message


def test_no_tool_over_ssh_without_a_display(tools: Tools) -> None:
    tools.add("pbcopy")  # would fill the remote machine's clipboard
    env = tools.env(SSH_CONNECTION="10.0.0.1 5555 10.0.0.2 22")
    with pytest.raises(ClipboardUnavailable, match="SSH"):
        copy_text("x", terminal=io.StringIO(), env=env)
    assert tools.received("pbcopy") is None


def test_tool_over_ssh_with_a_forwarded_display(tools: Tools) -> None:
    tools.add("xclip")
    env = tools.env(SSH_CONNECTION="10.0.0.1 5555 10.0.0.2 22", DISPLAY="localhost:10")
    assert copy_text("x", terminal=io.StringIO(), env=env).methods == ("xclip",)


def test_describe() -> None:
    assert CopyResult(("OSC 52",)).describe() == "OSC 52"
    assert CopyResult(("OSC 52", "xclip")).describe() == "OSC 52 and xclip"
    assert CopyResult(("a", "b", "c")).describe() == "a, b and c"
