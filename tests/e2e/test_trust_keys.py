"""Keys that cannot be sent are refused before any request, and an exposed keys file
is warned about on every use (issue 10, items 1 and 2)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from r1cli.config.keys import find_key, require_key, validate_key_text, write_keys
from r1cli.config.providers import BUILTIN
from r1cli.errors import ConfigError
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import RunR1

SPEC = BUILTIN["openrouter"]


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer([sse_reply(chat_stream(["ok"]))] * 4) as fake:
        yield fake


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (CANARY[:20] + "\n" + CANARY[20:], "line break (U+000A"),
        (CANARY[:20] + "\r" + CANARY[20:], "line break (U+000D"),
        (CANARY[:20] + " " + CANARY[20:], "whitespace (U+0020"),
        (CANARY[:20] + "\t" + CANARY[20:], "whitespace (U+0009"),
        (CANARY[:20] + "\x00" + CANARY[20:], "control character (U+0000"),
        (CANARY[:20] + "\x7f" + CANARY[20:], "control character (U+007F"),
        (CANARY[:20] + "\u200b" + CANARY[20:], "U+200B"),
        ("sk-or-v1-…", "non-ASCII character (U+2026"),
    ],
)
def test_unsendable_env_key_is_a_config_error_naming_the_variable(
    key: str, problem: str, tmp_path: Path
) -> None:
    env = {"OPENROUTER_API_KEY": key}
    with pytest.raises(ConfigError) as caught:
        find_key(SPEC, tmp_path / "keys.toml", env)
    message = caught.value.message
    assert "$OPENROUTER_API_KEY" in message and problem in message, message
    assert key not in message and CANARY[:20] not in message
    assert "\n" not in message


def test_surrounding_whitespace_is_still_trimmed(tmp_path: Path) -> None:
    found = find_key(SPEC, tmp_path / "k", {"OPENROUTER_API_KEY": f" {CANARY}\n"})
    assert found is not None and found.value == CANARY


def test_unsendable_stored_key_names_the_file_and_entry(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.toml"
    write_keys(keys_file, {"openrouter": CANARY[:10] + "\n" + CANARY[10:]})
    with pytest.raises(ConfigError) as caught:
        require_key(SPEC, keys_file)
    assert str(keys_file) in caught.value.message
    assert "'openrouter'" in caught.value.message
    assert CANARY[:10] not in caught.value.message


def test_keys_set_refuses_non_ascii_text() -> None:
    with pytest.raises(ConfigError, match="non-ASCII"):
        validate_key_text("sk-or-v1-…")


@pytest.mark.parametrize(
    "key", [CANARY[:20] + "\n" + CANARY[20:], "sk-or-v1-…", CANARY + "\x1b[2J"]
)
def test_cli_refuses_the_key_before_any_request(
    key: str, run_r1: RunR1, server: FakeServer
) -> None:
    result = run_r1(
        "--base-url",
        f"{server.url}/api/v1",
        "hi",
        env={"OPENROUTER_API_KEY": key},
    )
    assert result.returncode == 3, result.stderr
    errors = result.error_lines()
    assert len(errors) == 1 and "$OPENROUTER_API_KEY" in errors[0], result.stderr
    assert server.requests == []
    assert "sk-or-v1-" not in result.stderr


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_exposed_keys_file_is_warned_about_on_every_use(
    mode: int, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.toml"
    write_keys(keys_file, {"openrouter": CANARY})
    keys_file.chmod(mode)
    warnings: list[str] = []
    for _ in range(2):
        found = require_key(SPEC, keys_file, warn=warnings.append)
        assert found is not None and found.value == CANARY
    assert len(warnings) == 2
    assert all(f"chmod 600 {keys_file}" in line for line in warnings)
    assert all("\n" not in line and CANARY not in line for line in warnings)


def test_private_keys_file_and_env_keys_give_no_warning(tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.toml"
    write_keys(keys_file, {"openrouter": CANARY})
    warnings: list[str] = []
    require_key(SPEC, keys_file, warn=warnings.append)
    keys_file.chmod(0o644)
    # The environment wins, so the exposed file is not what is used.
    find_key(SPEC, keys_file, {"OPENROUTER_API_KEY": CANARY}, warn=warnings.append)
    assert warnings == []


def test_cli_warns_about_an_exposed_keys_file_on_every_run(
    run_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    keys_file = r1_home / "config" / "keys.toml"
    keys_file.parent.mkdir(parents=True)
    write_keys(keys_file, {"openrouter": CANARY})
    keys_file.chmod(0o644)
    for _ in range(2):
        result = run_r1("--base-url", f"{server.url}/api/v1", "hi")
        assert result.returncode == 0, result.stderr
        assert result.stdout == "ok\n"
        assert result.stderr == (
            f"warning: {keys_file} is open to other users (mode 644); "
            f"fix: chmod 600 {keys_file}\n"
        )
