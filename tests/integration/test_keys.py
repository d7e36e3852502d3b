"""`r1 keys set|list|rm` and where a request's key comes from (docs/reliability.md S01, S02).

The keys file is the one place a key may be written: created 0600 inside a 0700
folder whatever the umask, never shown in full by any command, and used for requests
only when no environment variable names a key. The conftest teardown scans every
output and every other file under `R1CLI_HOME` for the canary.
"""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from r1cli.config.keys import mask, write_keys
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import RunR1

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    import tomli as tomllib

OTHER = "sk-or-v1-OTHERKEY-0000000000000000000000000000000000000000"


def keys_file(home: Path) -> Path:
    return home / "config" / "keys.toml"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def set_key(call_r1: RunR1, provider: str, key: str, umask: int = 0o022) -> None:
    result = call_r1("keys", "set", provider, input=f"{key}\n".encode(), umask=umask)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert key not in result.stderr
    assert mask(key) in result.stderr  # it says which key it stored


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=oct)
def test_keys_set_creates_a_private_file(
    call_r1: RunR1, r1_home: Path, umask: int
) -> None:
    set_key(call_r1, "openrouter", CANARY, umask=umask)
    path = keys_file(r1_home)
    assert mode(path) == 0o600
    assert mode(path.parent) == 0o700
    # The folders r1 made above it are not writable by others either (else anyone
    # could swap the config folder for their own).
    assert mode(r1_home) & 0o022 == 0
    assert tomllib.loads(path.read_text()) == {"openrouter": CANARY}
    # Atomic replace: no temporary file is left next to it.
    assert sorted(p.name for p in path.parent.iterdir()) == ["keys.toml"]


def store(home: Path, **keys: str) -> None:
    """Write the keys file in process, as `r1 keys set` would."""
    write_keys(keys_file(home), keys)


def test_keys_set_keeps_other_providers(call_r1: RunR1, r1_home: Path) -> None:
    store(r1_home, openrouter=OTHER, deepseek=OTHER)
    set_key(call_r1, "openrouter", CANARY)  # replaces the old key, keeps the other
    data = tomllib.loads(keys_file(r1_home).read_text())
    assert data == {"openrouter": CANARY, "deepseek": OTHER}
    assert mode(keys_file(r1_home)) == 0o600


@pytest.mark.parametrize("text", [b"\n", b"two words\n"], ids=repr)
def test_keys_set_refuses_what_is_not_a_key(
    call_r1: RunR1, r1_home: Path, text: bytes
) -> None:
    result = call_r1("keys", "set", "openrouter", input=text)
    assert result.returncode == 3
    assert result.stderr.startswith("error: ")
    assert not keys_file(r1_home).exists()


def test_keys_list_shows_only_masked_keys(call_r1: RunR1, r1_home: Path) -> None:
    store(r1_home, openrouter=CANARY)
    result = call_r1("keys", "list", env={"DEEPSEEK_API_KEY": OTHER})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("openrouter") and mask(CANARY) in line for line in lines)
    assert any(
        line.startswith("deepseek")
        and "env:DEEPSEEK_API_KEY" in line
        and mask(OTHER) in line
        for line in lines
    )
    assert OTHER not in result.stdout + result.stderr
    assert CANARY[-4:] in result.stdout  # the mask is recognisable...
    assert CANARY[8:-4] not in result.stdout  # ...but useless


def test_keys_list_warns_about_a_readable_file(call_r1: RunR1, r1_home: Path) -> None:
    store(r1_home, openrouter=CANARY)
    keys_file(r1_home).chmod(0o644)
    result = call_r1("keys", "list")
    assert result.returncode == 0
    assert "warning:" in result.stderr and "chmod 600" in result.stderr


def test_keys_rm(call_r1: RunR1, r1_home: Path) -> None:
    store(r1_home, openrouter=CANARY, deepseek=OTHER)
    result = call_r1("keys", "rm", "openrouter")
    assert result.returncode == 0, result.stderr
    assert tomllib.loads(keys_file(r1_home).read_text()) == {"deepseek": OTHER}
    assert mode(keys_file(r1_home)) == 0o600
    listed = call_r1("keys", "list").stdout
    assert "openrouter" not in listed and "deepseek" in listed
    again = call_r1("keys", "rm", "openrouter")
    assert again.returncode == 2
    assert "no stored key for openrouter" in again.stderr


def test_the_stored_key_is_used_for_requests(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    store(r1_home, openrouter=CANARY)
    server.queue(sse_reply(chat_stream(["ok"])))
    result = call_r1("--base-url", f"{server.url}/api/v1", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert server.requests[0].headers["authorization"] == f"Bearer {CANARY}"


def test_a_stored_key_is_enough_to_not_need_the_variable(
    call_r1: RunR1, r1_home: Path
) -> None:
    """Without a key: exit 3 before any network; with one in the file, the request is
    attempted (through a proxy on a closed port, so it fails with 6, not 3)."""
    env = {"HTTPS_PROXY": "http://127.0.0.1:9", "R1CLI_MAX_RETRIES": "0"}
    assert call_r1("hi", env=env).returncode == 3
    store(r1_home, openrouter=CANARY)
    result = call_r1("hi", env=env)
    assert result.returncode == 6, result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("OPENROUTER_API_KEY", OTHER), ("R1CLI_API_KEY", OTHER)],
)
def test_environment_beats_the_file(
    call_r1: RunR1, server: FakeServer, r1_home: Path, variable: str, value: str
) -> None:
    store(r1_home, openrouter=CANARY)
    server.queue(sse_reply(chat_stream(["ok"])))
    result = call_r1("--base-url", f"{server.url}/api/v1", "hi", env={variable: value})
    assert result.returncode == 0, result.stderr
    assert server.requests[0].headers["authorization"] == f"Bearer {value}"


def test_r1cli_api_key_beats_the_provider_variable(
    call_r1: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["ok"])))
    result = call_r1(
        "--base-url",
        f"{server.url}/api/v1",
        "hi",
        env={"R1CLI_API_KEY": CANARY, "OPENROUTER_API_KEY": OTHER},
    )
    assert result.returncode == 0, result.stderr
    assert server.requests[0].headers["authorization"] == f"Bearer {CANARY}"


def test_a_key_stored_for_one_provider_is_not_sent_to_another(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    store(r1_home, openrouter=CANARY)
    server.queue(sse_reply(chat_stream(["ok"])))
    result = call_r1("-p", "vllm", "--base-url", f"{server.url}/v1", "-m", "m", "hi")
    assert result.returncode == 0, result.stderr
    request = server.requests[0]
    assert "authorization" not in request.headers
    assert CANARY.encode() not in request.body


def test_mask() -> None:
    assert mask(CANARY) == "sk-or-…" + CANARY[-4:]
    assert CANARY[6:-4] not in mask(CANARY)
    assert mask("short") == "…" * 3
    assert mask("abcdefghijkl") == "…ijkl"
