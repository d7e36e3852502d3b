"""Streaming and start-up benchmarks for `r1` (issue 3), as ratios measured in one run.

    .venv/bin/python tests/benchmarks/run.py           # full: ~2-4 minutes
    .venv/bin/python tests/benchmarks/run.py --quick   # fewer runs: ~1.5 minutes

The fake server (tests/support/fakeserver.py) streams N tokens, half reasoning (that
moves on: numbered sentences, so the loop guard works all the way) and half a
Markdown answer (headings, paragraphs, lists, a code block, a table), one token per
SSE event. `r1 ask` (history on, as users run it), `r1 ask --no-history` (shown, not
gated: it isolates the history store's cost) and a floor client
(tests/benchmarks/floor_client.py: bare httpx, json.loads, a write per token) read it
with stdout on a pipe and on a 120x40 pty whose output is read and discarded as fast
as possible. CPU and peak RSS come from wait4(), through a small launcher so that the
peak RSS is the client's own (see `spawn`); the client's CPU time when its request
reaches the server (from /proc, in nanoseconds) is subtracted, so start-up — and its
noise, larger than 2,000 tokens' worth — is not counted. Marginal CPU per 1k tokens =
(CPU after the request at N - the same at N=0) / (N / 1000), medians of 5 runs
(3 with --quick; three times as many at N = 0 and 2,000), the clients taking turns
so that the machine's drift reaches all alike; the CPU gates use N = 20,000, linearity compares 20,000 with 2,000. Start-up compares
`python -m r1cli --version` and the `r1 --help` console script with `python -c pass`.

Issue 15 adds, each pair run in turns in the same run: a one-shot with a 0-token
answer (whole-process wall, pipe and pty) and the time its request reaches the server
against the floor client; `r1 chat` until its prompt echoes a key against a bare
prompt_toolkit `PromptSession().prompt()`; and the first answer byte through a TLS
front adding 50 ms per round trip (tests/benchmarks/tls_delay.py) against the floor.
`--startup` runs only the start-up figures (~20 s).

Every figure is printed with its target and PASS/FAIL (or "info"); the exit status
is 1 when any target is missed. Figures from a shared 2-core VM are noisy (10-30 %):
read ratios, not the third digit, and re-run a borderline FAIL.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import selectors
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
# The r1cli the clients import (`--tree`: another checkout, for a before/after pair
# measured by the same benchmark code).
TREE = ROOT

from tests.support.fakeserver import (  # noqa: E402
    FakeServer,
    Reply,
    generate_stream,
    generated_answer_markdown,
)

FLOOR = ROOT / "tests" / "benchmarks" / "floor_client.py"
MODEL = "deepseek/deepseek-r1-0528"
PTY_ROWS, PTY_COLS = 40, 120
HEAVY_FOR_HELP = ("httpx", "prompt_toolkit", "markdown_it")


@dataclass
class Run:
    """One client process: resources from wait4() and what it wrote."""

    cpu: float  # user + system seconds
    wall: float  # seconds from spawn to exit
    rss_mb: float  # peak resident set
    out_bytes: int  # bytes on stdout (pipe) or on the pty (both streams)
    exit: int
    output: bytes
    stream_cpu: float = 0.0  # CPU after the request arrived (the stream, the exit)
    request_at: float = 0.0  # seconds after spawn when the server got the request
    lag: float = 0.0  # seconds from the server's last byte to the client's exit
    last_output: float = 0.0  # monotonic time of the last byte on the pty
    shown_lag: float = 0.0  # seconds from the server's last byte to the pty's last
    stream_seconds: float = 0.0  # how long the server took to send the stream


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process, all threads.

    /proc/PID/stat counts in 10 ms ticks, which at 2,000 tokens is a tenth of what is
    measured; each live thread's /proc/PID/task/TID/schedstat counts nanoseconds. The
    nanosecond sum is used unless threads that already ended had spent more than a
    tick (their time is only in the tick count).
    """
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    precise = 0.0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as f:
                precise += int(f.read().split()[0]) / 1e9
    except (OSError, ValueError):
        return ticks
    return precise if ticks - precise < 0.02 else ticks


class TimedServer(FakeServer):
    """The fake server, also noting when a reply starts and when its last byte left.

    When it knows the client's pid it also reads the client's CPU time as the request
    arrives: what the client spends after that is the stream's cost, free of the
    start-up noise (imports, .pyc compiles) that dwarfs 2,000 tokens' worth.
    """

    started: float = 0.0
    finished: float = 0.0
    client_pid: int = 0
    client_cpu_at_request: float = 0.0

    def _send(self, conn: Any, reply: Reply) -> None:
        self.started = time.monotonic()
        if self.client_pid:
            self.client_cpu_at_request = process_cpu(self.client_pid)
        try:
            super()._send(conn, reply)
        finally:
            self.finished = time.monotonic()


# -- running one client --------------------------------------------------------------


# Not passed on: colour and size overrides, and PYTHONDONTWRITEBYTECODE (set on some
# dev machines), which would compile every edited module at every start, unlike an
# installed r1 whose .pyc files pip wrote.
_DROPPED = ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "PYTHONDONTWRITEBYTECODE")


def _env(home: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("R1CLI_") and k not in _DROPPED
    }
    env |= {
        "R1CLI_HOME": home,
        "R1CLI_API_KEY": "x",
        "NO_PROXY": "127.0.0.1,localhost",
        "TERM": "xterm-256color",
        "PYTHONPATH": str(TREE),
    }
    return env | extra


def r1_command() -> list[str]:
    """The installed console script when there is one, else `python -m r1cli`."""
    script = Path(sys.executable).with_name("r1")
    return [str(script)] if script.exists() else [sys.executable, "-m", "r1cli"]


def client_argv(client: str, base_url: str) -> list[str]:
    """`floor`, `r1`, or `r1-nohist` (r1 without the history store, to show its cost)."""
    if client == "floor":
        return [sys.executable, str(FLOOR), base_url]
    extra = ["--no-history"] if client == "r1-nohist" else []
    return [*r1_command(), "ask", "--provider", "openai", "--base-url", base_url,
            "-m", MODEL, *extra, "Explain Fibonacci"]  # fmt: skip


def _drain_pipes(proc: subprocess.Popen[bytes]) -> bytes:
    """Read stdout and stderr to EOF; return stdout."""
    selector = selectors.DefaultSelector()
    out = bytearray()
    for stream in (proc.stdout, proc.stderr):
        assert stream is not None
        selector.register(stream, selectors.EVENT_READ)
    while selector.get_map():
        for key, _ in selector.select():
            chunk = os.read(key.fileobj.fileno(), 1 << 16)  # type: ignore[union-attr]
            if not chunk:
                selector.unregister(key.fileobj)
            elif key.fileobj is proc.stdout:
                out += chunk
    return bytes(out)


def _drain_pty(master: int) -> tuple[bytes, float]:
    """Everything the pty showed, and when its last byte came."""
    out = bytearray()
    last = time.monotonic()
    while True:
        try:
            chunk = os.read(master, 1 << 16)
        except OSError:  # EIO: every slave descriptor is closed
            break
        if not chunk:
            break
        last = time.monotonic()
        out += chunk
    return bytes(out), last


def _reap(proc: subprocess.Popen[bytes], started: float, output: bytes) -> Run:
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped
    return Run(
        cpu=usage.ru_utime + usage.ru_stime,
        wall=wall,
        rss_mb=usage.ru_maxrss / 1024,
        out_bytes=len(output),
        exit=proc.returncode,
        output=output,
    )


# Peak RSS from wait4() is the most of every memory image the process had, and a
# spawned child starts as a copy (or, with vfork, a sharer) of this benchmark process,
# which holds every generated stream: a client smaller than this process would show
# this process's size. So where RSS matters the client is started by this small
# launcher (a bare interpreter, ~8 MB), which forks, execs the client, and reports its
# pid, then its exit status, CPU, peak RSS and wall time, on a pipe of their own.
_LAUNCHER = """\
import os, sys, time
report = int(sys.argv[1])
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.close(report)
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
os.write(report, b"%d\\n" % pid)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
fields = (status, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, wall)
os.write(report, (" ".join(map(str, fields)) + "\\n").encode())
"""


def _read_line(fd: int) -> str:
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = os.read(fd, 1)
        if not chunk:
            raise SystemExit("the benchmark launcher ended without a report")
        line += chunk
    return line.decode().strip()


def spawn(
    argv: list[str],
    env: dict[str, str],
    mode: str,
    on_spawn: Callable[[int], None] = lambda pid: None,
    *,
    isolated: bool = False,
) -> Run:
    """Run `argv` with stdout on a pipe or on a 120x40 pty; `isolated`: through the
    launcher, for a peak RSS of the client's own (the wall time is then the
    launcher's measure, from its fork to the client's exit)."""
    started = time.perf_counter()
    report = -1
    pass_fds: tuple[int, ...] = ()
    if isolated:
        report, report_w = os.pipe()
        argv = [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report_w), *argv]
        pass_fds = (report_w,)
    master = -1
    if mode == "pipe":
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, pass_fds=pass_fds,
        )  # fmt: skip
    else:
        master, slave = pty.openpty()
        size = struct.pack("HHHH", PTY_ROWS, PTY_COLS, 0, 0)
        fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
        proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True, pass_fds=pass_fds,
        )  # fmt: skip
        os.close(slave)
    try:
        if isolated:
            os.close(pass_fds[0])
            on_spawn(int(_read_line(report)))
        else:
            on_spawn(proc.pid)
        last = 0.0
        if mode == "pipe":
            output = _drain_pipes(proc)
        else:
            output, last = _drain_pty(master)
        if not isolated:
            run = _reap(proc, started, output)
        else:
            status, cpu, rss_kb, wall = _read_line(report).split()
            proc.wait()
            run = Run(cpu=float(cpu), wall=float(wall), rss_mb=int(rss_kb) / 1024,
                      out_bytes=len(output), output=output,
                      exit=os.waitstatus_to_exitcode(int(status)))  # fmt: skip
        run.last_output = last
        return run
    finally:
        for fd in (master, report):
            if fd >= 0:
                os.close(fd)


def stream(
    client: str, mode: str, tokens: int, rate: float = 0.0, *, isolated: bool = False
) -> Run:
    """One client reading one generated stream of `tokens` tokens (`isolated`: see
    `spawn`)."""
    reply = Reply(chunks=generate_stream(tokens), delay=1 / rate if rate else 0.0)
    with TimedServer([reply]) as server, tempfile.TemporaryDirectory() as home:
        spawned = time.monotonic()
        argv = client_argv(client, server.url + "/v1")
        run = spawn(
            argv,
            _env(home),
            mode,
            lambda pid: setattr(server, "client_pid", pid),
            isolated=isolated,
        )
        exited = time.monotonic()
    if run.exit != 0:
        raise SystemExit(f"{client} ({mode}, {tokens}) exited {run.exit}: "
                         f"{run.output[-500:]!r}")  # fmt: skip
    run.request_at = server.started - spawned
    run.lag = exited - server.finished
    run.stream_seconds = server.finished - server.started
    run.stream_cpu = run.cpu - server.client_cpu_at_request
    if run.last_output:
        run.shown_lag = run.last_output - server.finished
    return run


# -- the measurements ----------------------------------------------------------------


@dataclass
class Figure:
    name: str
    value: float
    target: float
    shown: str  # the value as printed, with its context
    unit: str = "x"
    info: bool = False  # measured and printed, not a gate

    @property
    def passed(self) -> bool:
        return self.info or self.value <= self.target


def median_of(results: list[Run]) -> Run:
    """The run with the median CPU after the request."""
    return sorted(results, key=lambda r: r.stream_cpu)[len(results) // 2]


def marginal(base: Run, run: Run, tokens: int) -> float:
    """CPU milliseconds per 1k tokens above the fixed cost (both after the request)."""
    return max(run.stream_cpu - base.stream_cpu, 1e-6) * 1000 / (tokens / 1000)


Key = tuple[str, str, int]  # (client, stdout, tokens)


@dataclass
class Bulk:
    """Median runs of every client, stdout and size, and their marginal CPU."""

    sizes: tuple[int, int]
    runs: dict[Key, Run]
    per_k: dict[Key, float]  # marginal CPU ms per 1k tokens

    def rows(self) -> list[list[str]]:
        rows = []
        for (client, mode, tokens), run in sorted(self.runs.items()):
            mark = f"{self.per_k[client, mode, tokens]:.1f}" if tokens else "-"
            rows.append([client, mode, f"{tokens:,}", f"{run.wall:.3f}",
                         f"{run.cpu:.3f}", f"{run.stream_cpu:.3f}", mark,
                         f"{run.rss_mb:.1f}", f"{run.out_bytes:,}"])  # fmt: skip
        return rows


def measure_bulk(sizes: tuple[int, int], runs: int, log: Callable[[str], None]) -> Bulk:
    """Every client on a pipe and a pty at N = 0 and both sizes, unthrottled.

    The clients take turns (a round runs each client at each size once), so a drift
    in the machine's speed during the minute this takes reaches every client alike
    instead of whichever happened to run then."""
    bulk = Bulk(sizes, {}, {})
    clients = ("floor", "r1", "r1-nohist")
    small = (0, *sizes[:-1])
    for mode in ("pipe", "pty"):
        results: dict[Key, list[Run]] = {}
        for round_ in range(runs):
            log(f"  {mode:4} round {round_ + 1}/{runs}")
            for client in clients:
                for tokens in (0, *sizes):
                    # The small streams cost a few tens of ms, as much as the noise
                    # of one run: three of them per round.
                    for _ in range(3 if tokens in small else 1):
                        run = stream(client, mode, tokens, isolated=True)
                        results.setdefault((client, mode, tokens), []).append(run)
        for key, found in results.items():
            bulk.runs[key] = median_of(found)
        for client in clients:
            base = bulk.runs[client, mode, 0]
            for tokens in sizes:
                run = bulk.runs[client, mode, tokens]
                bulk.per_k[client, mode, tokens] = marginal(base, run, tokens)
    return bulk


def cpu_figures(bulk: Bulk) -> list[Figure]:
    small, large = bulk.sizes
    figures = []
    limits = {"pipe": 1.3, "pty": 2.0}  # issue 15 (issue 3 had 2.0 and 3.5)
    for mode in ("pipe", "pty"):
        for client, tokens in (("r1", small), ("r1", large), ("r1-nohist", large)):
            ours = bulk.per_k[client, mode, tokens]
            floor = bulk.per_k["floor", mode, tokens]
            figures.append(Figure(
                f"{mode}: marginal CPU per 1k tokens at {tokens:,}, {client} ÷ floor",
                ours / floor, limits[mode],
                f"{ours / floor:.2f}x ({ours:.1f} vs {floor:.1f} ms)",
                # At 2k the floor's CPU is within the noise, and first-use costs
                # (pygments lexers, the first Markdown render) are not amortised.
                info=tokens == small or client != "r1",
            ))  # fmt: skip
    for mode in ("pipe", "pty"):
        ratio = bulk.per_k["r1", mode, large] / bulk.per_k["r1", mode, small]
        figures.append(Figure(
            f"{mode}: linearity, r1 per-token cost at {large:,} ÷ at {small:,}",
            ratio, 1.1, f"{ratio:.2f}",  # issue 15 (issue 3: 1.5)
        ))  # fmt: skip
    return figures


def memory_and_bytes_figures(bulk: Bulk) -> list[Figure]:
    large = bulk.sizes[1]
    figures = []
    for mode in ("pipe", "pty"):
        growth = bulk.runs["r1", mode, large].rss_mb - bulk.runs["r1", mode, 0].rss_mb
        figures.append(Figure(
            f"{mode}: peak RSS growth over a {large:,}-token stream",
            growth, 5.0, f"{growth:+.1f} MB", unit="MB",  # issue 15 (issue 3: 15)
        ))  # fmt: skip
    answer = len(generated_answer_markdown(large).encode())
    written = bulk.runs["r1", "pty", large].out_bytes
    figures.append(Figure(
        f"pty: bytes written ÷ answer bytes ({large:,} tokens, unthrottled)",
        written / answer, 50.0, f"{written / answer:.1f}x",
    ))  # fmt: skip
    return figures


def paced_figures(tokens: int, rate: float, log: Callable[[str], None]) -> list[Figure]:
    """Realistic pace on a pty: does the view keep up, and what does it write?"""
    figures: list[Figure] = []
    answer = len(generated_answer_markdown(tokens).encode())
    for client in ("floor", "r1"):
        log(f"  {client:5} pty  {tokens:>6} tokens at {rate:.0f} tokens/s")
        run = stream(client, "pty", tokens, rate)
        busy = run.cpu / run.wall
        after = run.wall - run.request_at
        if client == "floor":
            figures.append(Figure(
                f"pty at {rate:.0f} tok/s: floor CPU share", busy, 1.0,
                f"{busy:.0%} of a core", info=True,
            ))  # fmt: skip
            continue
        figures.append(Figure(
            f"pty at {rate:.0f} tok/s: r1's last byte on screen after the server's",
            run.shown_lag, 0.3, f"{run.shown_lag:.3f} s", unit="s", info=True,
        ))  # fmt: skip
        figures.append(Figure(
            f"pty at {rate:.0f} tok/s: r1 exit after the last byte (never behind)",
            run.lag, 0.3,
            f"{run.lag:.3f} s (request → exit {after:.2f} s, stream {run.stream_seconds:.2f} s)",
            unit="s",
        ))  # fmt: skip
        figures.append(Figure(
            f"pty at {rate:.0f} tok/s: r1 CPU share", busy, 1.0,
            f"{busy:.0%} of a core", info=True,
        ))  # fmt: skip
        figures.append(Figure(
            f"pty at {rate:.0f} tok/s: bytes written ÷ answer bytes",
            run.out_bytes / answer, 50.0, f"{run.out_bytes / answer:.1f}x",
        ))  # fmt: skip
    return figures


def _wall(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # fmt: skip
    return time.perf_counter() - started


def median_walls(
    commands: list[list[str]], env: dict[str, str], runs: int
) -> list[float]:
    """Median wall time of each command, run in turns so load drifts hit all alike."""
    for argv in commands:
        for _ in range(2):
            _wall(argv, env)  # warm the page cache and .pyc files
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for argv, samples in zip(commands, times, strict=True):
            samples.append(_wall(argv, env))
    return [statistics.median(samples) for samples in times]


def startup_figures(runs: int) -> list[Figure]:
    module, script = [sys.executable, "-m", "r1cli"], r1_command()
    commands = [[sys.executable, "-c", "pass"], [*module, "--version"],
                [*script, "--version"], [*script, "--help"]]  # fmt: skip
    with tempfile.TemporaryDirectory() as home:
        base, version, wrapped, helped = median_walls(commands, _env(home), runs)
    return [
        # runpy's own imports (`-m`) are not r1's: information; the issue's gate is
        # the `r1` console script, what users and scripts run.
        Figure("start-up: python -m r1cli --version ÷ python -c pass", version / base,
               1.5, f"{version / base:.2f}x ({version * 1000:.0f} vs {base * 1000:.0f} ms)",
               info=True),
        Figure("start-up: r1 --version (console script) ÷ python -c pass",
               wrapped / base, 1.2, f"{wrapped / base:.2f}x ({wrapped * 1000:.0f} ms)"),
        Figure("start-up: r1 --help ÷ python -c pass", helped / base, 8.0,
               f"{helped / base:.2f}x ({helped * 1000:.0f} ms)"),
    ]  # fmt: skip


IMPORT_LINE = re.compile(rb"import time:\s+\d+ \|\s+\d+ \|\s*(\S+)")


def imported(output: bytes) -> set[str]:
    """Module names from `-X importtime` output."""
    return {m.decode() for m in IMPORT_LINE.findall(output)}


def _forbidden(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(
        m for m in modules if m in names or m.startswith(tuple(n + "." for n in names))
    )


def import_figures() -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as home:
        env = _env(home, PYTHONPROFILEIMPORTTIME="1")
        helped = subprocess.run([*r1_command(), "--help"], env=env, capture_output=True)
        bad = _forbidden(imported(helped.stderr), HEAVY_FOR_HELP)
        figures.append(
            _import_figure("r1 --help imports no httpx/prompt_toolkit/markdown_it", bad)
        )
        for mode, names in (
            ("pipe", ("prompt_toolkit", "rich.markdown")),
            ("pty", ("prompt_toolkit",)),
        ):
            reply = Reply(chunks=generate_stream(50))
            with TimedServer([reply]) as server:
                argv = client_argv("r1", server.url + "/v1")
                if mode == "pipe":
                    done = subprocess.run(
                        argv, env=env, capture_output=True, stdin=subprocess.DEVNULL
                    )
                    output = done.stderr
                else:
                    output = spawn(argv, env, "pty").output
            bad = _forbidden(imported(output), names)
            figures.append(
                _import_figure(
                    f"one-shot on a {mode} imports no {'/'.join(names)}", bad
                )
            )
    return figures  # fmt: skip


def _import_figure(name: str, bad: list[str]) -> Figure:
    return Figure(name, float(len(bad)), 0.0, ", ".join(bad[:4]) or "none", unit="")


def request_figure() -> Figure:
    """Exec to request on the wire, as a ratio to `python -c pass` (information)."""
    with tempfile.TemporaryDirectory() as home:
        (base,) = median_walls([[sys.executable, "-c", "pass"]], _env(home), 5)
    run = median_of([stream("r1", "pipe", 0) for _ in range(5)])
    return Figure("time to request sent ÷ python -c pass (S3, ≤ 20x)",
                  run.request_at / base, 20.0,
                  f"{run.request_at / base:.1f}x ({run.request_at * 1000:.0f} ms)",
                  info=True)  # fmt: skip


def repl_figures(runs: int) -> list[Figure]:
    """`r1 chat` on a pty: start to an empty prompt, and Enter to the request arriving
    (information: the REPL's own latency, as ratios to `python -c pass`)."""
    from tests.support.pty_session import PtySession, pty_env
    from tests.support.replies import chat_stream, sse_reply

    ready: list[float] = []
    sent: list[float] = []
    with tempfile.TemporaryDirectory() as home, FakeServer() as server:
        (base,) = median_walls([[sys.executable, "-c", "pass"]], _env(home), 5)
        for n in range(runs):
            server.queue(sse_reply(chat_stream(["ok"], ["hm"])))
            argv = ["chat", "--provider", "openai", "--base-url", f"{server.url}/v1"]
            started = time.perf_counter()
            session = PtySession(
                [*argv, "-m", "m"],
                pty_env(Path(home) / str(n), R1CLI_API_KEY="x", PYTHONPATH=str(TREE)),
            )
            try:
                session.wait_for(session.at_empty_prompt)
                ready.append(time.perf_counter() - started)
                session.pump(1.0)  # a person takes longer than this to type
                session.send("hi")
                session.pump(0.05)
                pressed = time.perf_counter()
                session.send("\r")
                session.wait_for(lambda n=n: len(server.requests) == n + 1)
                sent.append(time.perf_counter() - pressed)
                session.wait_prompt()
                session.ctrl("d")
                session.wait_exit()
            finally:
                session.close()
    start, enter = statistics.median(ready), statistics.median(sent)
    return [
        Figure("r1 chat: start to an empty prompt ÷ python -c pass", start / base, 0.0,
               f"{start / base:.1f}x ({start * 1000:.0f} ms)", info=True),
        Figure("r1 chat: Enter to the request at the server", enter, 0.0,
               f"{enter * 1000:.0f} ms", unit="s", info=True),
    ]  # fmt: skip


# -- issue 15: start-up against the floor, in the same run ----------------------------


def _interleaved(
    measure: Callable[[str], float], names: tuple[str, ...], runs: int
) -> dict[str, float]:
    """Median of `measure(name)` for each name, run in turns (one warm-up each) so
    load drifts on a shared machine hit all alike."""
    for name in names:
        measure(name)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(runs):
        for name in names:
            samples[name].append(measure(name))
    return {name: statistics.median(values) for name, values in samples.items()}


def oneshot_figures(runs: int) -> list[Figure]:
    """A 0-token answer, whole process, r1 (history on) against the floor client."""
    figures: list[Figure] = []
    for mode, limit in (("pipe", 1.5), ("pty", 1.8)):
        requests: dict[str, list[float]] = {"floor": [], "r1": []}

        def wall(
            client: str, mode: str = mode, requests: dict[str, list[float]] = requests
        ) -> float:
            run = stream(client, mode, 0)
            requests[client].append(run.request_at)
            return run.wall

        walls = _interleaved(wall, ("floor", "r1"), runs)
        ratio = walls["r1"] / walls["floor"]
        figures.append(Figure(
            f"{mode}: one-shot, 0-token answer, whole process, r1 ÷ floor", ratio, limit,
            f"{ratio:.2f}x ({walls['r1'] * 1000:.0f} vs {walls['floor'] * 1000:.0f} ms)",
        ))  # fmt: skip
        if mode == "pipe":
            ours = statistics.median(requests["r1"])
            floor = statistics.median(requests["floor"])
            figures.append(Figure(
                "pipe: request at the server, r1 - floor", ours - floor, 0.08,
                f"{(ours - floor) * 1000:+.0f} ms ({ours * 1000:.0f} vs "
                f"{floor * 1000:.0f} ms after spawn)", unit="s",
            ))  # fmt: skip
    return figures


BARE_PROMPT = "from prompt_toolkit import PromptSession; PromptSession().prompt('› ')"


def chat_start_figure(runs: int) -> Figure:
    """`r1 chat` on a pty until its prompt echoes a key, against a bare prompt_toolkit
    `PromptSession().prompt()` started and watched the same way."""
    from tests.support.pty_session import PtySession, pty_env

    class Session(PtySession):
        """PtySession, running `argv` after the interpreter instead of `-m r1cli`."""

        def __init__(self, argv: list[str], env: dict[str, str]) -> None:
            import pexpect  # the benchmark's own dependency, via pty_session

            super().__init__(["--version"], env)  # builds the screen; replaced below
            self.child.close(force=True)
            self.child = pexpect.spawn(sys.executable, argv, dimensions=(24, 80),
                                       env=env, timeout=10)  # fmt: skip
            self.child.delaybeforesend = None

    with tempfile.TemporaryDirectory() as home, FakeServer() as server:
        commands = {
            "bare": ["-c", BARE_PROMPT],
            "r1": ["-m", "r1cli", "chat", "--provider", "openai", "--base-url",
                   f"{server.url}/v1", "-m", "m"],
        }  # fmt: skip

        def ready(name: str) -> float:
            env = pty_env(Path(home), R1CLI_API_KEY="x", PYTHONPATH=str(TREE))
            started = time.perf_counter()
            session = Session(commands[name], env)
            try:
                session.wait_for(session.at_empty_prompt)
                session.send("x")
                session.wait_for(lambda: session.cursor_line().endswith("› x"))
                return time.perf_counter() - started
            finally:
                session.close()

        times = _interleaved(ready, ("bare", "r1"), runs)
    ratio = times["r1"] / times["bare"]
    return Figure(
        "pty: r1 chat start to a prompt that echoes a key ÷ bare PromptSession",
        ratio, 1.5,
        f"{ratio:.2f}x ({times['r1'] * 1000:.0f} vs {times['bare'] * 1000:.0f} ms)",
    )  # fmt: skip


def _first_stdout_byte(argv: list[str], env: dict[str, str]) -> float:
    """Seconds from spawn to the first byte on stdout (a pipe); the process must
    exit 0."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)  # fmt: skip
    assert proc.stdout is not None
    first = os.read(proc.stdout.fileno(), 1)
    at = time.perf_counter() - started
    _out, err = proc.communicate()
    if proc.returncode != 0 or not first:
        raise SystemExit(f"{argv[:3]} exited {proc.returncode}: {err[-500:]!r}")
    return at


def tls_figure(runs: int, delay: float = 0.05) -> Figure:
    """Time to the first answer byte through TLS with `delay` added per round trip."""
    from tests.benchmarks.tls_delay import TlsDelayFront
    from tests.support.replies import chat_stream, sse_reply

    with tempfile.TemporaryDirectory() as home, FakeServer() as server, \
            TlsDelayFront(server.port, delay) as front:  # fmt: skip
        env = _env(home, SSL_CERT_FILE=str(front.ca_file))

        def first_byte(client: str) -> float:
            server.queue(sse_reply(chat_stream(["Hello", " world"], ["hm"])))
            return _first_stdout_byte(client_argv(client, front.url + "/v1"), env)

        times = _interleaved(first_byte, ("floor", "r1"), runs)
    extra = times["r1"] - times["floor"]
    return Figure(
        f"TLS, +{delay * 1000:.0f} ms per round trip: first answer byte, r1 - floor",
        extra, 0.05,
        f"{extra * 1000:+.0f} ms ({times['r1'] * 1000:.0f} vs "
        f"{times['floor'] * 1000:.0f} ms)", unit="s",
    )  # fmt: skip


def issue15_figures(runs: int) -> list[Figure]:
    return [*oneshot_figures(runs), chat_start_figure(runs), tls_figure(runs)]


# -- report ---------------------------------------------------------------------------


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [
        max(len(str(c)) for c in column) for column in zip(header, *rows, strict=False)
    ]
    for row in [header, ["-" * w for w in widths], *rows]:
        print(
            "  ".join(
                str(c).ljust(w) for c, w in zip(row, widths, strict=False)
            ).rstrip()
        )


def report(figures: list[Figure], rows: list[list[str]]) -> int:
    print("\nRuns (medians by CPU after the request, of 5 runs, 3 with --quick, and")
    print("three times as many at 0 and 2,000 tokens; ms/1k = that CPU above N=0's,")
    print("per 1k tokens):")
    header = ["client", "stdout", "tokens", "wall s", "CPU s", "CPU after request s",
              "ms/1k", "RSS MB", "bytes out"]  # fmt: skip
    print_table(header, rows)
    print("\nFigures:")
    table = []
    for f in figures:
        target = (
            "info"
            if f.info
            else f"≤ {f.target:g}{'' if f.unit in ('', 'x') else ' '}{f.unit}"
        )
        result = "info" if f.info else ("PASS" if f.passed else "FAIL")
        table.append([f.name, f.shown, target, result])
    print_table(["figure", "measured", "target", "result"], table)
    failed = [f for f in figures if not f.passed]
    print(
        f"\n{len(figures) - len(failed)}/{len(figures)} pass"
        + (f"; FAILED: {len(failed)}" if failed else "")
    )
    return 1 if failed else 0  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller, one run each")
    parser.add_argument("--startup", action="store_true",
                        help="only the start-up figures (issue 15)")  # fmt: skip
    parser.add_argument("--tree", type=Path, default=ROOT,
                        help="the checkout whose r1cli to measure (default: this one)")  # fmt: skip
    args = parser.parse_args(argv)
    global TREE
    TREE = args.tree.resolve()
    runs = 1 if args.quick else 3
    paced = 600 if args.quick else 2000

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    log(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"r1 = {' '.join(r1_command())}, r1cli from {TREE}"
    )
    log("start-up and imports …")
    figures = startup_figures(5 if args.quick else 10) + import_figures()
    figures += issue15_figures(3 if args.quick else 7)
    if args.startup:
        return report(figures, [])
    figures.append(request_figure())
    figures += repl_figures(3 if args.quick else 5)
    log("bulk streams …")
    bulk = measure_bulk((2000, 20000), runs + 2, log)
    figures += cpu_figures(bulk) + memory_and_bytes_figures(bulk)
    log("paced stream …")
    figures += paced_figures(paced, 200.0, log)
    log("r1 batch …")
    figures += batch_figures(args.quick, log)
    return report(figures, bulk.rows())


def batch_figures(quick: bool, log: Callable[[str], None]) -> list[Figure]:
    """`r1 batch` items/s at -j 1/4/16 and peak RSS over many items (batch.py)."""
    from tests.benchmarks.batch import measure

    return [
        Figure(r.name, r.value, r.target or 0.0, r.shown, info=r.target is None)
        for r in measure(quick, log)
    ]


if __name__ == "__main__":
    sys.exit(main())
