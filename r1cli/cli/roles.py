"""`r1 roles [--json]`: the built-in roles and the `[roles.*]` of config.toml."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from r1cli.cli.boundary import error_boundary
from r1cli.render.report import Report


def roles(
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help='One JSON list: {"name", "builtin", "system", "model", "provider", '
            '"params"}.',
        ),
    ] = False,
) -> None:
    """List the roles -r/--role accepts (built-in ones too)."""
    report = Report()
    with error_boundary(report):
        from r1cli.config.paths import resolve_paths
        from r1cli.config.roles import all_roles
        from r1cli.config.settings import load_settings

        settings = load_settings(resolve_paths().config_file)
        found = all_roles(settings.roles)
        if json_output:
            data = [found[name].public() for name in sorted(found)]
            sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")
            return
        width = max(len(name) for name in found)
        for name in sorted(found):
            role = found[name]
            where = "built-in" if role.builtin else "config"
            extras = [
                f"{key}={value}"
                for key, value in (("provider", role.provider), ("model", role.model))
                if value
            ]
            extras += [f"{key}={value!r}" for key, value in role.params.items()]
            line = f"{name:<{width}}  {where:<8}  {_first_line(role.system)}"
            if extras:
                line += f"  [{' '.join(extras)}]"
            sys.stdout.write(report.clean(line) + "\n")


def _first_line(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
