"""`r1 batch` throughput and memory (issue 14), as ratios measured in one run.

    .venv/bin/python tests/benchmarks/batch.py           # ~1.5 minutes
    .venv/bin/python tests/benchmarks/batch.py --quick   # ~30 s

Throughput: the fake server (tests/support/fakeserver.py) answers every request after a fixed
latency (default 100 ms, a stand-in for the network and the model) with a generated
40-token R1 stream; `r1 batch` runs 40 × j items at -j 1, 4 and 16. Items per second
= items / (wall time - the same command's wall time on an empty input), so start-up
is not counted; -j 1 is the baseline the others are divided by.

Memory: peak RSS (wait4) of `r1 batch -j 16` over 10,000 items (6 KB answers, no
latency) against 1,000 items; flat memory means a ratio near 1 (the input is streamed, only
the in-flight window is held).

Figures from a shared 2-core VM are noisy: read ratios, not the third digit.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.fakeserver import FakeServer, Reply, generate_stream  # noqa: E402

TOKENS = 40
JOBS = (1, 4, 16)
# The memory runs' answers: 6 KB each (2 KB reasoning, 4 KB answer) in a few large
# events, so holding every record (60 MB over 10,000 items) would show in the RSS
# while parsing stays cheap.
MEMORY_KB = (2, 4)


def big_answer_stream() -> list[bytes]:
    def event(delta: dict[str, object], **extra: object) -> bytes:
        choice = {
            "index": 0,
            "delta": delta,
            "finish_reason": extra.pop("finish", None),
        }
        payload = {"id": "gen-bench", "choices": [choice], **extra}
        return b"data: " + json.dumps(payload).encode() + b"\n\n"

    reasoning_kb, answer_kb = MEMORY_KB
    writes = [event({"reasoning": "thinking " * 114}) for _ in range(reasoning_kb)]
    writes += [event({"content": "answer. " * 128}) for _ in range(answer_kb)]
    usage = {"prompt_tokens": 10, "completion_tokens": 1500, "cost": 0.003}
    writes.append(event({"content": ""}, finish="stop", usage=usage))
    return [*writes, b"data: [DONE]\n\n"]


@dataclass
class BatchRun:
    items: int
    jobs: int
    wall: float
    rss_mb: float
    exit: int


def r1_command() -> list[str]:
    script = Path(sys.executable).with_name("r1")
    return [str(script)] if script.exists() else [sys.executable, "-m", "r1cli"]


def _env(home: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("R1CLI_")
        and k not in ("NO_COLOR", "PYTHONDONTWRITEBYTECODE")
    }
    return env | {
        "R1CLI_HOME": home,
        "R1CLI_API_KEY": "x",
        "NO_PROXY": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }


def run_batch(
    items: int, jobs: int, latency: float, chunks: list[bytes] | None = None
) -> BatchRun:
    """One `r1 batch` process over `items` prompts; output to a file, stderr quiet."""
    reply = Reply(chunks=chunks or generate_stream(TOKENS), head_delay=latency)
    with FakeServer() as server, tempfile.TemporaryDirectory() as home:
        server.fallback = reply
        source = Path(home) / "in.jsonl"
        with source.open("w") as handle:
            for n in range(items):
                handle.write(json.dumps(f"prompt number {n}") + "\n")
        argv = [
            *r1_command(), "batch", str(source), "-o", str(Path(home) / "out.jsonl"),
            "-j", str(jobs), "-q", "--provider", "openai",
            "--base-url", f"{server.url}/v1", "-m", "m",
        ]  # fmt: skip
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            env=_env(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        assert proc.stderr is not None
        errors = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        proc.returncode = code
        proc.stderr.close()
        if code != 0:
            raise SystemExit(f"r1 batch exited {code}: {errors[-500:]!r}")
        lines = (Path(home) / "out.jsonl").read_bytes().count(b"\n")
        if lines != items:
            raise SystemExit(f"r1 batch wrote {lines} lines for {items} items")
    return BatchRun(items, jobs, wall, usage.ru_maxrss / 1024, code)


@dataclass
class Result:
    name: str
    value: float
    shown: str
    target: float | None = None  # a gate (value ≤ target) or None for information


def measure(quick: bool, log: Callable[[str], None] = print) -> list[Result]:
    latency = 0.1
    per_job = 20 if quick else 40
    startup = min(run_batch(0, 1, 0.0).wall for _ in range(3))
    log(f"start-up (empty input): {startup * 1000:.0f} ms")
    rates: dict[int, float] = {}
    for jobs in JOBS:
        run = run_batch(per_job * jobs, jobs, latency)
        rates[jobs] = run.items / max(run.wall - startup, 1e-6)
        log(
            f"-j {jobs:<2}: {run.items} items in {run.wall:.2f} s → {rates[jobs]:.1f} items/s"
        )
    big, small = (2_000, 200) if quick else (10_000, 1_000)
    small_run = run_batch(small, 16, 0.0, big_answer_stream())
    big_run = run_batch(big, 16, 0.0, big_answer_stream())
    log(f"{small:,} items: peak RSS {small_run.rss_mb:.1f} MB, {small_run.wall:.1f} s")
    log(f"{big:,} items: peak RSS {big_run.rss_mb:.1f} MB, {big_run.wall:.1f} s")
    base = rates[1]
    results = [
        Result(f"r1 batch -j 1 ({latency * 1000:.0f} ms latency)", base,
               f"{base:.1f} items/s (baseline)"),
        Result("r1 batch -j 4 ÷ -j 1 items/s", rates[4] / base,
               f"{rates[4] / base:.1f}x ({rates[4]:.1f} items/s)"),
        Result("r1 batch -j 16 ÷ -j 1 items/s", rates[16] / base,
               f"{rates[16] / base:.1f}x ({rates[16]:.1f} items/s)"),
        Result(f"r1 batch -j 16, no latency: {big:,} items (6 KB answers)",
               big / big_run.wall,
               f"{big / big_run.wall:.0f} items/s"),
        Result(f"peak RSS, {big:,} ÷ {small:,} items (flat memory, ≤ 1.3x)",
               big_run.rss_mb / small_run.rss_mb,
               f"{big_run.rss_mb / small_run.rss_mb:.2f}x ({big_run.rss_mb:.1f} MB)",
               target=1.3),
    ]  # fmt: skip
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer items")
    args = parser.parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    results = measure(args.quick, log)
    width = max(len(r.name) for r in results)
    failed = 0
    for r in results:
        verdict = "info"
        if r.target is not None:
            verdict = "PASS" if r.value <= r.target else "FAIL"
            failed += verdict == "FAIL"
        print(f"{r.name.ljust(width)}  {r.shown:<28} {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
