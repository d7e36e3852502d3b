"""`--schema`: the concise form and JSON Schema, the strict `json_schema` response
format on chat-completions providers, a clear error before the request elsewhere,
and the final answer validated (invalid: a warning and exit 5, the answer kept)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from r1cli.core.schema import parse_schema
from r1cli.engine.structured import schema_problem
from r1cli.errors import UsageError
from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, sse_reply
from tests.support.runner import Result, RunR1

PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer"},
        "bio": {"type": "string", "description": "one sentence"},
    },
    "required": ["name", "age", "bio"],
    "additionalProperties": False,
}


def test_concise_form() -> None:
    assert parse_schema("name, age int, bio: one sentence") == PERSON
    assert parse_schema("name\nage int\nbio: one sentence") == PERSON
    assert parse_schema('{"type": "array"}') == {"type": "array"}
    with pytest.raises(UsageError, match="unknown type 'date'"):
        parse_schema("when date")
    with pytest.raises(UsageError, match="not valid JSON"):
        parse_schema("{nope")


def test_validation() -> None:
    good = '{"name": "Ada", "age": 36, "bio": "Wrote the first program."}'
    assert schema_problem(good, PERSON) is None
    assert "not JSON" in (schema_problem("Sure! {", PERSON) or "")
    problem = schema_problem('{"name": "Ada", "age": "old", "bio": ""}', PERSON)
    assert problem is not None and "'old' is not of type 'integer'" in problem


def ask(call_r1: RunR1, server: FakeServer, *args: str) -> Result:
    return call_r1(
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        env={"OPENROUTER_API_KEY": CANARY},
    )


def test_valid_answer_is_printed_and_the_format_is_strict(
    call_r1: RunR1, server: FakeServer
) -> None:
    answer = '{"name": "Ada", "age": 36, "bio": "Wrote the first program."}'
    server.queue(sse_reply(chat_stream([answer[:20], answer[20:]])))
    result = ask(
        call_r1, server, "--schema", "name, age int, bio: one sentence", "Ada?"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == json.loads(answer)
    assert server.requests[0].json()["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "strict": True, "schema": PERSON},
    }


def test_invalid_answer_warns_exits_5_and_is_kept(
    call_r1: RunR1, server: FakeServer, tmp_path: Path
) -> None:
    schema_file = tmp_path / "person.json"
    schema_file.write_text(json.dumps(PERSON), encoding="utf-8")
    server.queue(sse_reply(chat_stream(['{"name": "Ada"}'])))
    result = ask(call_r1, server, "--schema", str(schema_file), "Ada?")
    assert result.returncode == 5
    assert result.stdout == '{"name": "Ada"}\n'
    assert "warning: the answer does not match --schema" in result.stderr
    assert "'age' is a required property" in result.stderr
    assert (
        server.requests[0].json()["response_format"]["json_schema"]["schema"] == PERSON
    )
    shown = call_r1("history", "show", "--json")
    reply = json.loads(shown.stdout)["messages"][1]
    assert reply["content"] == '{"name": "Ada"}' and reply["status"] == "complete"


@pytest.mark.parametrize(
    ("provider", "variable"),
    [("anthropic", "ANTHROPIC_API_KEY"), ("deepseek", "DEEPSEEK_API_KEY")],
)
def test_providers_without_schema_support_fail_before_the_request(
    call_r1: RunR1, server: FakeServer, provider: str, variable: str
) -> None:
    result = call_r1(
        "-p",
        provider,
        "--base-url",
        f"{server.url}/v1",
        "-m",
        "some-model",
        "--schema",
        "name",
        "hi",
        env={variable: CANARY},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: --schema: ")
    assert server.requests == []
    assert call_r1("history", "list", "--json").stdout.strip() in ("[]", "")
