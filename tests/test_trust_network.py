"""Network trust: proxies, deadlines and bounded reads, against real loopback servers
(issue 10, items 3, 5, 6, 7)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import CANARY, Result, RunR1, chat_stream, sse_reply
from tests.fakeserver import FakeServer


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def ask(run_r1: RunR1, server: FakeServer) -> Any:
    def run(*args: str, env: dict[str, str | None] | None = None, **kw: Any) -> Result:
        full_env: dict[str, str | None] = {"OPENROUTER_API_KEY": CANARY, **(env or {})}
        return run_r1("--base-url", f"{server.url}/api/v1", *args, env=full_env, **kw)

    return run


# -- item 3: loopback never goes through a proxy ------------------------------------


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_base_url_bypasses_the_proxy(
    variable: str, host: str, run_r1: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["direct"])))
    # The "proxy" answers too, so without the fix the run would succeed through it.
    with FakeServer([sse_reply(chat_stream(["via proxy"]))]) as proxy:
        result = run_r1(
            "--base-url",
            f"http://{host}:{server.port}/api/v1",
            "hi",
            env={
                "OPENROUTER_API_KEY": CANARY,
                "NO_PROXY": None,
                "no_proxy": None,
                variable: proxy.url,
            },
        )
        assert proxy.requests == [], "the key crossed the proxy"
    assert result.returncode == 0, result.stderr
    assert result.stdout == "direct\n"
    assert len(server.requests) == 1


# -- item 4: userinfo in the base URL never shows --------------------------------


def test_debug_never_prints_base_url_userinfo(
    run_r1: RunR1, server: FakeServer
) -> None:
    import base64

    server.queue(sse_reply(chat_stream(["ok"])))
    password = "pw-9f8e7d6c5b4a"
    result = run_r1(
        "--debug",
        "--base-url",
        f"http://alice:{password}@127.0.0.1:{server.port}/api/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    assert "debug: POST http://[REDACTED]@127.0.0.1" in result.stderr
    assert password not in result.stderr and "alice" not in result.stderr
    basic = base64.b64encode(f"alice:{password}".encode()).decode()
    assert basic not in result.stderr
    assert len(server.requests) == 1


def test_errors_never_print_base_url_userinfo(run_r1: RunR1) -> None:
    result = run_r1(
        "--base-url",
        "ftp://alice:pw-9f8e7d6c5b4a@example.com/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 3
    assert "pw-9f8e7d6c5b4a" not in result.stderr and "[REDACTED]@" in result.stderr
