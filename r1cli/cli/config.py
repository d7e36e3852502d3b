"""`r1 config show|get|set|unset|path|edit`: settings in `config.toml`.

These commands work even when the file is broken, so the user can always fix it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from r1cli.cli.boundary import bounded
from r1cli.config.paths import ensure_private_dir, resolve_paths
from r1cli.errors import ConfigError
from r1cli.render.report import Report

if TYPE_CHECKING:
    from r1cli.config.settings import Settings

config_app = typer.Typer(no_args_is_help=True, add_completion=False)


@config_app.command("path")
@bounded
def path() -> None:
    """Print where config.toml lives."""
    typer.echo(str(resolve_paths().config_file))


@config_app.command("show")
@bounded
def show() -> None:
    """Show the effective settings (flags aside): defaults < config.toml < R1CLI_*."""
    from r1cli.config.settings import load_settings, load_toml

    path = resolve_paths().config_file
    load_toml(path)  # a file that does not parse is an error (with its line)
    try:
        settings = load_settings(path)
    except ConfigError as exc:
        # Show what the file says, so it can be mended with set/unset/edit.
        settings = _as_written(path, exc)
    for key, value in asdict(settings).items():
        if key == "roles":  # roles.NAME.KEY lines, like the other tables
            for name, role in dict(value).items():
                for field in ("system", "model", "provider", "params"):
                    if role[field]:
                        typer.echo(f"roles.{name}.{field} = {role[field]!r}")
        elif key == "mcp_servers":
            from r1cli.mcp.config import masked

            for name, item in dict(value).items():
                typer.echo(f"{key}.{name} = {masked(item)!r}")
        elif key in ("params", "providers", "aliases"):
            for name, item in dict(value).items():
                typer.echo(f"{key}.{name} = {item!r}")
        else:
            typer.echo(f"{key} = {value!r}")


def _as_written(path: Path, problem: ConfigError) -> Settings:
    """The settings with the broken file's problem reported and the defaults shown."""
    from r1cli.config.settings import Settings

    report = Report()
    report.warn(f"{problem.message}; showing the defaults")
    report.hint(
        f"fix it with 'r1 config set', 'r1 config unset' or 'r1 config edit' ({path})"
    )
    return Settings()


@config_app.command("get")
@bounded
def get(
    key: Annotated[str, typer.Argument(help="A setting, params.NAME or aliases.NAME.")],
) -> None:
    """Print one effective setting."""
    from r1cli.config.edit import parse_key
    from r1cli.config.settings import load_settings

    table, name = parse_key(key)
    settings = load_settings(resolve_paths().config_file)
    values = settings.params if table == "params" else settings.aliases
    if table is None:
        typer.echo(str(getattr(settings, name)))
    elif name in values:
        typer.echo(str(values[name]))
    else:
        raise typer.Exit(1)


@config_app.command("set")
@bounded
def set_(
    key: Annotated[str, typer.Argument(help="A setting, params.NAME or aliases.NAME.")],
    value: Annotated[
        str, typer.Argument(help="The value (numbers and true/false typed).")
    ],
) -> None:
    """Set KEY to VALUE in config.toml, keeping comments and layout."""
    from r1cli.config.edit import edit

    edit(resolve_paths().config_file, key, value)


@config_app.command("unset")
@bounded
def unset(
    key: Annotated[str, typer.Argument(help="A setting, params.NAME or aliases.NAME.")],
) -> None:
    """Remove KEY from config.toml."""
    from r1cli.config.edit import edit

    edit(resolve_paths().config_file, key, None)


@config_app.command("edit")
@bounded
def edit_file() -> None:
    """Open config.toml in $VISUAL or $EDITOR."""
    config = resolve_paths().config_file
    ensure_private_dir(config.parent)
    if not config.exists():
        config.touch(mode=0o600)
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        command = shlex.split(editor)
        code = subprocess.call([*command, str(config)])
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ConfigError(
            f"cannot run the editor {editor!r}: {reason}",
            hint="set VISUAL or EDITOR to an installed editor, e.g. EDITOR=nano",
        ) from None
    raise typer.Exit(code)
