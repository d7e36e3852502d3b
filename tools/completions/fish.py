"""The fish completion script: helper functions that find the command path at the
cursor, then one `complete` line per subcommand, option and completable argument."""

from __future__ import annotations

import re

from tools.completions import HEADER, PROGRAMS, ScriptTemplate
from tools.completions.tree import Command, Option, Tree, Value

SCRIPT = ScriptTemplate(
    r"""@header
# fish completion for r1 and r1cli. Copy it to ~/.config/fish/completions/r1.fish
# (and link r1cli.fish to it).

function __r1_subcommands --description 'Print the subcommands of an r1 command path'
    switch $argv[1]
@subcommands
    end
end

function __r1_takes_value --description 'Whether an option of an r1 command path takes a value'
    switch "$argv[1] $argv[2]"@{takes_value}
    end
    return 1
end

function __r1_state --description 'Print the r1 command path at the cursor and the count of its arguments'
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l path r1
    set -l nargs 0
    set -l dashdash 0@{default_command}
    while set -q tokens[1]
        set -l word $tokens[1]
        set -e tokens[1]
        if test $dashdash = 0; and string match -q -- '-?*' $word
            if test $word = --
                set dashdash 1
            else if not string match -q -- '*=*' $word; and __r1_takes_value $path $word
                set -e tokens[1]
            end
        else if contains -- $word (__r1_subcommands $path)
            set path "$path $word"
            set nargs 0
        else
            set nargs (math $nargs + 1)
        end
    end
    printf '%s\n' $path $nargs
end

function __r1_using --description 'Whether the cursor is at one of these r1 command paths'
    set -l state (__r1_state)
    contains -- $state[1] $argv
end

function __r1_argument --description 'Whether the cursor is at argument N (from 0; N+ for N or later) of an r1 command path'
    set -l state (__r1_state)
    test $state[1] = $argv[1]; or return 1
    set -l index (string trim -r -c + -- $argv[2])
    if string match -q -- '*+' $argv[2]
        test $state[2] -ge $index
    else
        test $state[2] -eq $index
    end
end

for __r1_program in @programs
    complete -c $__r1_program -e
    complete -c $__r1_program -f
@completions
end
"""
)

SUBCOMMANDS = ScriptTemplate(
    r"""        case @path
            printf '%s\n' @names"""
)

TAKES_VALUE = ScriptTemplate(
    r"""
        case @keys
            return 0"""
)

# `r1 WORD…` runs the default command unless WORD is a command (or an r1 option).
DEFAULT_COMMAND = ScriptTemplate(
    r"""
    # r1 WORD... means r1 @default WORD... unless WORD is a command
    if set -q tokens[1]; and not contains -- $tokens[1] @first_words
        set path @quoted_default
    end"""
)

COMPLETE = "complete -c $__r1_program"


def script(tree: Tree) -> str:
    commands = list(tree.root.walk())
    keys = [
        fq(" ".join((_key(cmd.path), name)))
        for cmd in commands
        for opt in cmd.options
        if opt.value is not None
        for name in opt.names
    ]
    default = ""
    if tree.default is not None:
        default = DEFAULT_COMMAND.substitute(
            default=" ".join(tree.default.path),
            first_words=" ".join(tree.first_words),
            quoted_default=fq(_key(tree.default.path)),
        )
    return SCRIPT.substitute(
        header=HEADER,
        subcommands="\n".join(
            SUBCOMMANDS.substitute(
                path=fq(_key(cmd.path)),
                names=" ".join(sub.path[-1] for sub in cmd.subcommands),
            )
            for cmd in commands
            if cmd.is_group
        ),
        takes_value=TAKES_VALUE.substitute(keys=" ".join(keys)) if keys else "",
        default_command=default,
        programs=" ".join(PROGRAMS),
        completions="\n".join(
            line for cmd in commands for line in _completions(cmd, tree)
        ),
    )


def _completions(cmd: Command, tree: Tree) -> list[str]:
    """The `complete` lines for one command's subcommands, options and arguments."""
    where = [_key(cmd.path)]
    if cmd is tree.default:
        where.insert(0, _key(()))  # options right after r1 are its options
    using = _condition("__r1_using", *where)
    here = _condition("__r1_using", _key(cmd.path))
    lines = [
        f"    {COMPLETE} -n {here} -a {sub.path[-1]} -d {fq(sub.help)}"
        for sub in cmd.subcommands
    ]
    lines += [f"    {COMPLETE} -n {using}{_option(opt)}" for opt in cmd.options]
    for index, arg in enumerate(cmd.arguments):
        if arg.value.kind != "text":
            position = f"{index}+" if arg.variadic else str(index)
            cond = _condition("__r1_argument", _key(cmd.path), position)
            lines.append(f"    {COMPLETE} -n {cond}{_value(arg.value)}")
    return lines


def fq(text: str) -> str:
    """fish single quotes."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _key(path: tuple[str, ...]) -> str:
    return " ".join(("r1", *path))


def _condition(function: str, *args: str) -> str:
    """A `-n` condition in double quotes, its arguments single-quoted inside."""
    words = " ".join((function, *(fq(arg) for arg in args)))
    return '"' + re.sub(r'(["\\$])', r"\\\1", words) + '"'


def _option(option: Option) -> str:
    parts = []
    for name in option.names:
        if name.startswith("--"):
            parts.append(f" -l {name[2:]}")
        elif len(name) == 2:
            parts.append(f" -s {name[1]}")
        else:
            parts.append(f" -o {name[1:]}")
    if option.value is not None:
        parts.append(_value(option.value, requires=True))
    if option.help:
        parts.append(f" -d {fq(option.help)}")
    return "".join(parts)


def _value(value: Value, *, requires: bool = False) -> str:
    flag = " -r" if requires else ""
    if value.kind == "choice":
        return f"{' -x' if requires else ''} -a {fq(' '.join(value.choices))}"
    if value.kind in ("file", "dir"):
        if value.kind == "dir":
            return f"{flag} -f -a '(__fish_complete_directories)'"
        return f"{flag} -F"
    return " -x" if requires else ""
