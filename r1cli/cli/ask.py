"""`r1 ask` (and `r1 PROMPT…`) and `r1 chat`: flags → TurnOptions → Runtime → engine.

The flags both commands share are declared once, as `Annotated` aliases, and listed
in each signature: help, completions and types come from the same declaration, and
`chat` simply leaves out the four that mean nothing in a REPL (`--json`, `--raw`,
`--show-reasoning`, `--stdin-encoding`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from r1cli.cli.boundary import Scope, error_boundary
from r1cli.cli.options import (
    BaseUrlOpt,
    BodyOpt,
    CidOpt,
    ContinueOpt,
    DeadlineOpt,
    DebugOpt,
    EffortOpt,
    ExtractOpt,
    FileOpt,
    FirstMessageArg,
    FrequencyPenaltyOpt,
    IgnoreBudgetOpt,
    JsonModeOpt,
    JsonOpt,
    LoopGuardOpt,
    MaxCostOpt,
    MaxTokensOpt,
    MaxToolCallsOpt,
    MinPOpt,
    ModelOpt,
    NoColorOpt,
    NoHistoryOpt,
    NoReasoningOpt,
    NoToolsOpt,
    PresencePenaltyOpt,
    PromptArg,
    ProviderOpt,
    RawOpt,
    ReasoningMaxOpt,
    ReasoningOpt,
    RepetitionPenaltyOpt,
    RoleOpt,
    SamplesOpt,
    SchemaOpt,
    SeedOpt,
    ShowReasoningOpt,
    StdinEncodingOpt,
    StopOpt,
    SystemOpt,
    TemperatureOpt,
    ThinkMaxOpt,
    ThinkMaxTokensOpt,
    TimeoutOpt,
    ToolOpt,
    TopKOpt,
    TopPOpt,
    VoteOpt,
    YesOpt,
    defaulted,
    interactive_terminal,
    positive,
    positive_int,
    read_schema,
)
from r1cli.cli.samples import ask_samples, check_sample_flags
from r1cli.core import shutdown
from r1cli.core.params import (
    Effort,
    ReasoningMode,
    Sampling,
    parse_body_options,
    validate_sampling,
)
from r1cli.engine.loop_guard import LoopMode
from r1cli.engine.resolve import TurnOptions

if TYPE_CHECKING:
    from r1cli.engine.runtime import Runtime
from r1cli.errors import UsageError
from r1cli.render.report import Report
from r1cli.render.terminal import isatty

if TYPE_CHECKING:
    from r1cli.mcp.approval import Ask


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
    max_cost: MaxCostOpt = None,
    ignore_budget: IgnoreBudgetOpt = False,
    loop_guard: LoopGuardOpt = None,
    think_max: ThinkMaxOpt = None,
    think_max_tokens: ThinkMaxTokensOpt = None,
    samples: SamplesOpt = None,
    vote: VoteOpt = False,
    no_tools: NoToolsOpt = False,
    tool: ToolOpt = None,
    yes: YesOpt = False,
    max_tool_calls: MaxToolCallsOpt = None,
    schema: SchemaOpt = None,
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
            max_cost=max_cost,
            ignore_budget=ignore_budget,
            loop_guard=loop_guard,
            think_max=think_max,
            think_max_tokens=think_max_tokens,
            samples=samples,
            vote=vote,
            no_tools=no_tools,
            tool=tool,
            yes=yes,
            max_tool_calls=max_tool_calls,
            schema=schema,
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
    max_cost: MaxCostOpt = None,
    ignore_budget: IgnoreBudgetOpt = False,
    loop_guard: LoopGuardOpt = None,
    no_tools: NoToolsOpt = False,
    tool: ToolOpt = None,
    yes: YesOpt = False,
    max_tool_calls: MaxToolCallsOpt = None,
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
            max_cost=max_cost,
            ignore_budget=ignore_budget,
            loop_guard=loop_guard,
            no_tools=no_tools,
            tool=tool,
            yes=yes,
            max_tool_calls=max_tool_calls,
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
    max_cost: float | None = None,
    ignore_budget: bool = False,
    loop_guard: LoopMode | None = None,
    think_max: float | None = None,
    think_max_tokens: int | None = None,
    samples: int | None = None,
    vote: bool = False,
    no_tools: bool = False,
    tool: list[str] | None = None,
    yes: bool = False,
    max_tool_calls: int | None = None,
    schema: str | None = None,
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
        schema=read_schema(schema) if schema is not None else None,
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
        max_cost=positive("--max-cost", max_cost),
        ignore_budget=ignore_budget,
        loop_guard=loop_guard,
        think_max=positive("--think-max", think_max),
        think_max_tokens=positive_int("--think-max-tokens", think_max_tokens),
        samples=samples,
        vote=vote,
        no_tools=no_tools,
        tools=tuple(tool) if tool else None,
        yes=yes,
        max_tool_calls=max_tool_calls,
    )


def ask_once(
    opts: TurnOptions, report: Report, scope: Scope, *, extract: bool = False
) -> None:
    """One question, one streamed answer, one history row (`extract`: stdout gets
    the last code block only)."""
    from r1cli.engine.prompt import build_prompt
    from r1cli.engine.resolve import read_stdin
    from r1cli.render import choose_renderer

    check_sample_flags(opts)
    # A usage error (empty prompt, bad stdin) is reported before a missing key.
    prompt = build_prompt(opts.words, read_stdin(opts.stdin_encoding), opts.files)
    if opts.samples is not None:
        ask_samples(opts, report, scope, prompt)
        return
    shutdown.allow()  # everything this opens is closed before a fast exit
    runtime = scope.runtime = build_runtime(opts, report, preconnect=True)
    report.debug = runtime.settings.debug
    if runtime.params.schema is not None:
        # A provider without structured output is refused before anything is
        # stored or sent (the dialect's request builder knows).
        from r1cli.core.messages import Conversation
        from r1cli.providers.dialects import build_request

        build_request(runtime.spec, runtime.model, Conversation(), runtime.params, None)
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
    runtime.ask_tool = tool_question()
    try:
        turn = runtime.run(conversation, prompt, renderer)
    finally:
        runtime.close_tools()
    hint = None if opts.json else "raise --max-tokens"
    report.after_turn(turn, runtime.history_warning, hint)
    schema = runtime.params.schema
    if schema is not None and turn.status == "complete":
        from r1cli.engine.structured import schema_problem

        problem = schema_problem(turn.content, schema)
        if problem is not None:
            # The answer is printed and stored already; the exit code says it failed.
            report.warn(f"the answer does not match --schema: {problem}")
            raise typer.Exit(5)


def open_repl(opts: TurnOptions, report: Report, scope: Scope) -> None:
    """The REPL; `opts.words`, if any, are sent as the first message."""
    from r1cli.repl.loop import Repl, require_terminal
    from r1cli.repl.state import ChatState

    require_terminal()
    runtime = scope.runtime = build_runtime(opts, report)
    report.debug = runtime.settings.debug
    first = " ".join(opts.words).strip() or None
    runtime.ask_tool = tool_question()
    try:
        Repl(ChatState(runtime, opts), report).run(first)
    finally:
        runtime.close_tools()


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


def tool_question() -> Ask | None:
    """The approval question, when there is a terminal to ask on (else None: calls
    not trusted or approved by --yes are refused)."""
    if not (isatty(sys.stdin) and isatty(sys.stderr)):
        return None
    from r1cli.cli.approve import ask_on_terminal

    return ask_on_terminal
