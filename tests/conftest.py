"""Shared fixtures: an isolated r1 home for every test, a subprocess runner for the CLI,
and the canary key that must never show up anywhere (reliability §3, invariant I1).

Every test gets `R1CLI_HOME` in its own temporary folder and an environment without
provider keys, proxies or `R1CLI_*` settings from the machine running the suite, so
tests are hermetic and parallel-safe. `run_r1` runs `python -m r1cli` for real; every
result it returns is checked at teardown: no canary (or its base64) in stdout, stderr
or any file under `R1CLI_HOME` other than the keys file, and no Python traceback on
stderr unless the run passed `--debug` (invariant I4).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakeserver import Reply

ROOT = Path(__file__).resolve().parent.parent

# A key shaped like OpenRouter's, unique enough that finding it anywhere is a leak.
CANARY = "sk-or-v1-CANARY-" + "5f3a9c1e7b2d4068a1c3e5f70b9d2c4e6a8f0b1c3d5e7f9a"

KEY_VARIABLES = (
    "R1CLI_API_KEY",
    "OPENROUTER_API_KEY",
    "DEEPSEEK_API_KEY",
    "MODELSLAB_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def canary_forms(secret: str = CANARY) -> list[bytes]:
    """The secret's bytes and its base64 at each of the three alignments.

    A base64 encoding of a larger text contains the secret's encoding only when the
    secret starts on a 3-byte boundary; for the other two offsets the characters not
    touched by the neighbouring bytes are still a fixed string, so all three are
    searched for.
    """
    raw = secret.encode()
    forms = [raw]
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + raw)
        # Drop the characters that mix in the padding bytes or the unknown suffix.
        start = 4 if pad else 0
        forms.append(encoded[start:-4])
        forms.append(base64.urlsafe_b64encode(b"\0" * pad + raw)[start:-4])
    return forms


def assert_no_canary(*items: bytes | str | Path, secret: str = CANARY) -> None:
    """Fail if the secret (or its base64) is in any of the texts, files or folders."""
    forms = canary_forms(secret)
    for item in items:
        if isinstance(item, Path):
            files = sorted(p for p in item.rglob("*") if p.is_file())
            if item.is_file():
                files = [item]
            for path in files:
                data = path.read_bytes()
                for form in forms:
                    assert form not in data, f"the key leaked into {path}"
            continue
        data = (
            item.encode("utf-8", "surrogateescape") if isinstance(item, str) else item
        )
        for form in forms:
            assert form not in data, f"the key leaked: {data[:300]!r}"


@dataclass(frozen=True)
class Result:
    """A finished `r1` run: exit status and both streams, as bytes and as text."""

    args: tuple[str, ...]
    returncode: int
    stdout_bytes: bytes
    stderr_bytes: bytes
    elapsed: float

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.stderr_bytes.decode("utf-8", "replace")

    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("error:")]


RunR1 = Callable[..., Result]


@pytest.fixture
def r1_home(tmp_path: Path) -> Path:
    """The folder `R1CLI_HOME` points at (not created: r1 makes it)."""
    return tmp_path / "r1home"


@pytest.fixture(autouse=True)
def isolated_env(r1_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No keys, proxies or r1 settings from the machine; a private home per test."""
    for name in list(os.environ):
        if name.startswith("R1CLI_") or name.upper() in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("R1CLI_HOME", str(r1_home))
    # Retries in tests wait 10 ms, not half a second.
    monkeypatch.setenv("R1CLI_RETRY_BACKOFF", "0.01")
    # The fake server is on loopback: never route it through a proxy.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return r1_home


@pytest.fixture
def run_r1(r1_home: Path) -> Iterator[RunR1]:
    """Run `python -m r1cli ARGS…` and return a `Result`.

    `env` adds variables (a value of None removes one); `input` is piped to stdin
    (stdin is /dev/null otherwise). At teardown every run is checked for the canary and
    for tracebacks, and so is every file under `R1CLI_HOME` except the keys file.
    """
    results: list[Result] = []

    def run(
        *args: str,
        env: Mapping[str, str | None] | None = None,
        input: bytes | None = None,
        timeout: float = 20,
        umask: int = -1,
    ) -> Result:
        full_env = dict(os.environ)
        # Let the child cache compiled bytecode: every run imports the same modules,
        # and recompiling them costs ~0.1 s of CPU per run.
        full_env.pop("PYTHONDONTWRITEBYTECODE", None)
        full_env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        for name, value in (env or {}).items():
            if value is None:
                full_env.pop(name, None)
            else:
                full_env[name] = value
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "r1cli", *args],
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            env=full_env,
            cwd=r1_home.parent,
            timeout=timeout,
            umask=umask,
        )
        result = Result(
            tuple(args),
            proc.returncode,
            proc.stdout,
            proc.stderr,
            time.monotonic() - started,
        )
        results.append(result)
        return result

    yield run

    for result in results:
        assert_no_canary(result.stdout_bytes, result.stderr_bytes)
        if "--debug" not in result.args:
            assert "Traceback" not in result.stderr, result.stderr
    assert_no_canary(*home_files_except_keys(r1_home))


def home_files_except_keys(home: Path) -> list[Path]:
    """Every file under `home` that must never hold a key."""
    if not home.exists():
        return []
    return [
        path for path in home.rglob("*") if path.is_file() and path.name != "keys.toml"
    ]


def history_rows(home: Path, role: str = "assistant") -> list[dict[str, object]]:
    """Messages of one role from the history database, oldest first."""
    import sqlite3

    db = home / "data" / "history.sqlite3"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        rows = conn.execute(
            "SELECT * FROM messages WHERE role = ? ORDER BY id", (role,)
        ).fetchall()
        return [dict(row) for row in rows]
    finally:
        conn.close()


# -- scripted OpenAI-style streams -------------------------------------------------


def chat_chunk(
    delta: Mapping[str, object],
    finish: str | None = None,
    usage: Mapping[str, object] | None = None,
) -> bytes:
    """One `data:` event of a chat-completions stream."""
    choice = {"index": 0, "delta": dict(delta), "finish_reason": finish}
    payload: dict[str, object] = {
        "id": "gen-test",
        "object": "chat.completion.chunk",
        "choices": [choice],
    }
    if usage is not None:
        payload["usage"] = dict(usage)
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def chat_stream(
    content: Iterable[str] = (),
    reasoning: Iterable[str] = (),
    *,
    finish: str | None = "stop",
    usage: Mapping[str, object] | None = None,
    done: bool = True,
) -> list[bytes]:
    """A whole stream: reasoning deltas, content deltas, a finish chunk, [DONE]."""
    writes = [chat_chunk({"reasoning": text}) for text in reasoning]
    writes += [chat_chunk({"content": text}) for text in content]
    if finish is not None:
        writes.append(chat_chunk({"content": ""}, finish, usage))
    if done:
        writes.append(b"data: [DONE]\n\n")
    return writes


def sse_reply(chunks: list[bytes], **options: Any) -> Reply:
    return Reply(
        headers=[("Content-Type", "text/event-stream")], chunks=chunks, **options
    )


def json_reply(
    status: int, body: object, *headers: tuple[str, str], **options: Any
) -> Reply:
    """A non-streaming response with a JSON body."""
    return Reply(
        status=status,
        headers=[("Content-Type", "application/json"), *headers],
        chunks=[json.dumps(body).encode()],
        framing="length",
        **options,
    )
