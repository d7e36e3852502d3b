"""The command line: the Typer app, its commands, and how argv reaches them.

`cli` is the only package that imports Typer. Heavy modules (httpx, rich's Markdown,
prompt_toolkit) are imported inside the commands that use them, so `r1 --help` stays
fast. Every command body runs inside `boundary.error_boundary`; a malformed command
line (an unknown flag, `--effort extreme`) is reported by `run` in the same shape:
one `error:` line, one `hint:` line, exit 2.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from r1cli import __version__
from r1cli.cli import coerce
from r1cli.core import shutdown
from r1cli.errors import UsageError

if TYPE_CHECKING:
    from r1cli.render.report import Report

# A malformed command line is click's UsageError: typer vendors click as
# typer._click in recent releases and depends on click itself in older ones.
try:
    _click_errors = importlib.import_module("typer._click.exceptions")
except ImportError:  # pragma: no cover - depends on the installed typer
    _click_errors = importlib.import_module("click.exceptions")
CommandLineError: type[Exception] = _click_errors.UsageError

# Typer's pydantic-based conversion only for values the fast path cannot read.
coerce.install()

# The commands other than ask and chat are mounted on first need (`_mount_subcommands`):
# `r1 "question"` should not import and inspect eleven command modules it never runs.
# Importers of `app` get it whole, through the module's __getattr__ below.
_ROOT_SETTINGS: dict[str, Any] = {
    "name": "r1",
    "help": "Chat with reasoning models (DeepSeek R1 0528 first) from your terminal.",
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"]},
    "no_args_is_help": False,
}
_app = typer.Typer(**_ROOT_SETTINGS)

# Words that name a command; anything else first on the line is a prompt for `ask`.
COMMANDS = (
    "ask",
    "chat",
    "history",
    "keys",
    "config",
    "models",
    "count",
    "batch",
    "roles",
    "sh",
    "completion",
    "stats",
    "tools",
)
ROOT_OPTIONS = ("-h", "--help", "--version", "-V")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"r1 {__version__}")
        raise typer.Exit()


@_app.callback()
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


# Every command's name and the first paragraph of its help, in the order the whole app
# lists them: `r1 --help` alone shows these (`_root_help`) without importing or
# inspecting any command (tests/unit/test_startup_imports.py compares the output with
# the whole app's).
SUMMARIES = {
    "ask": "Ask one question and stream the answer (the default command).",
    "chat": "Chat interactively (what bare `r1` opens on a terminal).",
    "models": "List a provider's models: context length and $ per million tokens "
    "(cached a day).",
    "count": "Count the input tokens of the request `ask` would send, and their cost.",
    "roles": "List the roles -r/--role accepts (built-in ones too).",
    "sh": "Ask for one shell command, show it, and run it after you say so.",
    "completion": "Print the completion script for SHELL (the README says where to "
    "put it).",
    "batch": "Run many prompts: concurrent, resumable, shardable.",
    "stats": "Time, tokens and cost of thinking against answering, with charts.",
    "tools": "List the MCP servers in config.toml, whether each starts, and their "
    "tools.",
    "history": "Browse, search, rename, fork, export and delete saved conversations.",
    "keys": "Store, list and remove API keys.",
    "config": "Show and change settings in config.toml.",
}
# Commands that need only themselves on the app to run (their help and errors name no
# other command).
SELF_CONTAINED = ("ask", "chat")
_mounted: set[str] = set()


def __getattr__(name: str) -> typer.Typer:
    """`app`: the whole command tree (completions, help tests, tools)."""
    if name == "app":
        _mount_subcommands()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _mount_ask_chat() -> None:
    if "ask" in _mounted:
        return
    _mounted.add("ask")
    from r1cli.cli.ask import ask, chat

    _app.command("ask", context_settings={"ignore_unknown_options": False})(ask)
    _app.command("chat")(chat)


def _mount_subcommands() -> None:
    _mount_ask_chat()
    if "all" in _mounted:
        return
    _mounted.add("all")
    app = _app
    from r1cli.cli.batch import HELP, batch
    from r1cli.cli.config import config_app
    from r1cli.cli.count import count
    from r1cli.cli.history import history_app
    from r1cli.cli.keys import keys_app
    from r1cli.cli.models import models

    app.command("models")(models)
    app.command("count")(count)
    _mount_roles_sh_completion()

    app.add_typer(history_app, name="history", help=SUMMARIES["history"])
    app.add_typer(keys_app, name="keys", help=SUMMARIES["keys"])
    app.add_typer(config_app, name="config", help=SUMMARIES["config"])
    app.command("batch", help=HELP)(batch)
    from r1cli.cli.stats import stats
    from r1cli.cli.tools import tools

    app.command("stats")(stats)
    app.command("tools")(tools)


def _root_help() -> int:
    """`r1 --help`: the root group with a placeholder per command (name and help),
    so no command module is imported and no signature inspected."""
    import typer.main

    group = typer.main.get_group(typer.Typer(**_ROOT_SETTINGS, callback=root))
    for name, summary in SUMMARIES.items():
        group.add_command(typer.core.TyperCommand(name, help=summary))
    code = group.main(args=["--help"], prog_name="r1", standalone_mode=False)
    return code if isinstance(code, int) else 0


def _mount_roles_sh_completion() -> None:
    app = _app
    from r1cli.cli.completion import completion
    from r1cli.cli.roles import roles
    from r1cli.cli.sh import sh

    app.command("roles")(roles)
    app.command("sh")(sh)
    app.command("completion")(completion)


def with_default_command(args: list[str], stdin_is_tty: bool) -> list[str]:
    """`r1 PROMPT…` means `r1 ask PROMPT…`; bare `r1` opens the REPL on a terminal
    and reads a piped prompt otherwise."""
    if not args:
        return ["chat"] if stdin_is_tty else ["ask"]
    if args[0] in COMMANDS or args[0] in ROOT_OPTIONS:
        return args
    return ["ask", *args]


def run(args: list[str], *, process: bool = False) -> None:
    """Run the command line `args`; exits the process with the command's code.

    `process`: this is the process's own entry point, which may end without the
    interpreter's teardown once the command has closed what it opened (core.shutdown).
    """
    if process:
        shutdown.arm()
    _degrade_unencodable_output()
    for number, arg in enumerate(args, 1):
        # Python decodes argv with surrogateescape: invalid UTF-8 bytes show up as
        # lone surrogates, which no request body or terminal can carry.
        if any("\udc80" <= ch <= "\udcff" for ch in arg):
            report = _report()
            sys.exit(
                report.error(
                    UsageError(
                        f"argument {number} is not valid UTF-8",
                        hint="pass the text through a file or stdin "
                        "(--stdin-encoding names its encoding)",
                    )
                )
            )
    stdin_tty = bool(sys.stdin and not sys.stdin.closed and sys.stdin.isatty())
    full = with_default_command(args, stdin_tty)
    # A command added to COMMANDS without a summary falls back to the whole app.
    if full in (["--help"], ["-h"]) and set(SUMMARIES) == set(COMMANDS):
        sys.exit(_root_help())
    from r1cli.cli.options import Invocation

    invocation = Invocation(defaulted=full[:1] != args[:1])
    if full[0] in SELF_CONTAINED:
        _mount_ask_chat()
    else:
        _mount_subcommands()
    try:
        code = _app(args=full, prog_name="r1", standalone_mode=False, obj=invocation)
    except CommandLineError as exc:
        sys.exit(_usage_error(exc))
    except typer.Abort:
        _report().line("interrupted")
        sys.exit(130)
    final = code if isinstance(code, int) else 0
    shutdown.fast_exit(final)  # returns unless allowed and everything closed
    sys.exit(final)


def _usage_error(exc: Exception) -> int:
    """A malformed command line, as one `error:` and one `hint:` line (exit 2)."""
    report = _report()
    # Typer validates choices through pydantic, whose wording leaks into the text.
    text = str(getattr(exc, "format_message", lambda: str(exc))())
    message = text.replace("Value error, ", "").rstrip(".")
    report.line(f"error: {report.clean(message[:1].lower() + message[1:])}")
    ctx = getattr(exc, "ctx", None)
    command = str(getattr(ctx, "command_path", "r1") or "r1")
    report.hint(f"{command} --help lists the options")
    return 2


def _report() -> Report:
    """The error printer, imported only when there is something to report."""
    from r1cli.render.report import Report

    return Report()


def _degrade_unencodable_output() -> None:
    """With LANG=C or PYTHONIOENCODING=ascii, characters the terminal's encoding
    cannot show become '?' instead of ending the answer with an encoding error."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        # In the C locale the error handler is surrogateescape, which fails on
        # anything that is not ASCII just as strict does.
        if reconfigure is not None and encoding != "utf8":
            reconfigure(errors="replace")
