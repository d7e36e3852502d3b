"""Settings: built-in defaults < `config.toml` < `R1CLI_*` environment < flags.

The whole precedence order lives here. A broken config file is an error naming the
file and line (exit 3), never silently ignored.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from r1cli.config.providers import DEFAULT_PROVIDER
from r1cli.core.params import REASONING_MODES, ReasoningMode
from r1cli.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

ENV_PREFIX = "R1CLI_"
TABLES = ("params", "providers", "aliases", "mcp_servers")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything that can be configured, after precedence has been applied."""

    provider: str = DEFAULT_PROVIDER
    model: str | None = None
    base_url: str | None = None
    system: str | None = None
    reasoning: ReasoningMode = "collapse"
    timeout: float = 300.0
    connect_timeout: float = 10.0
    first_token_timeout: float = 600.0
    max_retries: int = 2
    retry_backoff: float = 0.5
    history: bool = True
    color: bool = True
    debug: bool = False
    # The REPL: vi key bindings, the bottom toolbar, and the model's context window
    # in tokens for the toolbar's percentage (0: the built-in table, where known).
    vi_mode: bool = False
    toolbar: bool = True
    context_window: int = 0
    params: Mapping[str, Any] = field(default_factory=dict)
    providers: Mapping[str, Any] = field(default_factory=dict)
    # `[aliases] NAME = "model id"`: short names accepted wherever a model is.
    aliases: Mapping[str, str] = field(default_factory=dict)
    # Tools: `[mcp_servers.NAME]` tables (checked by r1cli.mcp.config when used),
    # the per-call timeout in seconds and the calls allowed per turn.
    mcp_servers: Mapping[str, Any] = field(default_factory=dict)
    tool_timeout: float = 60.0
    max_tool_calls: int = 10

    def model_for(self, name: str) -> str:
        """The model id an alias stands for; any other name as given."""
        return self.aliases.get(name, name)


SCALARS: dict[str, type] = {
    f.name: {
        "str": str,
        "str | None": str,
        "ReasoningMode": str,
        "float": float,
        "int": int,
        "bool": bool,
    }[str(f.type)]
    for f in fields(Settings)
    if f.name not in TABLES
}


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; ConfigError with the line and column when it is invalid."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: {exc}",
            hint=f"fix the file, or move it aside: mv {path} {path}.bak",
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None


def load_settings(
    config_file: Path,
    env: Mapping[str, str] | None = None,
    **flags: Any,
) -> Settings:
    """Resolve settings from the config file, the environment and flags (None = unset)."""
    env = os.environ if env is None else env
    data = load_toml(config_file)
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{config_file}: [{key}] must be a table")
            values[key] = aliases(value, config_file) if key == "aliases" else value
        elif key == "version":
            continue
        elif key in SCALARS:
            values[key] = coerce(key, value, f"{config_file}: {key}")
        else:
            raise ConfigError(
                f"{config_file}: unknown setting {key!r}",
                hint="known settings: " + ", ".join(sorted(SCALARS)),
            )
    for key in SCALARS:
        raw = env.get(ENV_PREFIX + key.upper())
        if raw is not None and raw != "":
            values[key] = coerce(key, raw, f"${ENV_PREFIX}{key.upper()}")
    values.update({k: v for k, v in flags.items() if v is not None})
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        values["color"] = False
    settings = Settings(**values)
    if settings.reasoning not in REASONING_MODES:
        raise ConfigError(f"reasoning must be one of {', '.join(REASONING_MODES)}")
    return settings


def aliases(table: Mapping[str, Any], config_file: Path) -> dict[str, str]:
    """`[aliases]`: every value a model id (one word), every name one word too."""
    checked: dict[str, str] = {}
    for name, value in table.items():
        if not isinstance(value, str) or not value.strip() or _spaced(value):
            raise ConfigError(
                f"{config_file}: aliases.{name} must be a model id (a string)",
                hint=f'e.g. {name} = "deepseek/deepseek-r1-0528"',
            )
        if not name.strip() or _spaced(name):
            raise ConfigError(f"{config_file}: alias {name!r} must be one word")
        checked[name] = value.strip()
    return checked


def _spaced(text: str) -> bool:
    return any(ch.isspace() for ch in text.strip())


def coerce(key: str, value: Any, where: str) -> Any:
    kind = SCALARS[key]
    if isinstance(value, str) and kind is not str:
        text = value.strip().lower()
        if kind is bool:
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        try:
            return kind(text)
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise ConfigError(f"{where}: expected {kind.__name__}, got {value!r}")
    return value
