"""Shared fixtures: an isolated r1 home for every test, two runners for the CLI (a real
process and an in-process call, with the same signature and `Result`), the loopback
fake provider, and the `unit` / `integration` / `e2e` markers by folder.

Every test gets `R1CLI_HOME` in its own temporary folder and an environment without
provider keys, proxies or `R1CLI_*` settings from the machine running the suite, so
tests are hermetic and parallel-safe. Every result either runner returns is checked
at teardown: no canary (or its base64) in stdout, stderr or any file under
`R1CLI_HOME` other than the keys file, and no Python traceback on stderr unless the
run passed `--debug` (invariant I4). The helpers live in `tests/support/`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import runner
from tests.support.fakeserver import FakeServer
from tests.support.runner import Env, Result, RunR1

TESTS = Path(__file__).resolve().parent
# Each test's marker is the name of the folder it lives in (tests/<kind>/test_*.py).
KINDS = ("unit", "integration", "e2e")

KEY_VARIABLES = (
    "R1CLI_API_KEY",
    "OPENROUTER_API_KEY",
    "DEEPSEEK_API_KEY",
    "MODELSLAB_API_KEY",
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its folder's kind, so `-m "not e2e"` picks the fast part."""
    for item in items:
        parts = Path(str(item.path)).resolve().relative_to(TESTS).parts
        if len(parts) > 1 and parts[0] in KINDS:
            item.add_marker(parts[0])


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
    """Run `python -m r1cli ARGS…` as a real process and return a `Result`.

    `env` adds variables (a value of None removes one); `input` is piped to stdin
    (stdin is /dev/null otherwise). At teardown every run is checked for the canary and
    for tracebacks, and so is every file under `R1CLI_HOME` except the keys file.
    """
    results: list[Result] = []

    def run(
        *args: str,
        env: Env | None = None,
        input: bytes | None = None,
        timeout: float = 20,
        umask: int = -1,
    ) -> Result:
        result = runner.spawn_r1(
            args, cwd=r1_home.parent, env=env, input=input, timeout=timeout, umask=umask
        )
        results.append(result)
        return result

    yield run
    runner.check_results(results, r1_home)


@pytest.fixture
def call_r1(r1_home: Path) -> Iterator[RunR1]:
    """`run_r1`'s twin that calls `r1cli.__main__.main(ARGS)` in this process.

    Same arguments, same `Result`, same teardown checks; stdin, stdout and stderr are
    files that are not terminals, like the pipes `run_r1` gives the child.
    """
    results: list[Result] = []

    def call(
        *args: str,
        env: Env | None = None,
        input: bytes | None = None,
        timeout: float = 20,
        umask: int = -1,
    ) -> Result:
        result = runner.call_r1(
            args, cwd=r1_home.parent, env=env, input=input, timeout=timeout, umask=umask
        )
        results.append(result)
        return result

    yield call
    runner.check_results(results, r1_home)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A loopback fake provider, stopped after the test."""
    with FakeServer() as fake:
        yield fake
