"""How `r1 stats` looks: the totals and two charts on a terminal, a plain table on a
pipe. Both take the `r1 stats --json` dict, so render never imports history.

Standard library only; group keys (model and provider names come from config and
servers) are sanitised before they reach the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from r1cli.render.charts import Bar, legend, stacked_bars
from r1cli.render.footer import compact, format_cost
from r1cli.render.sanitize import sanitize


def duration(seconds: float) -> str:
    """`6.0 s`, `41 s`, `12 m 30 s`, `2 h 05 m`."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def money(cost: float) -> str:
    return "$0" if cost == 0 else format_cost(cost)


def _label(key: str) -> str:
    return " ".join(sanitize(key).split())[:40]


def summary_lines(data: dict[str, Any]) -> list[str]:
    """The heading, the split of the totals, and what was not known."""
    total = data["total"]
    since = str(data["since"])[:10]
    count = total["answers"]
    answers = "1 answer" if count == 1 else f"{count} answers"
    lines = [f"r1 stats · since {since} · {answers} · by {data['by']}"]
    if not count:
        return [*lines, "no answers in this period"]
    share = ""
    if total["cost"] > 0:
        share = f" ({total['thinking_cost'] / total['cost']:.0%} of the cost)"
    lines.append(
        f"thought {duration(total['thinking_seconds'])} · "
        f"{compact(total['thinking_tokens'])} tok · "
        f"{money(total['thinking_cost'])}{share} │ "
        f"answer {duration(total['answer_seconds'])} · "
        f"{compact(total['answer_tokens'])} tok · {money(total['answer_cost'])}"
    )
    known = total["known"]
    missing = [
        f"{what} for {known[key]} of {count}"
        for key, what in (("time", "times"), ("tokens", "tokens"), ("cost", "cost"))
        if known[key] < count
    ]
    if missing:
        lines.append("known: " + ", ".join(missing) + " (older answers lack them)")
    return lines


def chart_lines(data: dict[str, Any], *, width: int, color: bool) -> list[str]:
    """The whole screen: the summary, then time and cost charts per group."""
    lines = summary_lines(data)
    groups = data["groups"]
    if not groups:
        return lines
    for title, think, answer, value in (
        ("Time", "thinking_seconds", "answer_seconds", duration),
        ("Cost", "thinking_cost", "answer_cost", money),
    ):
        bars = [Bar(_label(g["key"]), g[think], g[answer]) for g in groups]
        if not any(b.think or b.answer for b in bars):
            continue
        lines += ["", f"{title}   {legend(color)}"]
        lines += stacked_bars(bars, width=width, value=value, color=color)
    return lines


TABLE_COLUMNS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("answers", "answers", str),
    ("thinking_seconds", "think_s", lambda v: f"{v:.1f}"),
    ("answer_seconds", "answer_s", lambda v: f"{v:.1f}"),
    ("thinking_tokens", "think_tok", str),
    ("answer_tokens", "answer_tok", str),
    ("thinking_cost", "think_usd", lambda v: f"{v:.4f}"),
    ("answer_cost", "answer_usd", lambda v: f"{v:.4f}"),
)


def table_lines(data: dict[str, Any]) -> list[str]:
    """A plain aligned table for a pipe: one row per group, then the total."""
    header = [data["by"], *(name for _, name, _ in TABLE_COLUMNS)]
    rows = [
        [_label(g["key"]), *(fmt(g[key]) for key, _, fmt in TABLE_COLUMNS)]
        for g in [*data["groups"], data["total"]]
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest])

    return [line(header), *(line(r) for r in rows)]
