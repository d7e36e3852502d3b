"""`r1 batch IN.jsonl [-o OUT.jsonl] [-j N]`: the Typer command.

Flags become `BatchOptions`; the engine (`r1cli.engine.batch`, `batch_io`) does the work and the
progress view (`r1cli.render.progress`) shows it. Only typer is imported at start-up.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

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
    model: Annotated[Str, typer.Option("--model", "-m", help="Model name.")] = None,
    provider: Annotated[
        Str, typer.Option("--provider", "-p", help="Provider (default openrouter).")
    ] = None,
    base_url: Annotated[
        Str, typer.Option("--base-url", help="Override the provider's base URL.")
    ] = None,
    system: Annotated[
        Str, typer.Option("--system", "-s", help="System prompt for every item.")
    ] = None,
    temperature: Annotated[Float, typer.Option("--temperature")] = None,
    max_tokens: Annotated[
        Int, typer.Option("--max-tokens", help="Limit for reasoning plus answer.")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            help="Any body field for every item: key=value (JSON values parsed).",
        ),
    ] = None,
    timeout: Annotated[
        Float, typer.Option("--timeout", help="Idle read timeout in seconds.")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress and no summary.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    from r1cli.cli.app import guarded
    from r1cli.cli.boundary import Outcome

    values = dict(locals())
    outcome = Outcome(debug=debug)
    guarded(lambda: run_batch_command(values, outcome), outcome)


def batch_options(values: dict[str, Any]) -> Any:
    """BatchOptions from the command's values; UsageError for bad flags."""
    from r1cli.cli.app import parse_body_options
    from r1cli.engine.batch import BatchOptions
    from r1cli.engine.batch_io import parse_shard
    from r1cli.errors import UsageError

    if not 1 <= values["jobs"] <= MAX_JOBS:
        raise UsageError(f"-j expects 1 to {MAX_JOBS}, got {values['jobs']}")
    if values["max_cost"] is not None and values["max_cost"] <= 0:
        raise UsageError("--max-cost expects a positive amount in USD")
    params = parse_body_options(values["param"] or [])
    if values["temperature"] is not None:
        params["temperature"] = values["temperature"]
    if values["max_tokens"] is not None:
        params["max_tokens"] = values["max_tokens"]
    output = values["output"]
    return BatchOptions(
        input=values["source"],
        output=Path(output) if output not in (None, "-") else None,
        jobs=values["jobs"],
        unordered=values["unordered"],
        shard=parse_shard(values["shard"]) if values["shard"] else (0, 1),
        max_cost=values["max_cost"],
        history=values["history"],
        model=values["model"],
        provider=values["provider"],
        base_url=values["base_url"],
        system=values["system"],
        timeout=values["timeout"],
        params=params,
    )


def run_batch_command(values: dict[str, Any], outcome: Any) -> None:
    from r1cli.engine import batch as engine
    from r1cli.engine import batch_io
    from r1cli.errors import UsageError
    from r1cli.render.progress import make_progress

    options = batch_options(values)
    if options.input == "-" and _isatty(sys.stdin):
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
    color = not values["no_color"] and "NO_COLOR" not in os.environ
    terminal = _isatty(sys.stderr) and os.environ.get("TERM") != "dumb"
    # JSONL on the same terminal as a live bar would tear it: plain lines then.
    terminal = terminal and not (out_path is None and _isatty(sys.stdout))
    progress = make_progress(terminal=terminal, quiet=values["quiet"], color=color)
    observer = _Observer(progress, outcome)
    try:
        summary = engine.run_batch(
            options,
            batch_io.read_items(source, options.shard),
            sink,
            observer,
            total=total,
            done=done,
            secrets=outcome.secrets,
        )
    except engine.BatchInterrupted as exc:
        progress.finish(exc.stats)
        if out_path is not None and not isinstance(exc.cause, BrokenPipeError):
            _stderr(f"saved: {exc.stats.ok:,} answers in {out_path}")
            _stderr("hint: run the same command again to finish the rest")
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

    def __init__(self, progress: Any, outcome: Any) -> None:
        self._progress = progress
        self._outcome = outcome

    def warn(self, message: str) -> None:
        self._progress.log(f"warning: {self._outcome._clean(message)}")

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


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):
        return False


def _stderr(line: str) -> None:
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
