"""`r1 config show|get|set|unset|path|edit`: settings in `config.toml`.

These commands work even when the file is broken, so the user can always fix it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import asdict
from typing import Annotated

import typer

from r1cli.config.paths import ensure_private_dir, resolve_paths
from r1cli.errors import R1Error

config_app = typer.Typer(no_args_is_help=True, add_completion=False)


def _fail(exc: R1Error) -> None:
    sys.stderr.write(f"error: {exc.message}\n")
    if exc.hint:
        sys.stderr.write(f"hint: {exc.hint}\n")
    raise typer.Exit(int(exc.exit_code))


@config_app.command("path")
def path() -> None:
    """Print where config.toml lives."""
    typer.echo(str(resolve_paths().config_file))


@config_app.command("show")
def show() -> None:
    """Show the effective settings (flags aside): defaults < config.toml < R1CLI_*."""
    from r1cli.config.settings import load_settings

    try:
        settings = load_settings(resolve_paths().config_file)
    except R1Error as exc:
        _fail(exc)
    for key, value in asdict(settings).items():
        if key in ("params", "providers", "aliases"):
            for name, item in dict(value).items():
                typer.echo(f"{key}.{name} = {item!r}")
        else:
            typer.echo(f"{key} = {value!r}")


@config_app.command("get")
def get(
    key: Annotated[str, typer.Argument(help="A setting, params.NAME or aliases.NAME.")],
) -> None:
    """Print one effective setting."""
    from r1cli.config.edit import parse_key
    from r1cli.config.settings import load_settings

    try:
        table, name = parse_key(key)
        settings = load_settings(resolve_paths().config_file)
    except R1Error as exc:
        _fail(exc)
    values = settings.params if table == "params" else settings.aliases
    if table is None:
        typer.echo(str(getattr(settings, name)))
    elif name in values:
        typer.echo(str(values[name]))
    else:
        raise typer.Exit(1)


@config_app.command("set")
def set_(
    key: Annotated[str, typer.Argument(help="A setting, params.NAME or aliases.NAME.")],
    value: Annotated[
        str, typer.Argument(help="The value (numbers and true/false typed).")
    ],
) -> None:
    """Set KEY to VALUE in config.toml, keeping comments and layout."""
    from r1cli.config.edit import edit

    try:
        edit(resolve_paths().config_file, key, value)
    except R1Error as exc:
        _fail(exc)


@config_app.command("unset")
def unset(
    key: Annotated[str, typer.Argument(help="A setting, params.NAME or aliases.NAME.")],
) -> None:
    """Remove KEY from config.toml."""
    from r1cli.config.edit import edit

    try:
        edit(resolve_paths().config_file, key, None)
    except R1Error as exc:
        _fail(exc)


@config_app.command("edit")
def edit_file() -> None:
    """Open config.toml in $VISUAL or $EDITOR."""
    config = resolve_paths().config_file
    ensure_private_dir(config.parent)
    if not config.exists():
        config.touch(mode=0o600)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    raise typer.Exit(subprocess.call([*shlex.split(editor), str(config)]))
