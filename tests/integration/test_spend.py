"""Spend caps end to end: `--max-cost` before and during a turn, the `[budget]`, and
their exit code 7, against the loopback fake provider."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from r1cli.config.paths import resolve_paths
from r1cli.core.events import ContentDelta, ReasoningDelta, Usage
from r1cli.core.messages import Conversation, Message, Turn
from r1cli.core.models import ModelInfo
from r1cli.engine.budget import CostGuard, preflight
from r1cli.engine.model_cache import cache_file, write_cache
from r1cli.errors import CostLimit, ExitCode
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.history import history_rows
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import Result, RunR1

MODEL = "deepseek/deepseek-r1-0528"
PRICED = ModelInfo(MODEL, "R1", 163840, input_price=0.5, output_price=2.0)


@pytest.fixture
def ask(call_r1: RunR1, server: FakeServer) -> RunR1:
    base = f"{server.url}/api/v1"
    path = cache_file(resolve_paths().cache_dir, "openrouter", base)
    write_cache(path, "openrouter", base, [PRICED], time.time())

    def run(*args: str, **kw: Any) -> Result:
        env = {"OPENROUTER_API_KEY": CANARY}
        return call_r1("--base-url", base, "-m", MODEL, *args, env=env, **kw)

    return run


def test_exit_code_7_is_the_cost_code() -> None:
    assert ExitCode.COST == 7 and CostLimit("x").exit_code == 7


def test_a_turn_that_could_cost_more_than_the_cap_is_refused_before_sending(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    result = ask("--max-cost", "0.01", "hello")
    assert result.returncode == 7
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: this turn could cost up to $0.3")
    assert lines[0].endswith("at the listed prices), over --max-cost $0.0100")
    # (0.01 - the input's cost) / $2 per million output tokens
    assert lines[1] == (
        "hint: pass --max-tokens 4998 or less to stay under it, or raise --max-cost"
    )
    assert server.requests == []
    assert not (r1_home / "data" / "history.sqlite3").exists() or not history_rows(
        r1_home
    )


def test_max_tokens_that_bring_the_bound_under_the_cap_let_it_through(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["fine"], usage={"completion_tokens": 3})))
    result = ask("--max-cost", "0.01", "--max-tokens", "4998", "hello")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "fine\n"


def test_the_stream_is_stopped_when_its_running_cost_passes_the_cap(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    # 400 tokens bound the turn under $0.001; the server ignores max_tokens.
    words = ["word "] * 2000  # ~3000 estimated tokens, about $0.006
    server.queue(sse_reply(chat_stream(words, ["let me think. "] * 20)))
    result = ask("--max-cost", "0.001", "--max-tokens", "400", "hello")
    assert result.returncode == 7, result.stderr
    err = result.stderr.splitlines()
    assert err[0].startswith("error: stopped at --max-cost $0.0010: this answer had")
    assert err[1].startswith("saved: partial answer (")
    assert err[1].endswith(", marked interrupted")
    assert err[2] == "hint: raise --max-cost, or lower --max-tokens"
    assert 0 < len(result.stdout) < 0.5 * len("".join(words))
    (row,) = history_rows(r1_home)
    assert row["status"] == "interrupted"
    assert str(row["error"]).startswith("stopped at --max-cost")
    assert row["content"] == result.stdout.rstrip("\n")


def test_json_mode_reports_the_cost_stop_as_an_error_event(
    ask: RunR1, server: FakeServer
) -> None:
    result = ask("--json", "--max-cost", "0.01", "hello")
    assert result.returncode == 7
    (event,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert event["type"] == "error" and event["exit_code"] == 7


def spend(server: FakeServer, cost: float) -> None:
    usage = {"prompt_tokens": 5, "completion_tokens": 5, "cost": cost}
    server.queue(sse_reply(chat_stream(["ok"], usage=usage)))


def test_the_daily_budget_warns_at_80_percent_and_refuses_once_spent(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[budget]\ndaily = 0.01\nmonthly = 20\n")
    spend(server, 0.009)
    assert ask("first").returncode == 0
    spend(server, 0.005)
    second = ask("second")
    assert second.returncode == 0
    assert second.stderr == (
        "warning: 90% of the daily budget is spent ($0.0090 of $0.0100 today)\n"
    )
    third = ask("third")
    assert third.returncode == 7
    assert third.stderr.splitlines() == [
        "error: the daily budget is spent: $0.0140 today, budget $0.0100",
        "hint: raise it with 'r1 config set budget.daily AMOUNT', "
        "or pass --ignore-budget for this turn",
    ]
    assert len(server.requests) == 2
    spend(server, 0.001)
    assert ask("--ignore-budget", "fourth").returncode == 0
    assert len(server.requests) == 3


def test_a_bad_budget_is_a_config_error(ask: RunR1, r1_home: Path) -> None:
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[budget]\ndaily = -1\n")
    result = ask("hello")
    assert result.returncode == 3
    assert "budget.daily must be a positive number of USD" in result.stderr


def test_preflight_multiplies_by_the_samples() -> None:
    conversation = Conversation([Message("user", "hi")])
    one = preflight(conversation, PRICED, 1000)
    five = preflight(conversation, PRICED, 1000, samples=5)
    assert one.cost is not None and five.cost == pytest.approx(5 * one.cost)
    assert one.output_tokens == 1000
    unbounded = preflight(conversation, PRICED, None)
    assert unbounded.output_tokens == 163840 - one.input_tokens


def test_cost_guard_prefers_the_providers_figures() -> None:
    guard = CostGuard(0.01, PRICED, input_tokens=1000)
    turn = Turn(model="m", provider="p")
    guard.on_event(ReasoningDelta("a" * 1000), turn)  # 300 tokens
    assert guard.cost == pytest.approx((1000 * 0.5 + 300 * 2.0) / 1e6)
    guard.on_event(Usage(completion_tokens=2000), turn)
    assert guard.cost == pytest.approx((1000 * 0.5 + 2000 * 2.0) / 1e6)
    with pytest.raises(CostLimit, match=r"stopped at --max-cost \$0\.0100"):
        guard.on_event(Usage(cost=0.02), turn)
    with pytest.raises(CostLimit):
        CostGuard(0.001, PRICED, 0).on_event(ContentDelta("é" * 2000), turn)


def test_config_set_writes_a_budget_and_refuses_an_unknown_one(
    call_r1: RunR1, r1_home: Path
) -> None:
    assert call_r1("config", "set", "budget.daily", "2.50").returncode == 0
    config = r1_home / "config" / "config.toml"
    assert "[budget]\ndaily = 2.5\n" in config.read_text()
    weekly = call_r1("config", "set", "budget.weekly", "9")
    assert weekly.returncode == 3
    assert "unknown budget 'weekly'" in weekly.stderr
    assert "weekly" not in config.read_text()
