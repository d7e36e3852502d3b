"""Settings: built-in defaults < `config.toml` < `R1CLI_*` environment < flags.

The whole precedence order lives here. A broken config file is an error naming the
file and line (exit 3), never silently ignored.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from r1cli.config.providers import DEFAULT_PROVIDER
from r1cli.core.params import REASONING_MODES, ReasoningMode
from r1cli.errors import ConfigError, UsageError

if TYPE_CHECKING:
    from r1cli.config.roles import Role

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on 3.10
    import tomli as tomllib

ENV_PREFIX = "R1CLI_"
TABLES = ("params", "providers", "aliases", "roles", "budget", "mcp_servers")
BUDGET_KEYS = ("daily", "monthly")
LOOP_GUARDS = ("off", "warn", "stop")


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
    # The whole turn (retries included), in seconds. Generous: reasoning models can
    # think for many minutes, and an answer that is still arriving is worth waiting
    # for; it stops only what never ends (an endless stream, keep-alives forever).
    deadline: float = 1800.0
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
    # The reasoning loop guard (engine/loop_guard.py): off, warn, or stop the stream.
    loop_guard: str = "warn"
    params: Mapping[str, Any] = field(default_factory=dict)
    providers: Mapping[str, Any] = field(default_factory=dict)
    # `[aliases] NAME = "model id"`: short names accepted wherever a model is.
    aliases: Mapping[str, str] = field(default_factory=dict)
    # `[roles.NAME]`: named system prompts (see config/roles.py); built-ins not here.
    roles: Mapping[str, Role] = field(default_factory=dict)
    # `[budget] daily = 2.00`, `monthly = 20.00`: USD caps summed from history.
    budget: Mapping[str, float] = field(default_factory=dict)
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
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid UTF-8 (byte {exc.start})",
            hint=f"save it as UTF-8, or move it aside: mv {path} {path}.bak",
        ) from None
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
    sources: dict[str, str] = {}
    for key, value in data.items():
        if key in TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{config_file}: [{key}] must be a table")
            if key == "aliases":
                values[key] = aliases(value, config_file)
            elif key == "roles":
                from r1cli.config.roles import parse_roles  # only with [roles]

                values[key] = parse_roles(value, config_file)
            elif key == "budget":
                values[key] = budget(value, config_file)
            else:
                values[key] = value
        elif key == "version":
            continue
        elif key in SCALARS:
            values[key] = coerce(key, value, f"{config_file}: {key}")
            sources[key] = f"{config_file}: {key}"
        else:
            raise ConfigError(
                f"{config_file}: unknown setting {key!r}",
                hint="known settings: " + ", ".join(sorted(SCALARS)),
            )
    for key in SCALARS:
        raw = env.get(ENV_PREFIX + key.upper())
        if raw is not None and raw != "":
            values[key] = coerce(key, raw, f"${ENV_PREFIX}{key.upper()}")
            sources[key] = f"${ENV_PREFIX}{key.upper()}"
    for key, value in flags.items():
        if value is not None:
            values[key] = value
            sources[key] = "--" + key.replace("_", "-")
    check_numbers(values, sources)
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        values["color"] = False
    settings = Settings(**values)
    if settings.reasoning not in REASONING_MODES:
        raise ConfigError(f"reasoning must be one of {', '.join(REASONING_MODES)}")
    if settings.loop_guard not in LOOP_GUARDS:
        raise ConfigError(f"loop_guard must be one of {', '.join(LOOP_GUARDS)}")
    return settings


def budget(table: Mapping[str, Any], config_file: Path) -> dict[str, float]:
    """`[budget]`: `daily` and `monthly`, each a positive number of USD."""
    checked: dict[str, float] = {}
    for name, value in table.items():
        if name not in BUDGET_KEYS:
            raise ConfigError(
                f"{config_file}: unknown budget {name!r}",
                hint="[budget] takes daily and monthly (USD)",
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise ConfigError(
                f"{config_file}: budget.{name} must be a positive number of USD",
                hint=f"e.g. {name} = 2.00",
            )
        checked[name] = float(value)
    return checked


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


# Seconds settings: finite and positive; at most a week (1e308 overflowed the clock
# arithmetic, and no answer is worth waiting longer for).
SECONDS = ("timeout", "connect_timeout", "first_token_timeout", "deadline")
MAX_SECONDS = 7 * 24 * 3600.0
# Other numbers and their allowed ranges (inclusive).
RANGES: dict[str, tuple[float, float]] = {
    "retry_backoff": (0.0, 600.0),
    "max_retries": (0, 100),
    "context_window": (0, 100_000_000),
}


def number_problem(key: str, value: float) -> str | None:
    """What is wrong with a numeric setting's value, or None. Shared by the config
    file, the environment and the flags (`--timeout`, `--deadline`)."""
    if key in SECONDS:
        if not math.isfinite(value) or value <= 0 or value > MAX_SECONDS:
            return (
                f"must be a number of seconds above 0 and at most {MAX_SECONDS:.0f} "
                f"(got {value!r})"
            )
    elif key in RANGES:
        low, high = RANGES[key]
        if not math.isfinite(value) or not low <= value <= high:
            return f"must be between {low:g} and {high:g} (got {value!r})"
    return None


def check_numbers(values: Mapping[str, Any], sources: Mapping[str, str]) -> None:
    """ConfigError (config file, environment) or UsageError (flag) naming where a bad
    number came from."""
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        problem = number_problem(key, value)
        if problem:
            where = sources.get(key, key)
            if where.startswith("--"):
                raise UsageError(f"{where} {problem}")
            raise ConfigError(f"{where} {problem}")


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
