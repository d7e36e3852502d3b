"""`r1 models`, the model-list cache, aliases, and prices feeding cost and context.

In-process runs of the real CLI (`r1cli.__main__.main`) against the loopback fake
server: each provider dialect's listing shape → the exact `--json` output, the exact
request (path, auth header, key nowhere else); the day-long cache (fresh, stale,
`--refresh`, offline with and without a cache); `[aliases]` wherever `-m` is; and the
cached prices and context lengths that the engine and the REPL read.
"""

from __future__ import annotations

import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from r1cli.config.paths import resolve_paths
from r1cli.core.events import Usage
from r1cli.core.models import ModelInfo, cost_from_prices, matches, per_million
from r1cli.engine.model_cache import (
    cache_file,
    cached_context_length,
    cached_pricing,
    describe_age,
    read_cache,
    write_cache,
)
from r1cli.engine.resolve import TurnOptions
from r1cli.engine.runtime import Runtime
from r1cli.render.models_view import format_price, show_table
from r1cli.repl.state import ChatState
from tests.support.canary import CANARY, assert_no_canary
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, json_reply, sse_reply

Run = Callable[..., tuple[int, str, str]]

OPENROUTER_MODELS = {
    "data": [
        {
            "id": "deepseek/deepseek-r1-0528",
            "canonical_slug": "deepseek/deepseek-r1-0528",
            "name": "DeepSeek: R1 0528",
            "created": 1748455170,
            "context_length": 163840,
            "architecture": {"modality": "text->text", "tokenizer": "DeepSeek"},
            "pricing": {
                "prompt": "0.0000005",
                "completion": "0.00000215",
                "request": "0",
                "image": "0",
            },
            "top_provider": {"context_length": 163840, "max_completion_tokens": None},
            "per_request_limits": None,
            "supported_parameters": ["max_tokens", "reasoning", "include_reasoning"],
            "some_new_field": {"ignored": True},
        },
        {
            "id": "openrouter/auto",
            "name": "Auto Router",
            "context_length": None,
            "pricing": {"prompt": "-1", "completion": "-1"},
            "top_provider": {"context_length": 2000000},
            "supported_parameters": ["max_tokens"],
        },
        {
            "id": "deepseek/deepseek-r1-0528:free",
            "name": "DeepSeek: R1 0528 (free)",
            "context_length": 163840,
            "pricing": {"prompt": "0", "completion": "0"},
        },
        {"name": "an entry without an id is skipped"},
    ]
}
OPENROUTER_JSON = [
    {
        "id": "deepseek/deepseek-r1-0528",
        "name": "DeepSeek: R1 0528",
        "context_length": 163840,
        "input_price": 0.5,
        "output_price": 2.15,
    },
    {
        "id": "deepseek/deepseek-r1-0528:free",
        "name": "DeepSeek: R1 0528 (free)",
        "context_length": 163840,
        "input_price": 0.0,
        "output_price": 0.0,
    },
    {
        "id": "openrouter/auto",
        "name": "Auto Router",
        "context_length": 2000000,
        "input_price": None,
        "output_price": None,
    },
]
OPENAI_LIST = {
    "object": "list",
    "data": [
        {"id": "deepseek-reasoner", "object": "model", "owned_by": "deepseek"},
        {"id": "deepseek-chat", "object": "model", "owned_by": "deepseek"},
    ],
}


def bare(model_id: str, **fields: Any) -> dict[str, Any]:
    """The `--json` entry of a model the provider tells nothing about."""
    entry: dict[str, Any] = {
        "id": model_id,
        "name": None,
        "context_length": None,
        "input_price": None,
        "output_price": None,
    }
    return {**entry, **fields}


@pytest.fixture
def r1(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run `r1 ARGS…` in-process; returns (exit code, stdout, stderr)."""

    def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        from r1cli.__main__ import main

        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code: int | str | None = 0
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        assert_no_canary(out, err)
        return int(code or 0), out, err

    return run


def assert_key_only_in(request: Any, header: str) -> None:
    assert request.headers[header].endswith(CANARY)
    assert CANARY not in request.path
    others = {k: v for k, v in request.headers.items() if k != header}
    assert_no_canary(json.dumps(others), request.body)


# -- every provider's listing shape ------------------------------------------------


def test_openrouter_listing_json_is_exact_and_prices_are_per_million(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    server.queue(json_reply(200, OPENROUTER_MODELS))
    code, out, err = r1("models", "--base-url", f"{server.url}/api/v1", "--json")
    assert (code, err) == (0, "")
    assert json.loads(out) == OPENROUTER_JSON
    request = server.requests[0]
    assert (request.method, request.path) == ("GET", "/api/v1/models")
    assert request.headers["authorization"] == f"Bearer {CANARY}"
    assert_key_only_in(request, "authorization")


def test_deepseek_listing_is_at_base_slash_models(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", CANARY)
    server.queue(json_reply(200, OPENAI_LIST))
    code, out, _ = r1("models", "-p", "deepseek", "--base-url", server.url, "--json")
    assert code == 0
    assert json.loads(out) == [bare("deepseek-chat"), bare("deepseek-reasoner")]
    assert server.requests[0].path == "/models"
    assert_key_only_in(server.requests[0], "authorization")


def test_modelslab_lists_on_its_anthropic_compatible_path_with_x_api_key(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELSLAB_API_KEY", CANARY)
    listing = {
        "object": "list",
        "data": [
            {
                "id": "deepseek-deepseek-r1-0528-free",
                "object": "model",
                "created": 1712345678,
                "owned_by": "deepseek",
            }
        ],
    }
    server.queue(json_reply(200, listing), json_reply(200, listing))
    code, out, _ = r1(
        "models", "-p", "modelslab", "--base-url", f"{server.url}/api/v7/llm", "--json"
    )
    assert code == 0
    assert json.loads(out) == [bare("deepseek-deepseek-r1-0528-free")]
    request = server.requests[0]
    assert request.path == "/api/v7/llm/v1/models"
    assert "authorization" not in request.headers
    assert_key_only_in(request, "x-api-key")
    # The Anthropic-compatible provider reaches the same endpoint from its own base.
    code, out, _ = r1(
        "models",
        "-p",
        "modelslab-anthropic",
        "--base-url",
        f"{server.url}/api/v7/llm/v1",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == [bare("deepseek-deepseek-r1-0528-free")]
    request = server.requests[1]
    assert request.path == "/api/v7/llm/v1/models?limit=1000"
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert_key_only_in(request, "x-api-key")


def test_anthropic_listing_follows_pages_and_reads_display_names(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY)
    first = {
        "data": [
            {
                "type": "model",
                "id": "claude-opus-4-8",
                "display_name": "Claude Opus 4.8",
                "created_at": "2026-02-01T00:00:00Z",
                "max_input_tokens": 200000,
            }
        ],
        "has_more": True,
        "first_id": "claude-opus-4-8",
        "last_id": "claude-opus-4-8",
    }
    second = {
        "data": [{"type": "model", "id": "claude-haiku-4", "display_name": "Haiku"}],
        "has_more": False,
        "first_id": "claude-haiku-4",
        "last_id": "claude-haiku-4",
    }
    server.queue(json_reply(200, first), json_reply(200, second))
    code, out, _ = r1(
        "models", "-p", "anthropic", "--base-url", f"{server.url}/v1", "--json"
    )
    assert code == 0
    assert json.loads(out) == [
        bare("claude-haiku-4", name="Haiku"),
        bare("claude-opus-4-8", name="Claude Opus 4.8", context_length=200000),
    ]
    paths = [request.path for request in server.requests]
    assert paths == [
        "/v1/models?limit=1000",
        "/v1/models?limit=1000&after_id=claude-opus-4-8",
    ]
    for request in server.requests:
        assert request.headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in request.headers
        assert_key_only_in(request, "x-api-key")


def test_a_keyless_local_server_gets_no_key_and_vllm_context_is_read(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another provider's key in the environment must not travel to the local server.
    monkeypatch.setenv("R1CLI_API_KEY", CANARY)
    vllm = {
        "object": "list",
        "data": [
            {
                "id": "deepseek-ai/DeepSeek-R1-Distill-Qwen-32B",
                "object": "model",
                "owned_by": "vllm",
                "max_model_len": 32768,
            }
        ],
    }
    server.queue(json_reply(200, vllm))
    code, out, _ = r1(
        "models", "-p", "vllm", "--base-url", f"{server.url}/v1", "--json"
    )
    assert code == 0
    assert json.loads(out) == [
        bare("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", context_length=32768)
    ]
    request = server.requests[0]
    assert request.path == "/v1/models"
    assert "authorization" not in request.headers
    assert "x-api-key" not in request.headers


def test_a_custom_provider_is_listed_at_its_base_url(
    r1: Run, server: FakeServer, r1_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = r1_home / "config" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        f'[providers.mine]\nbase_url = "{server.url}/custom/v1"\nkey_env = "MINE_KEY"\n'
    )
    monkeypatch.setenv("MINE_KEY", CANARY)
    server.queue(json_reply(200, OPENAI_LIST))
    code, out, _ = r1("models", "-p", "mine")
    assert code == 0
    assert out == "deepseek-chat\ndeepseek-reasoner\n"  # a pipe: one id per line
    assert server.requests[0].path == "/custom/v1/models"
    assert_key_only_in(server.requests[0], "authorization")


def test_debug_shows_the_request_with_the_key_redacted(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", CANARY)
    server.queue(json_reply(200, {"data": [], "has_more": False}))
    code, _, err = r1(
        "models", "-p", "anthropic", "--base-url", f"{server.url}/v1", "--debug"
    )
    assert code == 0  # the r1 fixture checks that the key is in neither stream
    assert f"debug: GET {server.url}/v1/models?limit=1000\n" in err
    assert '"x-api-key": "' in err


def test_a_missing_key_for_a_remote_provider_is_exit_3(r1: Run) -> None:
    code, out, err = r1("models", "-p", "deepseek")
    assert (code, out) == (3, "")
    assert "error: no API key for deepseek" in err


def test_a_200_error_body_is_a_provider_failure(r1: Run, server: FakeServer) -> None:
    # LM Studio answers an unknown path with 200 and an error object.
    server.queue(
        json_reply(200, {"error": "Unexpected endpoint or method. (GET /models)"})
    )
    code, out, err = r1("models", "-p", "lmstudio", "--base-url", server.url)
    assert (code, out) == (5, "")
    assert "Unexpected endpoint or method" in err


def test_a_server_without_a_models_endpoint_gets_a_base_url_hint(
    r1: Run, server: FakeServer
) -> None:
    server.queue(json_reply(404, {"error": "not found"}))
    code, _, err = r1("models", "-p", "llamacpp", "--base-url", f"{server.url}/x")
    assert code == 4
    assert err.splitlines()[-1] == (
        "hint: 127.0.0.1 has no models endpoint at "
        f"{server.url}/x/models; check --base-url"
    )


def test_a_200_that_is_not_json_is_a_provider_failure(
    r1: Run, server: FakeServer
) -> None:
    from tests.support.fakeserver import Reply

    page = b"<html><title>Captive portal</title></html>"
    server.queue(Reply(headers=[("Content-Type", "text/html")], chunks=[page]))
    server.queue(json_reply(200, {"error": None, "data": [{"id": "m"}]}))
    base = ("-p", "ollama", "--base-url", f"{server.url}/v1")
    code, out, err = r1("models", *base)
    assert (code, out) == (5, "")
    assert "unexpected response from 127.0.0.1: Captive portal" in err
    assert r1("models", *base)[:2] == (0, "m\n")  # a null error is no error


def test_a_rejected_key_is_exit_4_with_a_key_hint(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    server.queue(
        json_reply(401, {"error": {"message": "User not found.", "code": 401}})
    )
    code, _, err = r1("models", "--base-url", f"{server.url}/api/v1")
    assert code == 4
    assert "401" in err and "hint: check OPENROUTER_API_KEY" in err


# -- output forms ------------------------------------------------------------------


def test_search_filters_ids_and_names_case_insensitively(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    server.queue(json_reply(200, OPENROUTER_MODELS))
    base = ("--base-url", f"{server.url}/api/v1")
    assert r1("models", *base, "--search", "FREE")[1] == (
        "deepseek/deepseek-r1-0528:free\n"
    )
    # By name ("Auto Router"), from the cache this time.
    assert r1("models", *base, "--search", "router")[1] == "openrouter/auto\n"
    code, out, err = r1("models", *base, "--search", "nothing-like-it", "--json")
    assert (code, json.loads(out)) == (0, [])
    assert "no openrouter model matches 'nothing-like-it'" in err
    assert len(server.requests) == 1


def test_matches_is_case_insensitive_on_id_and_name() -> None:
    info = ModelInfo("deepseek-ai/DeepSeek-R1-Distill-Qwen-32B", "Distilled R1")
    assert matches(info, "deepseek-r1-distill")
    assert matches(info, "DISTILLED")
    assert not matches(info, "llama")
    assert not matches(ModelInfo("x"), "x y")


def test_terminal_table_shows_context_and_prices_per_million() -> None:
    out = io.StringIO()
    models = [ModelInfo.from_dict(entry) for entry in OPENROUTER_JSON]
    show_table(models, "openrouter · 3 models", color=False, file=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["id", "context", "$/M", "in", "$/M", "out"]
    assert lines[1].split() == ["deepseek/deepseek-r1-0528", "163,840", "0.50", "2.15"]
    assert (
        lines[2].split() == ["deepseek/deepseek-r1-0528:free", "163,840"] + ["free"] * 2
    )
    assert lines[3].split() == ["openrouter/auto", "2,000,000", "—", "—"]
    assert lines[-1].strip() == "openrouter · 3 models"


def test_table_colour_and_wide_characters_keep_columns_aligned() -> None:
    out = io.StringIO()
    models = [ModelInfo("模型-wide", context_length=8192), ModelInfo("narrow-model-x")]
    show_table(models, "cap", color=True, file=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("\x1b[1mid") and lines[-1] == "\x1b[2mcap\x1b[0m"
    # Two wide characters take two cells each: the context column still ends in
    # the same terminal column on both rows.

    def cells_to_end(line: str, text: str) -> int:
        end = line.index(text) + len(text)
        return sum(2 if "\u4e00" <= ch <= "\u9fff" else 1 for ch in line[:end])

    assert cells_to_end(lines[1], "8,192") == cells_to_end(lines[2], "—")


@pytest.mark.pty
def test_a_terminal_gets_the_table_and_a_pipe_only_ids(
    r1: Run, server: FakeServer, r1_home: Path
) -> None:
    from tests.support.pty_session import PtySession, pty_env

    server.queue(json_reply(200, OPENROUTER_MODELS))
    base = ("-p", "vllm", "--base-url", f"{server.url}/v1")
    assert r1("models", *base)[1].splitlines() == [m["id"] for m in OPENROUTER_JSON]
    session = PtySession(["models", *base], pty_env(r1_home), cols=100)
    try:
        session.wait_for("vllm · 3 models")
        lines = session.lines()
    finally:
        session.close()
    assert lines[0].split() == ["id", "context", "$/M", "in", "$/M", "out"]
    assert lines[1].split() == ["deepseek/deepseek-r1-0528", "163,840", "0.50", "2.15"]
    assert "cached" in lines[-1]  # the second run was served from the cache
    assert len(server.requests) == 1


def test_price_formats() -> None:
    assert [format_price(p) for p in (None, 0, 0.5, 2.19, 0.075, 15)] == [
        "—",
        "free",
        "0.50",
        "2.19",
        "0.075",
        "15.00",
    ]
    assert per_million("0.0000011") == 1.1
    assert per_million("-1") is None and per_million("abc") is None
    assert per_million(None) is None


def test_ids_with_control_characters_are_neutralised_on_a_pipe(
    r1: Run, server: FakeServer
) -> None:
    server.queue(json_reply(200, {"data": [{"id": "evil\x1b[2Jmodel\nsecond"}]}))
    code, out, _ = r1("models", "-p", "ollama", "--base-url", f"{server.url}/v1")
    assert code == 0
    assert out == "evil␛[2Jmodel second\n"


# -- the cache ----------------------------------------------------------------------


def age_cache(hours: float) -> Path:
    """Pretend the only cached list was fetched `hours` ago; returns its path."""
    (path,) = (resolve_paths().cache_dir / "models").glob("*.json")
    data = json.loads(path.read_text())
    data["fetched_at"] = time.time() - hours * 3600
    path.write_text(json.dumps(data))
    return path


def test_a_fresh_cache_is_used_without_the_network_or_a_key(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    server.queue(json_reply(200, OPENROUTER_MODELS))
    base = ("--base-url", f"{server.url}/api/v1")
    first = r1("models", *base, "--json")
    path = age_cache(23)
    assert path.stat().st_mode & 0o777 == 0o600
    assert_no_canary(path)
    monkeypatch.delenv("OPENROUTER_API_KEY")
    second = r1("models", *base, "--json")
    assert second == first
    assert len(server.requests) == 1


def test_a_stale_cache_and_refresh_fetch_again(
    r1: Run, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", CANARY)
    base = ("-p", "deepseek", "--base-url", server.url)
    newer = {"data": [*OPENAI_LIST["data"], {"id": "deepseek-v4"}]}
    server.queue(json_reply(200, OPENAI_LIST), json_reply(200, newer))
    server.queue(json_reply(200, OPENAI_LIST))
    assert r1("models", *base)[1] == "deepseek-chat\ndeepseek-reasoner\n"
    age_cache(25)
    assert r1("models", *base)[1] == "deepseek-chat\ndeepseek-reasoner\ndeepseek-v4\n"
    assert len(server.requests) == 2
    assert r1("models", *base)[1].count("\n") == 3  # fresh again: from the cache
    assert r1("models", *base, "--refresh")[1] == "deepseek-chat\ndeepseek-reasoner\n"
    assert len(server.requests) == 3


def test_a_different_base_url_has_its_own_cache(r1: Run, server: FakeServer) -> None:
    server.queue(json_reply(200, {"data": [{"id": "a"}]}))
    server.queue(json_reply(200, {"data": [{"id": "b"}]}))
    assert r1("models", "-p", "vllm", "--base-url", f"{server.url}/v1")[1] == "a\n"
    assert r1("models", "-p", "vllm", "--base-url", f"{server.url}/x/v1")[1] == "b\n"


def test_offline_with_a_cache_shows_it_with_its_age(
    r1: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", CANARY)
    with FakeServer() as server:
        server.queue(json_reply(200, OPENAI_LIST))
        base = ("-p", "deepseek", "--base-url", server.url)
        r1("models", *base)
    age_cache(3.2)
    # The server is gone: --refresh cannot fetch, the cache answers.
    code, out, err = r1("models", *base, "--refresh")
    assert (code, out) == (0, "deepseek-chat\ndeepseek-reasoner\n")
    assert err == "warning: offline; showing the model list cached 3 h ago\n"
    age_cache(50)  # stale: a fetch is tried, fails, the cache of any age answers
    code, out, err = r1("models", *base, "--json")
    assert code == 0 and len(json.loads(out)) == 2
    assert err == "warning: offline; showing the model list cached 2 d ago\n"


def test_offline_without_a_cache_is_a_network_error(r1: Run) -> None:
    with FakeServer() as server:
        url = server.url
    code, out, err = r1("models", "-p", "ollama", "--base-url", f"{url}/v1")
    assert (code, out) == (6, "")
    assert err.startswith("error: could not connect to 127.0.0.1")


def test_a_damaged_cache_is_no_cache(tmp_path: Path) -> None:
    path = tmp_path / "models.json"
    for text in ("", "{", "[]", '{"version": 1}', '{"version": 99, "models": []}'):
        path.write_text(text)
        assert read_cache(path) is None
    assert read_cache(tmp_path / "missing.json") is None


def test_describe_age() -> None:
    assert [describe_age(s) for s in (5, 125, 3 * 3600 + 5, 47 * 3600, 3 * 86400)] == [
        "5 s",
        "2 min",
        "3 h",
        "47 h",
        "3 d",
    ]


# -- prices and context lengths for the engine and the REPL --------------------------


def cache_models(provider: str, base_url: str, *models: ModelInfo) -> None:
    paths = resolve_paths()
    path = cache_file(paths.cache_dir, provider, base_url)
    write_cache(path, provider, base_url, list(models), time.time() - 5 * 86400)


R1_PRICED = ModelInfo(
    "deepseek/deepseek-r1-0528",
    "DeepSeek: R1 0528",
    163840,
    input_price=0.5,
    output_price=2.0,
)


def test_cost_from_prices() -> None:
    usage = Usage(prompt_tokens=1000, completion_tokens=500, reasoning_tokens=400)
    assert cost_from_prices(usage, R1_PRICED) == pytest.approx(0.0015)
    assert cost_from_prices(Usage(prompt_tokens=2000), R1_PRICED) == pytest.approx(
        0.001
    )
    assert cost_from_prices(Usage(), R1_PRICED) is None
    assert cost_from_prices(usage, None) is None
    unknown_output = ModelInfo("m", input_price=0.5)
    assert cost_from_prices(usage, unknown_output) is None


def test_cached_pricing_and_context_read_any_age_and_never_fetch() -> None:
    base = "https://openrouter.ai/api/v1"
    assert cached_pricing("openrouter", base, R1_PRICED.id) is None
    cache_models("openrouter", base, R1_PRICED, ModelInfo("free-of-info"))
    assert cached_pricing("openrouter", base, R1_PRICED.id) == R1_PRICED
    assert cached_pricing("openrouter", base, "free-of-info") is None
    assert cached_context_length("openrouter", base, R1_PRICED.id) == 163840
    assert cached_pricing("openrouter", base + "/other", R1_PRICED.id) is None
    # A rewritten file is noticed (the memo is keyed by mtime and size).
    cache_models("openrouter", base, ModelInfo(R1_PRICED.id, context_length=1234))
    assert cached_context_length("openrouter", base, R1_PRICED.id) == 1234


def test_a_turn_without_a_reported_cost_is_priced_from_the_cache(
    r1: Run, server: FakeServer, r1_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    base = f"{server.url}/api/v1"
    cache_models("openrouter", base, R1_PRICED)
    usage = {"prompt_tokens": 1000, "completion_tokens": 500}
    server.queue(sse_reply(chat_stream(["Hi"], usage=usage)))
    server.queue(sse_reply(chat_stream(["Hi"], usage={**usage, "cost": 0.25})))
    code, out, _ = r1("ask", "--base-url", base, "--json", "hi")
    assert code == 0
    (event,) = [e for e in map(json.loads, out.splitlines()) if e["type"] == "usage"]
    assert event["cost"] == pytest.approx(0.0015)
    # A cost the provider reports wins over the list price.
    code, out, _ = r1("ask", "--base-url", base, "--json", "hi")
    (event,) = [e for e in map(json.loads, out.splitlines()) if e["type"] == "usage"]
    assert event["cost"] == 0.25
    import sqlite3

    db = sqlite3.connect(r1_home / "data" / "history.sqlite3")
    costs = [
        row[0]
        for row in db.execute(
            "SELECT cost FROM messages WHERE role = 'assistant' ORDER BY id"
        )
    ]
    db.close()
    assert costs == [pytest.approx(0.0015), 0.25]


# -- aliases ------------------------------------------------------------------------


def write_config(home: Path, text: str) -> None:
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)


def test_an_alias_is_resolved_for_ask(
    r1: Run, server: FakeServer, r1_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(r1_home, '[aliases]\nr1 = "deepseek/deepseek-r1-0528:free"\n')
    monkeypatch.setenv("OPENROUTER_API_KEY", CANARY)
    server.queue(sse_reply(chat_stream(["ok"])), sse_reply(chat_stream(["ok"])))
    base = ("--base-url", f"{server.url}/api/v1")
    assert r1("ask", *base, "-m", "r1", "hi")[:2] == (0, "ok\n")
    assert server.requests[0].json()["model"] == "deepseek/deepseek-r1-0528:free"
    # Not an alias: the name is sent as typed.
    assert r1("ask", *base, "-m", "r1x", "hi")[0] == 0
    assert server.requests[1].json()["model"] == "r1x"


def test_an_alias_is_resolved_by_the_repl_model_command(
    server: FakeServer, r1_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config(r1_home, '[aliases]\nfast = "deepseek-chat"\n')
    monkeypatch.setenv("R1CLI_API_KEY", CANARY)
    opts = TurnOptions(provider="openai", base_url=f"{server.url}/v1", model="fast")
    session = ChatState(Runtime.from_options(opts), opts)
    try:
        assert session.model == "deepseek-chat"
        assert "fast" in session.known_models()  # offered to /model completion
        session.set_model("m")
        assert session.model == "m"
        session.set_model("fast")
        assert session.model == "deepseek-chat"
    finally:
        if session.store is not None:
            session.store.close()


@pytest.mark.parametrize(
    "table",
    [
        "aliases = 3\n",
        "[aliases]\nr1 = 7\n",
        '[aliases]\nr1 = "two words"\n',
        '[aliases]\n"my alias" = "m"\n',
        '[aliases]\nr1 = ""\n',
    ],
)
def test_a_bad_alias_table_is_a_config_error(
    r1: Run, r1_home: Path, table: str
) -> None:
    write_config(r1_home, table)
    code, out, err = r1("count", "-p", "ollama", "-m", "x", "hi")
    assert (code, out) == (3, "")
    assert err.startswith("error: ") and "alias" in err


def test_config_set_get_unset_an_alias(r1: Run, r1_home: Path) -> None:
    config = r1_home / "config" / "config.toml"
    assert r1("config", "set", "aliases.free", "deepseek/deepseek-r1-0528:free")[0] == 0
    assert r1("config", "set", "aliases.r1", "deepseek/deepseek-r1-0528")[0] == 0
    assert config.read_text() == (
        '[aliases]\nfree = "deepseek/deepseek-r1-0528:free"\n'
        'r1 = "deepseek/deepseek-r1-0528"\n'
    )
    assert r1("config", "get", "aliases.r1")[1] == "deepseek/deepseek-r1-0528\n"
    assert "aliases.free = 'deepseek/deepseek-r1-0528:free'" in r1("config", "show")[1]
    before = config.read_text()
    for key, value in (("aliases.x", "two words"), ("aliases.a b", "m")):
        code, _, err = r1("config", "set", key, value)
        assert code == 2 and err.startswith("error: ")
    assert config.read_text() == before
    assert r1("config", "unset", "aliases.free")[0] == 0
    assert config.read_text() == '[aliases]\nr1 = "deepseek/deepseek-r1-0528"\n'


def test_the_repl_context_meter_uses_the_cached_context_length(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("R1CLI_API_KEY", CANARY)
    base = f"{server.url}/v1"
    opts = TurnOptions(provider="openai", base_url=base, model="local-model")
    session = ChatState(Runtime.from_options(opts), opts)
    try:
        assert session.context_window is None
        cache_models("openai", base, ModelInfo("local-model", context_length=32768))
        assert session.context_window == 32768
        session.set_model("deepseek-r1-0528-distill")  # not listed: the built-in table
        assert session.context_window == 163_840
    finally:
        if session.store is not None:
            session.store.close()
