"""The cached model lists: one JSON file per provider and base URL, fresh for a day.

`r1 models` writes them; the engine and the REPL only read them, through
`cached_pricing` and `cached_context_length`, which never touch the network and cost
one `stat` once the file has been parsed (the REPL's toolbar asks on every redraw).
A missing, unreadable or damaged cache file is simply no cache.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from r1cli.config.paths import Paths, resolve_paths, write_private_file
from r1cli.core.models import ModelInfo

FRESH_FOR = 24 * 3600.0  # seconds a fetched list is used without asking again
CACHE_VERSION = 1


@dataclass(frozen=True, slots=True)
class CachedList:
    models: list[ModelInfo]
    fetched_at: float  # wall-clock seconds (time.time())

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.fetched_at

    def is_fresh(self, now: float | None = None) -> bool:
        # A list "from the future" (clock changed) is not trusted as fresh.
        return 0 <= self.age(now) < FRESH_FOR


def cache_file(cache_dir: Path, provider: str, base_url: str) -> Path:
    """`models/<provider>-<hash of base URL>.json`: a custom --base-url (another vLLM,
    another port) never reads the list of the provider's usual server."""
    digest = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:12]
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", provider) or "provider"
    return cache_dir / "models" / f"{safe}-{digest}.json"


def read_cache(path: Path) -> CachedList | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION:
            return None
        models = [ModelInfo.from_dict(item) for item in data["models"]]
        return CachedList(models, float(data["fetched_at"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def write_cache(
    path: Path, provider: str, base_url: str, models: list[ModelInfo], fetched_at: float
) -> None:
    """Replace the cache file atomically (a concurrent reader sees old or new)."""
    data = {
        "version": CACHE_VERSION,
        "provider": provider,
        "base_url": base_url,
        "fetched_at": fetched_at,
        "models": [model.to_dict() for model in models],
    }
    write_private_file(
        path, json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    )


def describe_age(seconds: float) -> str:
    """`42 s`, `12 min`, `3 h`, `4 d` — how old a cached list is, for people."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds // 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600:.0f} h"
    return f"{seconds // 86400:.0f} d"


# Parsed cache files by path, keyed by (mtime, size) so a rewrite is noticed. Only a
# memo of what is on disk: losing it costs one re-read.
_index: dict[Path, tuple[tuple[int, int], dict[str, ModelInfo]]] = {}


def cached_model(
    provider: str, base_url: str, model: str, paths: Paths | None = None
) -> ModelInfo | None:
    """What the cached list (of any age) says about `model`; None when unknown.

    Reads the cache only, never the network.
    """
    try:
        paths = paths or resolve_paths()
    except Exception:  # no usable home: no cache
        return None
    path = cache_file(paths.cache_dir, provider, base_url)
    try:
        stat = path.stat()
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _index.get(path)
    if known is None or known[0] != stamp:
        cached = read_cache(path)
        by_id = {m.id: m for m in cached.models} if cached else {}
        known = (stamp, by_id)
        _index[path] = known
    return known[1].get(model)


def cached_pricing(
    provider: str, base_url: str, model: str, paths: Paths | None = None
) -> ModelInfo | None:
    """The cached listing of `model` when it has a price (input or output)."""
    info = cached_model(provider, base_url, model, paths)
    if info is None or (info.input_price is None and info.output_price is None):
        return None
    return info


def cached_context_length(
    provider: str, base_url: str, model: str, paths: Paths | None = None
) -> int | None:
    info = cached_model(provider, base_url, model, paths)
    return info.context_length if info else None
