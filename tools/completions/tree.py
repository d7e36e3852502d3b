"""The r1 command tree as plain values, walked once from the live Typer app.

`build_tree()` turns the click command tree behind `r1cli.cli.app.app` into
`Command`/`Option`/`Argument` values: names, one-line help, and what each value
completes to (choices, provider names, files, directories or free text). The shell
generators read only these values; names and words that a shell could misread are
refused here.
"""

from __future__ import annotations

import io
import re
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath
from typing import Any, Literal

ValueKind = Literal["text", "choice", "file", "dir"]

# Parameters (options or arguments) with this name complete the provider names.
PROVIDER_PARAMS = frozenset({"provider"})

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_OPTION = re.compile(r"--?[A-Za-z0-9][A-Za-z0-9_-]*")
_WORD = re.compile(r"[A-Za-z0-9_.+@%,/=-]+")


@dataclass(frozen=True)
class Value:
    """What a parameter's value completes to."""

    kind: ValueKind
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    names: tuple[str, ...]  # long names first, each group sorted
    help: str
    value: Value | None  # None for a flag
    multiple: bool  # may be given more than once
    exits: bool  # --help, --version: nothing else matters after it

    @property
    def key(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Argument:
    name: str
    value: Value
    required: bool
    variadic: bool


@dataclass(frozen=True)
class Command:
    path: tuple[str, ...]  # () for r1 itself
    help: str
    options: tuple[Option, ...]
    arguments: tuple[Argument, ...]
    subcommands: tuple[Command, ...]
    is_group: bool

    def walk(self) -> Iterator[Command]:
        yield self
        for sub in self.subcommands:
            yield from sub.walk()

    def find(self, name: str) -> Command | None:
        return next((sub for sub in self.subcommands if sub.path[-1] == name), None)


@dataclass(frozen=True)
class Tree:
    root: Command
    default: Command | None  # what `r1 WORD…` runs when WORD is not a command

    @property
    def first_words(self) -> tuple[str, ...]:
        """Words at position 1 that do not fall through to the default command."""
        names = [sub.path[-1] for sub in self.root.subcommands]
        names += [name for option in self.root.options for name in option.names]
        return tuple(sorted(names))

    @property
    def first_options(self) -> tuple[str, ...]:
        """Options offered right after `r1`: its own and the default command's."""
        commands = [self.root] + ([self.default] if self.default else [])
        names = {name for cmd in commands for opt in cmd.options for name in opt.names}
        return tuple(sorted(names))


def build_tree() -> Tree:
    """Walk the live Typer app into the plain model the generators use."""
    import typer.main

    from r1cli.cli.app import app
    from r1cli.config.providers import provider_names

    providers = tuple(provider_names())
    group = typer.main.get_command(app)
    root = _command(group, "r1", None, (), providers)
    return Tree(root=root, default=_default_command(root))


def _default_command(root: Command) -> Command | None:
    """The command `r1 WORD…` falls through to, asked of the CLI's own rule."""
    try:
        from r1cli.cli.app import with_default_command

        routed = with_default_command(["--r1-completion-probe"], False)
    except Exception:  # the rule changed shape: complete without a default
        return None
    if len(routed) == 2 and routed[1] == "--r1-completion-probe":
        return root.find(routed[0])
    return None


def _command(
    cmd: Any,
    name: str,
    parent: Any,
    path: tuple[str, ...],
    providers: tuple[str, ...],
) -> Command:
    ctx = cmd.context_class(
        cmd, info_name=name, parent=parent, **(cmd.context_settings or {})
    )
    options: list[Option] = []
    arguments: list[Argument] = []
    for param in cmd.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if param.param_type_name == "argument":
            arguments.append(_argument(param, providers))
        elif param.param_type_name == "option":
            options.append(_option(param, ctx, providers))
    subcommands: list[Command] = []
    is_group = hasattr(cmd, "list_commands")
    if is_group:
        for sub_name in sorted(cmd.list_commands(ctx)):
            sub = cmd.get_command(ctx, sub_name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            _check(_NAME, sub_name, "command name")
            subcommands.append(
                _command(sub, sub_name, ctx, (*path, sub_name), providers)
            )
    return Command(
        path=path,
        help=_one_line(cmd.short_help or cmd.help or ""),
        options=tuple(sorted(options, key=lambda option: option.key)),
        arguments=tuple(arguments),
        subcommands=tuple(subcommands),
        is_group=is_group,
    )


def _option(param: Any, ctx: Any, providers: tuple[str, ...]) -> Option:
    names = [*param.opts, *param.secondary_opts]
    for name in names:
        _check(_OPTION, name, "option name")
    longs = sorted(name for name in names if name.startswith("--"))
    shorts = sorted(name for name in names if not name.startswith("--"))
    flag = bool(getattr(param, "is_flag", False) or getattr(param, "count", False))
    help_text = _one_line(param.help or "")
    if not help_text and not flag:
        help_text = _type_label(param, ctx)
    return Option(
        names=(*longs, *shorts),
        help=help_text,
        value=None if flag else _value(param, providers),
        multiple=bool(param.multiple or getattr(param, "count", False)),
        exits=bool(
            param.is_eager and flag and (param.callback or not param.expose_value)
        ),
    )


def _argument(param: Any, providers: tuple[str, ...]) -> Argument:
    return Argument(
        name=(param.name or "arg").replace("_", "-"),
        value=_value(param, providers),
        required=bool(param.required),
        variadic=param.nargs == -1,
    )


def _value(param: Any, providers: tuple[str, ...]) -> Value:
    if param.name in PROVIDER_PARAMS:
        return Value("choice", _words(providers, param.name))
    choices = _choices(param)
    if choices:
        return Value("choice", _words(choices, param.name))
    return Value(_path_kind(param) or "text")


def _choices(param: Any) -> tuple[str, ...]:
    descriptor = getattr(param, "type_descriptor", None)  # typer >= 0.2x
    raw = getattr(descriptor, "choices", None)
    if raw is None:
        raw = getattr(getattr(param, "type", None), "choices", None)  # click Choice
    if not raw:
        return ()
    return tuple(str(c.value if isinstance(c, Enum) else c) for c in raw)


def _path_kind(param: Any) -> Literal["file", "dir"] | None:
    """`file` or `dir` for a path- or file-typed parameter, else None."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:  # typer >= 0.2x
        if getattr(descriptor, "is_file", False):
            return "file"
        annotation = descriptor.annotation
        if typing.get_origin(annotation) in (list, tuple, set, frozenset):
            args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
            annotation = args[0] if len(args) == 1 else None
        is_type = isinstance(annotation, type)
        if getattr(descriptor, "is_path", False) or (
            is_type and issubclass(annotation, PurePath)
        ):
            info = descriptor.parameter_info
            file_okay = getattr(info, "file_okay", True)
            return "file" if file_okay or not getattr(info, "dir_okay", True) else "dir"
        return "file" if is_type and issubclass(annotation, io.IOBase) else None
    click_type = getattr(param, "type", None)  # classic click types
    kind = type(click_type).__name__
    if kind == "Path":
        dir_only = not getattr(click_type, "file_okay", True) and getattr(
            click_type, "dir_okay", True
        )
        return "dir" if dir_only else "file"
    return "file" if kind == "File" else None


def _type_label(param: Any, ctx: Any) -> str:
    display = getattr(param, "display_type", None)  # typer: "<float>", "<int>"
    if callable(display):
        try:
            return _one_line(str(display(ctx)))
        except Exception:
            return ""
    return ""


def _words(values: Sequence[str], what: str | None) -> tuple[str, ...]:
    for value in values:
        _check(_WORD, value, f"value of {what}")
    return tuple(values)


def _check(pattern: re.Pattern[str], text: str, what: str) -> None:
    if not pattern.fullmatch(text):
        raise ValueError(f"cannot complete {what} {text!r}: unsupported characters")


def _one_line(text: str) -> str:
    """The first paragraph of a help text on one line."""
    paragraph = text.strip().split("\n\n")[0].replace("\b", "")
    return " ".join(paragraph.split())
