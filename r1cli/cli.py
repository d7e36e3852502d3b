"""The command line: Typer commands that map flags to options and call the core.

This module and the REPL are the only ones that import Typer. Heavy modules (httpx,
rich's Markdown, prompt_toolkit) are imported inside the commands that use them, so
`r1 --help` stays fast. Errors become exit codes in `boundary.py`, nowhere else.
"""

from __future__ import annotations

import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from r1cli import __version__
from r1cli.options import Sampling

app = typer.Typer(
    name="r1",
    help="Chat with reasoning models (DeepSeek R1 0528 first) from your terminal.",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=False,
)

COMMANDS = ("ask", "chat", "history", "keys", "config", "models")
ROOT_OPTIONS = ("-h", "--help", "--version", "-V")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"r1 {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            callback=_version,
            is_eager=True,
            help="Show the version.",
        ),
    ] = False,
) -> None:
    """Chat with reasoning models (DeepSeek R1 0528 first) from your terminal.

    r1 "question" asks one question; piped stdin is added to the prompt.
    """


class ReasoningChoice(str, Enum):
    show = "show"
    collapse = "collapse"
    hide = "hide"


class EffortChoice(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"


Float = Optional[float]  # noqa: UP045 - typer needs Optional at runtime on 3.10
Int = Optional[int]  # noqa: UP045
Str = Optional[str]  # noqa: UP045


@app.command(context_settings={"ignore_unknown_options": False})
def ask(
    prompt: Annotated[
        list[str] | None,
        typer.Argument(help="The question; stdin is added when piped."),
    ] = None,
    model: Annotated[Str, typer.Option("--model", "-m", help="Model name.")] = None,
    provider: Annotated[
        Str, typer.Option("--provider", "-p", help="Provider (default openrouter).")
    ] = None,
    base_url: Annotated[
        Str, typer.Option("--base-url", help="Override the provider's base URL.")
    ] = None,
    system: Annotated[
        Str, typer.Option("--system", "-s", help="System prompt.")
    ] = None,
    continue_last: Annotated[
        bool, typer.Option("--continue", "-c", help="Continue the latest conversation.")
    ] = False,
    cid: Annotated[
        Str, typer.Option("--cid", help="Continue this conversation (unique prefix).")
    ] = None,
    file: Annotated[
        list[Path] | None,
        typer.Option("--file", "-f", help="Attach a text file (repeatable)."),
    ] = None,
    reasoning: Annotated[
        Optional[ReasoningChoice],  # noqa: UP045
        typer.Option("--reasoning", help="show|collapse|hide (terminal)."),
    ] = None,
    show_reasoning: Annotated[
        bool,
        typer.Option("--show-reasoning", help="On a pipe, send reasoning to stderr."),
    ] = False,
    effort: Annotated[
        Optional[EffortChoice],  # noqa: UP045
        typer.Option("--effort", help="Reasoning effort: low|medium|high."),
    ] = None,
    reasoning_max_tokens: Annotated[
        Int, typer.Option("--reasoning-max-tokens", help="Reasoning budget in tokens.")
    ] = None,
    no_reasoning: Annotated[
        bool,
        typer.Option(
            "--no-reasoning", help="Ask the provider not to return reasoning."
        ),
    ] = False,
    temperature: Annotated[Float, typer.Option("--temperature")] = None,
    top_p: Annotated[Float, typer.Option("--top-p")] = None,
    top_k: Annotated[Int, typer.Option("--top-k")] = None,
    min_p: Annotated[Float, typer.Option("--min-p")] = None,
    max_tokens: Annotated[
        Int, typer.Option("--max-tokens", help="Limit for reasoning plus answer.")
    ] = None,
    seed: Annotated[Int, typer.Option("--seed")] = None,
    stop: Annotated[
        list[str] | None, typer.Option("--stop", help="Stop sequence (repeatable).")
    ] = None,
    frequency_penalty: Annotated[Float, typer.Option("--frequency-penalty")] = None,
    presence_penalty: Annotated[Float, typer.Option("--presence-penalty")] = None,
    repetition_penalty: Annotated[Float, typer.Option("--repetition-penalty")] = None,
    json_mode: Annotated[
        bool, typer.Option("--json-mode", help="Ask for a JSON object answer.")
    ] = False,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            "-o",
            help="Any other body field: key=value (JSON values parsed).",
        ),
    ] = None,
    timeout: Annotated[
        Float, typer.Option("--timeout", help="Idle read timeout in seconds.")
    ] = None,
    no_history: Annotated[
        bool, typer.Option("--no-history", help="Store nothing.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="JSON Lines events on stdout.")
    ] = False,
    raw: Annotated[
        bool, typer.Option("--raw", help="Answer bytes exactly as received.")
    ] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colour.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show request details and tracebacks.")
    ] = False,
    stdin_encoding: Annotated[
        str, typer.Option("--stdin-encoding", help="Encoding of piped stdin.")
    ] = "utf-8",
) -> None:
    """Ask one question and stream the answer (the default command)."""
    from r1cli.ask import AskOptions, run_ask
    from r1cli.boundary import Outcome

    outcome = Outcome(json=json_output, debug=debug)

    def body() -> None:
        sampling = Sampling(
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            min_p=min_p,
            max_tokens=max_tokens,
            seed=seed,
            stop=tuple(stop or ()),
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            repetition_penalty=repetition_penalty,
            json_mode=json_mode,
            effort=effort.value if effort else None,
            reasoning_max_tokens=reasoning_max_tokens,
            exclude_reasoning=no_reasoning,
            extra=parse_body_options(option or []),
        )
        options = AskOptions(
            words=tuple(prompt or ()),
            model=model,
            provider=provider,
            base_url=base_url,
            system=system,
            continue_last=continue_last,
            cid=cid,
            files=tuple(file or ()),
            reasoning=reasoning.value if reasoning else None,
            show_reasoning=show_reasoning,
            sampling=sampling,
            timeout=timeout,
            no_history=no_history,
            json=json_output,
            raw=raw,
            debug=debug,
            no_color=no_color,
            stdin_encoding=stdin_encoding,
        )
        turn = run_ask(options, outcome)
        _after_turn(turn, outcome)

    guarded(body, outcome)


def _after_turn(turn: object, outcome: object) -> None:
    from r1cli.boundary import Outcome
    from r1cli.messages import Turn

    assert isinstance(turn, Turn) and isinstance(outcome, Outcome)
    warning = getattr(outcome.recorder, "warning", None)
    if warning:
        outcome.warn(warning)
    if turn.status == "length":
        if not turn.content and turn.reasoning:
            outcome.warn(
                "the model ran out of tokens while thinking; no answer was given"
            )
        else:
            outcome.warn("the answer was cut off at the token limit")
        hint = "raise --max-tokens" if not outcome.json else None
        if hint:
            sys.stderr.write(f"hint: {hint}\n")


def parse_body_options(pairs: list[str]) -> dict[str, object]:
    """`-o key=value` pairs; values parsed as JSON when they parse, else strings."""
    import json

    extra: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            _usage(f"-o expects key=value, got {pair!r}")
        try:
            extra[key.strip()] = json.loads(value)
        except ValueError:
            extra[key.strip()] = value
    return extra


def _usage(message: str) -> None:
    from r1cli.errors import UsageError

    raise UsageError(message)


def guarded(body: object, outcome: object) -> None:
    """Run a command body; turn every failure into the documented report and exit."""
    from r1cli.boundary import Outcome, die_by_signal, report_error, report_internal
    from r1cli.chat import Interrupted
    from r1cli.errors import R1Error

    assert isinstance(outcome, Outcome) and callable(body)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        body()
    except KeyboardInterrupt:
        die_by_signal(signal.SIGINT, outcome, "interrupted")
    except BrokenPipeError:
        die_by_signal(signal.SIGPIPE, outcome, None)
    except Interrupted as exc:
        signum = signal.SIGPIPE if exc.reason == "output closed" else signal.SIGTERM
        die_by_signal(signum, outcome, None if signum == signal.SIGPIPE else exc.reason)
    except R1Error as exc:
        raise typer.Exit(report_error(exc, outcome)) from None
    except typer.Exit:
        raise
    except Exception as exc:
        raise typer.Exit(report_internal(exc, outcome)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_terminated(signum: int, frame: object) -> None:
    from r1cli.chat import Interrupted

    raise Interrupted("terminated")


def _mount_subcommands() -> None:
    from r1cli.config_cli import config_app
    from r1cli.history_cli import history_app
    from r1cli.keys_cli import keys_app

    app.add_typer(
        history_app,
        name="history",
        help="Browse, search and delete saved conversations.",
    )
    app.add_typer(keys_app, name="keys", help="Store, list and remove API keys.")
    app.add_typer(
        config_app, name="config", help="Show and change settings in config.toml."
    )


_mount_subcommands()


def with_default_command(args: list[str], stdin_is_tty: bool) -> list[str]:
    """`r1 PROMPT…` means `r1 ask PROMPT…`; bare `r1` reads a piped prompt."""
    if not args:
        return ["ask"]
    if args[0] in COMMANDS or args[0] in ROOT_OPTIONS:
        return args
    return ["ask", *args]


def run(args: list[str]) -> None:
    stdin_tty = bool(sys.stdin and not sys.stdin.closed and sys.stdin.isatty())
    app(args=with_default_command(args, stdin_tty), prog_name="r1")
