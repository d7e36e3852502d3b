"""`r1 stats`: where the time and money went, thinking against answering.

Totals and the split over a period, grouped by day, model, provider or effort: charts
on a terminal, a plain table on a pipe, the exact numbers with `--json`. Read-only:
it never creates the history database.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Annotated

import typer

from r1cli.cli.boundary import bounded
from r1cli.errors import UsageError


class By(str, Enum):
    day = "day"
    model = "model"
    provider = "provider"
    effort = "effort"


_SPAN = re.compile(r"(\d+)\s*([hdwm])")
_UNIT_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`30d`, `12h`, `2w`, `3m` (30-day months) back from now, or a date
    `2026-11-01` (local midnight). Days count from local midnight: `1d` is today."""
    now = now or datetime.now().astimezone()
    value = text.strip().lower()
    match = _SPAN.fullmatch(value)
    if match:
        amount, unit = int(match[1]), match[2]
        if unit == "h":
            return now - timedelta(hours=amount)
        days = amount * _UNIT_DAYS[unit]
        midnight = datetime.combine(now.date(), time(), tzinfo=now.tzinfo)
        return midnight - timedelta(days=max(days - 1, 0))
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"cannot read --since {text!r}",
            hint="give a span like 30d, 12h, 2w, 3m or a date like 2026-11-01",
        ) from None
    return datetime.combine(day, time()).astimezone()


@bounded
def stats(
    since: Annotated[
        str, typer.Option("--since", help="Period: 30d, 12h, 2w, 3m or a date.")
    ] = "30d",
    by: Annotated[
        By, typer.Option("--by", help="Group by day|model|provider|effort.")
    ] = By.day,
    json_output: Annotated[
        bool, typer.Option("--json", help="The numbers behind the chart, as JSON.")
    ] = False,
) -> None:
    """Time, tokens and cost of thinking against answering, with charts."""
    import os
    import sys

    from r1cli.config.paths import resolve_paths
    from r1cli.history.stats import collect
    from r1cli.history.store import HistoryStore
    from r1cli.render.stats_view import chart_lines, table_lines
    from r1cli.render.terminal import columns, isatty

    start = parse_since(since)
    path = resolve_paths().history_db
    if path.exists():
        with HistoryStore.open(path) as store:
            data = collect(store, start, by.value).to_dict()
    else:
        data = collect(None, start, by.value).to_dict()
    if json_output:
        typer.echo(json.dumps(data, indent=2))
    elif isatty(sys.stdout):
        width = min(columns(sys.stdout), 100)
        color = "NO_COLOR" not in os.environ
        typer.echo("\n".join(chart_lines(data, width=width, color=color)))
    else:
        typer.echo("\n".join(table_lines(data)))
