"""`r1 stats` over answers really recorded through `r1 ask` against the fake server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import Result, RunR1


@pytest.fixture
def ask(call_r1: RunR1, server: FakeServer) -> RunR1:
    def run(*args: str, **kw: Any) -> Result:
        base = ("--base-url", f"{server.url}/api/v1")
        return call_r1(*base, *args, env={"OPENROUTER_API_KEY": CANARY}, **kw)

    return run


def answered(server: FakeServer, reasoning: int, answer: int, cost: float) -> None:
    usage = {
        "prompt_tokens": 10,
        "completion_tokens": reasoning + answer,
        "completion_tokens_details": {"reasoning_tokens": reasoning},
        "cost": cost,
    }
    server.queue(sse_reply(chat_stream(["the answer"], ["thinking"], usage=usage)))


def stats_json(call_r1: RunR1, *args: str) -> dict[str, Any]:
    result = call_r1("stats", "--json", *args)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_stats_sums_the_split_of_recorded_answers(
    ask: RunR1, call_r1: RunR1, server: FakeServer
) -> None:
    answered(server, 300, 100, 0.004)
    answered(server, 700, 300, 0.010)
    assert ask("-m", "deepseek/deepseek-r1", "first").returncode == 0
    assert ask("-m", "other/model", "second").returncode == 0
    data = stats_json(call_r1)
    total = data["total"]
    assert total["answers"] == 2
    assert (total["thinking_tokens"], total["answer_tokens"]) == (1000, 400)
    assert total["cost"] == pytest.approx(0.014)
    # No listed prices: each reported cost is split by the output-token share.
    assert total["thinking_cost"] == pytest.approx(0.004 * 0.75 + 0.010 * 0.7)
    assert total["known"] == {"time": 2, "tokens": 2, "cost": 2}
    assert data["by"] == "day" and len(data["groups"]) == 1

    by_model = stats_json(call_r1, "--by", "model")
    assert [g["key"] for g in by_model["groups"]] == [
        "other/model",
        "deepseek/deepseek-r1",
    ]  # the costliest first
    table = call_r1("stats", "--by", "model").stdout.splitlines()
    assert table[0].split() == [
        "model",
        "answers",
        "think_s",
        "answer_s",
        "think_tok",
        "answer_tok",
        "think_usd",
        "answer_usd",
    ]
    assert table[1].split()[:2] == ["other/model", "1"]
    assert table[-1].split()[:2] == ["total", "2"]
    assert table[-1].split()[4:6] == ["1000", "400"]


def test_stats_without_history_is_empty_and_creates_nothing(
    call_r1: RunR1, r1_home: Path
) -> None:
    data = stats_json(call_r1, "--since", "7d")
    assert data["total"]["answers"] == 0 and data["groups"] == []
    assert not (r1_home / "data" / "history.sqlite3").exists()


def test_a_period_in_the_future_has_no_answers(
    ask: RunR1, call_r1: RunR1, server: FakeServer
) -> None:
    answered(server, 3, 1, 0.001)
    assert ask("q").returncode == 0
    assert stats_json(call_r1, "--since", "2999-01-01")["total"]["answers"] == 0
    assert stats_json(call_r1, "--since", "12h")["total"]["answers"] == 1


def test_an_unreadable_period_is_a_usage_error(call_r1: RunR1) -> None:
    result = call_r1("stats", "--since", "last tuesday")
    assert result.returncode == 2
    assert result.stderr.startswith("error: cannot read --since 'last tuesday'")
    assert "hint: give a span like 30d" in result.stderr
