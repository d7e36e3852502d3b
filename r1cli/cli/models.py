"""`r1 models`: what a provider offers, from its models endpoint (cached for a day).

A table on a terminal, one id per line on a pipe, a JSON array with `--json`. The
listing itself (cache, fetch, offline fallback) is `engine.models`; the dialect's
request and response shapes live in its provider module.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from r1cli.cli.boundary import error_boundary
from r1cli.cli.options import BaseUrlOpt, DebugOpt, NoColorOpt, ProviderOpt
from r1cli.render.report import Report

if TYPE_CHECKING:
    from r1cli.wire.http import NetworkPolicy

Str = Optional[str]  # noqa: UP045 - typer needs Optional at runtime on 3.10


def models(
    provider: ProviderOpt = None,
    base_url: BaseUrlOpt = None,
    search: Annotated[
        Str, typer.Option("--search", help="Only ids or names containing TEXT.")
    ] = None,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Fetch again even if the cache is fresh.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", help="A JSON array of models on stdout.")
    ] = False,
    no_color: NoColorOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List a provider's models: context length and $ per million tokens (cached a day).

    A table on a terminal, one id per line on a pipe, a JSON array with --json.
    """
    report = Report(debug=debug)
    with error_boundary(report):
        _list(report, provider, base_url, search, refresh, json_output, no_color, debug)


def _list(
    report: Report,
    provider: str | None,
    base_url: str | None,
    search: str | None,
    refresh: bool,
    json_output: bool,
    no_color: bool,
    debug: bool,
) -> None:
    from r1cli.config.keys import require_key
    from r1cli.config.paths import resolve_paths
    from r1cli.config.providers import resolve_provider
    from r1cli.config.settings import load_settings
    from r1cli.core.models import matches
    from r1cli.engine.model_cache import describe_age
    from r1cli.engine.models import list_models

    paths = resolve_paths()
    settings = load_settings(
        paths.config_file,
        provider=provider,
        base_url=base_url,
        debug=debug or None,
        color=False if no_color else None,
    )
    report.debug = settings.debug
    spec = resolve_provider(
        settings.provider, settings.providers, base_url=settings.base_url
    )

    def key() -> str | None:
        # Asked only when the network is: a fresh cache needs no key.
        found = require_key(spec, paths.keys_file)
        if found is None:
            return None
        report.secrets.append(found.value)
        return found.value

    def policy() -> NetworkPolicy:
        from r1cli.wire.http import NetworkPolicy

        return NetworkPolicy(
            connect_timeout=settings.connect_timeout,
            read_timeout=min(settings.timeout, 60.0),
            max_retries=settings.max_retries,
            backoff=settings.retry_backoff,
        )

    listing = list_models(
        spec, key, paths, policy, refresh=refresh, debug=report.debug_line
    )
    if listing.offline and listing.age is not None:
        report.warn(
            f"offline; showing the model list cached {describe_age(listing.age)} ago"
        )
    shown = [m for m in listing.models if not search or matches(m, search)]
    if search and not shown:
        report.warn(f"no {spec.name} model matches {search!r}")
    if json_output:
        sys.stdout.write(json.dumps([m.public() for m in shown], indent=2) + "\n")
        return
    if not sys.stdout.isatty():
        from r1cli.render.models_view import one_line

        sys.stdout.write("".join(one_line(m.id) + "\n" for m in shown))
        return
    from r1cli.render.models_view import show_table

    caption = f"{spec.name} · {len(shown)} models · $ per million tokens"
    if listing.age is not None:
        caption += f" · cached {describe_age(listing.age)} ago"
    show_table(shown, caption, color=settings.color)
