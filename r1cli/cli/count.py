"""`r1 count`: the input tokens (and cost) of the request `ask` would send.

The prompt is built exactly as `ask` builds it (words, piped stdin, `-f` files, the
system prompt from `-s`, the role (`-r`) or config, aliases resolved). Anthropic-dialect providers
and ModelsLab count it themselves (`POST …/v1/messages/count_tokens`); for the rest
the count is a local estimate, and the output says so.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Optional

import typer

from r1cli.cli.boundary import error_boundary
from r1cli.cli.options import (
    BaseUrlOpt,
    DebugOpt,
    FileOpt,
    ModelOpt,
    ProviderOpt,
    RoleOpt,
    StdinEncodingOpt,
    SystemOpt,
)
from r1cli.engine.resolve import TurnOptions
from r1cli.render.report import Report

Str = Optional[str]  # noqa: UP045 - typer needs Optional at runtime on 3.10


def count(
    prompt: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Argument(help="The prompt; stdin is added when piped."),
    ] = None,
    model: ModelOpt = None,
    provider: ProviderOpt = None,
    base_url: BaseUrlOpt = None,
    system: SystemOpt = None,
    file: FileOpt = None,
    role: RoleOpt = None,
    json_output: Annotated[
        bool,
        typer.Option("--json", help='{"input_tokens", "exact", "input_cost"}.'),
    ] = False,
    debug: DebugOpt = False,
    stdin_encoding: StdinEncodingOpt = "utf-8",
) -> None:
    """Count the input tokens of the request `ask` would send, and their cost."""
    report = Report(debug=debug)
    with error_boundary(report):
        opts = TurnOptions(
            words=tuple(prompt or ()),
            model=model,
            provider=provider,
            base_url=base_url,
            system=system,
            files=tuple(file or ()),
            debug=debug,
            stdin_encoding=stdin_encoding,
            role=role,
        )
        _count(opts, report, json_output=json_output)


def _count(opts: TurnOptions, report: Report, *, json_output: bool) -> None:
    from r1cli.config.keys import require_key
    from r1cli.config.paths import resolve_paths
    from r1cli.core.messages import Conversation, Message
    from r1cli.core.params import Sampling, merge_params
    from r1cli.engine.model_cache import cached_pricing
    from r1cli.engine.models import count_tokens
    from r1cli.engine.prompt import build_prompt
    from r1cli.engine.resolve import read_stdin, resolve
    from r1cli.providers.dialects import counting_spec
    from r1cli.render.footer import format_cost
    from r1cli.wire.http import NetworkPolicy

    paths = resolve_paths()
    settings, spec, model = resolve(opts, paths)
    report.debug = settings.debug
    text = build_prompt(opts.words, read_stdin(opts.stdin_encoding), opts.files)
    conversation = Conversation(system=settings.system)
    conversation.messages.append(Message("user", text))
    key = None
    if counting_spec(spec):  # only an exact count needs the provider (and key)
        found = require_key(spec, paths.keys_file)
        if found is not None:
            report.secrets.append(found.value)
            key = found.value
    result = count_tokens(
        spec,
        model,
        conversation,
        merge_params(Sampling(), settings.params),
        key,
        NetworkPolicy(
            connect_timeout=settings.connect_timeout,
            read_timeout=min(settings.timeout, 60.0),
            max_retries=settings.max_retries,
            backoff=settings.retry_backoff,
        ),
        cached_pricing(spec.name, spec.base_url, model, paths),
        notify=report.warn,
        debug=report.debug_line,
    )
    if json_output:
        sys.stdout.write(json.dumps(result.public()) + "\n")
        return
    tokens = f"{result.input_tokens:,} input tokens"
    if not result.exact:
        tokens = f"~{tokens} (estimate)"
    if result.input_cost is None:
        cost = f"cost unknown (no cached price; run 'r1 models -p {spec.name}')"
    else:
        cost = format_cost(result.input_cost)
    sys.stdout.write(f"{tokens} · {cost}\n")
