"""Thought accounting: the split, the footer line, the stored columns and m003."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from r1cli.config.paths import resolve_paths
from r1cli.core.accounting import account, text_tokens
from r1cli.core.events import ContentDelta, ReasoningDelta, Usage
from r1cli.core.messages import Turn
from r1cli.core.models import ModelInfo
from r1cli.history.schema import MIGRATIONS
from r1cli.history.store import HistoryStore
from r1cli.render.footer import compact, footer_line

PRICES = ModelInfo(id="r1", input_price=0.55, output_price=2.19)


def timed_turn(
    *, usage: Usage | None, prices: ModelInfo | None = None, status: str = "complete"
) -> Turn:
    """Reasoning from 1 s to 42 s, the answer from 42 s to 48 s."""
    turn = Turn(model="m", provider="p", prices=prices)
    turn.apply(ReasoningDelta("thinking about it " * 50))
    turn.apply(ContentDelta("the answer"))
    if usage is not None:
        turn.apply(usage)
    turn.end(status)  # type: ignore[arg-type]
    turn.started_at = 100.0
    turn.first_token_at = turn.first_reasoning_at = 101.0
    turn.first_content_at = 142.0
    turn.ended_at = 148.0
    return turn


def test_split_uses_the_providers_counts_and_the_listed_output_price() -> None:
    usage = Usage(
        prompt_tokens=100, completion_tokens=2712, reasoning_tokens=2300, cost=0.006
    )
    split = account(timed_turn(usage=usage, prices=PRICES))
    assert split.reasoning_first == pytest.approx(1.0)
    assert split.reasoning_time == pytest.approx(41.0)
    assert split.content_first == pytest.approx(42.0)
    assert split.content_time == pytest.approx(6.0)
    assert (split.reasoning_tokens, split.answer_tokens) == (2300, 412)
    assert not split.estimated
    assert split.reasoning_cost == pytest.approx(2300 * 2.19 / 1e6)
    assert split.answer_cost == pytest.approx(0.006 - 2300 * 2.19 / 1e6)


def test_without_counts_tokens_are_estimated_and_the_cost_unknown() -> None:
    turn = timed_turn(usage=None)
    split = account(turn)
    assert split.estimated
    assert split.reasoning_tokens == text_tokens(turn.reasoning) > 0
    assert split.answer_tokens == text_tokens("the answer")
    assert split.reasoning_cost is None and split.answer_cost is None


def test_a_reported_cost_without_prices_is_split_by_output_share() -> None:
    usage = Usage(completion_tokens=1000, reasoning_tokens=750, cost=0.004)
    split = account(timed_turn(usage=usage))
    assert split.reasoning_cost == pytest.approx(0.003)
    assert split.answer_cost == pytest.approx(0.001)


def test_footer_shows_the_split() -> None:
    usage = Usage(
        prompt_tokens=100, completion_tokens=2712, reasoning_tokens=2300, cost=0.006
    )
    turn = timed_turn(usage=usage, prices=PRICES)
    assert footer_line(turn, 0) == (
        "thought 41 s · 2.3k tok · $0.0050 │ answer 6.0 s · 412 tok · $0.0010"
    )
    assert footer_line(timed_turn(usage=None), 0).startswith("thought 41 s · ~")


def test_split_footer_drops_costs_then_tokens_when_narrow() -> None:
    usage = Usage(completion_tokens=2712, reasoning_tokens=2300, cost=0.006)
    turn = timed_turn(usage=usage, prices=PRICES, status="interrupted")
    full = footer_line(turn, 0)
    assert full.startswith("interrupted · thought 41 s")
    assert footer_line(turn, 0, 64) == (
        "interrupted · thought 41 s · 2.3k tok │ answer 6.0 s · 412 tok"
    )
    assert footer_line(turn, 0, 45) == "interrupted · thought 41 s │ answer 6.0 s"
    assert footer_line(turn, 0, 10) == "thought 41 s │ answer 6.0 s"


def test_hidden_reasoning_is_counted_without_a_time() -> None:
    turn = Turn(model="o", provider="p")
    turn.apply(ContentDelta("done"))
    turn.apply(Usage(completion_tokens=1500, reasoning_tokens=1200, cost=0.003))
    turn.end("complete")
    turn.started_at, turn.first_content_at, turn.ended_at = 0.0, 9.0, 10.0
    assert footer_line(turn, 0) == (
        "thought · 1.2k tok · $0.0024 │ answer 1.0 s · 300 tok · $0.0006"
    )


@pytest.mark.parametrize(
    ("n", "text"), [(0, "0"), (412, "412"), (2345, "2.3k"), (41_000, "41k")]
)
def test_compact_counts(n: int, text: str) -> None:
    assert compact(n) == text


def test_the_split_is_stored_with_each_answer(tmp_path: Path) -> None:
    usage = Usage(
        prompt_tokens=100, completion_tokens=2712, reasoning_tokens=2300, cost=0.006
    )
    turn = timed_turn(usage=usage, prices=PRICES)
    turn.effort = "high"
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        cid = store.create_conversation(title="q", model="m", provider="p", system=None)
        mid = store.begin_answer(cid, model="m", provider="p")
        store.save_answer(mid, turn)
    row = _rows(tmp_path / "h.sqlite3")[0]
    assert row["reasoning_first_ms"] == 1000
    assert row["reasoning_ms"] == 41000
    assert row["content_first_ms"] == 42000
    assert row["content_ms"] == 6000
    assert (row["thinking_tokens"], row["answer_tokens"]) == (2300, 412)
    assert row["tokens_estimated"] == 0
    assert row["reasoning_cost"] == pytest.approx(2300 * 2.19 / 1e6)
    assert row["effort"] == "high"
    assert row["thinking_cut"] == 0


def test_m003_keeps_unknowns_null_and_splits_exact_old_counts(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for migration in MIGRATIONS[:2]:
        migration(conn)
    conn.execute("PRAGMA user_version = 2")
    conn.execute(
        "INSERT INTO conversations VALUES ('c1', 't', 'm', 'p', NULL, '2025', '2025')"
    )
    old = (
        "INSERT INTO messages (conversation_id, seq, role, content, status, "
        "completion_tokens, reasoning_tokens, cost, created_at, updated_at) "
        "VALUES ('c1', ?, 'assistant', 'a', 'complete', ?, ?, ?, '2025', '2025')"
    )
    conn.execute(old, (1, 900, 700, 0.002))
    conn.execute(old, (2, None, None, None))
    conn.commit()
    conn.close()
    HistoryStore.open(path).close()
    counted, unknown = _rows(path)
    assert (counted["thinking_tokens"], counted["answer_tokens"]) == (700, 200)
    assert counted["tokens_estimated"] == 0
    for column in ("reasoning_ms", "content_ms", "reasoning_cost", "answer_cost"):
        assert counted[column] is None
    for column in ("thinking_tokens", "answer_tokens", "tokens_estimated"):
        assert unknown[column] is None


def _rows(path: Path) -> list[dict[str, object]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute(
            "SELECT * FROM messages WHERE role = 'assistant' ORDER BY seq"
        ).fetchall()
        return [dict(row) for row in rows]
    finally:
        conn.close()


def test_history_paths_fixture_is_isolated() -> None:
    # The r1 home of this test is its own temporary folder (conftest).
    assert "r1home" in str(resolve_paths().history_db)
