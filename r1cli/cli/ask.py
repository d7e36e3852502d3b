"""`r1 ask` (and `r1 PROMPT…`) and `r1 chat`: flags → TurnOptions → Runtime → engine.

The flags both commands share are declared once, as `Annotated` aliases, and listed
in each signature: help, completions and types come from the same declaration, and
`chat` simply leaves out the four that mean nothing in a REPL (`--json`, `--raw`,
`--show-reasoning`, `--stdin-encoding`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from r1cli.cli.boundary import Scope, error_boundary
from r1cli.core import shutdown
from r1cli.core.params import (
    Effort,
    ReasoningMode,
    Sampling,
    parse_body_options,
    validate_sampling,
)
from r1cli.engine.runtime import TurnOptions

if TYPE_CHECKING:
    from r1cli.engine.runtime import Runtime
from r1cli.errors import UsageError
from r1cli.render.report import Report
from r1cli.render.terminal import isatty

# Typer reads these annotations at runtime: Optional[...] works on 3.10.
Float = Optional[float]  # noqa: UP045
Int = Optional[int]  # noqa: UP045
Str = Optional[str]  # noqa: UP045

PromptArg = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Argument(help="The question; stdin is added when piped."),
]
FirstMessageArg = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Argument(help="A first message to send."),
]
ModelOpt = Annotated[Str, typer.Option("--model", "-m", help="Model name.")]
ProviderOpt = Annotated[
    Str, typer.Option("--provider", "-p", help="Provider (default openrouter).")
]
BaseUrlOpt = Annotated[
    Str, typer.Option("--base-url", help="Override the provider's base URL.")
]
SystemOpt = Annotated[Str, typer.Option("--system", "-s", help="System prompt.")]
RoleOpt = Annotated[
    Str, typer.Option("--role", "-r", help="A role ('r1 roles' lists them).")
]
ContinueOpt = Annotated[
    bool, typer.Option("--continue", "-c", help="Continue the latest conversation.")
]
CidOpt = Annotated[
    Str, typer.Option("--cid", help="Continue this conversation (unique prefix).")
]
FileOpt = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option("--file", "-f", help="Attach a text file (repeatable)."),
]
ReasoningOpt = Annotated[
    Optional[ReasoningMode],  # noqa: UP045
    typer.Option("--reasoning", help="show|collapse|hide (terminal)."),
]
ShowReasoningOpt = Annotated[
    bool, typer.Option("--show-reasoning", help="On a pipe, send reasoning to stderr.")
]
EffortOpt = Annotated[
    Optional[Effort],  # noqa: UP045
    typer.Option("--effort", help="Reasoning effort: low|medium|high."),
]
ReasoningMaxOpt = Annotated[
    Int, typer.Option("--reasoning-max-tokens", help="Reasoning budget in tokens.")
]
NoReasoningOpt = Annotated[
    bool,
    typer.Option("--no-reasoning", help="Ask the provider not to return reasoning."),
]
TemperatureOpt = Annotated[Float, typer.Option("--temperature")]
TopPOpt = Annotated[Float, typer.Option("--top-p")]
TopKOpt = Annotated[Int, typer.Option("--top-k")]
MinPOpt = Annotated[Float, typer.Option("--min-p")]
MaxTokensOpt = Annotated[
    Int, typer.Option("--max-tokens", help="Limit for reasoning plus answer.")
]
SeedOpt = Annotated[Int, typer.Option("--seed")]
StopOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--stop", help="Stop sequence (repeatable)."),
]
FrequencyPenaltyOpt = Annotated[Float, typer.Option("--frequency-penalty")]
PresencePenaltyOpt = Annotated[Float, typer.Option("--presence-penalty")]
RepetitionPenaltyOpt = Annotated[Float, typer.Option("--repetition-penalty")]
JsonModeOpt = Annotated[
    bool, typer.Option("--json-mode", help="Ask for a JSON object answer.")
]
BodyOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--option", "-o", help="Any other body field: key=value (JSON values parsed)."
    ),
]
TimeoutOpt = Annotated[
    Float, typer.Option("--timeout", help="Idle read timeout in seconds.")
]
DeadlineOpt = Annotated[
    Float, typer.Option("--deadline", help="Whole-answer time limit in seconds.")
]
NoHistoryOpt = Annotated[bool, typer.Option("--no-history", help="Store nothing.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON Lines events on stdout.")]
RawOpt = Annotated[
    bool, typer.Option("--raw", help="Answer bytes exactly as received.")
]
ExtractOpt = Annotated[
    bool,
    typer.Option(
        "--extract",
        "-x",
        help="Print only the last fenced code block of the answer (no fences).",
    ),
]
NoColorOpt = Annotated[bool, typer.Option("--no-color", help="No colour.")]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Show request details and tracebacks.")
]
StdinEncodingOpt = Annotated[
    str, typer.Option("--stdin-encoding", help="Encoding of piped stdin.")
]


def ask(
    ctx: typer.Context,
    prompt: PromptArg = None,
    model: ModelOpt = None,
    provider: ProviderOpt = None,
    base_url: BaseUrlOpt = None,
    system: SystemOpt = None,
    role: RoleOpt = None,
    continue_last: ContinueOpt = False,
    cid: CidOpt = None,
    file: FileOpt = None,
    reasoning: ReasoningOpt = None,
    show_reasoning: ShowReasoningOpt = False,
    effort: EffortOpt = None,
    reasoning_max_tokens: ReasoningMaxOpt = None,
    no_reasoning: NoReasoningOpt = False,
    temperature: TemperatureOpt = None,
    top_p: TopPOpt = None,
    top_k: TopKOpt = None,
    min_p: MinPOpt = None,
    max_tokens: MaxTokensOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
    frequency_penalty: FrequencyPenaltyOpt = None,
    presence_penalty: PresencePenaltyOpt = None,
    repetition_penalty: RepetitionPenaltyOpt = None,
    json_mode: JsonModeOpt = False,
    option: BodyOpt = None,
    timeout: TimeoutOpt = None,
    deadline: DeadlineOpt = None,
    no_history: NoHistoryOpt = False,
    json_output: JsonOpt = False,
    raw: RawOpt = False,
    extract: ExtractOpt = False,
    no_color: NoColorOpt = False,
    debug: DebugOpt = False,
    stdin_encoding: StdinEncodingOpt = "utf-8",
) -> None:
    """Ask one question and stream the answer (the default command)."""
    report = Report(json=json_output, debug=debug)
    with error_boundary(report) as scope:
        opts = turn_options(
            prompt=prompt,
            model=model,
            provider=provider,
            base_url=base_url,
            system=system,
            role=role,
            continue_last=continue_last,
            cid=cid,
            file=file,
            reasoning=reasoning,
            show_reasoning=show_reasoning,
            effort=effort,
            reasoning_max_tokens=reasoning_max_tokens,
            no_reasoning=no_reasoning,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            min_p=min_p,
            max_tokens=max_tokens,
            seed=seed,
            stop=stop,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            repetition_penalty=repetition_penalty,
            json_mode=json_mode,
            option=option,
            timeout=timeout,
            deadline=deadline,
            no_history=no_history,
            json_output=json_output,
            raw=raw,
            no_color=no_color,
            debug=debug,
            stdin_encoding=stdin_encoding,
        )
        if extract and json_output:
            raise UsageError("--extract and --json do not go together")
        if (
            not prompt
            and not extract
            and defaulted(ctx)
            and interactive_terminal(json_output, raw)
        ):
            # `r1 -m MODEL` on a terminal with nothing piped: open the REPL.
            open_repl(opts, report, scope)
        else:
            ask_once(opts, report, scope, extract=extract)


def chat(
    prompt: FirstMessageArg = None,
    model: ModelOpt = None,
    provider: ProviderOpt = None,
    base_url: BaseUrlOpt = None,
    system: SystemOpt = None,
    role: RoleOpt = None,
    continue_last: ContinueOpt = False,
    cid: CidOpt = None,
    file: FileOpt = None,
    reasoning: ReasoningOpt = None,
    effort: EffortOpt = None,
    reasoning_max_tokens: ReasoningMaxOpt = None,
    no_reasoning: NoReasoningOpt = False,
    temperature: TemperatureOpt = None,
    top_p: TopPOpt = None,
    top_k: TopKOpt = None,
    min_p: MinPOpt = None,
    max_tokens: MaxTokensOpt = None,
    seed: SeedOpt = None,
    stop: StopOpt = None,
    frequency_penalty: FrequencyPenaltyOpt = None,
    presence_penalty: PresencePenaltyOpt = None,
    repetition_penalty: RepetitionPenaltyOpt = None,
    json_mode: JsonModeOpt = False,
    option: BodyOpt = None,
    timeout: TimeoutOpt = None,
    deadline: DeadlineOpt = None,
    no_history: NoHistoryOpt = False,
    no_color: NoColorOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Chat interactively (what bare `r1` opens on a terminal)."""
    report = Report(debug=debug)
    with error_boundary(report) as scope:
        opts = turn_options(
            prompt=prompt,
            model=model,
            provider=provider,
            base_url=base_url,
            system=system,
            role=role,
            continue_last=continue_last,
            cid=cid,
            file=file,
            reasoning=reasoning,
            effort=effort,
            reasoning_max_tokens=reasoning_max_tokens,
            no_reasoning=no_reasoning,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            min_p=min_p,
            max_tokens=max_tokens,
            seed=seed,
            stop=stop,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            repetition_penalty=repetition_penalty,
            json_mode=json_mode,
            option=option,
            timeout=timeout,
            deadline=deadline,
            no_history=no_history,
            no_color=no_color,
            debug=debug,
        )
        open_repl(opts, report, scope)


def turn_options(
    *,
    prompt: list[str] | None = None,
    model: str | None = None,
    provider: str | None = None,
    base_url: str | None = None,
    system: str | None = None,
    role: str | None = None,
    continue_last: bool = False,
    cid: str | None = None,
    file: list[Path] | None = None,
    reasoning: ReasoningMode | None = None,
    show_reasoning: bool = False,
    effort: Effort | None = None,
    reasoning_max_tokens: int | None = None,
    no_reasoning: bool = False,
    temperature: float | None = None,
    top_p: float | None = None,
    top_k: int | None = None,
    min_p: float | None = None,
    max_tokens: int | None = None,
    seed: int | None = None,
    stop: list[str] | None = None,
    frequency_penalty: float | None = None,
    presence_penalty: float | None = None,
    repetition_penalty: float | None = None,
    json_mode: bool = False,
    option: list[str] | None = None,
    timeout: float | None = None,
    deadline: float | None = None,
    no_history: bool = False,
    json_output: bool = False,
    raw: bool = False,
    no_color: bool = False,
    debug: bool = False,
    stdin_encoding: str = "utf-8",
) -> TurnOptions:
    """The options of one `ask` or `chat` run, from their flags."""
    params = Sampling(
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
        effort=effort,
        reasoning_max_tokens=reasoning_max_tokens,
        exclude_reasoning=no_reasoning,
        extra=parse_body_options(option or []),
    )
    validate_sampling(params)
    return TurnOptions(
        words=tuple(prompt or ()),
        model=model,
        provider=provider,
        base_url=base_url,
        system=system,
        continue_last=continue_last,
        cid=cid,
        files=tuple(file or ()),
        reasoning=reasoning,
        show_reasoning=show_reasoning,
        params=params,
        timeout=timeout,
        deadline=deadline,
        no_history=no_history,
        json=json_output,
        raw=raw,
        debug=debug,
        no_color=no_color,
        stdin_encoding=stdin_encoding,
        role=role,
    )


def ask_once(
    opts: TurnOptions, report: Report, scope: Scope, *, extract: bool = False
) -> None:
    """One question, one streamed answer, one history row (`extract`: stdout gets
    the last code block only)."""
    from r1cli.engine.prompt import build_prompt
    from r1cli.engine.runtime import read_stdin
    from r1cli.render import choose_renderer

    shutdown.allow()  # everything this opens is closed before a fast exit
    # A usage error (empty prompt, bad stdin) is reported before a missing key.
    prompt = build_prompt(opts.words, read_stdin(opts.stdin_encoding), opts.files)
    runtime = scope.runtime = build_runtime(opts, report, preconnect=True)
    report.debug = runtime.settings.debug
    conversation = runtime.initial_conversation(opts)
    conversation.add_user(prompt)
    renderer = choose_renderer(
        json=opts.json,
        raw=opts.raw,
        show_reasoning=opts.show_reasoning,
        reasoning=runtime.settings.reasoning,
        color=runtime.settings.color,
        model=runtime.model,
        extract=report.warn if extract else None,
    )
    turn = runtime.run(conversation, prompt, renderer)
    hint = None if opts.json else "raise --max-tokens"
    report.after_turn(turn, runtime.history_warning, hint)


def open_repl(opts: TurnOptions, report: Report, scope: Scope) -> None:
    """The REPL; `opts.words`, if any, are sent as the first message."""
    from r1cli.repl.loop import Repl, require_terminal
    from r1cli.repl.state import ChatState

    require_terminal()
    runtime = scope.runtime = build_runtime(opts, report)
    report.debug = runtime.settings.debug
    first = " ".join(opts.words).strip() or None
    Repl(ChatState(runtime, opts), report).run(first)


def build_runtime(
    opts: TurnOptions, report: Report, *, preconnect: bool = False
) -> Runtime:
    """`Runtime.from_options`; with no key on a terminal, first offer to store one
    (`preconnect`: open the provider's connection now, for a request sent at once)."""
    from r1cli.config.keys import MissingKey
    from r1cli.engine.runtime import Runtime

    def build() -> Runtime:
        return Runtime.from_options(
            opts,
            secrets=report.secrets,
            notify=report.warn,
            debug=report.debug_line,
            preconnect=preconnect,
        )

    try:
        return build()
    except MissingKey as exc:
        from r1cli.cli.keys import offer_to_store_key

        if not offer_to_store_key(exc.provider):
            raise
    return build()


class Invocation:
    """How the command line was read, passed to commands as the Typer context's obj."""

    def __init__(self, defaulted: bool) -> None:
        # True when `ask` was picked by `r1 …` rather than typed as `r1 ask …`.
        self.defaulted = defaulted


def defaulted(ctx: typer.Context) -> bool:
    return isinstance(ctx.obj, Invocation) and ctx.obj.defaulted


def interactive_terminal(json_output: bool, raw: bool) -> bool:
    return isatty(sys.stdin) and isatty(sys.stdout) and not (json_output or raw)
