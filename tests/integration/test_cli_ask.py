"""`r1 ask` end to end, in-process (`call_r1`) against the loopback fake provider.

Checks the output contract (pipe, `--show-reasoning`, `--json`, `--raw`), stdin
joining, the request each provider dialect gets (auth placement, parameters only when
set, no reasoning sent back), the exit codes of docs/DESIGN.md §1 with their `error:` lines,
retries and their limits, and `--debug` redaction. Every run is also checked by the
conftest teardown: no canary key anywhere, no traceback without `--debug`. A few of
the same checks on a real `r1` process are in tests/e2e/test_cli_process.py.
"""

from __future__ import annotations

import json
import math
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer, RecordedRequest, Reply
from tests.support.history import history_rows
from tests.support.replies import chat_stream, json_reply, sse_reply
from tests.support.runner import Result, RunR1
from tests.support.streams import CASES

OPENROUTER_BODY_KEYS = {"model", "messages", "stream", "usage"}
MESSAGE_PREFIXES = ("error: ", "hint: ", "saved: ", "warning: ")


class TimedRequests(list):  # type: ignore[type-arg]
    """A request list that also notes when each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []
        self.wall: list[float] = []

    def append(self, item: RecordedRequest) -> None:
        self.times.append(time.monotonic())
        self.wall.append(time.time())
        super().append(item)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as fake:
        fake.requests = TimedRequests()
        yield fake


@pytest.fixture
def ask(call_r1: RunR1, server: FakeServer) -> RunR1:
    """`r1 --base-url <fake openrouter> ARGS…` with the canary as OpenRouter key."""

    def run(*args: str, env: dict[str, str | None] | None = None, **kw: Any) -> Result:
        full_env: dict[str, str | None] = {"OPENROUTER_API_KEY": CANARY, **(env or {})}
        base = ("--base-url", f"{server.url}/api/v1")
        return call_r1(*base, *args, env=full_env, **kw)

    return run


def body(server: FakeServer, index: int = -1) -> dict[str, Any]:
    data: dict[str, Any] = server.requests[index].json()
    return data


def assert_error_report(result: Result, *needles: str) -> str:
    """Exactly one `error:` line, every stderr line a documented kind; returns it."""
    lines = result.stderr.splitlines()
    assert lines, "an error must be reported on stderr"
    for line in lines:
        assert line.startswith(MESSAGE_PREFIXES), f"unexpected stderr line {line!r}"
    errors = result.error_lines()
    assert len(errors) == 1, result.stderr
    for needle in needles:
        assert needle in errors[0], f"{needle!r} not in {errors[0]!r}"
    return errors[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# -- the output contract -----------------------------------------------------------


def test_answer_ending_in_newline_gets_no_second_one(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["line one\n", "line two\n"])))
    result = ask("hi")
    assert result.stdout_bytes == b"line one\nline two\n"


def test_ask_subcommand_is_the_same_as_the_default(
    call_r1: RunR1, server: FakeServer
) -> None:
    server.queue(CASES["T01"].reply)
    result = call_r1(
        "ask",
        "--base-url",
        f"{server.url}/api/v1",
        "why",
        "is",
        "it",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 0
    assert result.stdout_bytes == b"Hello!\n"
    assert body(server)["messages"] == [{"role": "user", "content": "why is it"}]


def test_show_reasoning_goes_to_stderr_only(ask: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T01"].reply)
    result = ask("--show-reasoning", "hi")
    assert result.returncode == 0
    assert result.stdout_bytes == b"Hello!\n"
    assert "Okay, the user says hi." in result.stderr
    assert "Hello!" not in result.stderr
    assert b"\x1b" not in result.stderr_bytes  # stderr is not a terminal: no dim


def test_json_without_history_has_a_null_conversation_id(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["ok"])))
    result = ask("--json", "--no-history", "hi")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        {"type": "content", "text": "ok"},
        {"type": "done", "finish_reason": "stop", "conversation_id": None},
    ]


def test_json_error_line_on_a_rejected_request(ask: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T28"].reply)
    result = ask("--json", "hi")
    assert result.returncode == 4
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 1
    assert set(lines[0]) == {"type", "message", "exit_code"}
    assert lines[0]["type"] == "error"
    assert lines[0]["exit_code"] == 4
    assert "No auth credentials found" in lines[0]["message"]
    assert_error_report(result, "401")


def test_json_error_after_partial_content(ask: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T23"].reply)
    result = ask("--json", "hi")
    assert result.returncode == 5
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["type"] for line in lines][-1] == "error"
    assert "".join(x["text"] for x in lines if x["type"] == "content") == (
        "The answer is"
    )
    assert all(x["type"] in ("content", "reasoning", "error") for x in lines)
    assert lines[-1]["exit_code"] == 5
    assert set(lines[-1]) == {"type", "message", "exit_code"}


def test_json_error_for_a_missing_key(call_r1: RunR1) -> None:
    result = call_r1("--json", "hi")
    assert result.returncode == 3
    assert [json.loads(line) for line in result.stdout.splitlines()] == [
        {"type": "error", "message": "no API key for openrouter", "exit_code": 3}
    ]


HOSTILE = (
    "safe \x1b]52;c;Y3VybCB4fHNo\x07 \x1b]0;title\x1b\\ \x1b[2J\x1b[H"
    "text \x9b31m\x9d8;;x\x9c \u202eevil\u202c bell\x07 end"
)


def test_control_characters_never_reach_stdout_by_default(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["safe \x1b]52;c;", HOSTILE[12:]])))
    result = ask("hi")
    assert result.returncode == 0
    out = result.stdout_bytes
    for raw in (
        b"\x1b",
        b"\x07",
        b"\xc2\x9b",
        b"\xc2\x9d",
        b"\xc2\x9c",
        b"\xe2\x80\xae",
    ):
        assert raw not in out, raw
    text = result.stdout
    for word in ("safe", "text", "evil", "bell", "end"):
        assert word in text
    assert text.index("safe") < text.index("text") < text.index("end")


def test_control_characters_in_reasoning_are_neutralised_too(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["ok"], reasoning=["think \x1b[2J\x9b now"])))
    result = ask("--show-reasoning", "hi")
    assert b"\x1b" not in result.stderr_bytes
    assert b"\xc2\x9b" not in result.stderr_bytes
    assert "think" in result.stderr and "now" in result.stderr


def test_raw_writes_the_answer_bytes_exactly(ask: RunR1, server: FakeServer) -> None:
    server.queue(sse_reply(chat_stream(["safe \x1b]52;c;", HOSTILE[12:]])))
    result = ask("--raw", "hi")
    assert result.returncode == 0
    assert result.stdout_bytes == HOSTILE.encode()


def test_json_round_trips_control_characters_escaped(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream([HOSTILE])))
    result = ask("--json", "hi")
    assert b"\x1b" not in result.stdout_bytes
    assert b"\xc2\x9b" not in result.stdout_bytes
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0] == {"type": "content", "text": HOSTILE}


def test_length_finish_is_success_with_a_warning(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["cut"], finish="length")))
    result = ask("hi")
    assert result.returncode == 0
    assert result.stdout_bytes == b"cut\n"
    assert "warning:" in result.stderr
    assert "--max-tokens" in result.stderr


# -- stdin -----------------------------------------------------------------------------


def test_stdin_is_fenced_after_the_prompt(ask: RunR1, server: FakeServer) -> None:
    server.queue(sse_reply(chat_stream(["ok"])))
    result = ask("summarise", input=b"line one\nline two\n")
    assert result.returncode == 0, result.stderr
    assert body(server)["messages"][-1] == {
        "role": "user",
        "content": "summarise\n\n```\nline one\nline two\n```",
    }


def test_stdin_alone_is_the_prompt(ask: RunR1, server: FakeServer) -> None:
    server.queue(sse_reply(chat_stream(["4"])))
    result = ask(input=b"what is 2+2?\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout_bytes == b"4\n"
    assert body(server)["messages"] == [{"role": "user", "content": "what is 2+2?"}]


@pytest.mark.parametrize(
    ("args", "stdin"),
    [((), b"\n\n"), (("  ",), b"")],
    ids=["blank-stdin", "blank-arg"],
)
def test_empty_prompt_is_a_usage_error(
    ask: RunR1, server: FakeServer, args: tuple[str, ...], stdin: bytes | None
) -> None:
    result = ask(*args, input=stdin)
    assert result.returncode == 2
    assert_error_report(result, "no prompt")
    assert result.stdout == ""
    assert server.requests == []


def test_empty_prompt_is_reported_before_a_missing_key(call_r1: RunR1) -> None:
    result = call_r1("")
    assert result.returncode == 2
    assert_error_report(result, "no prompt")


def test_invalid_utf8_stdin_is_a_usage_error(ask: RunR1, server: FakeServer) -> None:
    result = ask("translate", input=b"caf\xe9 \xff\xfe\n")
    assert result.returncode == 2
    assert_error_report(result, "not valid utf-8")
    assert "--stdin-encoding" in result.stderr
    assert server.requests == []


def test_stdin_encoding_decodes_other_charsets(ask: RunR1, server: FakeServer) -> None:
    server.queue(sse_reply(chat_stream(["ok"])))
    result = ask("--stdin-encoding", "latin-1", "translate", input=b"caf\xe9\n")
    assert result.returncode == 0, result.stderr
    assert body(server)["messages"][-1]["content"] == "translate\n\n```\ncaf\u00e9\n```"


# -- requests per provider -------------------------------------------------------------


def test_deepseek_request(call_r1: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T02"].reply)
    result = call_r1(
        "-p",
        "deepseek",
        "--base-url",
        server.url,
        "hi",
        env={"DEEPSEEK_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout_bytes == b"Hi!\n"
    request = server.requests[0]
    assert request.path == "/chat/completions"
    assert request.headers["authorization"] == f"Bearer {CANARY}"
    sent = request.json()
    assert set(sent) == {"model", "messages", "stream"}
    assert sent["model"] == "deepseek-reasoner"


@pytest.mark.parametrize(
    ("provider", "variable", "model_args", "model"),
    [
        ("anthropic", "ANTHROPIC_API_KEY", ("-m", "claude-test"), "claude-test"),
        (
            "modelslab-anthropic",
            "MODELSLAB_API_KEY",
            (),
            "deepseek-deepseek-r1-0528-free",
        ),
    ],
)
def test_anthropic_dialect_request(
    call_r1: RunR1,
    server: FakeServer,
    provider: str,
    variable: str,
    model_args: tuple[str, ...],
    model: str,
) -> None:
    server.queue(CASES["T33"].reply)
    result = call_r1(
        "-p",
        provider,
        "--base-url",
        f"{server.url}/v1",
        *model_args,
        "-s",
        "Be brief.",
        "gcd?",
        env={variable: CANARY, "OPENROUTER_API_KEY": "sk-or-v1-other"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout_bytes == b"It is **21**.\n"
    assert "EqQB" not in result.stdout + result.stderr  # the signature is never shown
    request = server.requests[0]
    assert request.path == "/v1/messages"
    assert request.headers["x-api-key"] == CANARY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in request.headers
    sent = request.json()
    assert sent["model"] == model
    assert sent["system"] == "Be brief."
    assert sent["messages"] == [{"role": "user", "content": "gcd?"}]
    assert isinstance(sent["max_tokens"], int)  # required by the Messages API
    assert "temperature" not in sent and "thinking" not in sent


def test_anthropic_parameters(call_r1: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T33"].reply)
    result = call_r1(
        "-p",
        "anthropic",
        "--base-url",
        f"{server.url}/v1",
        "-m",
        "claude-test",
        "--max-tokens",
        "2048",
        "--temperature",
        "0.5",
        "--stop",
        "END",
        "--reasoning-max-tokens",
        "1024",
        "hi",
        env={"ANTHROPIC_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    sent = body(server)
    assert sent["max_tokens"] == 2048
    assert sent["temperature"] == 0.5
    assert sent["stop_sequences"] == ["END"]
    assert sent["thinking"] == {"type": "enabled", "budget_tokens": 1024}


def test_modelslab_puts_key_and_model_id_in_the_body(
    call_r1: RunR1, server: FakeServer
) -> None:
    server.queue(CASES["T12"].reply)
    result = call_r1(
        "-p",
        "modelslab",
        "--base-url",
        f"{server.url}/api/v7/llm",
        "a haiku",
        env={"MODELSLAB_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout_bytes == b"Silent snow\n"
    request = server.requests[0]
    assert request.path == "/api/v7/llm/chat/completions"
    sent = request.json()
    assert sent["key"] == CANARY
    assert sent["model_id"] == "deepseek-deepseek-r1-0528-free"
    assert "temperature" not in sent


@pytest.mark.parametrize("provider", ["ollama", "vllm", "llamacpp", "lmstudio"])
def test_local_servers_split_think_tags_and_get_no_key(
    call_r1: RunR1, server: FakeServer, provider: str
) -> None:
    server.queue(CASES["T36"].reply)
    result = call_r1(
        "-p",
        provider,
        "--base-url",
        f"{server.url}/v1",
        "-m",
        "deepseek-r1:8b",
        "--show-reasoning",
        "2+2?",
        # Another provider's keys must never travel to a local server.
        env={"R1CLI_API_KEY": CANARY, "OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout_bytes == b"4\n"
    assert "Okay, so the user wants 2+2." in result.stderr
    assert "think>" not in result.stdout + result.stderr
    request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert "authorization" not in request.headers
    assert "x-api-key" not in request.headers
    assert "key" not in request.json()


def test_local_server_think_tags_split_across_deltas(
    call_r1: RunR1, server: FakeServer
) -> None:
    server.queue(CASES["T35"].reply)
    result = call_r1("-p", "vllm", "--base-url", f"{server.url}/v1", "-m", "r1", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hi! Use <think> tags.\n"


def test_local_server_thinking_cut_off_is_a_warning(
    call_r1: RunR1, server: FakeServer
) -> None:
    server.queue(CASES["T37"].reply)
    result = call_r1("-p", "ollama", "--base-url", f"{server.url}/v1", "-m", "r1", "q")
    assert result.returncode == 0
    assert result.stdout == ""
    assert "warning:" in result.stderr
    assert "thinking" in result.stderr and "--max-tokens" in result.stderr


def test_openai_provider_needs_a_base_url(call_r1: RunR1) -> None:
    result = call_r1("-p", "openai", "-m", "gpt-test", "hi")
    assert result.returncode == 3
    assert_error_report(result, "no base URL")
    assert "--base-url" in result.stderr


def test_openai_provider_with_base_url(call_r1: RunR1, server: FakeServer) -> None:
    server.queue(sse_reply(chat_stream(["ok"])))
    result = call_r1(
        "-p",
        "openai",
        "--base-url",
        f"{server.url}/v1",
        "-m",
        "gpt-test",
        "--effort",
        "low",
        "hi",
        env={"OPENAI_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    request = server.requests[0]
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {CANARY}"
    sent = request.json()
    assert sent["model"] == "gpt-test"
    assert sent["reasoning_effort"] == "low"
    assert sent["stream_options"] == {"include_usage": True}


def write_config(home: Path, text: str) -> Path:
    config = home / "config" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text, encoding="utf-8")
    return config


def test_custom_provider_from_config(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    write_config(
        r1_home,
        f"""
provider = "mine"

[providers.mine]
base_url = "{server.url}/custom/v1"
dialect = "openai"
auth = "bearer"
key_env = "MINE_API_KEY"
model = "my-model"
headers = {{ "X-Title" = "r1 tests" }}
""",
    )
    server.queue(sse_reply(chat_stream(["custom ok"])))
    result = call_r1("hi", env={"MINE_API_KEY": CANARY})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "custom ok\n"
    request = server.requests[0]
    assert request.path == "/custom/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {CANARY}"
    assert request.headers["x-title"] == "r1 tests"
    assert request.json()["model"] == "my-model"


def test_custom_anthropic_provider_from_config(
    call_r1: RunR1, server: FakeServer, r1_home: Path
) -> None:
    write_config(
        r1_home,
        f"""
[providers.claudeish]
base_url = "{server.url}/x/v1"
dialect = "anthropic"
auth = "x-api-key"
key_env = "CLAUDEISH_KEY"
model = "m1"
""",
    )
    server.queue(CASES["T33"].reply)
    result = call_r1("-p", "claudeish", "hi", env={"CLAUDEISH_KEY": CANARY})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "It is **21**.\n"
    request = server.requests[0]
    assert request.path == "/x/v1/messages"
    assert request.headers["x-api-key"] == CANARY
    assert "authorization" not in request.headers


def test_openrouter_attribution_headers_from_config(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    write_config(
        r1_home,
        """
[providers.openrouter]
headers = { "HTTP-Referer" = "https://example.test/app", "X-Title" = "my app" }
""",
    )
    server.queue(sse_reply(chat_stream(["ok"])))
    assert ask("hi").returncode == 0
    headers = server.requests[0].headers
    assert headers["http-referer"] == "https://example.test/app"
    assert headers["x-title"] == "my app"
    assert headers["authorization"] == f"Bearer {CANARY}"


# -- parameters: sent only when set ----------------------------------------------------

SAMPLING_FLAGS = (
    *("--temperature", "0.6", "--top-p", "0.95", "--top-k", "40"),
    *("--min-p", "0.05", "--max-tokens", "100", "--seed", "7"),
    *("--stop", "A", "--stop", "B", "--frequency-penalty", "0.5"),
    *("--presence-penalty", "0.25", "--repetition-penalty", "1.1", "--json-mode"),
)
SAMPLING_FIELDS = {
    "temperature": 0.6,
    "top_p": 0.95,
    "top_k": 40,
    "min_p": 0.05,
    "max_tokens": 100,
    "seed": 7,
    "stop": ["A", "B"],
    "frequency_penalty": 0.5,
    "presence_penalty": 0.25,
    "repetition_penalty": 1.1,
    "response_format": {"type": "json_object"},
}

PARAMETERS = [
    (SAMPLING_FLAGS, SAMPLING_FIELDS),
    (("--stop", "END"), {"stop": ["END"]}),
    (("--effort", "high"), {"reasoning": {"effort": "high"}}),
    (("--reasoning-max-tokens", "512"), {"reasoning": {"max_tokens": 512}}),
    (("--no-reasoning",), {"reasoning": {"exclude": True}}),
    (
        ("-o", 'provider={"sort":"price"}', "-o", "foo=bar", "--option", "n=3"),
        {"provider": {"sort": "price"}, "foo": "bar", "n": 3},
    ),
]


@pytest.mark.parametrize(
    ("flags", "fields"),
    PARAMETERS,
    ids=["sampling", "one-stop", "effort", "reasoning-budget", "exclude", "options"],
)
def test_parameters_are_sent_only_when_set(
    ask: RunR1, server: FakeServer, flags: tuple[str, ...], fields: dict[str, Any]
) -> None:
    """Each flag maps to its body field, and nothing else is added (the default
    request, in test_pipe_output_is_exactly_the_answer_and_one_newline, has none
    of them)."""
    server.queue(sse_reply(chat_stream(["ok"])))
    result = ask(*flags, "hi")
    assert result.returncode == 0, result.stderr
    sent = body(server)
    assert {k: v for k, v in sent.items() if k not in OPENROUTER_BODY_KEYS} == fields


def test_params_from_config_are_defaults_under_flags(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    write_config(r1_home, "[params]\ntemperature = 0.3\ntop_k = 20\n")
    server.queue(sse_reply(chat_stream(["ok"])))
    assert ask("--temperature", "0.9", "hi").returncode == 0
    sent = body(server)
    assert sent["temperature"] == 0.9
    assert sent["top_k"] == 20


def test_system_prompt_comes_first_and_model_flag_is_used(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply(chat_stream(["ok"])))
    result = ask("-s", "You are terse.", "-m", "deepseek/deepseek-r1:free", "hi")
    assert result.returncode == 0
    sent = body(server)
    assert sent["model"] == "deepseek/deepseek-r1:free"
    assert sent["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "hi"},
    ]


@pytest.mark.parametrize(
    ("provider", "variable", "case"),
    [
        ("openrouter", "OPENROUTER_API_KEY", "T01"),
        ("deepseek", "DEEPSEEK_API_KEY", "T02"),
    ],
)
def test_continue_never_sends_reasoning_back(
    call_r1: RunR1, server: FakeServer, provider: str, variable: str, case: str
) -> None:
    server.queue(CASES[case].reply, CASES[case].reply)
    args = ("-p", provider, "--base-url", f"{server.url}/api/v1")
    env = {variable: CANARY}
    first = call_r1(*args, "hi", env=env)
    assert first.returncode == 0, first.stderr
    second = call_r1(*args, "-c", "and now?", env=env)
    assert second.returncode == 0, second.stderr
    answer = CASES[case].expect
    messages = body(server, 1)["messages"]
    assert messages == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": answer.content},
        {"role": "user", "content": "and now?"},
    ]
    raw = server.requests[1].body.decode()
    assert answer.reasoning not in raw
    assert "reasoning" not in raw.replace('"usage"', "")  # no reasoning fields at all


# -- exit codes: usage (2) and configuration (3) ---------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--bogus", "hi"), "no such option"),
        (("--temperature", "hot", "hi"), "--temperature"),
        (("--effort", "extreme", "hi"), "--effort"),
        (("-o", "novalue", "hi"), "-o expects key=value"),
    ],
    ids=["unknown-flag", "bad-number", "bad-effort", "bad-option"],
)
def test_bad_flags_exit_2(
    ask: RunR1, server: FakeServer, args: tuple[str, ...], needle: str
) -> None:
    result = ask(*args)
    assert result.returncode == 2
    assert needle in result.stderr
    # One error line and one hint, never a usage block in a library's words.
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["error", "hint"], lines
    assert "Value error" not in result.stderr
    assert result.stdout == ""
    assert server.requests == []


@pytest.mark.parametrize(
    ("provider", "variable", "extra"),
    [
        ("openrouter", "OPENROUTER_API_KEY", ()),
        ("deepseek", "DEEPSEEK_API_KEY", ()),
        ("anthropic", "ANTHROPIC_API_KEY", ("-m", "claude-test")),
    ],
)
def test_no_key_exits_3_with_a_hint(
    call_r1: RunR1, provider: str, variable: str, extra: tuple[str, ...]
) -> None:
    result = call_r1("-p", provider, *extra, "hi")
    assert result.returncode == 3
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: no API key for {provider}",
        f"hint: set {variable} or run 'r1 keys set {provider}'",
    ]


def test_bad_config_names_file_and_line(call_r1: RunR1, r1_home: Path) -> None:
    config = write_config(r1_home, 'model = "x"\nprovider = \n')
    result = call_r1("hi", env={"OPENROUTER_API_KEY": CANARY})
    assert result.returncode == 3
    line = assert_error_report(result, str(config))
    assert "line 2" in line
    assert "hint:" in result.stderr


def test_unknown_setting_in_config_exits_3(call_r1: RunR1, r1_home: Path) -> None:
    write_config(r1_home, "temprature = 0.5\n")
    result = call_r1("hi", env={"OPENROUTER_API_KEY": CANARY})
    assert result.returncode == 3
    assert_error_report(result, "temprature")


def test_unknown_provider_exits_3(call_r1: RunR1) -> None:
    result = call_r1("-p", "nope", "hi")
    assert result.returncode == 3
    assert_error_report(result, "unknown provider 'nope'")
    assert "openrouter" in result.stderr  # the hint lists the known ones


@pytest.mark.parametrize("host", ["example.com", "127.0.0.1.example.com"])
def test_plain_http_to_a_remote_host_is_refused(call_r1: RunR1, host: str) -> None:
    result = call_r1(
        "--base-url",
        f"http://{host}/api/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 3
    assert_error_report(result, "plain HTTP", host)


# -- exit 4: the provider rejected the request -----------------------------------------


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_rejections_exit_4_without_retry(
    ask: RunR1, server: FakeServer, status: int
) -> None:
    message = f"rejected with {status} by the test"
    server.queue(
        json_reply(status, {"error": {"message": message, "code": status}}),
        sse_reply(chat_stream(["must not be asked for"])),
    )
    result = ask("hi")
    assert result.returncode == 4
    assert len(server.requests) == 1
    assert result.stdout == ""
    assert_error_report(result, "openrouter", "127.0.0.1", str(status), message)
    if status in (401, 403):
        assert "hint:" in result.stderr and "OPENROUTER_API_KEY" in result.stderr


def test_provider_error_text_is_sanitised(ask: RunR1, server: FakeServer) -> None:
    message = "bad \x1b]0;pwned\x07 request \x1b[2J\x9b1m done"
    server.queue(json_reply(400, {"error": {"message": message, "code": 400}}))
    result = ask("hi")
    assert result.returncode == 4
    for raw in (b"\x1b", b"\x07", b"\xc2\x9b"):
        assert raw not in result.stderr_bytes
    assert_error_report(result, "bad", "request", "done")


def test_402_suggests_an_affordable_max_tokens(ask: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T29"].reply, sse_reply(chat_stream(["no"])))
    result = ask("hi")
    assert result.returncode == 4
    assert len(server.requests) == 1
    assert_error_report(result, "402", "can only afford 7527")
    assert "--max-tokens 7527" in result.stderr


@pytest.mark.parametrize("status", [301, 307])
def test_redirects_are_refused(ask: RunR1, server: FakeServer, status: int) -> None:
    with FakeServer() as other:
        other.queue(sse_reply(chat_stream(["stolen"])))
        location = f"{other.url}/api/v1/chat/completions"
        server.queue(
            Reply(status=status, headers=[("Location", location)], framing="length")
        )
        result = ask("hi")
        assert result.returncode == 4
        assert len(server.requests) == 1
        assert other.requests == []  # the other origin never sees the key
    line = assert_error_report(result, "redirect", "not following")
    assert str(status) in line


# -- exit 5: the provider failed -------------------------------------------------------


def test_429_exhausted_exits_5(ask: RunR1, server: FakeServer) -> None:
    server.queue(*[CASES["T30"].reply] * 3)
    result = ask("hi")
    assert result.returncode == 5
    assert len(server.requests) == 3  # the first try and max_retries = 2
    assert_error_report(result, "429", "temporarily rate-limited upstream")


@pytest.mark.parametrize("status", [500, 529])
def test_5xx_exhausted_exits_5(ask: RunR1, server: FakeServer, status: int) -> None:
    reply = json_reply(status, {"error": {"message": "upstream broke", "code": status}})
    server.queue(reply, reply, reply)
    result = ask("hi")
    assert result.returncode == 5
    assert len(server.requests) == 3
    assert_error_report(
        result, "openrouter", "127.0.0.1", str(status), "upstream broke"
    )


def test_anthropic_overloaded_shows_the_request_id(
    call_r1: RunR1, server: FakeServer
) -> None:
    server.queue(*[CASES["T32"].reply] * 3)
    result = call_r1(
        "-p",
        "anthropic",
        "--base-url",
        f"{server.url}/v1",
        "-m",
        "claude-test",
        "hi",
        env={"ANTHROPIC_API_KEY": CANARY},
    )
    assert result.returncode == 5
    assert len(server.requests) == 3
    assert_error_report(
        result, "anthropic", "529", "Overloaded", "req_018EeWyXxfu5pfWkrYcMdjWG"
    )


def test_html_error_page_is_summarised(ask: RunR1, server: FakeServer) -> None:
    server.queue(*[CASES["T31"].reply] * 3)
    result = ask("hi")
    assert result.returncode == 5
    assert_error_report(result, "502 Bad Gateway")
    assert (
        "<center>" not in result.stderr and "cloudflare</center>" not in result.stderr
    )


@pytest.mark.parametrize("name", ["T23", "T23b"])
def test_mid_stream_error_keeps_the_partial_answer(
    ask: RunR1, server: FakeServer, r1_home: Path, name: str
) -> None:
    server.queue(CASES[name].reply, CASES["T01"].reply)
    result = ask("hi")
    assert result.returncode == 5
    # Never retried once the answer started, even for a 429 code (T23b).
    assert len(server.requests) == 1
    assert result.stdout.startswith("The answer is")
    expected = CASES[name].expect.error
    assert expected is not None
    assert_error_report(result, expected, "127.0.0.1")
    assert "saved:" in result.stderr
    [row] = history_rows(r1_home)
    assert row["content"] == "The answer is"
    assert row["status"] == "error"


def test_json_body_instead_of_a_stream_exits_5(ask: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T27"].reply)
    result = ask("hi")
    assert result.returncode == 5
    assert_error_report(result, "Internal Server Error", "instead of a stream")
    assert "org_abc123" not in result.stderr


def test_a_whole_json_completion_instead_of_a_stream_is_the_answer(
    ask: RunR1, server: FakeServer
) -> None:
    """Some proxies ignore `stream: true` and send the finished completion."""
    completion = {
        "id": "gen-1",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "whole answer",
                    "reasoning": "thought",
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4},
    }
    server.queue(json_reply(200, completion))
    result = ask("--json", "hi")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[:2] == [
        {"type": "reasoning", "text": "thought"},
        {"type": "content", "text": "whole answer"},
    ]
    assert lines[-1]["type"] == "done" and lines[-1]["finish_reason"] == "stop"


def test_html_instead_of_a_stream_exits_5(ask: RunR1, server: FakeServer) -> None:
    page = b"<html><head><title>Hotel WiFi login</title></head><body>x</body></html>"
    server.queue(
        Reply(headers=[("Content-Type", "text/html")], chunks=[page], framing="length")
    )
    result = ask("hi")
    assert result.returncode == 5
    assert_error_report(result, "unexpected response from 127.0.0.1", "Hotel WiFi")
    assert "<body>" not in result.stderr


def test_malformed_stream_data_exits_5(ask: RunR1, server: FakeServer) -> None:
    server.queue(
        sse_reply([chat_stream(["a"])[0], b"data: {not json\n\n", b"data: [DONE]\n\n"])
    )
    result = ask("hi")
    assert result.returncode == 5
    assert_error_report(result, "malformed stream data")


# -- exit 6: the network ---------------------------------------------------------------


def test_connection_refused_is_retried_then_exits_6(call_r1: RunR1) -> None:
    port = closed_port()
    result = call_r1(
        "--base-url",
        f"http://127.0.0.1:{port}/api/v1",
        "hi",
        env={"OPENROUTER_API_KEY": CANARY},
    )
    assert result.returncode == 6
    assert_error_report(result, "could not connect to 127.0.0.1", "after 3 attempts")
    assert result.stderr.count("retrying") == 2
    assert result.elapsed < 10


def test_connect_failure_through_a_proxy_names_the_variable(call_r1: RunR1) -> None:
    proxy = f"http://user:pw-secret@127.0.0.1:{closed_port()}"
    result = call_r1(
        "hi",
        env={
            "OPENROUTER_API_KEY": CANARY,
            "HTTPS_PROXY": proxy,
            "R1CLI_MAX_RETRIES": "0",
        },
    )
    assert result.returncode == 6
    assert_error_report(result, "openrouter.ai", "proxy", "HTTPS_PROXY")
    assert "pw-secret" not in result.stderr  # the variable is named, not shown


def test_stall_before_headers_is_retried_then_exits_6(
    ask: RunR1, server: FakeServer
) -> None:
    stall = Reply(head_delay=30)
    server.queue(stall, stall, stall)
    result = ask("--timeout", "0.3", "hi", env={"R1CLI_MAX_RETRIES": "1"})
    assert result.returncode == 6
    assert len(server.requests) == 2
    assert_error_report(result, "127.0.0.1", "read timeout")
    assert "--timeout" in result.stderr
    assert result.elapsed < 10


def test_stall_mid_stream_exits_6_and_keeps_the_partial(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    chunks = chat_stream(["Partial ", "answer"], finish=None, done=False)
    server.queue(sse_reply(chunks, stall=30), CASES["T01"].reply)
    result = ask("--timeout", "0.3", "hi")
    assert result.returncode == 6
    assert len(server.requests) == 1  # no retry mid-stream
    assert result.stdout == "Partial answer\n"
    assert_error_report(result, "127.0.0.1")
    saved = [line for line in result.stderr.splitlines() if line.startswith("saved:")]
    assert len(saved) == 1 and "14 chars" in saved[0]
    [row] = history_rows(r1_home)
    assert row["content"] == "Partial answer"
    assert row["status"] in saved[0]
    assert row["status"] not in ("complete", "streaming")


def test_reset_mid_stream_exits_6(ask: RunR1, server: FakeServer) -> None:
    chunks = chat_stream(["Partial"], finish=None, done=False)
    server.queue(sse_reply(chunks, stall=0.3, reset=True))
    result = ask("hi")
    assert result.returncode == 6
    assert result.stdout == "Partial\n"
    assert_error_report(result, "127.0.0.1")


def test_eof_without_finish_exits_6(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    server.queue(CASES["T21"].reply)
    result = ask("hi")
    assert result.returncode == 6
    assert result.stdout == "Partial\n"
    assert_error_report(result, "without a finish signal")
    [row] = history_rows(r1_home)
    assert row["content"] == "Partial" and row["status"] != "complete"


def test_keepalives_forever_hit_the_first_token_deadline(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(sse_reply([b": keep-alive\n\n"] * 40, delay=0.05))
    result = ask("hi", env={"R1CLI_FIRST_TOKEN_TIMEOUT": "0.3"})
    assert result.returncode == 6
    assert_error_report(result, "keep-alive")
    assert result.stdout == ""
    assert result.elapsed < 10


# -- retries ---------------------------------------------------------------------------


def test_5xx_then_ok_prints_the_answer_once(
    ask: RunR1, server: FakeServer, r1_home: Path
) -> None:
    server.queue(
        json_reply(500, {"error": {"message": "oops", "code": 500}}),
        json_reply(503, {"error": {"message": "busy", "code": 503}}),
        CASES["T01"].reply,
    )
    result = ask("hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout_bytes == b"Hello!\n"
    assert len(server.requests) == 3
    assert body(server, 0) == body(server, 2)  # the same request each time
    warnings = result.stderr.splitlines()
    assert len(warnings) == 2
    assert all(line.startswith("warning:") and "retrying" in line for line in warnings)
    assert [row["status"] for row in history_rows(r1_home)] == ["complete"]


def test_429_with_retry_after_zero_then_ok(ask: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T30"].reply, CASES["T01"].reply)
    result = ask("hi")
    assert result.returncode == 0
    assert result.stdout_bytes == b"Hello!\n"
    assert len(server.requests) == 2


def test_retry_after_ms_is_honoured(ask: RunR1, server: FakeServer) -> None:
    server.queue(
        json_reply(429, {"error": "slow down"}, ("retry-after-ms", "600")),
        CASES["T01"].reply,
    )
    result = ask("hi")
    assert result.returncode == 0
    times = server.requests.times  # type: ignore[attr-defined]
    assert times[1] - times[0] >= 0.55
    assert "retrying in 0.6 s" in result.stderr


def test_retry_after_http_date_is_honoured(ask: RunR1, server: FakeServer) -> None:
    # A whole second (HTTP dates have no fractions), about three from now.
    when = datetime.fromtimestamp(math.ceil(time.time()) + 3, timezone.utc)
    server.queue(
        json_reply(
            503, {"error": "later"}, ("Retry-After", format_datetime(when, True))
        ),
        CASES["T01"].reply,
    )
    result = ask("hi")
    assert result.returncode == 0
    requests: TimedRequests = server.requests  # type: ignore[assignment]
    asked = when.timestamp() - requests.wall[0]
    assert asked > 0.5, "the test machine is too slow for this test to mean anything"
    assert requests.times[1] - requests.times[0] >= asked - 0.1


def test_retry_after_above_the_cap_is_not_waited_for(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(
        json_reply(429, {"error": "come back tomorrow"}, ("Retry-After", "999999")),
        CASES["T01"].reply,
    )
    result = ask("hi")
    assert result.returncode == 5
    assert len(server.requests) == 1
    assert_error_report(result, "999999 s", "not waiting")
    assert result.elapsed < 10


def test_daily_cap_is_reported_with_its_reset_time(
    ask: RunR1, server: FakeServer
) -> None:
    server.queue(CASES["T30b"].reply, CASES["T01"].reply)
    result = ask("hi")
    assert result.returncode == 5
    assert len(server.requests) == 1  # waiting until tomorrow is not a retry
    line = assert_error_report(result, "daily", "2025-06-16 00:00 UTC")
    assert "57000" not in line
    assert "hint:" in result.stderr


# -- --debug -----------------------------------------------------------------------------


def test_debug_redacts_a_key_in_the_body(call_r1: RunR1, server: FakeServer) -> None:
    server.queue(CASES["T12"].reply)
    result = call_r1(
        "-p",
        "modelslab",
        "--base-url",
        f"{server.url}/api/v7/llm",
        "--debug",
        "hi",
        env={"MODELSLAB_API_KEY": CANARY},
    )
    assert result.returncode == 0
    assert '"key": "[REDACTED]"' in result.stderr
