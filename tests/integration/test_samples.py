"""`ask --samples N [--vote]` against the fake server: N answers at once, the vote,
every sample in history, the pre-flight estimate × N, and the flags it refuses."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest

from r1cli.config.paths import resolve_paths
from r1cli.core.models import ModelInfo
from r1cli.engine.model_cache import cache_file, write_cache
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, json_reply, sse_reply
from tests.support.runner import Result, RunR1

MODEL = "deepseek/deepseek-r1-0528"
ANSWERS = [
    "17 × 23 = 391.\n\n$\\boxed{391}$",
    "So it is **392**.",
    "Answer: 391",
    "Let me see… the product is\n\n\\boxed{391}",
    "The answer is 390.",
]


@pytest.fixture
def ask(call_r1: RunR1, server: FakeServer) -> RunR1:
    def run(*args: str, **kw: Any) -> Result:
        base = ("--base-url", f"{server.url}/api/v1", "-m", MODEL)
        return call_r1(*base, *args, env={"OPENROUTER_API_KEY": CANARY}, **kw)

    return run


def queue_answers(server: FakeServer, answers: list[str]) -> None:
    for text in answers:
        server.queue(sse_reply(chat_stream([text], ["hmm, multiply"])))


def test_vote_prints_the_majority_and_the_agreement(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    queue_answers(server, ANSWERS)
    result = ask("--samples", "5", "--vote", "what is 17 × 23?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "391\n"
    err = result.stderr.splitlines()
    assert err[0] == f"5 samples of {MODEL} · cost unknown (pre-flight estimate)"
    assert re.fullmatch(r"3/5 agree \(sample \d, conversation [0-9a-z]{12}\)", err[-1])
    assert len(server.requests) == 5
    rows = history_rows(r1_home)
    assert sorted(row["content"] for row in rows) == sorted(ANSWERS)
    assert len({row["conversation_id"] for row in rows}) == 5
    titles = sorted(
        str(c["title"]) for c in _conversations(r1_home)
    )  # each sample is a conversation of its own
    assert titles == [f"what is 17 × 23? [sample {i}/5]" for i in range(1, 6)]


def test_without_vote_every_answer_is_printed(ask: RunR1, server: FakeServer) -> None:
    queue_answers(server, ["first", "first", "first"])
    result = ask("--samples", "3", "q")
    assert result.returncode == 0, result.stderr
    blocks = re.findall(r"── sample (\d)/3 ──\nfirst\n", result.stdout)
    assert blocks == ["1", "2", "3"]


def test_a_failed_sample_is_reported_and_the_rest_still_vote(
    ask: RunR1, server: FakeServer
) -> None:
    queue_answers(server, ["\\boxed{7}", "\\boxed{7}"])
    server.queue(json_reply(400, {"error": {"message": "bad sample"}}))
    result = ask("--samples", "3", "--vote", "q")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "7\n"
    assert re.search(r"warning: sample \d failed: .*bad sample", result.stderr)
    assert "2/3 agree" in result.stderr


def test_when_every_sample_fails_the_exit_code_is_the_failures(
    ask: RunR1, server: FakeServer
) -> None:
    for _ in range(2):
        server.queue(json_reply(401, {"error": {"message": "no such key"}}))
    result = ask("--samples", "2", "--vote", "q")
    assert result.returncode == 4
    assert "error: " in result.stderr and "no such key" in result.stderr


def test_the_preflight_estimate_is_multiplied_and_capped(
    ask: RunR1, server: FakeServer
) -> None:
    base = f"{server.url}/api/v1"
    priced = ModelInfo(MODEL, "R1", 163840, input_price=0.5, output_price=2.0)
    path = cache_file(resolve_paths().cache_dir, "openrouter", base)
    write_cache(path, "openrouter", base, [priced], time.time())
    refused = ask("--samples", "5", "--max-tokens", "1000", "--max-cost", "0.005", "q")
    assert refused.returncode == 7
    assert "× 5 samples), over --max-cost $0.0050" in refused.stderr
    assert server.requests == []
    queue_answers(server, ["ok", "ok"])
    shown = ask("--samples", "2", "--max-tokens", "1000", "q")
    assert shown.returncode == 0, shown.stderr
    # (6 input tokens × $0.5 + 1000 output × $2) per million, twice
    assert shown.stderr.splitlines()[0] == (
        f"2 samples of {MODEL} · up to $0.0040 in all (pre-flight estimate)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--samples", "1"), "--samples must be 2 to 10, got 1"),
        (("--samples", "11"), "--samples must be 2 to 10, got 11"),
        (("--vote",), "--vote needs --samples N"),
        (("--samples", "3", "--json"), "--samples cannot be combined with --json"),
        (("--samples", "3", "-c"), "--samples cannot be combined with --continue"),
    ],
)
def test_refused_combinations(
    ask: RunR1, server: FakeServer, args: tuple[str, ...], message: str
) -> None:
    result = ask(*args, "q")
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == f"error: {message}"
    assert server.requests == []


def _conversations(home: Path) -> list[dict[str, object]]:
    import sqlite3

    conn = sqlite3.connect(home / "data" / "history.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM conversations")]
    finally:
        conn.close()
