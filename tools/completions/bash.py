"""The bash completion script: fixed shell functions around four generated tables.

The tables (`case` statements keyed by command path) say which subcommands and
options each command has and what each option and argument takes; `_r1` walks the
words typed so far through them.
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.completions import HEADER, PROGRAMS, ScriptTemplate, sq
from tools.completions.tree import Command, Tree, Value

SCRIPT = ScriptTemplate(
    r"""@header
# bash completion for r1 and r1cli. Source this file from ~/.bashrc, or install
# it as ~/.local/share/bash-completion/completions/r1 (and link r1cli to it).

_r1_subcommands() {
    # Sets _r1_words to the subcommands of command path $1; fails for a command.
    case $1 in
@subcommands
        *) return 1 ;;
    esac
}

_r1_options() {
    # Sets _r1_words to the options of command path $1.
    case $1 in
@options
        *) _r1_words='' ;;
    esac
}

_r1_option_value() {
    # Sets _r1_value to what option $2 of command path $1 takes: choice WORD...,
    # file, dir or text; fails for a flag.
    case "$1 $2" in
@option_values
        *) return 1 ;;
    esac
}

_r1_argument_value() {
    # Sets _r1_value to what argument number $2 (from 0) of command path $1 takes;
    # fails when nothing can be offered.
    case "$1 $2" in
@argument_values
        *) return 1 ;;
    esac
}

_r1_reply() {
    # Fills COMPREPLY with the matches for $cur of a value spec.
    local kind=$1 line
    shift
    case $kind in
        choice) while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -W "$*" -- "$cur") ;;
        file) compopt -o filenames 2>/dev/null; while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -f -- "$cur") ;;
        dir) compopt -o filenames 2>/dev/null; while IFS= read -r line; do COMPREPLY+=("$line"); done < <(compgen -d -- "$cur") ;;
    esac
}

_r1() {
    local cur=${COMP_WORDS[COMP_CWORD]} path='' word pending='' _r1_words _r1_value
    local -i i=1 nargs=0 dashdash=0
    COMPREPLY=()@{default_command}
    while (( i < COMP_CWORD )); do
        word=${COMP_WORDS[i]}
        if (( !dashdash )) && [[ $word == -?* ]]; then
            if [[ $word == -- ]]; then
                dashdash=1
            elif [[ $word != *=* ]] && _r1_option_value "$path" "$word"; then
                # bash splits --option=value into --option, =, value
                if (( i + 1 < COMP_CWORD )) && [[ ${COMP_WORDS[i+1]} == = ]]; then
                    i+=1
                fi
                if (( i + 1 == COMP_CWORD )); then
                    pending=$word
                    break
                fi
                i+=1
            fi
        elif _r1_subcommands "$path" && [[ " $_r1_words " == *" $word "* ]]; then
            path=${path:+$path }$word
            nargs=0
        else
            nargs+=1
        fi
        i+=1
    done
    if [[ -n $pending ]]; then
        [[ $cur == = ]] && cur=''
        _r1_option_value "$path" "$pending"
        _r1_reply $_r1_value
    elif (( !dashdash )) && [[ $cur == -* ]]; then
        _r1_options "$path"
        _r1_reply choice $_r1_words
    elif _r1_subcommands "$path"; then
        _r1_reply choice $_r1_words
    elif _r1_argument_value "$path" "$nargs"; then
        _r1_reply $_r1_value
    fi
    return 0
}

complete -F _r1 @programs
"""
)

# `r1 WORD…` runs the default command unless WORD is a command (or an r1 option).
DEFAULT_COMMAND = ScriptTemplate(
    r"""
    if (( COMP_CWORD == 1 )) && [[ $cur == -* ]]; then
        # r1's own options, and those of @default, the default command
        _r1_reply choice @first_options
        return 0
    fi
    if (( COMP_CWORD > 1 )); then
        # r1 WORD... means r1 @default WORD... unless WORD is a command
        case ${COMP_WORDS[1]} in
            @first_words) ;;
            *) path=@quoted_default ;;
        esac
    fi"""
)


def script(tree: Tree) -> str:
    commands = list(tree.root.walk())
    return SCRIPT.substitute(
        header=HEADER,
        subcommands=_lines(_subcommand_case(cmd) for cmd in commands if cmd.is_group),
        options=_lines(_option_case(cmd) for cmd in commands),
        option_values=_lines(line for cmd in commands for line in _option_values(cmd)),
        argument_values=_lines(
            line for cmd in commands for line in _argument_values(cmd)
        ),
        default_command=_default_command(tree),
        programs=" ".join(PROGRAMS),
    )


def _lines(lines: Iterable[str]) -> str:
    return "\n".join(lines)


def _subcommand_case(cmd: Command) -> str:
    names = " ".join(sub.path[-1] for sub in cmd.subcommands)
    return f"        {sq(' '.join(cmd.path))}) _r1_words={sq(names)} ;;"


def _option_case(cmd: Command) -> str:
    names = " ".join(sorted(n for opt in cmd.options for n in opt.names))
    return f"        {sq(' '.join(cmd.path))}) _r1_words={sq(names)} ;;"


def _option_values(cmd: Command) -> list[str]:
    lines = []
    for opt in cmd.options:
        if opt.value is not None:
            keys = " | ".join(sq(" ".join((*cmd.path, n))) for n in opt.names)
            lines.append(f"        {keys}) _r1_value={sq(spec(opt.value))} ;;")
    return lines


def _argument_values(cmd: Command) -> list[str]:
    lines = []
    for index, arg in enumerate(cmd.arguments):
        if arg.value.kind == "text":
            continue
        key = sq(" ".join((*cmd.path, str(index))))
        if arg.variadic:
            key = sq(" ".join((*cmd.path, ""))) + "*"
        lines.append(f"        {key}) _r1_value={sq(spec(arg.value))} ;;")
    return lines


def _default_command(tree: Tree) -> str:
    if tree.default is None:
        return ""
    default = " ".join(tree.default.path)
    return DEFAULT_COMMAND.substitute(
        default=default,
        first_options=" ".join(tree.first_options),
        first_words=" | ".join(tree.first_words),
        quoted_default=sq(default),
    )


def spec(value: Value) -> str:
    """A value as `_r1_reply` takes it: `choice WORD…`, `file`, `dir` or `text`."""
    return " ".join((value.kind, *value.choices))
