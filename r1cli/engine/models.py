"""`r1 models` and `r1 count` without the command line: listing and counting.

`list_models` serves the cached list while it is fresh, fetches otherwise (or when
asked to refresh), and falls back to the cache of any age when the network fails.
`count_tokens` asks the provider's count_tokens endpoint where the dialect has one,
else estimates locally; either way it says which it did.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from r1cli.config.paths import Paths
from r1cli.config.providers import ProviderSpec
from r1cli.core.messages import Conversation
from r1cli.core.models import ModelInfo, estimate_tokens, input_cost
from r1cli.core.params import Sampling
from r1cli.engine.model_cache import cache_file, read_cache, write_cache
from r1cli.errors import NetworkError, RequestRejected

if TYPE_CHECKING:
    from r1cli.wire.http import NetworkPolicy
    from r1cli.wire.transport import Target

# Anthropic pages its list; a runaway cursor must not loop forever.
MAX_PAGES = 20

Debug = Callable[[str], None] | None


@dataclass(frozen=True, slots=True)
class Listing:
    models: list[ModelInfo]
    # Seconds since the list was fetched when it came from the cache; None: fetched now.
    age: float | None = None
    # The network failed and this is the cache of whatever age.
    offline: bool = False


@dataclass(frozen=True, slots=True)
class TokenCount:
    input_tokens: int
    exact: bool
    input_cost: float | None

    def public(self) -> dict[str, object]:
        """The `r1 count --json` shape (exact contract)."""
        return {
            "input_tokens": self.input_tokens,
            "exact": self.exact,
            "input_cost": self.input_cost,
        }


def _target(spec: ProviderSpec) -> Target:
    from r1cli.engine.resolve import key_hint
    from r1cli.wire.transport import Target

    return Target(spec.name, key_hint(spec))


def list_models(
    spec: ProviderSpec,
    key: Callable[[], str | None],
    paths: Paths,
    policy: Callable[[], NetworkPolicy],
    *,
    refresh: bool = False,
    debug: Debug = None,
    now: float | None = None,
) -> Listing:
    """The provider's models: the fresh cache, else the network, else any cache.

    `key` and `policy` are called only when the network is needed: a fresh cache
    needs no key, and serving it never imports the HTTP stack.
    """
    now = time.time() if now is None else now
    path = cache_file(paths.cache_dir, spec.name, spec.base_url)
    cached = read_cache(path)
    if cached is not None and not refresh and cached.is_fresh(now):
        return Listing(cached.models, cached.age(now))
    try:
        models = fetch_models(spec, key(), policy(), debug=debug)
    except NetworkError:
        if cached is None:
            raise
        return Listing(cached.models, cached.age(now), offline=True)
    # A cache that cannot be written (read-only home) must not cost the listing.
    with contextlib.suppress(OSError):
        write_cache(path, spec.name, spec.base_url, models, now)
    return Listing(models)


def fetch_models(
    spec: ProviderSpec, key: str | None, policy: NetworkPolicy, *, debug: Debug = None
) -> list[ModelInfo]:
    from r1cli.providers.dialects import models_request, parse_models
    from r1cli.wire.transport import fetch_json

    models: dict[str, ModelInfo] = {}
    after: str | None = None
    for _ in range(MAX_PAGES):
        request = models_request(spec, key, after)
        try:
            body = fetch_json("GET", request, _target(spec), policy, debug=debug)
        except RequestRejected as exc:
            if exc.status == 404:
                # Not a bad model name (the generic 404 hint): no listing here.
                exc.hint = (
                    f"{spec.host} has no models endpoint at {request.url.split('?')[0]}; "
                    "check --base-url"
                )
            raise
        page, after = parse_models(spec, body)
        for model in page:
            models.setdefault(model.id, model)
        if after is None:
            break
    return sorted(models.values(), key=lambda m: m.id.casefold())


def count_tokens(
    spec: ProviderSpec,
    model: str,
    conversation: Conversation,
    sampling: Sampling,
    key: str | None,
    policy: NetworkPolicy,
    pricing: ModelInfo | None,
    *,
    notify: Callable[[str], None] | None = None,
    debug: Debug = None,
) -> TokenCount:
    """Input tokens of the request `ask` would send, exact where the provider counts."""
    from r1cli.providers.dialects import build_request, counting_spec

    request = build_request(spec, model, conversation, sampling, key)
    counter = counting_spec(spec)
    if counter is not None:
        from r1cli.providers.anthropic import count_tokens_request, parse_count
        from r1cli.wire.transport import fetch_json

        messages = build_request(counter, model, conversation, sampling, key)
        try:
            body = fetch_json(
                "POST",
                count_tokens_request(messages),
                _target(spec),
                policy,
                debug=debug,
            )
            tokens = parse_count(body)
            return TokenCount(tokens, True, input_cost(tokens, pricing))
        except RequestRejected as exc:
            # A compatible server without the endpoint: estimate, and say so.
            if exc.status != 404:
                raise
            if notify:
                notify(f"{spec.name} has no count_tokens endpoint; estimating locally")
    tokens = estimate_tokens(_texts(request.body))
    return TokenCount(tokens, False, input_cost(tokens, pricing))


def _texts(body: dict[str, object]) -> list[str]:
    """The message texts of a request body (chat completions or Messages)."""
    texts = []
    system = body.get("system")
    if isinstance(system, str):
        texts.append(system)
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str):
            texts.append(content)
    return texts
