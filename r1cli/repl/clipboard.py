"""Put text on the clipboard for the REPL's `/copy`: OSC 52, then a system tool.

OSC 52 is the only route that reaches the user's own clipboard from inside SSH, tmux
or a container, but no terminal answers whether it honoured the sequence (many
ignore it, tmux drops it unless passthrough is allowed). So when the terminal can
take it we write it, and we *also* hand the text to a local clipboard tool when one
is present and there is a display for it to reach: reporting both is honest, and
the user gets the text whichever route works.

The text itself is never logged, printed or put into an error message: answers can
hold secrets the user pasted.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

# xterm's default cap (and kitty's, foot's…) on an OSC 52 payload is 100,000 base64
# characters; 74,994 raw bytes encode to 99,992 of them. Above this the terminal would
# drop or truncate the sequence, so we do not send it at all.
OSC52_MAX_BYTES = 74_994

# Seconds a clipboard tool gets to take the text. They return in milliseconds when
# healthy; a tool that hangs (xclip with a dead X server, wl-copy with no compositor)
# must not freeze the REPL. Module-level so tests can lower it.
TOOL_TIMEOUT = 3.0

# GNU screen keeps a DCS string in a fixed buffer (256 bytes before 4.2, 768 since);
# longer strings are cut, so the sequence goes through in chunks that fit the
# oldest limit, each in its own DCS.
SCREEN_DCS_CHUNK = 252

ESC = "\x1b"
ST = ESC + "\\"
BEL = "\x07"


class ClipboardUnavailable(Exception):
    """Nothing could take the text; the message says what was tried and what to do."""


@dataclass(frozen=True)
class CopyResult:
    """How the text was copied, e.g. ("OSC 52", "wl-copy"), in the order tried."""

    methods: tuple[str, ...]

    def describe(self) -> str:
        """The methods as prose: "OSC 52", "OSC 52 and wl-copy"."""
        if not self.methods:
            return "nothing"
        if len(self.methods) == 1:
            return self.methods[0]
        return ", ".join(self.methods[:-1]) + " and " + self.methods[-1]


@dataclass(frozen=True)
class _Tool:
    """A clipboard command: the name we look up and report, its flags, its encoding."""

    name: str
    args: tuple[str, ...] = ()
    encoding: str = "utf-8"
    label: str = ""  # how it is reported, when not by its name


def osc52_sequence(data: bytes, env: Mapping[str, str]) -> str:
    """The OSC 52 sequence setting the clipboard to `data`, wrapped for tmux/screen."""
    payload = base64.b64encode(data).decode("ascii")
    if env.get("TMUX"):
        # tmux forwards a DCS "tmux;" string to the outer terminal once every ESC in
        # it is doubled (and only with `allow-passthrough on` since tmux 3.3).
        # Checked before screen because tmux sets TERM=screen* too.
        inner = f"{ESC}]52;c;{payload}{ST}"
        return f"{ESC}Ptmux;" + inner.replace(ESC, ESC + ESC) + ST
    if env.get("TERM", "").startswith("screen") and env.get("STY"):
        # Inside screen's DCS an ESC \ ends the DCS itself, so the inner sequence is
        # BEL-terminated; screen passes each chunk's body through verbatim.
        inner = f"{ESC}]52;c;{payload}{BEL}"
        chunks = (
            inner[i : i + SCREEN_DCS_CHUNK]
            for i in range(0, len(inner), SCREEN_DCS_CHUNK)
        )
        return "".join(f"{ESC}P{chunk}{ST}" for chunk in chunks)
    return f"{ESC}]52;c;{payload}{ST}"


def copy_text(
    text: str,
    *,
    terminal: TextIO | None = None,
    env: Mapping[str, str] | None = None,
) -> CopyResult:
    """Copy `text` (the last answer) to the clipboard: OSC 52, and a system tool.

    `terminal` defaults to sys.stdout and gets OSC 52 when it is a TTY; `env`
    (default os.environ) decides the multiplexer wrapping, which tools apply and
    where they are found. Returns what was used; raises ClipboardUnavailable when
    nothing was.
    """
    env = os.environ if env is None else env
    if terminal is None:
        terminal = sys.stdout
    # A lone surrogate cannot be encoded; a replacement character beats failing.
    data = text.encode("utf-8", errors="replace")

    methods: list[str] = []
    problems: list[str] = []

    skip = _osc52_skip_reason(terminal, env, len(data))
    passthrough = _tmux_passthrough(env) if env.get("TMUX") else None
    if skip is None and passthrough is False:
        # tmux swallows the sequence: reporting "copied via OSC 52" would be a lie.
        skip = "OSC 52 not sent: tmux drops it (allow-passthrough is off)"
    if skip is not None:
        problems.append(skip)
    elif terminal is not None:  # always so here; spelled out for type checkers
        try:
            terminal.write(osc52_sequence(data, env))
            terminal.flush()
        except (OSError, ValueError) as exc:  # a closed or vanished terminal
            problems.append(f"OSC 52 could not be written ({_reason(exc)})")
        else:
            methods.append("OSC 52")

    tool, tool_problems, found_any = _copy_with_tool(
        text, env, tmux_buffer=passthrough is False
    )
    if tool is not None:
        methods.append(tool)
    problems.extend(tool_problems)

    if not methods:
        raise ClipboardUnavailable(
            "could not copy: " + "; ".join(problems) + " — " + _hint(env, found_any)
        )
    return CopyResult(tuple(methods))


def _osc52_skip_reason(
    terminal: TextIO | None, env: Mapping[str, str], size: int
) -> str | None:
    """Why OSC 52 should not be sent, or None when it should."""
    try:
        is_tty = terminal is not None and terminal.isatty()
    except (OSError, ValueError):  # closed stream
        is_tty = False
    if not is_tty:
        # Escape bytes in a pipe or file would corrupt the output, not copy.
        return "OSC 52 needs a terminal (output is not one)"
    if env.get("TERM") == "dumb":
        return "OSC 52 not sent to TERM=dumb"
    if size > OSC52_MAX_BYTES:
        return f"text too long for OSC 52 ({size:,} bytes, limit {OSC52_MAX_BYTES:,})"
    return None


def _candidate_tools(env: Mapping[str, str]) -> list[_Tool]:
    """The clipboard tools worth trying here, best first."""
    tools = [_Tool("pbcopy")]  # macOS; elsewhere only if the user provides one
    if env.get("WAYLAND_DISPLAY"):
        tools.append(_Tool("wl-copy"))
    if env.get("DISPLAY"):  # X11, or XWayland when wl-copy is missing
        tools.append(_Tool("xclip", ("-selection", "clipboard")))
        tools.append(_Tool("xsel", ("--clipboard", "--input")))
    # clip.exe reads UTF-16LE reliably; other bytes go through the console code page
    # and non-ASCII text comes out garbled. On WSL it is on PATH via interop.
    tools.append(_Tool("clip.exe", encoding="utf-16-le"))
    if sys.platform == "win32":
        tools.append(_Tool("clip", encoding="utf-16-le"))
    return tools


def _over_ssh_without_display(env: Mapping[str, str]) -> bool:
    # Over SSH a local tool would fill the *remote* machine's clipboard (pbcopy on a
    # Mac we logged into), which the user cannot paste from; only a forwarded display
    # makes a tool useful there.
    over_ssh = any(
        env.get(name) for name in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY")
    )
    return over_ssh and not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def _tmux_passthrough(env: Mapping[str, str]) -> bool | None:
    """Whether the tmux we run in forwards OSC 52 (`allow-passthrough`, tmux 3.3+);
    None when tmux cannot be asked."""
    executable = shutil.which("tmux", path=env.get("PATH", os.defpath))
    if executable is None:
        return None
    queries = [["show-options", "-gqv", "allow-passthrough"]]
    if env.get("TMUX_PANE"):  # a pane's own setting wins over the global one
        pane = env["TMUX_PANE"]
        queries.append(["show-options", "-pqv", "-t", pane, "allow-passthrough"])
    value = ""
    for query in queries:
        try:
            done = subprocess.run(
                [executable, *query],
                capture_output=True,
                env=dict(env),
                timeout=TOOL_TIMEOUT,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        if done.returncode != 0:
            return None
        answer = done.stdout.decode("utf-8", "replace").strip()
        value = answer or value
    # Empty: a tmux older than 3.3, which passed everything through.
    return value in ("on", "all", "")


def _copy_with_tool(
    text: str, env: Mapping[str, str], *, tmux_buffer: bool = False
) -> tuple[str | None, list[str], bool]:
    """Try the tools in order until one takes the text.

    Returns the name of the tool that did (or None), the problems met on the way,
    and whether any tool was found at all (it changes the advice we give).
    `tmux_buffer` puts tmux's own buffer first (`load-buffer -w` also hands it to
    the outer terminal's clipboard when tmux's set-clipboard allows).
    """
    tools = _candidate_tools(env)
    if tmux_buffer:
        tmux = _Tool("tmux", ("load-buffer", "-w", "-"), label="the tmux buffer")
        if _over_ssh_without_display(env):
            tools = [tmux]
        else:
            tools.insert(0, tmux)
    elif _over_ssh_without_display(env):
        return None, ["no clipboard tool used over SSH without a display"], False
    search_path = env.get("PATH", os.defpath)
    problems: list[str] = []
    missing: list[str] = []
    for tool in tools:
        executable = shutil.which(tool.name, path=search_path)
        if executable is None:
            missing.append(tool.name)
            continue
        data = text.encode(tool.encoding, errors="replace")
        failure = _run_tool([executable, *tool.args], data, env)
        if failure is None:
            return tool.label or tool.name, problems, True
        problems.append(f"{tool.name} {failure}")
    found_any = bool(problems)  # every tool found and run left a problem behind
    if not found_any:
        problems.append(f"no clipboard tool found (looked for {', '.join(missing)})")
    return None, problems, found_any


def _run_tool(argv: list[str], data: bytes, env: Mapping[str, str]) -> str | None:
    """Feed `data` to `argv`; None on success, else why it failed."""
    try:
        # A new session: xclip and wl-copy fork a child that owns the selection
        # until something else is copied. It must not share our terminal's process
        # group, or the next Ctrl-C in the REPL would kill it and empty the
        # clipboard. Output goes to DEVNULL so run-away children hold no pipe of ours.
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(env),
            start_new_session=True,
        )
    except OSError as exc:
        return f"could not start ({_reason(exc)})"
    try:
        process.communicate(data, timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill(process)
        return f"timed out after {TOOL_TIMEOUT:g} s"
    except BaseException:  # Ctrl-C while waiting: leave nothing half-running
        _kill(process)
        raise
    if process.returncode != 0:
        return f"failed (exit {process.returncode})"
    return None


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Kill a stuck tool and whatever it started, then reap it."""
    try:
        if hasattr(os, "killpg"):
            # The tool leads its own session (start_new_session), so its process
            # group holds it and any helper it spawned; the pid is not reused
            # because we have not reaped it yet.
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:  # already gone
        pass
    process.wait()


def _hint(env: Mapping[str, str], found_tool: bool) -> str:
    if env.get("TMUX"):
        return (
            "let tmux pass OSC 52 through: tmux set -g allow-passthrough on "
            "(add it to ~/.tmux.conf to keep it)"
        )
    if _over_ssh_without_display(env):
        return "use a terminal with OSC 52 (in tmux: set -g allow-passthrough on)"
    if found_tool:  # installing more tools would not help; the display might
        return "check that the display is reachable, or use a terminal with OSC 52"
    if env.get("WAYLAND_DISPLAY"):
        return "install wl-clipboard, or use a terminal with OSC 52"
    if env.get("DISPLAY"):
        return "install xclip or xsel, or use a terminal with OSC 52"
    return "install wl-clipboard or xclip, or use a terminal with OSC 52"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
