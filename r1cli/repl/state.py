"""One interactive conversation: the state `r1 chat` and its slash commands work on.

No prompt_toolkit and no rich here, so every slash command can be tested without a
terminal. A turn goes through the same Runtime (`engine.runtime`), history recorder and
settings resolution as `r1 ask`; this module only keeps what changes between turns:
model, provider, system prompt, parameters, attachments, usage, and the conversation.

The in-memory conversation always matches what history would replay: an interrupted
or failed answer that said something is kept with INTERRUPTED_MARKER, so the next
request tells the model its earlier answer was cut off.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r1cli.config.providers import ProviderSpec, provider_names, resolve_provider
from r1cli.config.settings import Settings
from r1cli.core.events import Usage
from r1cli.core.messages import Conversation, Message, Turn, answer_messages, unmarked
from r1cli.core.params import (
    REASONING_MODES,
    UNSET_WORDS,
    ReasoningMode,
    Sampling,
    param_key,
    parse_param,
)
from r1cli.core.sink import TurnSink
from r1cli.engine.model_cache import cached_context_length
from r1cli.engine.prompt import build_prompt, read_attachment
from r1cli.engine.resolve import TurnOptions
from r1cli.engine.runtime import Runtime
from r1cli.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from r1cli.config.paths import Paths
    from r1cli.history.store import HistoryStore

# Context windows of models whose size the provider's stream does not tell us; the
# `context_window` setting overrides this. Matched by substring of the model name.
KNOWN_CONTEXT_WINDOWS = (
    ("r1-0528", 163_840),
    ("deepseek-reasoner", 131_072),
    ("deepseek-r1", 131_072),
)


@dataclass
class UsageTotals:
    """Tokens and cost over the answers of one conversation."""

    answers: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    reasoning_tokens: int = 0
    cost: float | None = None  # None until a provider reports one

    def add(self, usage: Usage | None) -> None:
        self.answers += 1
        if usage is None:
            return
        self.prompt_tokens += usage.prompt_tokens or 0
        self.completion_tokens += usage.completion_tokens or 0
        self.reasoning_tokens += usage.reasoning_tokens or 0
        if usage.cost is not None:
            self.cost = (self.cost or 0.0) + usage.cost


def context_window(model: str, configured: int = 0) -> int | None:
    if configured > 0:
        return configured
    name = model.lower()
    for fragment, size in KNOWN_CONTEXT_WINDOWS:
        if fragment in name:
            return size
    return None


class ChatState:
    """Model, provider, parameters and conversation of one `r1 chat` run.

    Provider, model, key, parameters and the history store live on the Runtime,
    shared with the engine; this adds what only a conversation has.
    """

    def __init__(self, runtime: Runtime, opts: TurnOptions) -> None:
        self.runtime = runtime
        self.reasoning: ReasoningMode = runtime.settings.reasoning
        self.conversation = runtime.initial_conversation(opts)
        self.attachments: list[Path] = []
        for path in opts.files:
            self.attach(path)
        self.usage = UsageTotals()
        self.context_tokens = 0
        self.last_turn: Turn | None = None
        # The latest prompt when its turn said nothing: out of the context, but
        # what /retry and /edit take back (history keeps it too).
        self.unanswered: str | None = None
        self.role: str | None = opts.role  # the role in use (-r, /role), for /role
        if self.conversation.id is not None:
            self._load_usage(self.conversation.id)

    # -- what the runtime holds ---------------------------------------------------

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    @property
    def paths(self) -> Paths:
        return self.runtime.paths

    @property
    def spec(self) -> ProviderSpec:
        return self.runtime.spec

    @property
    def model(self) -> str:
        return self.runtime.model

    @property
    def store(self) -> HistoryStore | None:
        return self.runtime.store

    @property
    def sampling(self) -> Sampling:
        return self.runtime.params

    @sampling.setter
    def sampling(self, params: Sampling) -> None:
        self.runtime.params = params

    # -- reading -----------------------------------------------------------------

    @property
    def context_window(self) -> int | None:
        # config > the provider's listing (`r1 models` cache) > the built-in table
        listed = cached_context_length(self.spec.name, self.spec.base_url, self.model)
        return context_window(self.model, self.settings.context_window or listed or 0)

    def estimated_context_tokens(self) -> int:
        """The last answer's prompt + completion tokens, else a chars/4 estimate."""
        if self.context_tokens:
            return self.context_tokens
        chars = sum(len(m.content) for m in self.conversation.messages)
        chars += len(self.conversation.system or "")
        return (chars + 3) // 4

    def last_answer(self) -> str | None:
        for message in reversed(self.conversation.messages):
            if message.role == "assistant":
                return unmarked(message.content)[0]
        return None

    def last_reasoning(self) -> str:
        """The latest answer's whole reasoning: from this session's last turn, else
        from history (a loaded conversation); "" when there is none."""
        if self.last_turn is not None:
            return self.last_turn.reasoning
        data = self.conversation_data()
        answers = (
            [m for m in data["messages"] if m["role"] == "assistant"] if data else []
        )
        return str(answers[-1]["reasoning"] or "") if answers else ""

    def title(self) -> str | None:
        """The stored conversation's title; None before it is saved."""
        data = self.conversation_data()
        return None if data is None else str(data["title"])

    def rename(self, title: str) -> str:
        """Retitle the stored conversation; returns the title as stored."""
        cid = self._saved_id("rename")
        return self._history().rename(cid, title)

    def fork(self, after_turn: int | None) -> tuple[str, str]:
        """Copy this conversation up to turn `after_turn` (None: all) and switch to
        the copy; returns (original id, new id)."""
        cid = self._saved_id("fork")
        new = self._history().fork(cid, after_turn)
        system = self.conversation.system
        self.load(new)
        self.conversation.system = system
        return cid, new

    def _history(self) -> HistoryStore:
        if self.store is None:
            raise UsageError("history is off or unavailable")
        return self.store

    def _saved_id(self, action: str) -> str:
        self._history()
        if self.conversation.id is None:
            raise UsageError(f"nothing to {action} yet: send a message first")
        return self.conversation.id

    def last_prompt(self) -> str | None:
        """The latest user message as stored (what `/edit` opens)."""
        if self.store is not None and self.conversation.id is not None:
            messages = self.store.get_conversation(self.conversation.id)["messages"]
            prompts = [m["content"] for m in messages if m["role"] == "user"]
            return prompts[-1] if prompts else None
        for message in reversed(self.conversation.messages):
            if message.role == "user":
                return message.content
        return None

    def conversation_data(self) -> dict[str, Any] | None:
        """The stored conversation (`history show --json` shape), if there is one."""
        if self.store is None or self.conversation.id is None:
            return None
        data: dict[str, Any] = self.store.get_conversation(self.conversation.id)
        return data

    def known_models(self) -> list[str]:
        """Model names to offer for completion: current, defaults, used before."""
        names = [self.model, *self.settings.aliases]
        names += [spec.default_model or "" for spec in self._specs()]
        if self.store is not None:
            # Completion must never fail the prompt.
            with contextlib.suppress(Exception):
                names += self.store.models_used()
        return list(dict.fromkeys(name for name in names if name))

    def provider_names(self) -> list[str]:
        return provider_names(self.settings.providers)

    def conversation_ids(self, limit: int = 50) -> list[tuple[str, str]]:
        if self.store is None:
            return []
        rows = self.store.list_conversations(limit)
        return [(str(row["id"]), str(row.get("title") or "")) for row in rows]

    # -- turns -------------------------------------------------------------------

    def send(self, text: str, renderer: TurnSink) -> Turn:
        """Send a new prompt (with pending attachments) and stream the answer."""
        prompt = build_prompt((text,), None, self.attachments)
        # Merge into an unanswered prompt (its answer failed) even without history,
        # as history's replay does: providers reject two user messages in a row.
        self.conversation.add_user(prompt)
        self.unanswered = None
        self.attachments.clear()
        return self._run(prompt, renderer)

    def retry(self, renderer: TurnSink) -> Turn:
        """Take back the latest answer and ask again."""
        if self.rewind(drop_prompt=False) is None:
            raise UsageError("nothing to retry yet: send a message first")
        return self._run(None, renderer)

    def rewind(self, *, drop_prompt: bool) -> str | None:
        """Drop the latest answer (and prompt); returns that prompt, or None."""
        system = self.conversation.system
        if self.store is not None and self.conversation.id is not None:
            cid = self.conversation.id
            prompt = self.store.rewind(cid, drop_prompt=drop_prompt)
            self.conversation = self.store.load_conversation(cid)
            self.conversation.system = system
        elif self.unanswered is not None:
            prompt = self.unanswered
            if not drop_prompt:
                self.conversation.messages.append(Message("user", prompt))
        else:
            messages = self.conversation.messages
            while messages and messages[-1].role in ("assistant", "tool"):
                messages.pop()
            prompt = messages[-1].content if messages else None
            if prompt is not None and drop_prompt:
                messages.pop()
        self.unanswered = None
        self.context_tokens = 0
        return prompt

    def _run(self, prompt: str | None, renderer: TurnSink) -> Turn:
        try:
            return self.runtime.run(self.conversation, prompt, renderer)
        finally:
            self._fold(self.runtime.turn)

    def _fold(self, turn: Turn | None) -> None:
        """Keep the conversation as history would replay it; count usage."""
        if turn is None:
            return
        self.last_turn = turn
        said = answer_messages(turn.content, turn.status, turn.exchange)
        if said:
            self.conversation.messages += said
        else:
            # A prompt whose turn said nothing is not sent again as context (history
            # keeps it, marked); /retry sends it again on purpose.
            messages = self.conversation.messages
            if messages and messages[-1].role == "user":
                self.unanswered = messages.pop().content
        if turn.status != "error" or turn.usage is not None:
            self.usage.add(turn.usage)
        usage = turn.usage
        if usage is not None and usage.prompt_tokens:
            self.context_tokens = usage.prompt_tokens + (usage.completion_tokens or 0)
        else:
            self.context_tokens = 0

    # -- changing state ----------------------------------------------------------

    def new_conversation(self) -> None:
        self.conversation = Conversation(system=self.conversation.system)
        self.runtime.forget_conversation()
        self.usage = UsageTotals()
        self.context_tokens = 0
        self.last_turn = None
        self.unanswered = None

    def load(self, prefix: str) -> str:
        """Switch to a stored conversation by id or unique prefix; returns its id."""
        if self.store is None:
            raise UsageError("history is off or unavailable, so nothing can be loaded")
        cid: str = self.store.resolve_id(prefix)
        self.conversation = self.store.load_conversation(cid)
        self.runtime.forget_conversation()
        self.unanswered = None
        self._load_usage(cid)
        self.last_turn = None
        return cid

    def _load_usage(self, cid: str) -> None:
        self.usage = UsageTotals()
        self.context_tokens = 0
        if self.store is None:
            return
        for message in self.store.get_conversation(cid)["messages"]:
            if message["role"] != "assistant":
                continue
            usage = message["usage"]
            reported = message["cost"] is not None or any(
                value is not None for value in usage.values()
            )
            if message["status"] == "error" and not reported:
                continue  # a failed answer that reported no usage: not counted live
            self.usage.add(
                Usage(
                    prompt_tokens=usage["prompt_tokens"],
                    completion_tokens=usage["completion_tokens"],
                    reasoning_tokens=usage["reasoning_tokens"],
                    cost=message["cost"],
                )
            )
            if usage["prompt_tokens"]:
                self.context_tokens = usage["prompt_tokens"] + (
                    usage["completion_tokens"] or 0
                )

    def set_model(self, name: str) -> None:
        self.runtime.model = self.settings.model_for(check_model_name(name))

    def set_provider(self, name: str, model: str | None = None) -> None:
        """Switch provider (and model: the given one, else the provider's default)."""
        name = name.strip()
        # The startup provider keeps its --base-url (there is no other way to give
        # one in the REPL: `openai` has no URL of its own).
        base_url = self.settings.base_url if name == self.settings.provider else None
        spec = resolve_provider(name, self.settings.providers, base_url=base_url)
        chosen = model or spec.default_model
        if not chosen:
            raise UsageError(
                f"{spec.name} has no default model",
                hint=f"name one: /provider {spec.name} MODEL",
            )
        # Before switching: a missing key or a bad model name changes nothing.
        chosen = self.settings.model_for(check_model_name(chosen))
        self.runtime.use_provider(spec, chosen)

    def set_system(self, text: str | None) -> None:
        """Set (None: remove) the system prompt from the next request on."""
        self.conversation.system = text or None
        if self.store is not None and self.conversation.id is not None:
            self.store.add_message(self.conversation.id, "system", text or "")

    def use_role(self, name: str) -> None:
        """Apply a role now: its provider/model (if it names them), its params over
        the current ones, and its system prompt from the next request on."""
        from r1cli.config.roles import find_role

        role = find_role(name, self.settings.roles)
        if role.provider is not None and role.provider != self.spec.name:
            self.set_provider(role.provider, role.model)
        elif role.model is not None:
            self.set_model(role.model)
        sampling = self.sampling
        for key, value in role.params.items():
            typed = tuple(value) if key == "stop" and isinstance(value, list) else value
            sampling = sampling.with_param(key, typed)
        self.sampling = sampling
        self.set_system(role.system)
        self.role = role.name

    def set_reasoning(self, mode: str) -> None:
        for known in REASONING_MODES:
            if mode == known:
                self.reasoning = known
                return
        raise UsageError(f"reasoning display is one of {' | '.join(REASONING_MODES)}")

    def set_param(self, name: str, raw: str) -> tuple[str, Any]:
        """Set one request parameter; `default`/`off`/`none` unsets it."""
        key = param_key(name)
        if raw.strip().lower() in UNSET_WORDS:
            self.unset_param(key)
            return key, None
        key, value = parse_param(name, raw)
        self.sampling = self.sampling.with_param(key, value)
        return key, value

    def unset_param(self, name: str) -> None:
        self.sampling = self.sampling.without_param(param_key(name))

    def attach(self, path: Path) -> int:
        """Queue a text file for the next message; returns its size in characters."""
        path = Path(os.path.expanduser(str(path)))
        size = len(read_attachment(path))  # read now, so a bad file fails at once
        self.attachments.append(path)
        return size

    # -- helpers -----------------------------------------------------------------

    def _specs(self) -> list[ProviderSpec]:
        specs = []
        for name in self.provider_names():
            try:
                specs.append(resolve_provider(name, self.settings.providers))
            except ConfigError:
                continue  # e.g. `openai` without a base URL
        return specs


def check_model_name(name: str) -> str:
    """A model name as typed, stripped; UsageError for an empty or spaced one."""
    name = name.strip()
    if not name or any(ch.isspace() for ch in name):
        raise UsageError(f"not a model name: {name!r}")
    return name
