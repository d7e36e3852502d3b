"""`r1 keys set|list|rm`: manage the keys file without ever showing a key."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from r1cli.cli.boundary import bounded
from r1cli.config.keys import (
    ENV_API_KEY,
    check_permissions,
    mask,
    read_keys,
    store_key,
    validate_key_text,
    write_keys,
)
from r1cli.config.paths import resolve_paths
from r1cli.config.providers import BUILTIN, provider_names
from r1cli.errors import UsageError

keys_app = typer.Typer(no_args_is_help=True, add_completion=False)


def _read_secret(provider: str) -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"API key for {provider} (input hidden): ")
    return sys.stdin.readline()


@keys_app.command("set")
@bounded
def set_key(
    provider: Annotated[str, typer.Argument(help="Provider name, e.g. openrouter.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Store it even for a provider not defined (yet)."),
    ] = False,
) -> None:
    """Store a key for PROVIDER (read from stdin, or a hidden prompt)."""
    if not force:
        check_provider_name(provider)
    key = validate_key_text(_read_secret(provider))
    path = resolve_paths().keys_file
    store_key(path, provider, key)
    sys.stderr.write(f"saved key for {provider} ({mask(key)}) in {path}\n")


def offer_to_store_key(provider: str) -> bool:
    """First run on a terminal with no key: ask for one (hidden input) and store it
    as `r1 keys set` does. False when there is no terminal to ask on, or the user
    pressed Enter without pasting anything."""
    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    import getpass

    path = resolve_paths().keys_file
    sys.stderr.write(
        f"No API key for {provider} yet. One pasted here is stored in\n  {path}\n"
    )
    text = getpass.getpass(
        f"API key for {provider} (input hidden, Enter to skip): ", stream=sys.stderr
    )
    if not text.strip():
        return False
    key = validate_key_text(text)
    store_key(path, provider, key)
    sys.stderr.write(f"saved key for {provider} ({mask(key)}) in {path}\n")
    return True


def check_provider_name(provider: str) -> None:
    """UsageError for a provider r1 does not know, with the nearest name as a hint
    (a key stored under a misspelt name would never be used)."""
    import difflib

    known = provider_names(_configured_providers())
    if provider in known:
        return
    close = difflib.get_close_matches(provider, known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    raise UsageError(
        f"unknown provider {provider!r}",
        hint=f"{hint}known: {', '.join(known)}; --force stores it anyway",
    )


def _configured_providers() -> dict[str, object]:
    """`[providers.*]` from config.toml; none when the file cannot be read."""
    from r1cli.config.settings import load_settings
    from r1cli.errors import ConfigError

    try:
        return dict(load_settings(resolve_paths().config_file).providers)
    except ConfigError:
        return {}


@keys_app.command("list")
@bounded
def list_keys() -> None:
    """Show which providers have a key, and where it comes from (masked)."""
    path = resolve_paths().keys_file
    stored = read_keys(path)
    warning = check_permissions(path)
    if warning:
        sys.stderr.write(f"warning: {warning}\n")
    names = sorted(set(provider_names()) | set(stored))
    for name in names:
        spec = BUILTIN.get(name)
        sources: list[str] = []
        for variable in (ENV_API_KEY, spec.key_env if spec else None):
            if variable and os.environ.get(variable):
                sources.append(f"env:{variable} {mask(os.environ[variable])}")
        if name in stored:
            sources.append(f"file {mask(stored[name])}")
        if sources:
            typer.echo(f"{name}\t" + ", ".join(sources))


@keys_app.command("rm")
@bounded
def remove_key(
    provider: Annotated[str, typer.Argument(help="Provider name.")],
) -> None:
    """Remove the stored key for PROVIDER."""
    path = resolve_paths().keys_file
    keys = read_keys(path)
    if provider not in keys:
        raise UsageError(f"no stored key for {provider}")
    del keys[provider]
    write_keys(path, keys)
    sys.stderr.write(f"removed the key for {provider}\n")
