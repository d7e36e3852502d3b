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

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from r1cli.config.keys import require_key
from r1cli.config.paths import Paths, resolve_paths
from r1cli.config.providers import ProviderSpec
from r1cli.config.settings import Settings
from r1cli.core import shutdown
from r1cli.core.messages import Conversation, Turn
from r1cli.core.params import Sampling, merge_params
from r1cli.core.redact import redact_text
from r1cli.core.sink import TurnSink
from r1cli.engine.budget import SpendLimits
from r1cli.engine.resolve import TurnOptions, key_hint, resolve
from r1cli.errors import ConfigError, R1Error, RequestRejected, UsageError

if TYPE_CHECKING:
    from r1cli.engine.budget import CostGuard
    from r1cli.engine.tools import ToolLoop
    from r1cli.engine.turn import EventSource, TurnRequest
    from r1cli.history.recorder import HistoryRecorder
    from r1cli.history.store import HistoryStore
    from r1cli.mcp.approval import Ask
    from r1cli.mcp.toolbox import Toolbox

Notify = Callable[[str], None]


def _ignore(message: str) -> None:
    """A `Notify` for callers that show nothing."""


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
        limits: SpendLimits | None = None,
        preconnect: bool = False,
    ) -> None:
        self.paths = paths
        self.limits = limits or SpendLimits()
        # "Answer now": the limits from --think-max/--think-max-tokens, and the flag
        # the REPL's key sets while a turn streams (engine/answer_now.py).
        self.think_max: float | None = None
        self.think_max_tokens: int | None = None
        self.answer_now = threading.Event()
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
        # Tools: what the command line chose, the question asked before each call
        # (set by the CLI or REPL on a terminal), and the servers once started.
        self.tool_choice: tuple[str, ...] | None = None
        self.no_tools = False
        self.yes = False
        self.max_tool_calls: int | None = None
        self.ask_tool: Ask | None = None
        self._tools: Toolbox | None = None
        self._tools_opened = False

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
        if opts.think_max is not None or opts.think_max_tokens is not None:
            from r1cli.engine.answer_now import require_prefix

            flag = "--think-max" if opts.think_max is not None else "--think-max-tokens"
            require_prefix(spec, flag)
        runtime = cls(
            paths=paths,
            settings=settings,
            spec=spec,
            model=model,
            params=merge_params(opts.params, settings.params),
            secrets=secrets,
            notify=notify,
            debug=debug,
            limits=SpendLimits(opts.max_cost, opts.ignore_budget),
            preconnect=preconnect,
        )
        runtime.think_max, runtime.think_max_tokens = (
            opts.think_max,
            opts.think_max_tokens,
        )
        runtime.tool_choice = opts.tools
        runtime.no_tools = opts.no_tools
        runtime.yes = opts.yes
        runtime.max_tool_calls = opts.max_tool_calls
        return runtime

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
        loop = self.tool_loop()
        request = self.request(conversation)
        if loop is not None and self._tools is not None:
            offered = replace(conversation, tools=self._tools.specs)
            request = replace(request, conversation=offered)
        # A refusal comes before anything is stored.
        guards: list[TurnSink] = [*self.spend_guards(request), *self.stream_guards()]
        self.recorder = self._start_recording(conversation, prompt)
        # Guards stop the stream after the renderer has shown the delta that the turn
        # (and so the history row) already holds: what is saved is what was seen.
        sinks: list[TurnSink] = [renderer, *guards]
        if self.recorder is not None:
            sinks.append(self.recorder)
        try:
            return run_turn(
                request,
                sinks,
                notify=self.notify,
                debug=self.debug,
                redact=self.redact,
                source=self._answer_source(),
                tools=loop,
                started=self._track,
            )
        except RequestRejected as exc:
            # Many models and local servers reject a request that offers tools.
            about_tools = "tool" in exc.message.lower()
            unexplained = exc.status in (400, 422) and not exc.hint
            if loop is not None and (about_tools or unexplained):
                exc.hint = "the model may not take tools: try again with --no-tools"
            raise

    def _track(self, turn: Turn) -> None:
        """Keep `turn` current, even when `run_turn` raises."""
        self.turn = turn

    def _answer_source(self) -> EventSource | None:
        """The reader that can cut the thinking, where the server can continue."""
        from r1cli.engine.answer_now import AnswerNow, prefix_style

        self.answer_now.clear()
        style = prefix_style(self.spec)
        if style is None:
            return None
        return AnswerNow(
            style,
            max_seconds=self.think_max,
            max_tokens=self.think_max_tokens,
            trigger=self.answer_now,
            on_cut=self._mark_cut,
        )

    def _mark_cut(self) -> None:
        if self.turn is not None:
            self.turn.thinking_cut = True

    def notify_turn(self, message: str) -> None:
        """A notice on the streaming turn (the reasoning panel shows it)."""
        if self.turn is not None and message not in self.turn.notices:
            self.turn.notices.append(message)

    def request_answer_now(self) -> None:
        """The REPL's key: end the thinking, or say why that is not possible here."""
        from r1cli.engine.answer_now import prefix_style, unavailable

        if prefix_style(self.spec) is None:
            self.notify_turn(unavailable(self.spec))
        elif self.turn is not None and self.turn.first_content_at is not None:
            self.notify_turn("already answering")
        else:
            self.answer_now.set()

    def spend_guards(self, request: TurnRequest, samples: int = 1) -> list[CostGuard]:
        """Check the budget and the `--max-cost` bound (CostLimit, exit 7); the sinks
        that keep the cap while the answer streams."""
        from r1cli.engine.budget import CostGuard, check_budget, check_cap, preflight

        check_budget(
            self.store,
            self.settings.budget,
            ignore=self.limits.ignore_budget,
            notify=self.notify,
        )
        cap = self.limits.max_cost
        if cap is None:
            return []
        prices = request.prices
        pre = preflight(
            request.conversation, prices, request.sampling.max_tokens, samples=samples
        )
        check_cap(pre, cap, prices, self.notify)
        if prices is None or prices.output_price is None:
            return []
        return [CostGuard(cap / samples, prices, pre.input_tokens)]

    def stream_guards(self) -> list[TurnSink]:
        """The loop guard, unless it is off (`--loop-guard`, `loop_guard` in config)."""
        from r1cli.engine.loop_guard import LoopGuard

        mode = self.settings.loop_guard
        if mode == "off":
            return []
        return [LoopGuard("stop" if mode == "stop" else "warn")]

    # -- tools -----------------------------------------------------------------------

    def tool_loop(self) -> ToolLoop | None:
        """The tools this command offers, their servers started on first use (the
        `mcp` SDK is imported only here); None when no server is configured, chosen
        or up."""
        if self.no_tools or not self.settings.mcp_servers:
            return None
        if not self._tools_opened:
            self._tools_opened = True
            from r1cli.mcp.config import parse_servers
            from r1cli.mcp.toolbox import open_toolbox

            servers = parse_servers(
                self.settings.mcp_servers, str(self.paths.config_file)
            )
            self._tools = open_toolbox(
                servers,
                self.tool_choice,
                yes=self.yes,
                ask=self.ask_tool,
                timeout=self.settings.tool_timeout,
                warn=self.notify,
            )
        if self._tools is None:
            return None
        from r1cli.engine.tools import ToolLoop

        limit = self.max_tool_calls
        return ToolLoop(
            self._tools, self.settings.max_tool_calls if limit is None else limit
        )

    def close_tools(self) -> None:
        """Stop the tool servers this command started (bounded; safe to repeat)."""
        tools, self._tools = self._tools, None
        if tools is not None:
            tools.close()

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
        if turn.status == "interrupted":  # stopped on purpose (a cap, a loop guard)
            how = "interrupted"
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
        return HistoryRecorder(store, conversation.id, message_id, redact=self.redact)
