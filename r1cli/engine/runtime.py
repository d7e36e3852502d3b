"""One-shot questions: `r1 ask` and `r1 PROMPT…`, from options to a finished turn.

Typer-free on purpose: `cli.py` maps flags to `AskOptions` and calls `run_ask`; this
module resolves settings, provider, key and prompt, opens history, picks the renderer
and runs the engine. Failures propagate as exceptions; `boundary.py` reports them.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from r1cli.cli.boundary import Outcome
from r1cli.config.keys import require_key
from r1cli.config.paths import Paths, resolve_paths
from r1cli.config.providers import ProviderSpec, resolve_provider
from r1cli.config.settings import Settings, load_settings
from r1cli.core.messages import Conversation, Message, Turn
from r1cli.core.params import Sampling
from r1cli.engine.prompt import build_prompt, decode_stdin
from r1cli.engine.sink import TurnSink
from r1cli.errors import ConfigError, UsageError


@dataclass(frozen=True)
class AskOptions:
    words: tuple[str, ...] = ()
    model: str | None = None
    provider: str | None = None
    base_url: str | None = None
    system: str | None = None
    continue_last: bool = False
    cid: str | None = None
    files: tuple[Path, ...] = ()
    reasoning: str | None = None
    show_reasoning: bool = False
    sampling: Sampling = field(default_factory=Sampling)
    timeout: float | None = None
    deadline: float | None = None
    no_history: bool = False
    json: bool = False
    raw: bool = False
    debug: bool = False
    no_color: bool = False
    stdin_encoding: str = "utf-8"


def resolve(opts: AskOptions, paths: Paths) -> tuple[Settings, ProviderSpec, str]:
    """Settings, provider and model after flags > env > config > defaults."""
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
    )
    spec = resolve_provider(
        settings.provider, settings.providers, base_url=settings.base_url
    )
    model = settings.model
    # A model from config belongs to the configured provider: when the provider was
    # switched by a flag, fall back to the new provider's own default.
    if opts.provider and not opts.model and not os.environ.get("R1CLI_MODEL"):
        model = spec.default_model or model
    model = model or spec.default_model
    if not model:
        raise ConfigError(
            f"no model given for provider {spec.name}",
            hint=f"pass -m MODEL (r1 models --provider {spec.name} lists them)",
        )
    return settings, spec, model


def merged_sampling(flags: Sampling, defaults: dict[str, Any]) -> Sampling:
    """Config `[params]` as defaults under the flags; unknown names go to the body."""
    known = {f.name for f in fields(Sampling)} - {"extra"}
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in defaults.items():
        if name in known:
            values[name] = tuple(value) if name == "stop" else value
        else:
            extra[name] = value
    for name in known:
        value = getattr(flags, name)
        if value not in (None, (), False):
            values[name] = value
    return replace(Sampling(**values), extra={**extra, **flags.extra})


def read_stdin(encoding: str) -> str | None:
    stdin = sys.stdin
    if stdin is None or stdin.closed:
        return None
    try:
        if stdin.isatty():
            return None
        return decode_stdin(stdin.buffer.read(), encoding)
    except (OSError, ValueError):
        return None


def run_ask(opts: AskOptions, outcome: Outcome) -> Turn:
    """Ask one question and stream the answer; returns the finished turn."""
    from r1cli.engine.turn import run_turn

    paths = resolve_paths()
    settings, spec, model = resolve(opts, paths)
    outcome.debug = settings.debug
    # A usage error (empty prompt, bad stdin) is reported before a missing key.
    prompt = build_prompt(opts.words, read_stdin(opts.stdin_encoding), opts.files)
    found = require_key(spec, paths.keys_file, warn=outcome.warn)
    if found:
        outcome.secrets.append(found.value)
    store = open_history(settings, paths, outcome)
    conversation = initial_conversation(store, opts, settings)
    append_prompt(conversation, prompt)
    recorder = start_recording(store, conversation, prompt, spec, model, outcome)
    request = turn_request(
        spec,
        model,
        conversation,
        merged_sampling(opts.sampling, dict(settings.params)),
        found.value if found else None,
        settings,
    )
    sinks: list[TurnSink] = [outcome, choose_renderer(opts, settings, model)]
    if recorder is not None:
        sinks.append(recorder)
    outcome.recorder = recorder
    return run_turn(request, sinks, notify=outcome.warn, debug=outcome.debug_line)


def turn_request(
    spec: ProviderSpec,
    model: str,
    conversation: Conversation,
    sampling: Sampling,
    key: str | None,
    settings: Settings,
) -> Any:
    """The engine's request for one turn, with the network policy from settings."""
    from r1cli.engine.turn import TurnRequest
    from r1cli.wire.transport import NetworkPolicy

    return TurnRequest(
        spec=spec,
        model=model,
        conversation=conversation,
        sampling=sampling,
        key=key,
        policy=NetworkPolicy(
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.timeout,
            max_retries=settings.max_retries,
            backoff=settings.retry_backoff,
            deadline=settings.deadline,
        ),
        first_token_timeout=settings.first_token_timeout,
        key_hint=key_hint(spec),
    )


def append_prompt(conversation: Conversation, prompt: str) -> None:
    if conversation.id is not None:
        from r1cli.history.store import append_user_message

        # A continued conversation may end with an unanswered prompt: merge, so the
        # model never sees two user messages in a row.
        append_user_message(conversation, prompt)
    else:
        conversation.messages.append(Message("user", prompt))


def key_hint(spec: ProviderSpec) -> str:
    variable = spec.key_env or "R1CLI_API_KEY"
    return f"check {variable}, or store a new key with 'r1 keys set {spec.name}'"


def open_history(settings: Settings, paths: Paths, outcome: Outcome) -> Any:
    if not settings.history:
        return None
    from r1cli.errors import HistoryError
    from r1cli.history.store import HistoryRefused, HistoryStore

    try:
        return HistoryStore.open(paths.history_db)
    except HistoryRefused:
        # A newer or damaged database is refused (exit 3) so nothing overwrites it.
        raise
    except HistoryError as exc:
        # One that merely cannot be written must not cost the user the answer.
        outcome.warn(
            f"history is not available ({exc.message}); the answer will not be saved"
        )
        return None


def initial_conversation(
    store: Any, opts: AskOptions, settings: Settings
) -> Conversation:
    if not (opts.continue_last or opts.cid):
        return Conversation(system=settings.system)
    if store is None:
        raise UsageError("-c/--cid need history, which is off or unavailable")
    cid = store.resolve_id(opts.cid) if opts.cid else store.latest_id()
    if cid is None:
        raise UsageError("there is no conversation to continue yet")
    conversation: Conversation = store.load_conversation(cid)
    if opts.system is not None:
        conversation.system = opts.system
    return conversation


def start_recording(
    store: Any,
    conversation: Conversation,
    prompt: str | None,
    spec: ProviderSpec,
    model: str,
    outcome: Outcome,
) -> TurnSink | None:
    """Store the prompt (None: it is stored already) and the row the answer fills."""
    if store is None:
        return None
    from r1cli.history.recorder import HistoryRecorder
    from r1cli.history.store import derive_title

    try:
        if conversation.id is None:
            conversation.id = store.create_conversation(
                title=derive_title(prompt or ""),
                model=model,
                provider=spec.name,
                system=conversation.system,
            )
        if prompt is not None:
            store.add_message(conversation.id, "user", prompt)
        message_id = store.begin_answer(
            conversation.id, model=model, provider=spec.name
        )
    except Exception as exc:  # history must never cost the user the answer
        outcome.warn(f"could not write history ({exc}); the answer will not be saved")
        return None
    outcome.conversation_id = conversation.id
    recorder: TurnSink = HistoryRecorder(store, conversation.id, message_id)
    return recorder


def choose_renderer(opts: AskOptions, settings: Settings, model: str) -> TurnSink:
    if opts.json:
        from r1cli.render.jsonl import JsonlRenderer

        return JsonlRenderer()
    stdout_tty = _isatty(sys.stdout)
    if opts.raw or not stdout_tty:
        from r1cli.render.plain import PlainRenderer

        return PlainRenderer(
            show_reasoning=opts.show_reasoning,
            raw=opts.raw,
            dim_reasoning=settings.color and _isatty(sys.stderr),
            spinner_model=model if _isatty(sys.stderr) else None,
        )
    from r1cli.render.tty import TerminalRenderer

    return TerminalRenderer(
        reasoning=settings.reasoning,  # type: ignore[arg-type]
        color=settings.color,
        model=model,
    )


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
