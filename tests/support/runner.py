"""Two ways to run `r1 ARGS…` that return the same `Result`.

`spawn_r1` starts `python -m r1cli` as a real process: for what is about processes
(signals, exit statuses the shell sees, start-up, closed pipes). `call_r1` calls
`r1cli.__main__.main(args)` in this process with its own stdin, stdout, stderr,
environment, working folder and umask, which is ten times cheaper and covers
everything else (flags, request bodies, exit codes, error lines, history rows).

The conftest fixtures `run_r1` and `call_r1` wrap these and check every result at
teardown (`check_results`).
"""

from __future__ import annotations

import io
import locale
import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tests.support.canary import assert_no_canary, home_files_except_keys

ROOT = Path(__file__).resolve().parents[2]

Env = Mapping[str, "str | None"]


@dataclass(frozen=True)
class Result:
    """A finished `r1` run: exit status and both streams, as bytes and as text."""

    args: tuple[str, ...]
    returncode: int
    stdout_bytes: bytes
    stderr_bytes: bytes
    elapsed: float

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "replace")

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


# (*args, env=None, input=None, timeout=20, umask=-1) -> Result
RunR1 = Callable[..., Result]


def check_results(results: Sequence[Result], home: Path) -> None:
    """The teardown checks of every run: no canary in its output or in any file
    under `home` but the keys file, and no traceback unless it ran with `--debug`."""
    for result in results:
        assert_no_canary(result.stdout_bytes, result.stderr_bytes)
        if "--debug" not in result.args:
            assert "Traceback" not in result.stderr, result.stderr
    assert_no_canary(*home_files_except_keys(home))


# -- a real process ----------------------------------------------------------------


def spawn_r1(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Env | None = None,
    input: bytes | None = None,
    timeout: float = 20,
    umask: int = -1,
) -> Result:
    """Run `python -m r1cli ARGS…` in a child process with os.environ plus `env`."""
    full_env = dict(os.environ)
    # Let the child cache compiled bytecode: every run imports the same modules,
    # and recompiling them costs ~0.1 s of CPU per run.
    full_env.pop("PYTHONDONTWRITEBYTECODE", None)
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    for name, value in (env or {}).items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "r1cli", *args],
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        umask=umask,
    )
    return Result(
        tuple(args),
        proc.returncode,
        proc.stdout,
        proc.stderr,
        time.monotonic() - started,
    )


# -- in this process ---------------------------------------------------------------

# Handlers r1 may change (error_boundary sets SIGTERM and SIGHUP; die_by_signal resets to SIG_DFL).
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGHUP)


def call_r1(
    args: Sequence[str],
    *,
    cwd: Path,
    env: Env | None = None,
    input: bytes | None = None,
    timeout: float = 20,
    umask: int = -1,
) -> Result:
    """Run `r1cli.__main__.main(ARGS)` here, as `spawn_r1` would run it in a child.

    stdin is /dev/null or a file holding `input`; stdout and stderr are unnamed files
    wrapped the way Python wraps a pipe (so `.buffer`, `fileno()` and `isatty()` work
    as in a child whose output is piped). `env` is applied to os.environ for the call
    only; the working folder, umask and signal handlers are restored afterwards.
    `timeout` is accepted for the same signature; r1's own deadlines bound a call.
    """
    del timeout
    import r1cli
    from r1cli.__main__ import main

    # A subprocess gets this checkout first on PYTHONPATH; here an installed r1cli
    # (e.g. an editable install of another checkout) could be what was imported.
    where = Path(r1cli.__file__).resolve()
    assert where.is_relative_to(ROOT), f"in-process r1 is {where}, not under {ROOT}"

    encoding = "utf-8" if sys.flags.utf8_mode else locale.getpreferredencoding(False)
    started = time.monotonic()
    with (
        _environment(env or {}),
        _stdin(input, encoding) as stdin,
        _output(encoding, "strict", line_buffering=False) as stdout,
        _output(encoding, "backslashreplace", line_buffering=True) as stderr,
        _process_state(cwd, umask),
    ):
        saved = sys.stdin, sys.stdout, sys.stderr
        sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
        try:
            returncode = _exit_status(main, list(args), stderr)
        finally:
            sys.stdin, sys.stdout, sys.stderr = saved
        out, err = _contents(stdout), _contents(stderr)
    return Result(tuple(args), returncode, out, err, time.monotonic() - started)


def _exit_status(
    main: Callable[[list[str]], None], args: list[str], err: IO[str]
) -> int:
    """What the interpreter would make of main()'s ending: its exit status."""
    try:
        main(args)
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        err.write(f"{exc.code}\n")
        return 1
    except Exception:
        # An uncaught exception: Python prints the traceback and exits with 1, and the
        # teardown check then fails the test unless it ran with --debug.
        err.write(traceback.format_exc())
        return 1
    return 0


@contextmanager
def _environment(env: Env) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in env}
    try:
        for name, value in env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def _stdin(data: bytes | None, encoding: str) -> Iterator[io.TextIOWrapper]:
    if data is None:
        with open(os.devnull, "rb") as raw:
            yield io.TextIOWrapper(raw, encoding=encoding)
        return
    with tempfile.TemporaryFile() as raw:
        raw.write(data)
        raw.seek(0)
        yield io.TextIOWrapper(raw, encoding=encoding)  # type: ignore[arg-type]


@contextmanager
def _output(
    encoding: str, errors: str, *, line_buffering: bool
) -> Iterator[io.TextIOWrapper]:
    """An unnamed file wrapped as Python wraps a piped stdout or stderr."""
    with tempfile.TemporaryFile() as raw:
        yield io.TextIOWrapper(
            raw,  # type: ignore[arg-type]
            encoding=encoding,
            errors=errors,
            line_buffering=line_buffering,
        )


def _contents(stream: io.TextIOWrapper) -> bytes:
    """Everything written, as the reading end of a pipe would get it at exit."""
    with suppress(OSError, ValueError):
        stream.flush()
    if stream.closed:
        return b""
    stream.buffer.seek(0)
    return stream.buffer.read()


@contextmanager
def _process_state(cwd: Path, umask: int) -> Iterator[None]:
    """Working folder, umask and signal handlers as the call found them; and no
    signal to ourselves: a child would die of it, this process must not."""
    previous_cwd = os.getcwd()
    previous_umask = os.umask(umask) if umask != -1 else None
    handlers = {signum: signal.getsignal(signum) for signum in _SIGNALS}
    real_kill = os.kill

    def kill(pid: int, signum: int) -> None:
        if pid == os.getpid():
            raise AssertionError(
                f"r1 sent itself signal {signum}: test this in tests/e2e with run_r1"
            )
        real_kill(pid, signum)

    os.chdir(cwd)
    os.kill = kill
    try:
        yield
    finally:
        os.kill = real_kill
        os.chdir(previous_cwd)
        if previous_umask is not None:
            os.umask(previous_umask)
        for signum, handler in handlers.items():
            if handler is not None:
                signal.signal(signum, handler)
