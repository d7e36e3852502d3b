"""`r1 models` served from its cache: CPU and wall time, next to `r1 keys list`.

    .venv/bin/python tests/benchmarks/models_cache.py

Writes a day-fresh cache of 350 OpenRouter-like models into a temporary R1CLI_HOME,
then runs each command 15 times (stdout to /dev/null, the table on a pty) and prints
the median and minimum of wall time and of the child's CPU time (from wait4). `r1 keys
list` is the reference: a Typer command that reads one small file, so the difference
is what listing from the cache costs on top of the CLI's start-up. Numbers from a
shared machine are noisy: read the CPU medians, not the third digit.
"""

from __future__ import annotations

import os
import pty
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNS = 15


def write_cache(home: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["R1CLI_HOME"] = str(home)
    from r1cli.config.paths import resolve_paths
    from r1cli.core.models import ModelInfo
    from r1cli.engine.model_cache import cache_file, write_cache

    base = "https://openrouter.ai/api/v1"
    models = [
        ModelInfo(f"vendor{i % 40}/model-{i}", f"Model {i}", 131072, 0.5, 2.0)
        for i in range(350)
    ]
    path = cache_file(resolve_paths().cache_dir, "openrouter", base)
    write_cache(path, "openrouter", base, models, time.time())


def on_pipe(args: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "r1cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    _, _, usage = os.wait4(child.pid, 0)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def on_pty(args: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "r1cli", *args])
    while True:
        try:
            if not os.read(fd, 65536):
                break
        except OSError:
            break
    _, _, usage = os.wait4(pid, 0)
    os.close(fd)
    return time.perf_counter() - started, usage.ru_utime + usage.ru_stime


def main() -> None:
    cases: list[tuple[str, Callable[[list[str]], tuple[float, float]], list[str]]] = [
        ("r1 keys list (reference)", on_pipe, ["keys", "list"]),
        ("r1 models | (350 ids)", on_pipe, ["models"]),
        ("r1 models --json", on_pipe, ["models", "--json"]),
        ("r1 models --search model-1", on_pipe, ["models", "--search", "model-1"]),
        ("r1 models (table on a pty)", on_pty, ["models"]),
    ]
    with tempfile.TemporaryDirectory() as home:
        write_cache(Path(home))
        for label, run, args in cases:
            run(args)  # warm the bytecode cache
            runs = [run(args) for _ in range(RUNS)]
            wall = sorted(w * 1000 for w, _ in runs)
            cpu = sorted(c * 1000 for _, c in runs)
            print(
                f"{label:30s} wall {statistics.median(wall):5.0f} ms (min {wall[0]:4.0f})"
                f"   cpu {statistics.median(cpu):5.0f} ms (min {cpu[0]:4.0f})"
            )


if __name__ == "__main__":
    main()
