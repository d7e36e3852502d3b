"""The REPL's slash commands: a table of small functions over a `ChatState`.

Each command reads its argument string and returns a `SlashResult` saying what the
REPL should do next (print lines, send a prompt, retry, clear, exit); failures raise
`R1Error`s, which the REPL prints as one `error:` line before it carries on. Nothing
here touches the terminal, so the whole table is tested without one. The editor and
the clipboard come in through `SlashContext`, so tests can hand in their own.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from r1cli.core.params import EFFORTS, PARAM_KINDS, REASONING_MODES
from r1cli.core.redact import redact_url
from r1cli.errors import UsageError
from r1cli.render.footer import count as _count
from r1cli.repl import slash_conversation as conv
from r1cli.repl.slash_base import (
    Command,
    SlashContext,
    SlashResult,
    code_blocks,
    one_line,
)
from r1cli.repl.state import ChatState

# A command word: "/model", "/copy". "/usr/bin/env …" is not one, so a prompt that
# starts with a path is sent as typed; "//x" sends "/x".
_COMMAND = re.compile(r"/([A-Za-z][\w-]*)(?:\s+(.*))?", re.DOTALL)

__all__ = ["COMMANDS", "Command", "SlashContext", "SlashResult", "code_blocks"]


def parse(line: str) -> tuple[str, str] | None:
    """('model', 'x') for '/model x'; None when the line is a prompt to send."""
    text = line.strip()
    if text.startswith("//"):
        return None
    match = _COMMAND.fullmatch(text)
    if match is None:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def unescape(line: str) -> str:
    """The prompt to send for a line that is not a command ('//x' → '/x')."""
    stripped = line.lstrip()
    return stripped[1:] if stripped.startswith("//") else line


def run(context: SlashContext, name: str, argument: str) -> SlashResult:
    command = find(name)
    if command is None:
        raise UsageError(f"unknown command /{name}", hint=_suggestion(name))
    return command.run(context, argument)


def find(name: str) -> Command | None:
    for command in COMMANDS:
        if name == command.name or name in command.aliases:
            return command
    return None


def _suggestion(name: str) -> str:
    names = [c.name for c in COMMANDS] + [a for c in COMMANDS for a in c.aliases]
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    if not close:
        prefixed = [n for n in names if n.startswith(name[:2])]
        close = prefixed[:1]
    if close:
        return f"did you mean /{close[0]}? (/help lists the commands)"
    return "/help lists the commands"


def help_lines() -> list[str]:
    width = max(len(f"/{c.name} {c.usage}".strip()) for c in COMMANDS)
    lines = [f"  {f'/{c.name} {c.usage}'.strip():<{width}}  {c.help}" for c in COMMANDS]
    lines += [
        "",
        "  Enter sends · Alt-Enter or Ctrl-J: new line · Ctrl-X Ctrl-E: editor",
        "  Ctrl-C stops an answer · Ctrl-E ends the thinking (answer now) · "
        "Ctrl-D quits · //text sends a line starting with /",
    ]
    return lines


# -- the commands ------------------------------------------------------------------


def _help(context: SlashContext, argument: str) -> SlashResult:
    if argument:
        command = find(argument.lstrip("/"))
        if command is None:
            raise UsageError(
                f"unknown command /{argument.lstrip('/')}", hint=_suggestion(argument)
            )
        return SlashResult([f"/{command.name} {command.usage}".strip(), command.help])
    return SlashResult(help_lines())


def _new(context: SlashContext, argument: str) -> SlashResult:
    context.session.new_conversation()
    return SlashResult(["new conversation"])


def _model(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    if argument:
        session.set_model(argument)
    return SlashResult([f"model: {session.model} (via {session.spec.name})"])


def _provider(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    if argument:
        name, _, model = argument.partition(" ")
        session.set_provider(name, model.strip() or None)
    return SlashResult(
        [
            f"provider: {session.spec.name} ({redact_url(session.spec.base_url or '')}) · model: {session.model}"
        ]
    )


def _system(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    if not argument:
        current = session.conversation.system
        return SlashResult([f"system: {current}" if current else "system: (none)"])
    if argument.lower() in ("off", "none", "-"):
        session.set_system(None)
        return SlashResult(["system prompt removed"])
    session.set_system(argument)
    return SlashResult(["system prompt set for the next messages"])


def _role(context: SlashContext, argument: str) -> SlashResult:
    """`/role`: the roles, the current one marked; `/role NAME` applies one."""
    from r1cli.config.roles import all_roles

    session = context.session
    if argument.lower() in ("off", "none", "-"):
        session.set_system(None)
        session.role = None
        return SlashResult(["role off: system prompt removed (parameters kept)"])
    if argument:
        session.use_role(argument)
        return SlashResult(
            [f"role: {session.role} · model: {session.model} (via {session.spec.name})"]
        )
    roles = all_roles(session.settings.roles)
    lines = [f"role: {session.role or '(none)'}"]
    for name in sorted(roles):
        mark = "*" if name == session.role else " "
        lines.append(f"{mark} {name}  {one_line(roles[name].system)}")
    lines.append("/role NAME switches · /role off removes the system prompt")
    return SlashResult(lines)


def _role_names(session: ChatState) -> list[str]:
    from r1cli.config.roles import all_roles

    return sorted(all_roles(session.settings.roles))


def _reasoning(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    if argument:
        session.set_reasoning(argument.lower())
        return SlashResult([f"reasoning: {session.reasoning}"])
    # Bare: open the last answer's collapsed reasoning again, in full.
    text = session.last_reasoning().strip("\n")
    if not text.strip():
        return SlashResult(
            [
                f"no reasoning to show: the last answer had none "
                f"(reasoning: {session.reasoning})"
            ]
        )
    return SlashResult(text.splitlines())


def _effort(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    if argument:
        session.set_param("effort", argument.lower())
    return SlashResult([f"effort: {session.sampling.effort or 'provider default'}"])


def _set(context: SlashContext, argument: str) -> SlashResult:
    name, _, value = argument.partition(" ")
    if not name or not value.strip():
        raise UsageError(
            "usage: /set PARAM VALUE", hint="e.g. /set temperature 0.6 · /set seed off"
        )
    key, typed = context.session.set_param(name, value)
    if typed is None:
        return SlashResult([f"{key}: unset (provider default)"])
    return SlashResult([f"{key} = {_shown(typed)}"])


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, (list, dict, bool)) or value is None:
        import json

        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _params(context: SlashContext, argument: str) -> SlashResult:
    items = context.session.sampling.items()
    if not items:
        return SlashResult(["no parameters set: the provider's defaults apply"])
    return SlashResult([f"{name} = {_shown(value)}" for name, value in items])


def _retry(context: SlashContext, argument: str) -> SlashResult:
    return SlashResult(retry=True)


def _edit(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    previous = session.last_prompt()
    edited = context.edit_text(previous or "")
    if edited is None or not edited.strip():
        return SlashResult(["edit cancelled: nothing sent"])
    if previous is not None:
        session.rewind(drop_prompt=True)
    return SlashResult(send=edited)


def _file(context: SlashContext, argument: str) -> SlashResult:
    session = context.session
    if not argument:
        if not session.attachments:
            return SlashResult(["no files attached; /file PATH attaches one"])
        return SlashResult([f"attached: {p}" for p in session.attachments])
    path = Path(argument).expanduser()
    if not path.is_absolute():
        path = context.cwd / path
    size = session.attach(path)
    return SlashResult(
        [f"attached {path.name} ({_count(size)} characters) to your next message"]
    )


def _clear(context: SlashContext, argument: str) -> SlashResult:
    return SlashResult(clear=True)


def _exit(context: SlashContext, argument: str) -> SlashResult:
    return SlashResult(exit=True)


def _models(session: ChatState) -> list[str]:
    return session.known_models()


def _providers(session: ChatState) -> list[str]:
    return session.provider_names()


def _conversations(session: ChatState) -> list[tuple[str, str]]:
    return [(cid, one_line(title, 40)) for cid, title in session.conversation_ids()]


def _param_names(session: ChatState) -> list[str]:
    return list(PARAM_KINDS)


COMMANDS: tuple[Command, ...] = (
    Command("help", "[COMMAND]", "this list", _help),
    Command("new", "", "start a new conversation", _new),
    Command("model", "[NAME]", "show or switch the model", _model, _models),
    Command(
        "provider",
        "[NAME [MODEL]]",
        "show or switch the provider",
        _provider,
        _providers,
    ),
    Command("system", "[TEXT|off]", "show, set or remove the system prompt", _system),
    Command("role", "[NAME|off]", "list the roles, or use one", _role, _role_names),
    Command(
        "reasoning",
        "[show|collapse|hide]",
        "the last answer's reasoning in full, or how reasoning is shown",
        _reasoning,
        REASONING_MODES,
    ),
    Command("effort", "[low|medium|high]", "reasoning effort", _effort, EFFORTS),
    Command(
        "set",
        "PARAM VALUE",
        "set a request parameter (off: unset)",
        _set,
        _param_names,
    ),
    Command("params", "", "show the request parameters that are set", _params),
    Command("retry", "", "regenerate the last answer", _retry),
    Command("edit", "", "edit the last prompt in $EDITOR and resend it", _edit),
    Command("file", "[PATH]", "attach a text file to the next message", _file, "path"),
    Command(
        "copy",
        "[code [N]]",
        "copy the last answer, or a code block of it",
        conv.copy,
        ("code",),
    ),
    Command("history", "[N]", "recent conversations", conv.history),
    Command("load", "ID", "switch to a saved conversation", conv.load, _conversations),
    Command("title", "[TEXT]", "show or rename this conversation's title", conv.title),
    Command(
        "fork", "[N]", "continue a copy of this conversation from turn N", conv.fork
    ),
    Command(
        "export", "[PATH]", "save this conversation as Markdown", conv.export, "path"
    ),
    Command("usage", "", "tokens and cost of this conversation", conv.usage),
    Command("clear", "", "clear the screen", _clear),
    Command("exit", "", "quit (or Ctrl-D)", _exit, aliases=("quit", "q")),
)


def argument_candidates(session: ChatState, command: Command) -> list[tuple[str, str]]:
    """(value, description) pairs Tab offers after `/command ` (paths excluded: the
    REPL completes those)."""
    source = command.complete
    if isinstance(source, str):
        return []
    try:
        values = list(source) if isinstance(source, tuple) else source(session)
    except Exception:  # a broken history must not break typing
        return []
    return [v if isinstance(v, tuple) else (v, "") for v in values]
