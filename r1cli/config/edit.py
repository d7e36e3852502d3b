"""Reads and edits `config.toml` line by line, so comments and layout survive.

`r1 config set KEY VALUE` changes one top-level setting (or `params.NAME`, or
`aliases.NAME`) in place:
the line that holds it is replaced, or a new line is added where it belongs. Values
are validated before anything is written, and the file is replaced atomically.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from r1cli.config.paths import write_private_file
from r1cli.config.settings import SCALARS, coerce, load_toml, tomllib
from r1cli.errors import ConfigError, UsageError

_TABLE = re.compile(r"^\s*\[")
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


def toml_value(key: str, raw: str, table: str | None) -> str:
    """The TOML text for `raw`, typed like the setting (params: JSON-ish guess)."""
    if table is None:
        value: Any = coerce(key, raw, key)
    elif table == "aliases":
        value = raw.strip()  # a model id, never a number or a list
        if not value or any(ch.isspace() for ch in value):
            raise UsageError(f"an alias stands for one model id, got {raw!r}")
    else:
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    raise UsageError(f"cannot store {raw!r} in config.toml")


def _section(lines: list[str], table: str | None) -> tuple[int, int] | None:
    """Start and end line indexes of the top-level part or `[table]`."""
    if table is None:
        end = next(
            (i for i, line in enumerate(lines) if _TABLE.match(line)), len(lines)
        )
        return 0, end
    header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]\s*(#.*)?$")
    for i, line in enumerate(lines):
        if header.match(line):
            end = next(
                (j for j in range(i + 1, len(lines)) if _TABLE.match(lines[j])),
                len(lines),
            )
            return i + 1, end
    return None


def edit(path: Path, key: str, raw: str | None) -> None:
    """Set (raw given) or unset (raw None) one key, keeping every other line.

    A change that would leave a working config broken (an unknown provider, a bad
    reasoning mode) is refused and the file left as it was. A config that is already
    broken can still be edited, so the user can mend it one key at a time.
    """
    table, name = parse_key(key)
    load_toml(path)  # refuse to edit a file that does not parse
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    result = _edited(text, path, key, table, name, raw)
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


def _edited(
    text: str,
    path: Path,
    key: str,
    table: str | None,
    name: str,
    raw: str | None,
) -> str:
    """`text` with `name` in `table` set to `raw` (None: removed)."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    assignment = re.compile(rf"^\s*{re.escape(name)}\s*=")
    section = _section(lines, table)
    found = None
    if section:
        found = next((i for i in range(*section) if assignment.match(lines[i])), None)
    if raw is None:
        if found is None:
            raise UsageError(f"{key} is not set in {path}")
        del lines[found]
    else:
        new = f"{name} = {toml_value(name, raw, table)}\n"
        if found is not None:
            lines[found] = new
        elif section is not None:
            at = section[1]
            while at > section[0] and not lines[at - 1].strip():
                at -= 1  # keep the blank line that separates the next table
            lines.insert(at, new)
        else:
            lines += ["\n" if lines else "", f"[{table}]\n", new]
    return "".join(lines)


def _validate(path: Path, text: str) -> None:
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"refusing to write an invalid {path}: {exc}") from None
