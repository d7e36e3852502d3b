"""One interactive conversation: the state `r1 chat` and its slash commands work on.

No prompt_toolkit and no rich here, so every slash command can be tested without a
terminal. A turn goes through the same engine (`chat.run_turn`), history recorder and
settings resolution as `r1 ask`; this module only keeps what changes between turns:
model, provider, system prompt, parameters, attachments, usage, and the conversation.

The in-memory conversation always matches what history would replay: an interrupted
or failed answer that said something is kept with INTERRUPTED_MARKER, so the next
request tells the model its earlier answer was cut off.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from r1cli.cli.boundary import Outcome
from r1cli.config.keys import require_key
from r1cli.config.paths import Paths, resolve_paths
from r1cli.config.providers import ProviderSpec, provider_names, resolve_provider
from r1cli.core.events import Usage
from r1cli.core.messages import Conversation, Message, Turn, replay_text, unmarked
from r1cli.core.params import Sampling
from r1cli.engine.model_cache import cached_context_length
from r1cli.engine.prompt import build_prompt, read_attachment
from r1cli.engine.runtime import (
    AskOptions,
    initial_conversation,
    merged_sampling,
    open_history,
    resolve,
    start_recording,
    turn_request,
)
from r1cli.engine.sink import TurnSink
from r1cli.errors import ConfigError, UsageError

REASONING_MODES = ("show", "collapse", "hide")
EFFORTS = ("low", "medium", "high")

# Context windows of models whose size the provider's stream does not tell us; the
# `context_window` setting overrides this. Matched by substring of the model name.
KNOWN_CONTEXT_WINDOWS = (
    ("r1-0528", 163_840),
    ("deepseek-reasoner", 131_072),
    ("deepseek-r1", 131_072),
)

# `/set` parameter names → how a typed value is read. Names are Sampling's fields;
# anything else goes into the request body as given (JSON when it parses).
PARAM_KINDS: dict[str, type] = {
    "temperature": float,
    "top_p": float,
    "top_k": int,
    "min_p": float,
    "max_tokens": int,
    "seed": int,
    "stop": list,
    "frequency_penalty": float,
    "presence_penalty": float,
    "repetition_penalty": float,
    "json_mode": bool,
    "effort": str,
    "reasoning_max_tokens": int,
    "exclude_reasoning": bool,
}
UNSET_WORDS = ("default", "unset", "none", "off", "-")


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


def param_key(name: str) -> str:
    """`max-tokens`, `Max_Tokens` → `max_tokens`."""
    return name.strip().replace("-", "_").lower()


def parse_param(name: str, raw: str) -> tuple[str, Any]:
    """A `/set NAME VALUE` pair as (field or body name, typed value).

    Raises:
        UsageError: the value does not fit the parameter.
    """
    key = param_key(name)
    kind = PARAM_KINDS.get(key)
    text = raw.strip()
    if kind is None:
        if not key.replace("_", "").replace(".", "").isalnum():
            raise UsageError(f"not a parameter name: {name!r}")
        try:
            # NaN/Infinity are not JSON: the request could not be sent.
            return key, json.loads(text, parse_constant=_not_json)
        except ValueError:
            return key, text
    try:
        if kind is bool:
            word = text.lower()
            if word not in ("true", "false", "on", "yes", "no", "1", "0"):
                raise ValueError
            return key, word in ("true", "on", "yes", "1")
        if kind is list:
            # Several stop sequences: a JSON list, else one sequence as typed.
            value = json.loads(text) if text.startswith("[") else [text]
            if not all(isinstance(item, str) for item in value):
                raise ValueError
            return key, tuple(value)
        if kind is str:
            if text not in EFFORTS:
                raise ValueError
            return key, text
        if kind is int:
            return key, int(text)
        number = float(text)
        if not math.isfinite(number):  # nan/inf cannot go into a JSON body
            raise ValueError
        return key, number
    except ValueError:
        expected = {
            bool: "true or false",
            list: 'a string or a JSON list of strings, e.g. ["END"]',
            str: " | ".join(EFFORTS),
            int: "a whole number",
            float: "a number",
        }[kind]
        raise UsageError(f"{key} expects {expected}, got {raw!r}") from None


def _not_json(constant: str) -> Any:
    raise ValueError(constant)


def sampling_items(sampling: Sampling) -> list[tuple[str, Any]]:
    """The parameters that are set, in the order `/params` shows them."""
    items: list[tuple[str, Any]] = []
    for spec in fields(Sampling):
        if spec.name == "extra":
            continue
        value = getattr(sampling, spec.name)
        if value not in (None, (), False):
            items.append((spec.name, list(value) if spec.name == "stop" else value))
    items += sorted(sampling.extra.items())
    return items


class ChatSession:
    """Model, provider, parameters and conversation of one `r1 chat` run."""

    def __init__(
        self, opts: AskOptions, outcome: Outcome, paths: Paths | None = None
    ) -> None:
        self.opts = opts
        self.outcome = outcome
        self.paths = paths or resolve_paths()
        self.settings, self.spec, self.model = resolve(opts, self.paths)
        outcome.debug = self.settings.debug
        self.reasoning = self.settings.reasoning
        self.sampling = merged_sampling(opts.sampling, dict(self.settings.params))
        self._key = self._find_key(self.spec)
        self.store: Any = open_history(self.settings, self.paths, outcome)
        self.conversation = initial_conversation(self.store, opts, self.settings)
        self.attachments: list[Path] = []
        for path in opts.files:
            self.attach(path)
        self.usage = UsageTotals()
        self.context_tokens = 0
        self.last_turn: Turn | None = None
        if self.conversation.id is not None:
            self._load_usage(self.conversation.id)

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
        from r1cli.history.store import append_user_message

        # Merge into an unanswered prompt (its answer failed) even without history,
        # as history's replay does: providers reject two user messages in a row.
        append_user_message(self.conversation, prompt)
        self.attachments.clear()
        recorder = start_recording(
            self.store, self.conversation, prompt, self.spec, self.model, self.outcome
        )
        return self._run(renderer, recorder)

    def retry(self, renderer: TurnSink) -> Turn:
        """Take back the latest answer and ask again."""
        if self.rewind(drop_prompt=False) is None:
            raise UsageError("nothing to retry yet: send a message first")
        recorder = start_recording(
            self.store, self.conversation, None, self.spec, self.model, self.outcome
        )
        return self._run(renderer, recorder)

    def rewind(self, *, drop_prompt: bool) -> str | None:
        """Drop the latest answer (and prompt); returns that prompt, or None."""
        system = self.conversation.system
        if self.store is not None and self.conversation.id is not None:
            cid = self.conversation.id
            prompt = self.store.rewind(cid, drop_prompt=drop_prompt)
            self.conversation = self.store.load_conversation(cid)
            self.conversation.system = system
        else:
            messages = self.conversation.messages
            while messages and messages[-1].role == "assistant":
                messages.pop()
            prompt = messages[-1].content if messages else None
            if prompt is not None and drop_prompt:
                messages.pop()
        self.context_tokens = 0
        return prompt

    def _run(self, renderer: TurnSink, recorder: TurnSink | None) -> Turn:
        from r1cli.engine.turn import run_turn

        request = turn_request(
            self.spec,
            self.model,
            self.conversation,
            self.sampling,
            self._key,
            self.settings,
        )
        sinks: list[TurnSink] = [self.outcome, renderer]
        if recorder is not None:
            sinks.append(recorder)
        self.outcome.turn = None
        self.outcome.recorder = recorder
        try:
            return run_turn(
                request, sinks, notify=self.outcome.warn, debug=self.outcome.debug_line
            )
        finally:
            self._fold(self.outcome.turn)

    def _fold(self, turn: Turn | None) -> None:
        """Keep the conversation as history would replay it; count usage."""
        if turn is None:
            return
        self.last_turn = turn
        text = replay_text(turn.content, turn.status)
        if text is not None:
            self.conversation.messages.append(Message("assistant", text))
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
        self.outcome.conversation_id = None
        self.usage = UsageTotals()
        self.context_tokens = 0
        self.last_turn = None

    def load(self, prefix: str) -> str:
        """Switch to a stored conversation by id or unique prefix; returns its id."""
        if self.store is None:
            raise UsageError("history is off or unavailable, so nothing can be loaded")
        cid: str = self.store.resolve_id(prefix)
        self.conversation = self.store.load_conversation(cid)
        self.outcome.conversation_id = cid
        self._load_usage(cid)
        self.last_turn = None
        return cid

    def _load_usage(self, cid: str) -> None:
        self.usage = UsageTotals()
        self.context_tokens = 0
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
        name = name.strip()
        if not name or any(ch.isspace() for ch in name):
            raise UsageError(f"not a model name: {name!r}")
        self.model = self.settings.model_for(name)

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
        key = self._find_key(spec)
        self.set_model(chosen)
        self.spec, self._key = spec, key

    def set_system(self, text: str | None) -> None:
        """Set (None: remove) the system prompt from the next request on."""
        self.conversation.system = text or None
        if self.store is not None and self.conversation.id is not None:
            self.store.add_message(self.conversation.id, "system", text or "")

    def set_reasoning(self, mode: str) -> None:
        if mode not in REASONING_MODES:
            raise UsageError(
                f"reasoning display is one of {' | '.join(REASONING_MODES)}"
            )
        self.reasoning = mode

    def set_effort(self, effort: str) -> None:
        self.set_param("effort", effort)

    def set_param(self, name: str, raw: str) -> tuple[str, Any]:
        """Set one request parameter; `default`/`off`/`none` unsets it."""
        key = param_key(name)
        if raw.strip().lower() in UNSET_WORDS:
            self.unset_param(key)
            return key, None
        key, value = parse_param(name, raw)
        if key in PARAM_KINDS:
            self.sampling = replace(self.sampling, **{key: value})
        else:
            self.sampling = replace(
                self.sampling, extra={**self.sampling.extra, key: value}
            )
        return key, value

    def unset_param(self, name: str) -> None:
        key = param_key(name)
        if key in PARAM_KINDS:
            empty = Sampling()
            self.sampling = replace(self.sampling, **{key: getattr(empty, key)})
        elif key in self.sampling.extra:
            extra = {k: v for k, v in self.sampling.extra.items() if k != key}
            self.sampling = replace(self.sampling, extra=extra)
        else:
            raise UsageError(f"{key} is not set")

    def attach(self, path: Path) -> int:
        """Queue a text file for the next message; returns its size in characters."""
        path = Path(os.path.expanduser(str(path)))
        size = len(read_attachment(path))  # read now, so a bad file fails at once
        self.attachments.append(path)
        return size

    # -- helpers -----------------------------------------------------------------

    def _find_key(self, spec: ProviderSpec) -> str | None:
        found = require_key(spec, self.paths.keys_file)
        if found is None:
            return None
        self.outcome.secrets.append(found.value)
        return found.value

    def _specs(self) -> list[ProviderSpec]:
        specs = []
        for name in self.provider_names():
            try:
                specs.append(resolve_provider(name, self.settings.providers))
            except ConfigError:
                continue  # e.g. `openai` without a base URL
        return specs
