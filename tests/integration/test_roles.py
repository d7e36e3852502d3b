"""Roles: `[roles.NAME]` in config.toml and the built-in `code` and `shell`, applied
by `-r/--role` on ask and count with flags > role > config defaults, and listed by
`r1 roles`. In-process runs against the loopback fake provider."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.canary import CANARY
from tests.support.fakeserver import FakeServer
from tests.support.replies import chat_stream, json_reply, sse_reply
from tests.support.runner import Result, RunR1

CONFIG = """\
system = "config system"
[params]
temperature = 0.1
top_p = 0.5

[roles.reviewer]
system = \"\"\"You review code.
Be blunt.\"\"\"
model = "vendor/reviewer-model"
params = { temperature = 0.7, seed = 7 }

[roles.other]
system = "Use the other provider."
provider = "deepseek"
"""


@pytest.fixture
def config(r1_home: Path) -> Path:
    return write_config(r1_home, CONFIG)


def write_config(home: Path, text: str) -> Path:
    (home / "config").mkdir(parents=True, exist_ok=True)
    path = home / "config" / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def ask(call_r1: RunR1, server: FakeServer, *args: str) -> Result:
    server.queue(sse_reply(chat_stream(["ok"])))
    return call_r1(
        "--base-url",
        f"{server.url}/api/v1",
        *args,
        env={"OPENROUTER_API_KEY": CANARY, "DEEPSEEK_API_KEY": CANARY},
    )


def sent(server: FakeServer) -> dict[str, Any]:
    body: dict[str, Any] = server.requests[-1].json()
    return body


def test_a_config_role_sets_system_model_and_params_over_config(
    call_r1: RunR1, server: FakeServer, config: Path
) -> None:
    result = ask(call_r1, server, "-r", "reviewer", "hi")
    assert (result.returncode, result.stdout) == (0, "ok\n")
    body = sent(server)
    assert body["messages"][0] == {
        "role": "system",
        "content": "You review code.\nBe blunt.",
    }
    assert body["model"] == "vendor/reviewer-model"
    # The role's params over config [params]; config's other params stay.
    assert (body["temperature"], body["seed"], body["top_p"]) == (0.7, 7, 0.5)


def test_flags_beat_the_role(call_r1: RunR1, server: FakeServer, config: Path) -> None:
    result = ask(
        call_r1,
        server,
        "--role",
        "reviewer",
        "-s",
        "flag system",
        "-m",
        "flag/model",
        "--temperature",
        "0.2",
        "hi",
    )
    assert result.returncode == 0, result.stderr
    body = sent(server)
    assert body["messages"][0] == {"role": "system", "content": "flag system"}
    assert (body["model"], body["temperature"], body["seed"]) == ("flag/model", 0.2, 7)


def test_without_a_role_the_config_defaults_apply(
    call_r1: RunR1, server: FakeServer, config: Path
) -> None:
    assert ask(call_r1, server, "hi").returncode == 0
    body = sent(server)
    assert body["messages"][0] == {"role": "system", "content": "config system"}
    assert (body["temperature"], "seed" in body) == (0.1, False)


def test_a_role_provider_brings_that_providers_default_model(
    call_r1: RunR1, server: FakeServer, config: Path
) -> None:
    result = ask(call_r1, server, "-r", "other", "hi")
    assert result.returncode == 0, result.stderr
    assert sent(server)["model"] == "deepseek-reasoner"
    # The deepseek dialect path, not OpenRouter's.
    assert server.requests[-1].path.endswith("/chat/completions")


def test_builtin_code_and_shell_roles(
    call_r1: RunR1, server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    assert ask(call_r1, server, "-r", "code", "sort a list").returncode == 0
    system = sent(server)["messages"][0]
    assert system["role"] == "system" and "code only" in system["content"]
    assert ask(call_r1, server, "-r", "shell", "list files").returncode == 0
    shell = sent(server)["messages"][0]["content"]
    assert "fish" in shell and "one" in shell and "no code fences" in shell


def test_an_unknown_role_is_a_usage_error_with_the_nearest_name(
    call_r1: RunR1, server: FakeServer, config: Path
) -> None:
    result = call_r1("-r", "reviewr", "hi", env={"OPENROUTER_API_KEY": CANARY})
    assert result.returncode == 2
    assert result.error_lines() == ["error: no role named 'reviewr'"]
    assert "did you mean reviewer?" in result.stderr
    assert server.requests == []


@pytest.mark.parametrize(
    ("table", "needle"),
    [
        ('[roles.x]\nmodel = "m"\n', "roles.x: system must be"),
        ('[roles.x]\nsystem = "s"\ncolour = 1\n', "unknown key 'colour'"),
        ('[roles.x]\nsystem = "s"\nparams = 3\n', "params must be a table"),
        ('[roles]\nx = "s"\n', "roles.x must be a table"),
    ],
)
def test_a_broken_role_is_a_config_error(
    call_r1: RunR1, r1_home: Path, table: str, needle: str
) -> None:
    write_config(r1_home, table)
    result = call_r1("roles")
    assert result.returncode == 3
    assert needle in result.error_lines()[0]


def test_r1_roles_lists_builtin_and_configured_roles(
    call_r1: RunR1, config: Path
) -> None:
    result = call_r1("roles")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["code", "other", "reviewer", "shell"]
    reviewer = next(line for line in result.stdout.splitlines() if "reviewer" in line)
    assert "config" in reviewer and "model=vendor/reviewer-model" in reviewer
    data = json.loads(call_r1("roles", "--json").stdout)
    assert [role["name"] for role in data] == names
    assert data[2] == {
        "name": "reviewer",
        "builtin": False,
        "system": "You review code.\nBe blunt.",
        "model": "vendor/reviewer-model",
        "provider": None,
        "params": {"temperature": 0.7, "seed": 7},
    }
    assert data[0]["builtin"] is True


def test_a_config_role_replaces_a_builtin_namesake(
    call_r1: RunR1, r1_home: Path
) -> None:
    write_config(r1_home, '[roles.code]\nsystem = "mine"\n')
    (code,) = [
        r for r in json.loads(call_r1("roles", "--json").stdout) if r["name"] == "code"
    ]
    assert (code["system"], code["builtin"]) == ("mine", False)


def test_count_uses_the_role(call_r1: RunR1, server: FakeServer, config: Path) -> None:
    server.queue(json_reply(200, {"input_tokens": 21}))
    base = ("-p", "modelslab", "--base-url", f"{server.url}/api/v7/llm")
    result = call_r1(
        "count",
        *base,
        "-r",
        "reviewer",
        "--json",
        "hi",
        env={"MODELSLAB_API_KEY": CANARY},
    )
    assert result.returncode == 0, result.stderr
    body = server.requests[0].json()
    assert body["system"] == "You review code.\nBe blunt."
    # The role names no provider, so its model goes with -p modelslab.
    assert body["model"] == "vendor/reviewer-model"


def test_config_show_lists_roles_one_key_a_line(call_r1: RunR1, config: Path) -> None:
    lines = call_r1("config", "show").stdout.splitlines()
    assert "roles.reviewer.system = 'You review code.\\nBe blunt.'" in lines
    assert "roles.reviewer.params = {'temperature': 0.7, 'seed': 7}" in lines
    assert "roles.other.provider = 'deepseek'" in lines
    assert not any(line.startswith("roles.other.model") for line in lines)
