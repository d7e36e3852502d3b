"""`ask --samples N [--vote]`: N answers at once, and the majority among them.

The glue between `ask`'s flags, `engine.samples` (the concurrent turns),
`core.vote` (the majority) and `render.samples_view` (progress and output). The
pre-flight cost estimate, multiplied by N, is shown before anything is sent; with
`--vote` stdout is the majority final answer alone and stderr says the agreement
(`4/5 agree`); without it, every sample's answer in turn.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING

from r1cli.cli.boundary import Scope
from r1cli.engine.resolve import TurnOptions
from r1cli.errors import R1Error, UsageError
from r1cli.render.report import Report

if TYPE_CHECKING:
    from r1cli.engine.samples import SampleResult


def check_sample_flags(opts: TurnOptions) -> None:
    """The flags `--samples`/`--vote` cannot go with (UsageError, exit 2)."""
    from r1cli.engine.samples import MAX_SAMPLES, MIN_SAMPLES

    if opts.vote and opts.samples is None:
        raise UsageError("--vote needs --samples N")
    if opts.samples is None:
        return
    if not MIN_SAMPLES <= opts.samples <= MAX_SAMPLES:
        raise UsageError(
            f"--samples must be {MIN_SAMPLES} to {MAX_SAMPLES}, got {opts.samples}"
        )
    clashing = {
        "--json": opts.json,
        "--raw": opts.raw,
        "--continue": opts.continue_last,
        "--cid": opts.cid is not None,
        "--think-max": opts.think_max is not None,
        "--think-max-tokens": opts.think_max_tokens is not None,
    }
    for flag, given in clashing.items():
        if given:
            raise UsageError(f"--samples cannot be combined with {flag}")


def ask_samples(opts: TurnOptions, report: Report, scope: Scope, prompt: str) -> None:
    """Send `prompt` `opts.samples` times at once; print the answers or the vote."""
    from r1cli.engine.budget import preflight, usd
    from r1cli.engine.runtime import Runtime
    from r1cli.engine.samples import run_samples
    from r1cli.render.samples_view import SamplesProgress, sample_block

    count = opts.samples or 2
    runtime = scope.runtime = Runtime.from_options(
        opts, secrets=report.secrets, notify=report.warn, debug=report.debug_line
    )
    report.debug = runtime.settings.debug
    conversation = runtime.initial_conversation(opts)
    conversation.add_user(prompt)
    request = runtime.request(conversation)
    pre = preflight(
        conversation, request.prices, request.sampling.max_tokens, samples=count
    )
    estimate = (
        f"up to {usd(pre.cost)} in all" if pre.cost is not None else "cost unknown"
    )
    report.line(
        f"{count} samples of {runtime.model} · {estimate} (pre-flight estimate)"
    )
    progress = SamplesProgress(count)
    stop = threading.Event()
    try:
        results = run_samples(
            runtime,
            conversation,
            prompt,
            count,
            progress.sink,
            stop=stop,
            notify=lambda text: progress.note(f"warning: {report.clean(text)}"),
        )
    finally:
        progress.close()
    answered = [r for r in results if r.turn is not None and r.turn.content]
    for result in results:
        if result.error is not None:
            reason = (
                result.error.message
                if isinstance(result.error, R1Error)
                else str(result.error) or type(result.error).__name__
            )
            report.warn(f"sample {result.index + 1} failed: {reason}")
        if result.history_warning:
            report.warn(result.history_warning)
        if result.turn is not None:
            for notice in result.turn.notices:
                report.warn(f"sample {result.index + 1}: {notice}")
    if not answered:
        first = next((r.error for r in results if r.error is not None), None)
        if isinstance(first, BaseException):
            raise first
        raise UsageError("no sample gave an answer")
    if opts.vote:
        _print_vote(results, count, report)
    else:
        for result in answered:
            assert result.turn is not None
            _write(sample_block(result.index, count, result.turn.content))


def _print_vote(results: list[SampleResult], count: int, report: Report) -> None:
    from r1cli.core.vote import majority
    from r1cli.render.sanitize import sanitize

    vote = majority([r.turn.content if r.turn is not None else None for r in results])
    assert vote is not None  # some sample answered
    _write(sanitize(vote.answer) + "\n")
    winner = results[vote.winner]
    where = f" (sample {vote.winner + 1}"
    where += (
        f", conversation {winner.conversation_id})" if winner.conversation_id else ")"
    )
    report.line(f"{vote.agree}/{count} agree{where}")


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
