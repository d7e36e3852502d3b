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
