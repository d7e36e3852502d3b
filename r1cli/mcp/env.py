"""The environment an MCP server's process gets: clean, never r1's.

r1 holds API keys in its environment (OPENROUTER_API_KEY, …); a tool server is
third-party code and gets none of them: only PATH, HOME, the locale, and what its
`env` table names. A value `$NAME` or `${NAME}` is taken from r1's environment, so
a key meant for the server is passed on purpose, by name, in config.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

PASSED = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ")
_REFERENCE = re.compile(
    r"^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$"
)


def expand(value: str, environ: Mapping[str, str]) -> str:
    """`$NAME`/`${NAME}` → that variable of r1's environment ("" when unset)."""
    match = _REFERENCE.match(value)
    if match is None:
        return value
    return environ.get(match.group(1) or match.group(2), "")


def clean_env(
    table: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """PATH, HOME, the locale (LANG, LC_*) and the server's own `env` table."""
    environ = os.environ if environ is None else environ
    env = {k: v for k, v in environ.items() if k in PASSED or k.startswith("LC_")}
    env.update({k: expand(v, environ) for k, v in table.items()})
    return env
