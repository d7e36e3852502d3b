"""`r1 batch IN.jsonl [-o OUT.jsonl] [-j N]`: the Typer command.

Flags become `BatchOptions`; the engine (`r1cli.engine.batch`, `batch_io`) does the work and the
progress view (`r1cli.render.progress`) shows it. Only typer is imported at start-up.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from r1cli.cli.boundary import error_boundary
from r1cli.cli.options import (
    BaseUrlOpt,
    MaxTokensOpt,
    ModelOpt,
    NoColorOpt,
    ProviderOpt,
    TemperatureOpt,
    TimeoutOpt,
)
from r1cli.core.params import parse_body_options
from r1cli.errors import UsageError
from r1cli.render.report import Report
from r1cli.render.terminal import isatty

if TYPE_CHECKING:
    from r1cli.engine.batch_item import BatchOptions

Float = Optional[float]  # noqa: UP045 - typer needs Optional at runtime on 3.10
Int = Optional[int]  # noqa: UP045
Str = Optional[str]  # noqa: UP045

MAX_JOBS = 256

HELP = """Run many prompts: concurrent, resumable, shardable.

\b
IN is JSON Lines ("-" reads stdin). Each line is a prompt string, or an object
  {"id", "prompt", "system", "model", "provider", "role", "params", "files"}
(only "prompt" is required; an item without "id" gets its line number).
Each output line is
  {"id", "answer", "reasoning", "finish_reason", "usage", "cost", "status", "error"}
with status ok, error or skipped; error is {"class", "exit_code", "message",
"status"}. Lines come in input order (--unordered: as items finish), on stdout
unless -o is given.

\b
Resume: with -o, ids already "ok" in OUT are skipped, and failed, skipped or torn
lines are dropped and redone, so rerunning the same command after Ctrl-C, a
crash or failures finishes only the rest. --shard K/N takes items K, K+N, K+2N…
so machines can split one file; concatenate their outputs.

\b
A 429 or Retry-After pauses every worker and lowers the concurrency for a while;
a failed item is retried as `r1 ask` retries, then recorded as an error.
History is off unless --history.

\b
Exit status:
  0    every item ok (or already done)
  2    bad flags, or input lines that are not items (recorded as errors)
  3    configuration: no key, bad config (nothing run)
  4    a bad key or no credit stopped it (the rest recorded as skipped)
  5    some items failed (see each line's error; rerun retries them), or
       a daily rate cap stopped it
  7    --max-cost stopped it (the rest are recorded as skipped)
  130  Ctrl-C (143 SIGTERM): finished answers are written; rerun resumes
"""


def batch(
    source: Annotated[
        str, typer.Argument(metavar="IN", help='JSON Lines input ("-": stdin).')
    ],
    output: Annotated[
        Str,
        typer.Option(
            "--output", "-o", help="Append results here (and resume from it)."
        ),
    ] = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Items in flight at once.")
    ] = 4,
    unordered: Annotated[
        bool, typer.Option("--unordered", help="Write results as they finish.")
    ] = False,
    shard: Annotated[
        Str, typer.Option("--shard", help="K/N: take every N-th item from K.")
    ] = None,
    max_cost: Annotated[
        Float,
        typer.Option("--max-cost", help="Stop new items before spending this (USD)."),
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Save each item to history.")
    ] = False,
    model: ModelOpt = None,
    provider: ProviderOpt = None,
    base_url: BaseUrlOpt = None,
    system: Annotated[
        Str, typer.Option("--system", "-s", help="System prompt for every item.")
    ] = None,
    temperature: TemperatureOpt = None,
    max_tokens: MaxTokensOpt = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="Any body field for every item: key=value (JSON values parsed).",
        ),
    ] = None,
    timeout: TimeoutOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress and no summary.")
    ] = False,
    no_color: NoColorOpt = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    report = Report(debug=debug)
    with error_boundary(report):
        options = batch_options(
            source=source,
            output=output,
            jobs=jobs,
            unordered=unordered,
            shard=shard,
            max_cost=max_cost,
            history=history,
            model=model,
            provider=provider,
            base_url=base_url,
            system=system,
            temperature=temperature,
            max_tokens=max_tokens,
            param=param,
            timeout=timeout,
        )
        color = not no_color and "NO_COLOR" not in os.environ
        run_batch_command(options, report, quiet=quiet, color=color)


def batch_options(
    *,
    source: str,
    output: str | None,
    jobs: int,
    unordered: bool,
    shard: str | None,
    max_cost: float | None,
    history: bool,
    model: str | None,
    provider: str | None,
    base_url: str | None,
    system: str | None,
    temperature: float | None,
    max_tokens: int | None,
    param: list[str] | None,
    timeout: float | None,
) -> BatchOptions:
    """BatchOptions from the command's flags; UsageError for bad flags."""
    from r1cli.engine.batch_io import parse_shard
    from r1cli.engine.batch_item import BatchOptions

    if not 1 <= jobs <= MAX_JOBS:
        raise UsageError(f"-j expects 1 to {MAX_JOBS}, got {jobs}")
    if max_cost is not None and max_cost <= 0:
        raise UsageError("--max-cost expects a positive amount in USD")
    params = parse_body_options(param or [])
    if temperature is not None:
        params["temperature"] = temperature
    if max_tokens is not None:
        params["max_tokens"] = max_tokens
    return BatchOptions(
        input=source,
        output=Path(output) if output not in (None, "-") else None,
        jobs=jobs,
        unordered=unordered,
        shard=parse_shard(shard) if shard else (0, 1),
        max_cost=max_cost,
        history=history,
        model=model,
        provider=provider,
        base_url=base_url,
        system=system,
        timeout=timeout,
        params=params,
    )


def run_batch_command(
    options: BatchOptions, report: Report, *, quiet: bool, color: bool
) -> None:
    from r1cli.engine import batch as engine
    from r1cli.engine import batch_io
    from r1cli.render.progress import make_progress

    if options.input == "-" and isatty(sys.stdin):
        raise UsageError(
            "stdin is a terminal; pipe the JSON Lines in, or give a file",
            hint="r1 batch prompts.jsonl -o answers.jsonl",
        )
    out_path = options.output
    if (
        out_path is not None
        and options.input != "-"
        and _same_file(Path(options.input), out_path)
    ):
        raise UsageError("-o must not be the input file")
    source = batch_io.open_input(options.input)
    total = _count(options) if options.input != "-" else None
    done: set[str] = set()
    if out_path is not None:
        sink = batch_io.open_output(out_path)
        state = batch_io.prepare_output(out_path)
        if state.dropped:
            sink.close()  # the file was replaced: lock and append to the new one
            sink = batch_io.open_output(out_path)
        done = state.done
    else:
        sink = sys.stdout.buffer
    terminal = isatty(sys.stderr) and os.environ.get("TERM") != "dumb"
    # JSONL on the same terminal as a live bar would tear it: plain lines then.
    terminal = terminal and not (out_path is None and isatty(sys.stdout))
    progress = make_progress(terminal=terminal, quiet=quiet, color=color)
    observer = _Observer(progress, report)
    try:
        summary = engine.run_batch(
            options,
            batch_io.read_items(source, options.shard),
            sink,
            observer,
            total=total,
            done=done,
            secrets=report.secrets,
        )
    except engine.BatchInterrupted as exc:
        progress.finish(exc.stats)
        if out_path is not None and not isinstance(exc.cause, BrokenPipeError):
            report.line(f"saved: {exc.stats.ok:,} answers in {out_path}")
            report.hint("run the same command again to finish the rest")
        raise exc.cause from None
    finally:
        progress.close()
        if sink is not sys.stdout.buffer:
            sink.close()
        if source is not sys.stdin.buffer:
            source.close()
    progress.finish(summary.stats)
    problem = summary.problem()
    if problem is not None:
        raise problem


class _Observer:
    """Engine → terminal: warnings (any thread) and progress (main thread)."""

    def __init__(self, progress: Any, report: Report) -> None:
        self._progress = progress
        self._report = report

    def warn(self, message: str) -> None:
        self._progress.log(f"warning: {self._report.clean(message)}")

    def progress(self, stats: Any) -> None:
        self._progress.update(stats)


def _count(options: Any) -> int | None:
    from r1cli.engine.batch_io import count_items

    try:
        # Only a regular file can be read twice: counting a pipe (`<(cmd)`) would
        # consume the items themselves.
        if not stat.S_ISREG(os.stat(options.input).st_mode):
            return None
        with open(options.input, "rb") as handle:
            return count_items(handle, options.shard)
    except OSError:
        return None


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.samefile(b))
    except OSError:
        return False
