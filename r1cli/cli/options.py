"""The flags `ask` and `chat` share, declared once as `Annotated` aliases: help,
completions and types all come from here, and each command lists the ones it takes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from r1cli.core.params import Effort, ReasoningMode
from r1cli.engine.loop_guard import LoopMode
from r1cli.errors import UsageError
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
MaxCostOpt = Annotated[
    Float,
    typer.Option(
        "--max-cost",
        metavar="USD",
        help="Refuse a turn that could cost more, or stop it when it does (exit 7).",
    ),
]
IgnoreBudgetOpt = Annotated[
    bool,
    typer.Option("--ignore-budget", help="Send even if the [budget] is spent."),
]
LoopGuardOpt = Annotated[
    Optional[LoopMode],  # noqa: UP045
    typer.Option(
        "--loop-guard", help="What to do when the reasoning loops (default warn)."
    ),
]
ThinkMaxOpt = Annotated[
    Float,
    typer.Option(
        "--think-max",
        metavar="SECONDS",
        help="End the thinking after this long and answer at once.",
    ),
]
ThinkMaxTokensOpt = Annotated[
    Int,
    typer.Option(
        "--think-max-tokens",
        metavar="N",
        help="End the thinking after about N tokens and answer at once.",
    ),
]
SamplesOpt = Annotated[
    Int,
    typer.Option(
        "--samples", metavar="N", help="Get N answers (2-10) at once, in parallel."
    ),
]
VoteOpt = Annotated[
    bool,
    typer.Option(
        "--vote", help="With --samples: print the majority final answer only."
    ),
]
NoToolsOpt = Annotated[
    bool, typer.Option("--no-tools", help="Offer no tools (MCP servers) this time.")
]
ToolOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--tool", help="Offer only SERVER or SERVER.TOOL (repeatable; r1 tools)."
    ),
]
YesOpt = Annotated[
    bool, typer.Option("--yes", "-y", help="Approve every tool call without asking.")
]
MaxToolCallsOpt = Annotated[
    Int, typer.Option("--max-tool-calls", help="Tool calls allowed per turn (10).")
]
SchemaOpt = Annotated[
    Str,
    typer.Option(
        "--schema",
        help="JSON Schema (text or file), or fields: 'name, age int, bio'.",
    ),
]
StdinEncodingOpt = Annotated[
    str, typer.Option("--stdin-encoding", help="Encoding of piped stdin.")
]


# -- reading flag values -----------------------------------------------------------


def positive_int(flag: str, value: int | None) -> int | None:
    if value is not None and value < 1:
        raise UsageError(f"{flag} must be at least 1, got {value}")
    return value


def positive(flag: str, value: float | None) -> float | None:
    if value is not None and not value > 0:
        raise UsageError(f"{flag} must be more than 0, got {value:g}")
    return value


def read_schema(value: str) -> dict[str, Any]:
    """`--schema`: a file's content when VALUE names a file, else VALUE itself."""
    from r1cli.core.schema import parse_schema

    path = Path(value).expanduser()
    text = value
    if not value.lstrip().startswith("{") and path.is_file():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--schema: cannot read {path}: {exc}") from None
    return parse_schema(text)


# -- how the command line was read ---------------------------------------------


class Invocation:
    """How the command line was read, passed to commands as the Typer context's obj."""

    def __init__(self, defaulted: bool) -> None:
        # True when `ask` was picked by `r1 …` rather than typed as `r1 ask …`.
        self.defaulted = defaulted


def defaulted(ctx: typer.Context) -> bool:
    return isinstance(ctx.obj, Invocation) and ctx.obj.defaulted


def interactive_terminal(json_output: bool, raw: bool) -> bool:
    return isatty(sys.stdin) and isatty(sys.stdout) and not (json_output or raw)
