"""`r1 count`: the input tokens and cost of the request `ask` would send.

Exact through `POST …/messages/count_tokens` for the Anthropic dialect (ModelsLab's
compatible endpoint, Anthropic), a labelled local estimate elsewhere; the cost at the
cached input price. In-process runs of the real CLI against the loopback fake server.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from r1cli.config.paths import resolve_paths
from r1cli.core.models import ModelInfo, estimate_tokens
from r1cli.engine.model_cache import cache_file, write_cache
from r1cli.render.footer import format_cost
from tests.support.canary import CANARY, assert_no_canary
from tests.support.fakeserver import FakeServer
from tests.support.replies import json_reply

Run = Callable[..., tuple[int, str, str]]
R1 = "deepseek-deepseek-r1-0528-free"


@pytest.fixture
def r1(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `r1 ARGS…` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        from r1cli.__main__ import main

        piped = io.TextIOWrapper(io.BytesIO(stdin or b""))
        if stdin is None:
            piped.isatty = lambda: True  # type: ignore[method-assign]
        monkeypatch.setattr(sys, "stdin", piped)
        code: int | str | None = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        assert_no_canary(out, err)
        return int(code or 0), out, err

    return run


def modelslab(server: FakeServer) -> tuple[str, ...]:
    return ("-p", "modelslab-anthropic", "--base-url", f"{server.url}/api/v7/llm/v1")


def cache_price(provider: str, base_url: str, info: ModelInfo) -> None:
    path = cache_file(resolve_paths().cache_dir, provider, base_url)
    write_cache(path, provider, base_url, [info], time.time())


def test_exact_count_posts_the_ask_request_to_count_tokens(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MODELSLAB_API_KEY", CANARY)
    attached = tmp_path / "notes.txt"
    attached.write_text("remember the milk\n")
    server.queue(json_reply(200, {"input_tokens": 1234}))
    code, out, err = r1(
        "count",
        *modelslab(server),
        "-s",
        "Be brief.",
        "-f",
        str(attached),
        "summarise",
        stdin=b"piped text",
    )
    assert (code, err) == (0, "")
    assert out.startswith("1,234 input tokens · cost unknown")
    request = server.requests[0]
    assert (request.method, request.path) == (
        "POST",
        "/api/v7/llm/v1/messages/count_tokens",
    )
    assert request.headers["x-api-key"] == CANARY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    body = request.json()
    assert set(body) == {"model", "messages", "system"}
    assert body["model"] == R1 and body["system"] == "Be brief."
    (message,) = body["messages"]
    assert message["role"] == "user"
    # The same prompt `ask` builds: words, stdin, the attached file.
    for part in ("summarise", "piped text", "remember the milk", "notes.txt"):
        assert part in message["content"]
    assert CANARY not in request.body.decode()


def test_modelslab_openai_provider_counts_on_its_anthropic_compatible_path(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSLAB_API_KEY", CANARY)
    server.queue(json_reply(200, {"input_tokens": 21}))
    base = ("-p", "modelslab", "--base-url", f"{server.url}/api/v7/llm")
    code, out, _ = r1("count", *base, "-s", "Be brief.", "--json", "hi")
    assert (code, json.loads(out)) == (
        0,
        {"input_tokens": 21, "exact": True, "input_cost": None},
    )
    request = server.requests[0]
    assert request.path == "/api/v7/llm/v1/messages/count_tokens"
    assert request.headers["x-api-key"] == CANARY
    assert "authorization" not in request.headers
    assert request.json() == {
        "model": R1,
        "messages": [{"role": "user", "content": "hi"}],
        "system": "Be brief.",
    }


def test_exact_count_json_with_a_cached_price(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY)
    base = f"{server.url}/v1"
    cache_price("anthropic", base, ModelInfo("claude-x", input_price=3.0))
    server.queue(json_reply(200, {"input_tokens": 15}))
    code, out, _ = r1(
        "count", "-p", "anthropic", "--base-url", base, "-m", "claude-x", "--json", "hi"
    )
    assert code == 0
    assert json.loads(out) == {
        "input_tokens": 15,
        "exact": True,
        "input_cost": pytest.approx(15 * 3.0 / 1_000_000),
    }
    assert list(json.loads(out)) == ["input_tokens", "exact", "input_cost"]
    assert server.requests[0].path == "/v1/messages/count_tokens"


def test_estimate_without_a_count_endpoint_sends_nothing(
    r1: Run, server: FakeServer
) -> None:
    # No key either: an estimate needs neither the provider nor its key.
    base = ("--base-url", f"{server.url}/api/v1")
    code, out, err = r1("count", *base, "hello world")
    assert (code, err) == (0, "")
    expected = estimate_tokens(["hello world"])
    assert out == (
        f"~{expected} input tokens (estimate) · cost unknown "
        "(no cached price; run 'r1 models -p openrouter')\n"
    )
    code, out, _ = r1("count", *base, "--json", "hello world")
    assert json.loads(out) == {
        "input_tokens": expected,
        "exact": False,
        "input_cost": None,
    }
    assert server.requests == []


def test_estimate_is_priced_from_the_cache_and_aliases_apply(
    r1: Run, server: FakeServer, r1_home: Path
) -> None:
    base = f"{server.url}/api/v1"
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[aliases]\nr1 = "deepseek/deepseek-r1-0528"\n')
    cache_price(
        "openrouter",
        base,
        ModelInfo("deepseek/deepseek-r1-0528", input_price=0.5, output_price=2.15),
    )
    text = "x" * 10_000
    tokens = estimate_tokens([text])
    code, out, _ = r1("count", "--base-url", base, "-m", "r1", "--json", text)
    assert code == 0
    assert json.loads(out)["input_cost"] == pytest.approx(tokens * 0.5 / 1_000_000)
    code, out, _ = r1("count", "--base-url", base, "-m", "r1", text)
    assert (
        out == f"~{tokens:,} input tokens (estimate) · {format_cost(tokens * 0.5e-6)}\n"
    )
    # Without the alias the model is another one, with no cached price.
    code, out, _ = r1("count", "--base-url", base, "-m", "r2", "--json", text)
    assert json.loads(out)["input_cost"] is None


def test_an_anthropic_server_without_count_tokens_falls_back_to_an_estimate(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSLAB_API_KEY", CANARY)
    server.queue(json_reply(404, {"error": {"message": "not found"}}))
    code, out, err = r1("count", *modelslab(server), "--json", "hi")
    assert code == 0
    assert json.loads(out)["exact"] is False
    assert "no count_tokens endpoint; estimating locally" in err


def test_a_rejected_key_on_count_tokens_is_exit_4(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSLAB_API_KEY", CANARY)
    server.queue(
        json_reply(401, {"type": "error", "error": {"type": "authentication_error"}})
    )
    code, out, err = r1("count", *modelslab(server), "hi")
    assert (code, out) == (4, "")
    assert "hint: check MODELSLAB_API_KEY" in err


def test_exact_count_needs_the_key(r1: Run) -> None:
    # The real host (a loopback server may be keyless): refused before any request.
    code, out, err = r1("count", "-p", "modelslab-anthropic", "hi")
    assert (code, out) == (3, "")
    assert "no API key for modelslab-anthropic" in err


def test_role_is_a_usage_error(r1: Run) -> None:
    code, out, err = r1("count", "--role", "coder", "hi")
    assert (code, out) == (2, "")
    assert err.startswith("error: no role named 'coder'")


def test_an_empty_prompt_is_a_usage_error(r1: Run) -> None:
    code, out, err = r1("count", "-p", "ollama", "-m", "x")
    assert (code, out) == (2, "")
    assert err.startswith("error: ")


def test_the_local_estimate() -> None:
    assert estimate_tokens([]) == 0
    # 0.3 per ASCII character, 0.6 per other character, 4 per message.
    assert estimate_tokens(["a" * 100]) == 34
    assert estimate_tokens(["你好" * 50]) == 64
    assert estimate_tokens(["abc", "def"]) == estimate_tokens(["abc"]) + 5
