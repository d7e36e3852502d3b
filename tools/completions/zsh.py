"""The zsh completion script: one `_arguments` function per command, the root last.

A group's function completes its subcommand names (with their help) and hands the
rest of the line to the chosen subcommand's function; `r1 WORD…` goes to the default
command's function unless WORD is a command.
"""

from __future__ import annotations

import re

from tools.completions import HEADER, PROGRAMS, sq
from tools.completions.tree import Argument, Command, Option, Tree, Value


def _function(path: tuple[str, ...]) -> str:
    return "_r1" + "".join("_" + re.sub(r"[^A-Za-z0-9_]", "_", part) for part in path)


def _help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _action(value: Value) -> str:
    if value.kind == "choice":
        return "(" + " ".join(value.choices) + ")"
    if value.kind == "file":
        return "_files"
    if value.kind == "dir":
        return "_files -/"
    return " "  # a message, and no matches


def _option_specs(option: Option) -> list[str]:
    if option.exits:
        exclude = "(- *)"
    elif option.multiple:
        exclude = "*"
    else:
        exclude = "(" + " ".join(option.names) + ")"
    help_text = f"[{_help(option.help)}]" if option.help else ""
    value = ""
    if option.value is not None:
        message = option.names[0].lstrip("-")
        value = f":{message}:{_action(option.value)}"
    return [sq(f"{exclude}{name}{help_text}{value}") for name in option.names]


def _argument_spec(argument: Argument) -> str:
    action = _action(argument.value)
    if argument.variadic:
        return sq(f"*:{argument.name}:{action}")
    colons = ":" if argument.required else "::"
    return sq(f"{colons}{argument.name}:{action}")


def script(tree: Tree) -> str:
    functions = [_function(cmd.path) for cmd in tree.root.walk()]
    if len(set(functions)) != len(functions):
        raise ValueError(f"command paths collide as zsh function names: {functions}")
    out = [
        "#compdef " + " ".join(PROGRAMS),
        HEADER,
        "# zsh completion for r1 and r1cli. Install it as _r1 in a directory on $fpath",
        "# (before compinit runs), or source it after compinit.",
        "",
    ]
    for cmd in tree.root.walk():
        if cmd.path:  # the root comes last: it is the entry point
            out += _command(cmd, tree)
    out += _command(tree.root, tree)
    out += [
        "if [[ $zsh_eval_context[-1] == loadautofunc ]]; then",
        '    _r1 "$@"',
        "else",
        f"    compdef _r1 {' '.join(PROGRAMS)}",
        "fi",
    ]
    return "\n".join(out) + "\n"


def _command(cmd: Command, tree: Tree) -> list[str]:
    name = _function(cmd.path)
    specs = [s for option in cmd.options for s in _option_specs(option)]
    out = [f"{name}() {{"]
    if not cmd.is_group:
        specs += [_argument_spec(arg) for arg in cmd.arguments]
        out.append('    _arguments -s -S : "$@" \\')
        out += [f"        {spec} \\" for spec in specs]
        out[-1] = out[-1].removesuffix(" \\")
        out += ["}", ""]
        return out
    out += [
        "    local curcontext=$curcontext state state_descr line ret=1",
        "    typeset -A opt_args",
    ]
    if not cmd.path and tree.default is not None:
        default = _function(tree.default.path)
        default_names = {n for opt in tree.default.options for n in opt.names}
        extra = [
            spec
            for option in cmd.options
            for spec in _option_specs(option)
            if not set(option.names) & default_names
        ]
        words = " | ".join(tree.first_words)
        out += [
            "    if (( CURRENT == 2 )) && [[ $PREFIX == -* ]]; then",
            "        # r1's own options, and those of the default command",
            f"        {' '.join([default, *extra])}",
            "        return",
            "    fi",
            "    if (( CURRENT > 2 )); then",
            f"        # r1 WORD... means r1 {' '.join(tree.default.path)} WORD... unless WORD is a command",
            "        case $words[2] in",
            f"            {words}) ;;",
            f"            *) {default}; return ;;",
            "        esac",
            "    fi",
        ]
    label = " ".join(("r1", *cmd.path))
    out.append("    _arguments -s -S -C : \\")
    out += [f"        {spec} \\" for spec in specs]
    out += [
        "        ':command:->command' \\",
        "        '*:: :->argument' && ret=0",
        "    case $state in",
        "        command)",
        "            local -a commands=(",
    ]
    for sub in cmd.subcommands:
        out.append(f"                {sq(sub.path[-1] + ':' + sub.help)}")
    out += [
        "            )",
        f"            _describe -t commands {sq(label + ' command')} commands && ret=0",
        "            ;;",
        "        argument)",
        f"            curcontext=${{curcontext%:*:*}}:{'-'.join(('r1', *cmd.path))}-$words[1]:",
        "            case $words[1] in",
    ]
    for sub in cmd.subcommands:
        out.append(f"                {sub.path[-1]}) {_function(sub.path)} && ret=0 ;;")
    out += [
        "            esac",
        "            ;;",
        "    esac",
        "    return ret",
        "}",
        "",
    ]
    return out
