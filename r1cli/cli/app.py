"""The command line: Typer commands that map flags to options and call the core.

This module and the REPL are the only ones that import Typer. Heavy modules (httpx,
rich's Markdown, prompt_toolkit) are imported inside the commands that use them, so
`r1 --help` stays fast. Errors become exit codes in `boundary.py`, nowhere else.
"""

from __future__ import annotations

import inspect
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional, get_type_hints

import typer

from r1cli import __version__
from r1cli.core.params import Sampling, validate_sampling

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
    deadline: Annotated[
        Float, typer.Option("--deadline", help="Whole-answer time limit in seconds.")
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
    from r1cli.cli.boundary import Outcome

    values = dict(locals())
    outcome = Outcome(json=json_output, debug=debug)
    if not prompt and _defaulted() and _interactive_terminal(json_output, raw):
        # `r1 -m MODEL` on a terminal with nothing piped: open the REPL.
        guarded(lambda: _run_chat(values, outcome), outcome)
        return

    def body() -> None:
        from r1cli.engine.runtime import run_ask

        turn = run_ask(ask_options(values), outcome)
        outcome.after_turn(turn, None if json_output else "raise --max-tokens")

    guarded(body, outcome)


def ask_options(values: dict[str, Any]) -> Any:
    """AskOptions from the values of the `ask`/`chat` parameters."""
    from r1cli.engine.runtime import AskOptions

    effort, reasoning = values["effort"], values["reasoning"]
    sampling = Sampling(
        temperature=values["temperature"],
        top_p=values["top_p"],
        top_k=values["top_k"],
        min_p=values["min_p"],
        max_tokens=values["max_tokens"],
        seed=values["seed"],
        stop=tuple(values["stop"] or ()),
        frequency_penalty=values["frequency_penalty"],
        presence_penalty=values["presence_penalty"],
        repetition_penalty=values["repetition_penalty"],
        json_mode=values["json_mode"],
        effort=effort.value if effort else None,
        reasoning_max_tokens=values["reasoning_max_tokens"],
        exclude_reasoning=values["no_reasoning"],
        extra=parse_body_options(values["option"] or []),
    )
    validate_sampling(sampling)
    return AskOptions(
        words=tuple(values.get("prompt") or ()),
        model=values["model"],
        provider=values["provider"],
        base_url=values["base_url"],
        system=values["system"],
        continue_last=values["continue_last"],
        cid=values["cid"],
        files=tuple(values["file"] or ()),
        reasoning=reasoning.value if reasoning else None,
        show_reasoning=values.get("show_reasoning", False),
        sampling=sampling,
        timeout=values["timeout"],
        deadline=values["deadline"],
        no_history=values["no_history"],
        json=values.get("json_output", False),
        raw=values.get("raw", False),
        debug=values["debug"],
        no_color=values["no_color"],
        stdin_encoding=values.get("stdin_encoding", "utf-8"),
    )


# `ask` flags that mean nothing in the REPL: its output is a terminal, its input typed.
_NOT_FOR_CHAT = ("json_output", "raw", "show_reasoning", "stdin_encoding")


def chat(**values: Any) -> None:
    """Chat interactively (what bare `r1` opens on a terminal)."""
    from r1cli.cli.boundary import Outcome

    outcome = Outcome(debug=values["debug"])
    guarded(lambda: _run_chat(values, outcome), outcome)


def _run_chat(values: dict[str, Any], outcome: Any) -> None:
    from r1cli.repl.loop import run_chat

    options = ask_options(values)
    first = " ".join(options.words).strip() or None
    run_chat(options, outcome, first)


def _share_options(
    source: Any, target: Any, leave_out: tuple[str, ...], **overrides: Any
) -> None:
    """Give `target` the parameters of `source` (less `leave_out`) for Typer.

    `chat` takes every `ask` flag; copying the signature keeps the two from
    drifting apart, and the help and completions list them for both. `overrides`
    replaces a parameter's annotation (its help text).
    """
    signature = inspect.signature(source, eval_str=True)
    hints = get_type_hints(source, include_extras=True) | overrides
    params = [
        p.replace(annotation=hints[name])
        for name, p in signature.parameters.items()
        if name not in leave_out
    ]
    target.__signature__ = signature.replace(parameters=params)
    target.__annotations__ = {p.name: p.annotation for p in params}


_share_options(
    ask,
    chat,
    _NOT_FOR_CHAT,
    prompt=Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="A first message to send."),
    ],
)
app.command("chat")(chat)


def _interactive_terminal(json_output: bool, raw: bool) -> bool:
    streams = (sys.stdin, sys.stdout)
    try:
        ttys = all(s is not None and s.isatty() for s in streams)
    except (ValueError, AttributeError):
        return False
    return ttys and not json_output and not raw


_DEFAULT_COMMAND = {"used": False}


def _defaulted() -> bool:
    """True when `ask` was picked by `r1 …` rather than typed as `r1 ask …`."""
    return _DEFAULT_COMMAND["used"]


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
    from r1cli.cli.boundary import Outcome, die_by_signal, report_error, report_internal
    from r1cli.errors import Interrupted, R1Error

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
    from r1cli.errors import Interrupted

    raise Interrupted("terminated")


def _mount_subcommands() -> None:
    from r1cli.cli.config import config_app
    from r1cli.cli.history import history_app
    from r1cli.cli.keys import keys_app

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
    """`r1 PROMPT…` means `r1 ask PROMPT…`; bare `r1` opens the REPL on a terminal
    and reads a piped prompt otherwise."""
    if not args:
        return ["chat"] if stdin_is_tty else ["ask"]
    if args[0] in COMMANDS or args[0] in ROOT_OPTIONS:
        return args
    return ["ask", *args]


def run(args: list[str]) -> None:
    stdin_tty = bool(sys.stdin and not sys.stdin.closed and sys.stdin.isatty())
    full = with_default_command(args, stdin_tty)
    _DEFAULT_COMMAND["used"] = full[:1] != args[:1]
    app(args=full, prog_name="r1")
