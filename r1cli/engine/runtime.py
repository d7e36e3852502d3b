"""The Runtime: everything one command works with, resolved once and passed explicitly.

`Runtime.from_options` applies the precedence order (flags > env > config > defaults)
to pick settings, provider, model and key, and opens history; `run` sends one turn
through the engine with the history recorder attached. Commands (`ask`, the REPL,
`count`, `batch`) build one and hand it down; nothing here prints or imports a
renderer: warnings and debug lines go to the callables the caller passed in, and every
key found is added to `secrets`, the list the caller's printer redacts with.

What the last turn left (the turn, its recorder, the conversation id) is kept here,
written only by `run`, so an error report can say what was saved.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r1cli.config.keys import require_key
from r1cli.config.paths import Paths, resolve_paths
from r1cli.config.providers import ProviderSpec, resolve_provider
from r1cli.config.settings import Settings, load_settings
from r1cli.core import shutdown
from r1cli.core.events import Event
from r1cli.core.messages import Conversation, Turn
from r1cli.core.params import ReasoningMode, Sampling, merge_params
from r1cli.core.redact import redact_text
from r1cli.core.sink import TurnSink
from r1cli.engine.prompt import decode_stdin
from r1cli.errors import ConfigError, R1Error, UsageError

if TYPE_CHECKING:
    from r1cli.config.roles import Role
    from r1cli.engine.turn import TurnRequest
    from r1cli.history.recorder import HistoryRecorder
    from r1cli.history.store import HistoryStore

Notify = Callable[[str], None]


def _ignore(message: str) -> None:
    """A `Notify` for callers that show nothing."""


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


class Runtime:
    """Settings, paths, provider, model, key and history store of one command.

    The REPL changes provider and model between turns (`use_provider`, `model`);
    everything else is fixed once built.
    """

    def __init__(
        self,
        *,
        paths: Paths,
        settings: Settings,
        spec: ProviderSpec,
        model: str,
        params: Sampling,
        secrets: list[str] | None = None,
        notify: Notify = _ignore,
        debug: Notify = _ignore,
        preconnect: bool = False,
    ) -> None:
        self.paths = paths
        self.settings = settings
        self.spec = spec
        self.model = model
        self.params = params
        # Shared with the caller's printer: every key found here is redacted there.
        self.secrets: list[str] = [] if secrets is None else secrets
        self.notify = notify
        self.debug = debug
        self.key = self.find_key(spec)
        if preconnect:  # TCP and TLS overlap opening history and importing httpx
            from r1cli.wire.preconnect import start

            start(spec.base_url, settings.connect_timeout)
        # Why history could not be opened, if it could not (for -c/--cid's error).
        self.history_problem: R1Error | None = None
        self.store: HistoryStore | None = self._open_history()
        # What the last turn left, for error reports; written only by `run`.
        self.turn: Turn | None = None
        self.recorder: HistoryRecorder | None = None
        self.conversation_id: str | None = None

    @classmethod
    def from_options(
        cls,
        opts: TurnOptions,
        *,
        secrets: list[str] | None = None,
        notify: Notify = _ignore,
        debug: Notify = _ignore,
        paths: Paths | None = None,
        preconnect: bool = False,
    ) -> Runtime:
        paths = paths or resolve_paths()
        settings, spec, model = resolve(opts, paths)
        return cls(
            paths=paths,
            settings=settings,
            spec=spec,
            model=model,
            params=merge_params(opts.params, settings.params),
            secrets=secrets,
            notify=notify,
            debug=debug,
            preconnect=preconnect,
        )

    # -- provider and key ---------------------------------------------------------

    def find_key(self, spec: ProviderSpec) -> str | None:
        """The key `spec` needs (ConfigError when missing), noted for redaction."""
        found = require_key(spec, self.paths.keys_file, warn=self.notify)
        if found is None:
            return None
        if found.value not in self.secrets:
            self.secrets.append(found.value)
        return found.value

    def use_provider(self, spec: ProviderSpec, model: str) -> None:
        """Switch provider and model; a missing key fails before anything changes."""
        key = self.find_key(spec)
        self.spec, self.model, self.key = spec, model, key

    # -- conversations -------------------------------------------------------------

    def initial_conversation(self, opts: TurnOptions) -> Conversation:
        """A new conversation, or the one `-c`/`--cid` continue."""
        if not (opts.continue_last or opts.cid):
            return Conversation(system=self.settings.system)
        if self.store is None:
            if self.history_problem is not None:
                raise ConfigError(
                    f"-c/--cid need history: {self.history_problem.message}",
                    hint=self.history_problem.hint,
                )
            raise UsageError("-c/--cid need history, which is off (--no-history)")
        cid = self.store.resolve_id(opts.cid) if opts.cid else self.store.latest_id()
        if cid is None:
            raise UsageError("there is no conversation to continue yet")
        conversation = self.store.load_conversation(cid)
        if opts.system is not None or opts.role is not None:
            # -s or a role replaces the stored prompt (settings.system holds the
            # winner of -s > role).
            conversation.system = self.settings.system
        return conversation

    # -- turns ---------------------------------------------------------------------

    def request(
        self, conversation: Conversation, *, params: Sampling | None = None
    ) -> TurnRequest:
        """The engine's request for one turn, with the network policy from settings
        (`params` replaces the runtime's own, e.g. per batch item)."""
        from r1cli.engine.model_cache import cached_pricing
        from r1cli.engine.turn import TurnRequest
        from r1cli.wire.http import NetworkPolicy

        settings = self.settings
        return TurnRequest(
            spec=self.spec,
            model=self.model,
            conversation=conversation,
            sampling=self.params if params is None else params,
            key=self.key,
            policy=NetworkPolicy(
                connect_timeout=settings.connect_timeout,
                read_timeout=settings.timeout,
                max_retries=settings.max_retries,
                backoff=settings.retry_backoff,
                deadline=settings.deadline,
            ),
            first_token_timeout=settings.first_token_timeout,
            key_hint=key_hint(self.spec),
            prices=cached_pricing(self.spec.name, self.spec.base_url, self.model),
        )

    def run(
        self, conversation: Conversation, prompt: str | None, renderer: TurnSink
    ) -> Turn:
        """Store the prompt (None: it is stored already), stream the answer to the
        renderer and the history recorder, and return the finished turn."""
        from r1cli.engine.turn import run_turn

        self.turn = None
        self.recorder = self._start_recording(conversation, prompt)
        sinks: list[TurnSink] = [_TurnTracker(self), renderer]
        if self.recorder is not None:
            sinks.append(self.recorder)
        return run_turn(
            self.request(conversation),
            sinks,
            notify=self.notify,
            debug=self.debug,
            redact=self.redact,
        )

    def redact(self, text: str) -> str:
        """`text` without any secret this command knows (stored errors, exports)."""
        return redact_text(text, self.secrets)

    @property
    def history_warning(self) -> str | None:
        """Why the last answer was not fully saved, if it was not."""
        return self.recorder.warning if self.recorder is not None else None

    def saved_note(self, how: str) -> str | None:
        """`saved:` text for a stopped or failed turn whose partial answer is stored."""
        turn = self.turn
        if turn is None or not (turn.content or turn.reasoning):
            return None
        if self.conversation_id is None or self.recorder is None:
            return None
        if self.history_warning:
            return None
        return (
            f"partial answer ({len(turn.content):,} chars) in conversation "
            f"{self.conversation_id}, marked {how}"
        )

    def forget_conversation(self) -> None:
        """A new conversation starts: nothing of the old one is reported as saved."""
        self.turn = None
        self.recorder = None
        self.conversation_id = None

    def _open_history(self) -> HistoryStore | None:
        """The history store, or None: history is off, or the database cannot be
        used (damaged, from a newer r1, unwritable). The answer matters more than
        saving it, so that is a warning with the way out, never an exit; the file is
        left untouched for `r1 history` to report (exit 3)."""
        if not self.settings.history:
            return None
        from r1cli.errors import HistoryError
        from r1cli.history.store import HistoryStore

        try:
            store = HistoryStore.open(self.paths.history_db)
            shutdown.register(store.close)  # closed before a one-shot's fast exit
            return store
        except HistoryError as exc:
            self.history_problem = exc
            self.notify(
                f"history is not available ({exc.message}); "
                "the answer will not be saved" + (f" ({exc.hint})" if exc.hint else "")
            )
            return None

    def _start_recording(
        self, conversation: Conversation, prompt: str | None
    ) -> HistoryRecorder | None:
        store = self.store
        if store is None:
            return None
        from r1cli.history.ids import derive_title
        from r1cli.history.recorder import HistoryRecorder

        try:
            if conversation.id is None:
                conversation.id = store.create_conversation(
                    title=derive_title(prompt or ""),
                    model=self.model,
                    provider=self.spec.name,
                    system=conversation.system,
                )
            if prompt is not None:
                store.add_message(conversation.id, "user", prompt)
            message_id = store.begin_answer(
                conversation.id, model=self.model, provider=self.spec.name
            )
        except Exception as exc:  # history must never cost the user the answer
            self.notify(
                f"could not write history ({exc}); the answer will not be saved"
            )
            return None
        self.conversation_id = conversation.id
        return HistoryRecorder(store, conversation.id, message_id)


class _TurnTracker:
    """Keeps the runtime's `turn` current, even when `run_turn` raises."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def begin(self, turn: Turn) -> None:
        self._runtime.turn = turn

    def on_event(self, event: Event, turn: Turn) -> None:
        pass

    def end(self, turn: Turn) -> None:
        pass


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
