"""The text charts of `r1 stats`, rendered to fixed-width strings."""

from __future__ import annotations

from typing import Any

from r1cli.render.charts import ANSWER, THINK, Bar, stacked_bars
from r1cli.render.stats_view import chart_lines, duration, table_lines


def group(key: str, think: float, answer: float, cost: float = 0.0) -> dict[str, Any]:
    return {
        "key": key,
        "answers": 1,
        "thinking_seconds": think,
        "answer_seconds": answer,
        "thinking_tokens": 100,
        "answer_tokens": 10,
        "thinking_cost": cost,
        "answer_cost": cost / 4,
        "cost": cost * 1.25,
        "known": {"time": 1, "tokens": 1, "cost": 1},
    }


def test_bars_are_scaled_to_the_largest_row_and_fit_the_width() -> None:
    lines = stacked_bars(
        [Bar("a", 30, 10), Bar("bb", 5, 0.01)], width=40, value=duration
    )
    assert lines == [
        "a   ████████████████░░░░░    30 s │ 10 s",
        "bb  ███░                   5.0 s │ 0.0 s",
    ]
    assert all(len(line) == 40 for line in lines)


def test_a_small_part_keeps_one_cell() -> None:
    (line,) = stacked_bars([Bar("x", 1000, 1)], width=30, value=str)
    assert line.count(ANSWER) == 1 and THINK in line


def test_the_stats_screen_has_the_totals_and_both_charts() -> None:
    total = group("total", 47, 8, 0.006)
    total["answers"] = 2
    total["known"] = {"time": 2, "tokens": 1, "cost": 2}
    data = {
        "since": "2026-11-02T00:00:00.000000Z",
        "by": "day",
        "total": total,
        "groups": [group("2026-11-30", 41, 6, 0.0051), group("2026-12-01", 6, 2)],
    }
    text = "\n".join(chart_lines(data, width=60, color=False))
    assert text == (
        "r1 stats · since 2026-11-02 · 2 answers · by day\n"
        "thought 47 s · 100 tok · $0.0060 (80% of the cost) │ answer 8.0 s · 10 tok · $0.0015\n"
        "known: tokens for 1 of 2 (older answers lack them)\n"
        "\n"
        "Time   ██ thinking   ░░ answer\n"
        "2026-11-30  █████████████████████████████░░░░   41 s │ 6.0 s\n"
        "2026-12-01  ████░░                             6.0 s │ 2.0 s\n"
        "\n"
        "Cost   ██ thinking   ░░ answer\n"
        "2026-11-30  ███████████████████████░░░░░░  $0.0051 │ $0.0013\n"
        "2026-12-01                                           $0 │ $0"
    )


def test_the_pipe_table_ends_with_the_total() -> None:
    data = {"by": "model", "total": group("total", 3, 1), "groups": [group("m", 3, 1)]}
    assert table_lines(data) == [
        "model  answers  think_s  answer_s  think_tok  answer_tok  think_usd  answer_usd",
        "m            1      3.0       1.0        100          10     0.0000      0.0000",
        "total        1      3.0       1.0        100          10     0.0000      0.0000",
    ]
