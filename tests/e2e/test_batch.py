"""`r1 batch` against the loopback fake provider: concurrency under 429s and 500s,
kill and resume, shards, ordering, bad input, the spend cap, progress and history.

The server answers each request from its prompt (`echo: PROMPT`), so a test can tell
which item an answer belongs to even when eight workers interleave. Most tests drive
the engine in-process (fast); what needs a real process (signals, exit codes, stdout
discipline, the history file) runs `python -m r1cli batch` for real.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from r1cli.engine.batch import run_batch
from r1cli.engine.batch_io import count_items, parse_shard, prepare_output, read_items
from r1cli.engine.batch_item import BatchOptions
from r1cli.engine.batch_stats import BatchStats, BatchSummary
from r1cli.engine.ratelimit import RateLimiter
from r1cli.errors import UsageError
from r1cli.render.progress import PlainProgress
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer, RecordedRequest, Reply
from tests.support.replies import chat_stream, json_reply, sse_reply
from tests.support.runner import ROOT, RunR1

COST = 0.01


def prompt_of(request: RecordedRequest) -> str:
    content: str = request.json()["messages"][-1]["content"]
    return content


def echo(prompt: str, cost: float = COST) -> Reply:
    usage = {"prompt_tokens": 5, "completion_tokens": 7, "cost": cost}
    return sse_reply(chat_stream(["echo: ", prompt], ["hm"], usage=usage))


@dataclass
class Script:
    """What the server does, per request: after `limit_after` requests, 429 (with
    `retry-after-ms`) to every request for `spell` seconds; 500 for prompts containing
    "#fail"; a delay before the answer (plus `jitter` for one prompt in eight, so
    workers fall out of step), 0.6 s for "#slow"."""

    limit_after: int = 0
    spell: float = 0.0
    retry_after_ms: int = 200
    delay: float = 0.0
    jitter: float = 0.0
    # (arrival time, prompt, status) of every request
    log: list[tuple[float, str, int]] = field(default_factory=list)
    spell_until: float | None = None

    def __call__(self, request: RecordedRequest) -> Reply:
        prompt = prompt_of(request)
        now = time.monotonic()
        started = self.spell and len(self.log) >= self.limit_after
        if started and self.spell_until is None:
            self.spell_until = now + self.spell
        if self.spell_until is not None and now < self.spell_until:
            self.log.append((now, prompt, 429))
            error = {"error": {"message": "rate limited", "code": 429}}
            return json_reply(429, error, ("retry-after-ms", str(self.retry_after_ms)))
        if "#fail" in prompt:
            self.log.append((now, prompt, 500))
            return json_reply(500, {"error": {"message": "boom", "code": 500}})
        self.log.append((now, prompt, 200))
        reply = echo(prompt)
        spread = self.jitter if sum(prompt.encode()) % 8 == 0 else 0.0
        reply.head_delay = 0.6 if "#slow" in prompt else self.delay + spread
        return reply


@pytest.fixture
def script(server: FakeServer) -> Script:
    s = Script()
    server.responder = s
    return s


class Observer:
    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.updates = 0
        self.lock = threading.Lock()

    def warn(self, message: str) -> None:
        with self.lock:
            self.warnings.append(message)

    def progress(self, stats: Any) -> None:
        self.updates += 1


@dataclass
class Run:
    records: list[dict[str, Any]]
    summary: BatchSummary
    observer: Observer


def write_input(path: Path, lines: list[Any]) -> Path:
    text = "".join(
        (line if isinstance(line, str) and line.strip() == "" else json.dumps(line))
        + "\n"
        for line in lines
    )
    path.write_text(text, encoding="utf-8")
    return path


def run_engine(
    server: FakeServer, source: Path, out: Path | None = None, **options: Any
) -> Run:
    """The engine in-process, as `r1 batch` would run it."""
    opts = BatchOptions(
        input=str(source),
        output=out,
        provider="openai",
        base_url=f"{server.url}/v1",
        model="m",
        **options,
    )
    done = prepare_output(out).done if out else set()
    buffer = io.BytesIO()
    observer = Observer()
    with source.open("rb") as handle:
        target: Any = out.open("ab") if out else buffer
        try:
            result = run_batch(
                opts,
                read_items(handle, opts.shard),
                target,
                observer,
                total=None,
                done=done,
                backoff=0.01,
            )
        finally:
            if out:
                target.close()
    data = out.read_bytes() if out else buffer.getvalue()
    return Run(parse_lines(data), result, observer)


def parse_lines(data: bytes) -> list[dict[str, Any]]:
    assert data == b"" or data.endswith(b"\n"), "a torn last line"
    return [json.loads(line) for line in data.splitlines()]


# -- the 200-item run under 429s and 500s ------------------------------------------------


def test_200_items_j8_survive_a_rate_limited_spell_and_failing_items(
    server: FakeServer, script: Script, tmp_path: Path
) -> None:
    prompts = [f"q{n}" + (" #fail" if n % 25 == 0 else "") for n in range(1, 201)]
    source = write_input(tmp_path / "in.jsonl", prompts)
    # The spell starts mid-run, when the workers are out of step: without a shared
    # limiter the others would keep sending while one of them waits.
    script.limit_after = 40
    script.spell = 0.7
    script.retry_after_ms = 400
    script.jitter = 0.3
    run = run_engine(server, source, jobs=8)

    records = run.records
    assert [r["id"] for r in records] == list(range(1, 201))  # input order, all there
    for n, rec in enumerate(records, 1):
        if n % 25 == 0:
            assert rec["status"] == "error", rec
            assert rec["error"]["exit_code"] == 5 and rec["error"]["status"] == 500
            assert rec["error"]["class"] == "provider"
        else:
            assert rec["status"] == "ok", rec
            assert rec["answer"] == f"echo: q{n}"  # no answer lands on another item
            assert rec["reasoning"] == "hm" and rec["finish_reason"] == "stop"
            assert rec["cost"] == COST and rec["usage"]["completion_tokens"] == 7
    # A failing item is tried as `ask` tries: once and two retries, then recorded.
    tries = Counter(prompt for _, prompt, status in script.log if status == 500)
    limited = {prompt for _, prompt, status in script.log if status == 429}
    assert len(tries) == 8
    assert all(n == 3 for prompt, n in tries.items() if prompt not in limited)
    stats = run.summary.stats
    assert (stats.ok, stats.failed) == (192, 8)
    assert run.summary.problem() is not None
    assert run.summary.problem().exit_code == 5  # type: ignore[union-attr]

    # The shared limiter: once a 429 was seen, no worker sent anything for the pause
    # (requests already on the wire may still arrive in the first few milliseconds).
    first = next(t for t, _, status in script.log if status == 429)
    quiet = [t - first for t, _, _ in script.log if first + 0.05 < t < first + 0.35]
    assert quiet == [], f"requests during the shared pause: {quiet}"


def test_limiter_pauses_everyone_halves_concurrency_and_grows_back() -> None:
    now = [100.0]
    limiter = RateLimiter(8, backoff=0.5, clock=lambda: now[0])
    limiter.observe(429, None)
    assert limiter.pause_left() == pytest.approx(0.5) and limiter.limit == 4
    limiter.observe(429, None)  # the same episode, seen by another worker
    assert limiter.limit == 4
    now[0] += 1.0
    limiter.observe(429, 3.0)  # a new episode, with Retry-After
    assert limiter.pause_left() == pytest.approx(3.0) and limiter.limit == 2
    limiter.observe(500, None)  # an item's own failure changes nothing
    assert limiter.limit == 2 and limiter.rate_limited == 3
    for _ in range(2 + 3):
        limiter.observe(200, None)
    assert limiter.limit == 4  # +1 after 2 successes, +1 after 3 more
    now[0] += 5.0
    assert limiter.pause_left() == 0.0
    limiter.observe(503, 1.0)  # any Retry-After pauses too
    assert limiter.pause_left() == pytest.approx(1.0) and limiter.limit == 2


# -- kill and resume ----------------------------------------------------------------------


def batch_env(r1_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(ROOT)
    env["OPENROUTER_API_KEY"] = CANARY
    return env


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_kill_in_the_middle_then_resume_answers_each_item_exactly_once(
    how: signal.Signals,
    server: FakeServer,
    script: Script,
    tmp_path: Path,
    r1_home: Path,
    run_r1: RunR1,
) -> None:
    script.delay = 0.05
    total = 80
    source = write_input(tmp_path / "in.jsonl", [f"q{n}" for n in range(1, total + 1)])
    out = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(out), "-j", "4"]
    base = ["--base-url", f"{server.url}/api/v1"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "r1cli", *args, *base],
        env=batch_env(r1_home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (
        not out.exists() or out.read_bytes().count(b"\n") < 12
    ):
        time.sleep(0.02)
    proc.send_signal(how)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == -how, stderr
    assert stdout == b""  # with -o, stdout stays clean
    first = parse_lines(out.read_bytes())  # no torn line
    assert 12 <= len(first) < total
    if how == signal.SIGINT:
        assert b"saved: " in stderr and b"hint: run the same command" in stderr
    else:
        # What a kill in the middle of a write would leave (a torn record).
        with out.open("ab") as handle:
            handle.write(b'{"id": 80, "answer": "ech')
    asked_before = len(script.log)

    result = run_r1(*args, *base, env={"OPENROUTER_API_KEY": CANARY})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    final = parse_lines(out.read_bytes())
    ids = Counter(rec["id"] for rec in final)
    assert ids == Counter(range(1, total + 1))  # each exactly once
    assert all(
        r["status"] == "ok" and r["answer"] == f"echo: q{r['id']}" for r in final
    )
    # The rerun asked only for what the first run had not written.
    done_first = {f"q{rec['id']}" for rec in first}
    asked_again = {prompt for _, prompt, _ in script.log[asked_before:]}
    assert asked_again.isdisjoint(done_first)
    assert len(asked_again) == total - len(first)


def test_resume_drops_failed_skipped_and_torn_lines_and_keeps_ok(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out.jsonl"
    lines = [
        {"id": 1, "status": "ok", "answer": "a"},
        {"id": 2, "status": "error", "answer": ""},
        {"id": "x", "status": "ok", "answer": "b"},
        {"id": 3, "status": "skipped"},
        {"id": 1, "status": "ok", "answer": "again"},
    ]
    out.write_bytes(
        b"".join(json.dumps(x).encode() + b"\n" for x in lines) + b'{"id": 4, "st'
    )
    state = prepare_output(out)
    assert state.done == {"1", '"x"'}
    assert state.dropped == 4
    assert [r["answer"] for r in parse_lines(out.read_bytes())] == ["a", "b"]
    again = prepare_output(out)  # nothing left to drop: the file is not rewritten
    assert again.dropped == 0 and again.done == state.done


# -- shards, order, bad input ---------------------------------------------------------------


def test_shards_together_cover_the_input_exactly_once(
    server: FakeServer, script: Script, tmp_path: Path
) -> None:
    lines: list[Any] = [f"q{n}" for n in range(1, 31)]
    lines[4:4] = ["", "   "]  # blank lines are not items
    source = write_input(tmp_path / "in.jsonl", lines)
    outputs = [
        run_engine(server, source, shard=(k, 3), jobs=2).records for k in range(3)
    ]
    raw = source.read_bytes().splitlines(keepends=True)
    assert [count_items(raw, (k, 3)) for k in range(3)] == [10, 10, 10]
    assert all(len(records) == 10 for records in outputs)
    answers = Counter(rec["answer"] for records in outputs for rec in records)
    assert answers == Counter(f"echo: q{n}" for n in range(1, 31))
    assert Counter(p for _, p, _ in script.log) == Counter(
        f"q{n}" for n in range(1, 31)
    )


def test_parse_shard_rejects_nonsense() -> None:
    assert parse_shard("2/3") == (2, 3)
    for bad in ("3/3", "-1/3", "1", "a/b", "0/0"):
        with pytest.raises(UsageError):
            parse_shard(bad)


def test_ordered_output_waits_for_a_slow_item_unordered_does_not(
    server: FakeServer, script: Script, tmp_path: Path
) -> None:
    source = write_input(
        tmp_path / "in.jsonl", ["q1 #slow"] + [f"q{n}" for n in range(2, 9)]
    )
    ordered = run_engine(server, source, jobs=4).records
    assert [r["id"] for r in ordered] == list(range(1, 9))
    unordered = run_engine(server, source, jobs=4, unordered=True).records
    assert sorted(r["id"] for r in unordered) == list(range(1, 9))
    assert unordered[-1]["id"] == 1  # the slow one finished last


def test_bad_lines_become_error_records_and_the_rest_runs(
    server: FakeServer, script: Script, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(
        b'"first"\n'
        b"{not json\n"
        b"42\n"
        b'{"id": "a", "system": "be brief"}\n'
        b'{"id": "a", "prompt": "second a"}\n'
        b'{"id": "a", "prompt": "third a"}\n'
        b'{"id": true, "prompt": "bool id"}\n'
        b'"\xff\xfe"\n'
        b'{"prompt": "last", "params": {"temperature": 0.25, "stop": "END"}, "tag": "x"}\n'
    )
    run = run_engine(server, source)
    got = [
        (r["id"], r["status"], (r["error"] or {}).get("exit_code")) for r in run.records
    ]
    assert got == [
        (1, "ok", None),
        (2, "error", 2),
        (3, "error", 2),
        ("a", "error", 2),  # no prompt
        ("a", "ok", None),  # an error line does not claim the id
        ("a", "error", 2),  # but an issued one does: duplicate
        (7, "error", 2),
        (8, "error", 2),
        (9, "ok", None),
    ]
    assert "duplicate id" in run.records[5]["error"]["message"]
    assert run.summary.problem().exit_code == 2  # type: ignore[union-attr]
    assert any("'tag'" in w for w in run.observer.warnings)
    sent = {prompt_of(r): r.json() for r in server.requests}
    assert sent["last"]["temperature"] == 0.25 and "temperature" not in sent["first"]
    assert sent["last"]["stop"] == ["END"]


def test_files_system_and_role_of_an_item(
    server: FakeServer, script: Script, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("remember me\n")
    item = {
        "prompt": "sum up",
        "system": "be terse",
        "role": "reviewer",
        "files": [str(tmp_path / "notes.txt")],
    }
    missing = {"prompt": "x", "files": [str(tmp_path / "nope.txt")]}
    run = run_engine(server, write_input(tmp_path / "in.jsonl", [item, missing]))
    assert run.records[0]["status"] == "ok"
    body = server.requests[0].json()
    assert body["messages"][0] == {"role": "system", "content": "be terse"}
    assert "remember me" in body["messages"][-1]["content"]
    assert run.records[1]["error"]["exit_code"] == 2
    assert any("role" in w for w in run.observer.warnings)


# -- the spend cap ------------------------------------------------------------------------


def test_max_cost_stops_new_items_before_the_cap_and_skips_the_rest(
    server: FakeServer, script: Script, tmp_path: Path
) -> None:
    source = write_input(tmp_path / "in.jsonl", [f"q{n}" for n in range(1, 21)])
    run = run_engine(server, source, jobs=4, max_cost=0.055)
    stats = run.summary.stats
    assert stats.cost <= 0.055 + 1e-9
    assert stats.ok == 5 and len(script.log) == 5
    statuses = [r["status"] for r in run.records]
    assert statuses == ["ok"] * 5 + ["skipped"] * 15
    assert run.records[-1]["error"]["exit_code"] == 7
    problem = run.summary.problem()
    assert problem is not None and problem.exit_code == 7


# -- progress ---------------------------------------------------------------------------------


def test_plain_progress_prints_a_line_every_few_seconds() -> None:
    now = [0.0]
    stream = io.StringIO()
    progress = PlainProgress(stream, interval=5.0, clock=lambda: now[0])
    stats = BatchStats(total=10, ok=3, failed=1, prompt_tokens=100, cost=0.5, costed=3)
    progress.update(stats)
    now[0] = 4.9
    progress.update(stats)
    assert stream.getvalue() == ""
    now[0] = 5.0
    progress.update(stats)
    now[0] = 6.0
    progress.update(stats)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("r1 batch: 4/10 done · 1 failed · 100 tokens · $0.5000")
    assert "items/s" in lines[0] and "ETA" in lines[0]
    progress.finish(stats)
    assert (
        stream.getvalue()
        .splitlines()[-1]
        .startswith("r1 batch: 3 ok, 1 failed; 100 tokens; $0.5000; ")
    )


# -- the command ------------------------------------------------------------------------------


@pytest.fixture
def batch(run_r1: RunR1, server: FakeServer, script: Script) -> Callable[..., Any]:
    def run(*args: str, **kw: Any) -> Any:
        base = ("--base-url", f"{server.url}/api/v1")
        env = {"OPENROUTER_API_KEY": CANARY, **kw.pop("env", {})}
        return run_r1("batch", *args, *base, env=env, **kw)

    return run


def test_stdin_to_stdout_and_the_summary_on_stderr(batch: Callable[..., Any]) -> None:
    result = batch("-", "-j", "2", input=b'"one"\n{"id": "b", "prompt": "two"}\n')
    assert result.returncode == 0, result.stderr
    records = parse_lines(result.stdout_bytes)
    assert [(r["id"], r["answer"]) for r in records] == [
        (1, "echo: one"),
        ("b", "echo: two"),
    ]
    assert set(records[0]) == {
        "id", "answer", "reasoning", "finish_reason", "usage", "cost", "status", "error"
    }  # fmt: skip
    assert result.stderr.splitlines()[-1].startswith(
        "r1 batch: 2 ok; 24 tokens; $0.0200"
    )


def test_exit_codes_for_failures_bad_lines_spend_cap_and_config(
    batch: Callable[..., Any], tmp_path: Path, r1_home: Path, server: FakeServer
) -> None:
    source = write_input(tmp_path / "in.jsonl", ["a", "b #fail"])
    failed = batch(str(source), "-o", str(tmp_path / "o1.jsonl"))
    assert failed.returncode == 5
    assert "error: 1 of 2 items failed (1 provider)" in failed.stderr
    assert "hint: run the same command again" in failed.stderr

    bad = tmp_path / "bad.jsonl"
    bad.write_text('"a"\n[1]\n')
    assert batch(str(bad), "-o", str(tmp_path / "o2.jsonl")).returncode == 2

    capped = batch(str(source), "--max-cost", "0.001", "-o", str(tmp_path / "o3.jsonl"))
    assert capped.returncode == 7
    assert "--max-cost $0.001 reached" in capped.stderr

    requests_before = len(server.requests)
    assert batch(str(source), "-j", "0").returncode == 2
    assert batch(str(source), "--shard", "3/3").returncode == 2
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("provider = [\n")
    broken = batch(str(source))
    assert broken.returncode == 3 and broken.stdout == "", broken.stderr
    assert len(server.requests) == requests_before  # nothing was sent


def test_history_is_off_by_default_and_kept_with_the_flag(
    batch: Callable[..., Any], tmp_path: Path, r1_home: Path
) -> None:
    source = write_input(tmp_path / "in.jsonl", ["a", "b", "c"])
    assert batch(str(source)).returncode == 0
    db = r1_home / "data" / "history.sqlite3"
    assert not db.exists()
    result = batch(str(source), "--history")
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(db)
    try:
        answers = conn.execute(
            "SELECT content, status FROM messages WHERE role = 'assistant' ORDER BY id"
        ).fetchall()
        conversations = conn.execute("SELECT count(*) FROM conversations").fetchone()
    finally:
        conn.close()
    assert sorted(answers) == [
        ("echo: a", "complete"),
        ("echo: b", "complete"),
        ("echo: c", "complete"),
    ]
    assert conversations == (3,)


@pytest.mark.pty
def test_progress_bar_on_a_terminal_then_one_summary_line(
    server: FakeServer, script: Script, tmp_path: Path
) -> None:
    from tests.support.pty_session import PtySession, pty_env

    script.delay = 0.1
    source = write_input(tmp_path / "in.jsonl", [f"q{n}" for n in range(1, 21)])
    out = tmp_path / "out.jsonl"
    args = ["batch", str(source), "-o", str(out), "-j", "2", "--provider", "openai"]
    session = PtySession(
        [*args, "--base-url", f"{server.url}/v1", "-m", "m"], pty_env(tmp_path / "h")
    )
    try:
        # Mid-run: the bar with the running figures (and no JSON: that goes to OUT).
        # (The first frame may come before any item is done: wait for a cost.)
        session.wait_for(
            lambda: "/20 done · " in session.text() and "$0." in session.text(),
            timeout=30,
        )
        bar = session.text()
        assert "tokens · $0." in bar and "items/s" in bar and '"id"' not in bar
        assert session.wait_exit(timeout=30) == 0
        screen = session.text()
    finally:
        session.close()
    # The bar is gone (transient); the summary stays.
    assert "done · " not in screen
    assert (
        screen.strip()
        .splitlines()[-1]
        .startswith("r1 batch: 20 ok; 240 tokens; $0.2000;")
    )
    assert len(parse_lines(out.read_bytes())) == 20


def test_a_second_run_cannot_write_the_same_output(tmp_path: Path) -> None:
    from r1cli.engine.batch_io import open_output

    out = tmp_path / "out.jsonl"
    first = open_output(out)
    try:
        with pytest.raises(UsageError, match="another r1 batch"):
            open_output(out)
    finally:
        first.close()
    open_output(out).close()  # free again once the first closed it


def test_a_pipe_given_as_a_path_is_read_once(
    batch: Callable[..., Any], tmp_path: Path
) -> None:
    # `r1 batch <(cmd)`: counting the items ahead (for the ETA) would eat them.
    fifo = tmp_path / "items"
    os.mkfifo(fifo)

    def feed() -> None:
        with fifo.open("w") as handle:
            handle.write('"one"\n"two"\n')

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    result = batch(str(fifo))
    writer.join(5)
    assert result.returncode == 0, result.stderr
    assert [r["answer"] for r in parse_lines(result.stdout_bytes)] == [
        "echo: one",
        "echo: two",
    ]


def test_a_bad_key_stops_the_batch_instead_of_failing_every_item(
    server: FakeServer, tmp_path: Path
) -> None:
    server.responder = lambda request: json_reply(
        401, {"error": {"message": "User not found.", "code": 401}}
    )
    source = write_input(tmp_path / "in.jsonl", [f"q{n}" for n in range(1, 41)])
    run = run_engine(server, source, jobs=2)
    # Only what was already on the wire went out; nothing after the first 401.
    assert 1 <= len(server.requests) <= 2
    statuses = Counter(r["status"] for r in run.records)
    assert statuses == {
        "error": len(server.requests),
        "skipped": 40 - len(server.requests),
    }
    assert {r["error"]["exit_code"] for r in run.records} == {4}
    problem = run.summary.problem()
    assert problem is not None and problem.exit_code == 4
    assert "401" in problem.message and "items not run" in problem.message


def test_a_bug_in_one_item_is_its_error_line_not_a_hung_batch(
    server: FakeServer,
    script: Script,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from r1cli.engine.batch_item import HistoryWriter

    def broken_save(self: Any, request: Any, prompt: str, turn: Any) -> None:
        if prompt == "q2":
            raise RuntimeError("history bug")

    monkeypatch.setattr(HistoryWriter, "save", broken_save)
    source = write_input(tmp_path / "in.jsonl", ["q1", "q2", "q3"])
    runs: list[Run] = []
    # In a thread with a deadline: a dead worker would leave the batch waiting forever.
    worker = threading.Thread(
        target=lambda: runs.append(run_engine(server, source, history=True)),
        daemon=True,
    )
    worker.start()
    worker.join(20)
    assert runs, "the batch hung"
    run = runs[0]
    assert [r["status"] for r in run.records] == ["ok", "error", "ok"]
    assert run.records[1]["error"]["exit_code"] == 1
    assert "history bug" in run.records[1]["error"]["message"]


def test_bad_line_warnings_stop_after_ten(
    server: FakeServer, script: Script, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"{oops\n" * 30 + b'"fine"\n')
    run = run_engine(server, source)
    assert run.summary.stats.bad == 30 and run.summary.stats.ok == 1
    assert len(run.observer.warnings) == 11
    assert run.observer.warnings[-1].startswith("more bad lines")


def test_limiter_lets_only_its_limit_run_and_holds_everyone_while_paused() -> None:
    limiter = RateLimiter(4, backoff=0.3)
    limiter.observe(429, None)  # limit 4 → 2, paused 0.3 s
    started: list[float] = []
    t0 = time.monotonic()

    def item() -> None:
        limiter.acquire()
        started.append(time.monotonic() - t0)

    threads = [threading.Thread(target=item, daemon=True) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(0.6)
    assert len(started) == 2  # the third waits for a free slot
    assert min(started) >= 0.25  # nobody started during the pause
    limiter.release()
    for thread in threads:
        thread.join(2)
    assert len(started) == 3


def test_max_cost_with_a_provider_that_reports_no_cost_warns_and_runs_at_j(
    server: FakeServer, tmp_path: Path
) -> None:
    arrivals: list[float] = []

    def no_cost(request: RecordedRequest) -> Reply:
        arrivals.append(time.monotonic())
        reply = sse_reply(chat_stream(["ok"], usage={"prompt_tokens": 1}))
        reply.head_delay = 0.2
        return reply

    server.responder = no_cost
    source = write_input(tmp_path / "in.jsonl", [f"q{n}" for n in range(1, 10)])
    run = run_engine(server, source, jobs=4, max_cost=1.0)
    assert [r["status"] for r in run.records] == ["ok"] * 9
    assert any("cannot limit" in w for w in run.observer.warnings)
    # One item alone (no cost known yet), then four at a time: requests arrive
    # together, where one at a time they would be 0.2 s apart.
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert gaps[0] >= 0.15 and sum(gap < 0.1 for gap in gaps) >= 4
