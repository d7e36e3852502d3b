"""From the command line to what a Runtime is built on: `TurnOptions` (the flags of
ask/chat/count), `resolve` (settings, provider and model after flags > role > env >
config > defaults) and the piped stdin."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r1cli.config.paths import Paths
from r1cli.config.providers import ProviderSpec, resolve_provider
from r1cli.config.settings import Settings, load_settings
from r1cli.core.params import ReasoningMode, Sampling
from r1cli.engine.prompt import decode_stdin
from r1cli.errors import ConfigError

if TYPE_CHECKING:
    from r1cli.config.roles import Role

Notify = Callable[[str], None]


@dataclass(frozen=True)
class TurnOptions:
    """What the user asked for on the command line, before any resolution."""

    words: tuple[str, ...] = ()
    model: str | None = None
    provider: str | None = None
    base_url: str | None = None
    system: str | None = None
    continue_last: bool = False
    cid: str | None = None
    files: tuple[Path, ...] = ()
    reasoning: ReasoningMode | None = None
    show_reasoning: bool = False
    params: Sampling = field(default_factory=Sampling)
    timeout: float | None = None
    deadline: float | None = None
    no_history: bool = False
    json: bool = False
    raw: bool = False
    debug: bool = False
    no_color: bool = False
    stdin_encoding: str = "utf-8"
    # `-r/--role NAME`: between the flags above and the config defaults.
    role: str | None = None
    # Thinking controls (issue 13): spend caps, the loop guard, "answer now".
    max_cost: float | None = None
    ignore_budget: bool = False
    loop_guard: str | None = None
    think_max: float | None = None
    think_max_tokens: int | None = None
    samples: int | None = None
    vote: bool = False
    # Tools: --no-tools, --tool SERVER[.TOOL] (None: every enabled server), --yes,
    # --max-tool-calls (None: the setting).
    no_tools: bool = False
    tools: tuple[str, ...] | None = None
    yes: bool = False
    max_tool_calls: int | None = None


def resolve(opts: TurnOptions, paths: Paths) -> tuple[Settings, ProviderSpec, str]:
    """Settings, provider and model after flags > role > env > config > defaults.

    A role (`-r NAME`) is folded into the settings returned: its system prompt, its
    model and provider where no flag gave one, and its params over config `[params]`.
    """
    settings = load_settings(
        paths.config_file,
        provider=opts.provider,
        model=opts.model,
        base_url=opts.base_url,
        system=opts.system,
        reasoning=opts.reasoning,
        timeout=opts.timeout,
        deadline=opts.deadline,
        debug=opts.debug or None,
        color=False if opts.no_color else None,
        history=False if opts.no_history else None,
        loop_guard=opts.loop_guard,
    )
    role: Role | None = None
    if opts.role is not None:
        from r1cli.config.roles import find_role

        role = find_role(opts.role, settings.roles)
        settings = with_role(settings, role, opts)
    switched = opts.provider or (role.provider if role is not None else None)
    spec = resolve_provider(
        settings.provider, settings.providers, base_url=settings.base_url
    )
    model = settings.model
    # A model from config belongs to the configured provider: when the provider was
    # switched by a flag or a role, fall back to the new provider's own default
    # (unless a flag or the role named the model).
    chosen = opts.model or (role.model if role is not None else None)
    if switched and not chosen and not os.environ.get("R1CLI_MODEL"):
        model = spec.default_model or model
    model = model or spec.default_model
    if not model:
        raise ConfigError(
            f"no model given for provider {spec.name}",
            hint=f"pass -m MODEL (r1 models --provider {spec.name} lists them)",
        )
    return settings, spec, settings.model_for(model)


def with_role(settings: Settings, role: Role, opts: TurnOptions) -> Settings:
    """`settings` with `role` applied under the flags in `opts`."""
    changes: dict[str, Any] = {
        "params": {**settings.params, **role.params},
        "system": opts.system if opts.system is not None else role.system,
    }
    if role.provider is not None and opts.provider is None:
        changes["provider"] = role.provider
    if role.model is not None and opts.model is None:
        changes["model"] = role.model
    return replace(settings, **changes)


def key_hint(spec: ProviderSpec) -> str:
    variable = spec.key_env or "R1CLI_API_KEY"
    return f"check {variable}, or store a new key with 'r1 keys set {spec.name}'"


def read_stdin(encoding: str) -> str | None:
    """Piped stdin as text; None when stdin is a terminal, closed or unreadable."""
    stdin = sys.stdin
    if stdin is None or stdin.closed:
        return None
    try:
        if stdin.isatty():
            return None
        return decode_stdin(stdin.buffer.read(), encoding)
    except (OSError, ValueError):
        return None
