"""Edits `config.toml` for `r1 config set|unset`, keeping the user's file as it is.

`r1 config set KEY VALUE` changes one top-level setting (or `params.NAME`, or
`aliases.NAME`) through tomlkit, which round-trips the document: comments, blank
lines, multi-line strings, dotted keys (`params.top_p = 0.9`), inline tables and
quoted keys all survive, and a value keeps its trailing comment. Values are validated
before anything is written, a change that would break a working config is refused,
and the file is replaced atomically (0600).

tomlkit is imported inside the functions that edit, so no other command pays for it.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r1cli.config.paths import write_private_file
from r1cli.config.settings import SCALARS, coerce, load_toml
from r1cli.errors import ConfigError, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

if TYPE_CHECKING:
    from tomlkit.items import Item

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
TABLES = ("params", "aliases", "budget")


def parse_key(key: str) -> tuple[str | None, str]:
    """`temperature` → (None, …) is rejected unless a known setting; `params.x` → table."""
    table, dot, name = key.partition(".")
    if dot:
        if table not in TABLES or not name:
            raise UsageError(
                f"cannot set {key!r}: only settings, params.NAME, aliases.NAME "
                "and budget.daily|monthly are settable"
            )
        if table == "aliases" and not _BARE_KEY.match(name):
            raise UsageError(f"{name!r}: use letters, digits, '-' and '_' only")
        return table, name
    if key not in SCALARS:
        known = ", ".join(sorted(SCALARS))
        raise UsageError(
            f"unknown setting {key!r}",
            hint=f"known settings: {known}; or params.NAME, aliases.NAME",
        )
    return None, key


def typed_value(key: str, raw: str, table: str | None) -> Any:
    """`raw` typed like the setting (params: a JSON-ish guess; aliases: one word)."""
    if table is None:
        return coerce(key, raw, key)
    if table == "aliases":
        value = raw.strip()  # a model id, never a number or a list
        if not value or any(ch.isspace() for ch in value):
            raise UsageError(f"an alias stands for one model id, got {raw!r}")
        return value
    try:
        parsed: Any = json.loads(raw)
    except ValueError:
        return raw
    if isinstance(parsed, list) and all(
        isinstance(v, (str, int, float)) for v in parsed
    ):
        return parsed
    if isinstance(parsed, (bool, int, float, str)):
        return parsed
    raise UsageError(f"cannot store {raw!r} in config.toml")


def _item(value: Any) -> Item:
    """A tomlkit item for `value`; text with line breaks as a multi-line string."""
    import tomlkit

    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    item: Item = tomlkit.item(value)
    return item


def edit(path: Path, key: str, raw: str | None) -> None:
    """Set (raw given) or unset (raw None) one key, keeping the rest of the file.

    A change that would leave a working config broken (an unknown provider, a bad
    reasoning mode) is refused and the file left as it was. A config that is already
    broken can still be edited, so the user can mend it one key at a time.
    """
    table, name = parse_key(key)
    load_toml(path)  # refuse to edit a file that does not parse
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    result = edited(text, path, key, table, name, raw)
    _validate(path, result)
    if config_problem(path, text) is None:
        problem = config_problem(path, result)
        if problem is not None:
            raise ConfigError(
                f"not changed: {problem}", hint=f"{path} is left as it was"
            )
    write_private_file(path, result)


def config_problem(path: Path, text: str) -> str | None:
    """Why `text` would not work as `path` (None: it would), checked the way every
    command reads it: the settings, and that the provider named is one r1 knows."""
    import tempfile

    from r1cli.config.providers import provider_names
    from r1cli.config.settings import load_settings

    with tempfile.TemporaryDirectory() as folder:
        candidate = Path(folder) / path.name
        candidate.write_text(text, encoding="utf-8")
        try:
            settings = load_settings(candidate, env={})
        except ConfigError as exc:
            return exc.message.replace(str(candidate), str(path))
    known = provider_names(settings.providers)
    if settings.provider not in known:
        return f"unknown provider {settings.provider!r} (known: {', '.join(known)})"
    return None


def edited(
    text: str,
    path: Path,
    key: str,
    table: str | None,
    name: str,
    raw: str | None,
) -> str:
    """`text` with `name` in `table` set to `raw` (None: removed)."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:  # tomllib accepted it; tomlkit must too
        raise ConfigError(f"cannot edit {path}: {exc}") from None
    container: Any = document if table is None else document.get(table)
    if container is not None and not hasattr(container, "keys"):
        raise ConfigError(f"{path}: {table} must be a table")
    if raw is None:
        if container is None or name not in container:
            raise UsageError(f"{key} is not set in {path}")
        del container[name]
        return document.as_string()
    value = _item(typed_value(name, raw, table))
    if container is None:
        container = tomlkit.table()
        document[str(table)] = container
    container[name] = value
    return document.as_string()


def _validate(path: Path, text: str) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"refusing to write an invalid {path}: {exc}") from None
