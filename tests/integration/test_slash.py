"""The REPL's slash commands, for real: no terminal, but a real engine and history.

Every test builds a `ChatState` for the `openai` provider pointed at the loopback
fake server, with a real history database under the per-test `R1CLI_HOME`, and drives
it the way `repl.Repl._handle` does: `slash.parse`, `slash.run`, then `retry` or
`send` when the result asks for it. Assertions are on what is observable: the bodies
the fake server received, the history rows in SQLite, the files written and the
`SlashResult` fields. The editor and the clipboard are small recording functions.
"""

from __future__ import annotations

import sqlite3
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import pytest

from r1cli.core.events import ContentDelta, Event, ReasoningDelta
from r1cli.core.messages import INTERRUPTED_MARKER, Turn
from r1cli.engine.resolve import TurnOptions
from r1cli.engine.runtime import Runtime
from r1cli.errors import ConfigError, NetworkError, ProviderFailed, UsageError
from r1cli.render.plain import PlainRenderer
from r1cli.repl import slash
from r1cli.repl.slash import SlashContext, SlashResult
from r1cli.repl.state import ChatState
from tests.support.fakeserver import FakeServer, Reply
from tests.support.history import history_rows
from tests.support.replies import chat_stream, json_reply, sse_reply

MODEL = "deepseek/deepseek-r1-0528"
KEY = "sk-test-slash-0f1e2d3c4b5a69788796a5b4"
TWO_BLOCKS = (
    "First:\n\n```python\nprint(1)\n```\n\nThen:\n\n~~~sh\necho two\necho 2\n~~~\n"
)


class Screen:
    """A minimal TurnSink standing in for the renderer; can press Ctrl-C for you."""

    def __init__(self, ctrl_c_after: int | None = None) -> None:
        self.content: list[str] = []
        self.reasoning: list[str] = []
        self.statuses: list[str] = []
        self._ctrl_c_after = ctrl_c_after

    def begin(self, turn: Turn) -> None:
        self.statuses.append(turn.status)

    def on_event(self, event: Event, turn: Turn) -> None:
        if isinstance(event, ReasoningDelta):
            self.reasoning.append(event.text)
        elif isinstance(event, ContentDelta) and event.text:
            self.content.append(event.text)
            if self._ctrl_c_after is not None and len(self.content) >= (
                self._ctrl_c_after
            ):
                raise KeyboardInterrupt

    def end(self, turn: Turn) -> None:
        self.statuses.append(turn.status)


@dataclass
class Chat:
    """One session, its slash context, and the fake provider behind it."""

    session: ChatState
    server: FakeServer
    home: Path
    cwd: Path
    # What the "editor" was opened with, and what it hands back next (FIFO).
    edited: list[str] = field(default_factory=list)
    editor_returns: list[str | None] = field(default_factory=list)
    copied: list[str] = field(default_factory=list)
    context: SlashContext = field(init=False)

    def __post_init__(self) -> None:
        self.context = SlashContext(
            self.session,
            edit_text=self._edit_text,
            copy_text=self._copy_text,
            cwd=self.cwd,
        )

    def _edit_text(self, text: str) -> str | None:
        self.edited.append(text)
        return self.editor_returns.pop(0)

    def _copy_text(self, text: str) -> str:
        self.copied.append(text)
        return "the test clipboard"

    def slash(self, line: str) -> SlashResult:
        parsed = slash.parse(line)
        assert parsed is not None, f"{line!r} is not a command"
        return slash.run(self.context, *parsed)

    def act(self, line: str, *replies: Reply) -> SlashResult:
        """What the REPL does with a command line: run it, then retry or send."""
        self.server.queue(*replies)
        result = self.slash(line)
        if result.retry:
            self.session.retry(Screen())
        if result.send is not None:
            self.session.send(result.send, Screen())
        return result

    def say(
        self,
        text: str,
        *content: str,
        reasoning: tuple[str, ...] = (),
        usage: dict[str, Any] | None = None,
        sink: Any = None,
    ) -> Turn:
        self.server.queue(sse_reply(chat_stream(content, reasoning, usage=usage)))
        return self.session.send(text, sink if sink is not None else Screen())

    def body(self, index: int = -1) -> dict[str, Any]:
        data: dict[str, Any] = self.server.requests[index].json()
        return data

    def sent(self, index: int = -1) -> list[tuple[str, str]]:
        """The (role, content) pairs of a request's messages."""
        return [(m["role"], m["content"]) for m in self.body(index)["messages"]]

    def held(self) -> list[tuple[str, str]]:
        """The session's in-memory conversation as (role, content) pairs."""
        return [(m.role, m.content) for m in self.session.conversation.messages]

    def replayed(self) -> list[tuple[str, str]]:
        """What history would send for the current conversation."""
        cid = self.session.conversation.id
        assert cid is not None
        stored = self.session.store.load_conversation(cid)
        return [(m.role, m.content) for m in stored.messages]


def answer(*content: str, **options: Any) -> Reply:
    return sse_reply(chat_stream(content, **options))


def rows(home: Path, role: str) -> list[tuple[object, object]]:
    """(content, status) of every stored message of `role`, oldest first."""
    return [(r["content"], r["status"]) for r in history_rows(home, role)]


def conversation_system(home: Path, cid: str) -> object:
    db = home / "data" / "history.sqlite3"
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT system FROM conversations WHERE id = ?", (cid,)
        ).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def open_chat(
    server: FakeServer,
    r1_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Chat]]:
    """Open a session (TurnOptions fields as keywords) against the fake server."""
    monkeypatch.setenv("R1CLI_API_KEY", KEY)
    cwd = tmp_path / "work"
    cwd.mkdir()
    sessions: list[ChatState] = []

    def open_(**options: Any) -> Chat:
        opts = TurnOptions(
            provider="openai",
            base_url=server.url + "/v1",
            model=MODEL,
            **options,
        )
        session = ChatState(Runtime.from_options(opts), opts)
        sessions.append(session)
        return Chat(session, server, r1_home, cwd)

    yield open_
    for session in sessions:
        if session.store is not None:
            session.store.close()


@pytest.fixture
def chat(open_chat: Callable[..., Chat]) -> Chat:
    return open_chat()


# -- parse and unescape ------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("/model x", ("model", "x")),
        ("  /MODEL   deepseek-reasoner  ", ("model", "deepseek-reasoner")),
        ("/help", ("help", "")),
        ("/set temperature 0.6", ("set", "temperature 0.6")),
        ("/usr/bin/env is what?", None),
        ("//help", None),
        ("/", None),
        ("/2fa codes?", None),
        ("what does /model do?", None),
    ],
)
def test_parse_tells_commands_from_prompts(
    line: str, parsed: tuple[str, str] | None
) -> None:
    assert slash.parse(line) == parsed


@pytest.mark.parametrize(
    ("line", "prompt"),
    [
        ("//help", "/help"),
        ("  //model x", "/model x"),
        ("/usr/bin/env is what?", "/usr/bin/env is what?"),
        ("plain question", "plain question"),
    ],
)
def test_unescape_gives_the_prompt_to_send(line: str, prompt: str) -> None:
    assert slash.unescape(line) == prompt


def test_system_takes_a_multi_line_argument(chat: Chat) -> None:
    text = "You are terse.\n\nAnswer in French."
    assert slash.parse(f"/system {text}") == ("system", text)
    assert slash.parse(f"/system\n{text}\n") == ("system", text)
    chat.slash(f"/system\n{text}")
    assert chat.session.conversation.system == text
    assert chat.slash("/system").lines == [f"system: {text}"]


# -- help and unknown commands -----------------------------------------------------


def test_help_lists_every_command_and_explains_one(chat: Chat) -> None:
    listing = "\n".join(chat.slash("/help").lines)
    for command in slash.COMMANDS:
        assert f"/{command.name}" in listing
    assert chat.slash("/help model").lines == [
        "/model [NAME]",
        "show or switch the model",
    ]
    assert chat.slash("/help /quit").lines[0] == "/exit"
    with pytest.raises(UsageError) as caught:
        chat.slash("/help mdoel")
    assert "/model" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("mdoel", "/model"), ("hstory", "/history"), ("exi", "/exit")],
)
def test_unknown_command_suggests_the_close_match(
    chat: Chat, typed: str, suggested: str
) -> None:
    with pytest.raises(UsageError) as caught:
        chat.slash(f"/{typed} x")
    assert caught.value.message == f"unknown command /{typed}"
    assert f"did you mean {suggested}?" in (caught.value.hint or "")
    assert chat.server.requests == []


def test_an_unknown_command_with_no_close_match_points_at_help(chat: Chat) -> None:
    with pytest.raises(UsageError) as caught:
        chat.slash("/zzzz")
    assert caught.value.hint == "/help lists the commands"


# -- conversation: new, model, provider, system ------------------------------------


def test_new_starts_an_empty_conversation_and_keeps_the_system_prompt(
    open_chat: Callable[..., Chat],
) -> None:
    chat = open_chat(system="Be brief.")
    chat.say("one", "1", usage={"prompt_tokens": 5, "completion_tokens": 1})
    first = chat.session.conversation.id
    assert chat.slash("/new").lines == ["new conversation"]
    assert chat.held() == []
    assert chat.session.usage.answers == 0
    chat.say("two", "2")
    assert chat.sent() == [("system", "Be brief."), ("user", "two")]
    assert chat.session.conversation.id not in (None, first)
    assert len(chat.session.store.list_conversations(0)) == 2


def test_model_shows_switches_and_rejects_names_with_spaces(chat: Chat) -> None:
    assert chat.slash("/model").lines == [f"model: {MODEL} (via openai)"]
    assert chat.slash("/model vendor/other-r1").lines == [
        "model: vendor/other-r1 (via openai)"
    ]
    chat.say("hi", "hello")
    assert chat.body()["model"] == "vendor/other-r1"
    assert history_rows(chat.home)[0]["model"] == "vendor/other-r1"
    with pytest.raises(UsageError, match="not a model name"):
        chat.slash("/model two words")
    assert chat.session.model == "vendor/other-r1"


def test_provider_switch_needs_that_providers_key_and_changes_nothing_without(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("R1CLI_API_KEY")  # the session already holds its own key
    with pytest.raises(ConfigError) as caught:
        chat.slash("/provider deepseek")
    assert caught.value.message == "no API key for deepseek"
    assert "DEEPSEEK_API_KEY" in (caught.value.hint or "")
    assert (chat.session.spec.name, chat.session.model) == ("openai", MODEL)
    # Still talking to the same server with the same key.
    chat.say("hi", "hello")
    assert chat.server.requests[-1].headers["authorization"] == f"Bearer {KEY}"

    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-deepseek-test-key-123456")
    result = chat.slash("/provider deepseek")
    assert result.lines == [
        "provider: deepseek (https://api.deepseek.com) · model: deepseek-reasoner"
    ]
    assert (chat.session.spec.name, chat.session.model) == (
        "deepseek",
        "deepseek-reasoner",
    )
    assert chat.slash("/provider").lines == result.lines


def test_unknown_provider_is_a_config_error_naming_the_known_ones(chat: Chat) -> None:
    with pytest.raises(ConfigError) as caught:
        chat.slash("/provider nosuch")
    assert caught.value.message == "unknown provider 'nosuch'"
    assert "deepseek" in (caught.value.hint or "")
    assert chat.session.spec.name == "openai"


def test_provider_without_a_default_model_needs_one_named(chat: Chat) -> None:
    with pytest.raises(UsageError) as caught:
        chat.slash("/provider ollama")
    assert caught.value.hint == "name one: /provider ollama MODEL"
    assert chat.session.spec.name == "openai"
    chat.slash("/provider ollama deepseek-r1:8b")
    assert chat.session.spec.name == "ollama"
    assert chat.session.spec.base_url == "http://localhost:11434/v1"
    assert chat.session.model == "deepseek-r1:8b"


def test_provider_with_a_bad_model_name_changes_nothing(chat: Chat) -> None:
    with pytest.raises(UsageError, match="not a model name"):
        chat.slash("/provider ollama two words")
    assert (chat.session.spec.name, chat.session.model) == ("openai", MODEL)
    chat.say("hi", "hello")  # still the fake server, still the old model
    assert chat.body()["model"] == MODEL


def test_provider_switches_back_to_the_startup_provider_and_its_base_url(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-deepseek-test-key-123456")
    chat.slash("/provider deepseek")
    chat.slash(f"/provider openai {MODEL}")
    assert chat.session.spec.base_url == chat.server.url + "/v1"
    chat.say("back?", "yes")
    assert chat.server.requests[-1].path == "/v1/chat/completions"
    assert chat.body()["model"] == MODEL


def test_system_prompt_is_sent_persisted_and_removable(
    open_chat: Callable[..., Chat],
) -> None:
    chat = open_chat()
    assert chat.slash("/system").lines == ["system: (none)"]
    chat.say("hi", "hello")
    assert chat.sent() == [("user", "hi")]
    chat.slash("/system Answer in French.")
    chat.say("again", "encore")
    assert chat.sent()[0] == ("system", "Answer in French.")
    cid = chat.session.conversation.id
    assert cid is not None

    # A new session continuing this conversation has the new system prompt.
    again = open_chat(cid=cid[:6])
    assert again.session.conversation.system == "Answer in French."
    assert again.slash("/system").lines == ["system: Answer in French."]

    assert again.slash("/system off").lines == ["system prompt removed"]
    again.say("third", "troisième")
    assert [role for role, _ in again.sent()] == ["user", "assistant"] * 2 + ["user"]
    third = open_chat(cid=cid)
    assert third.session.conversation.system is None


def test_a_system_prompt_set_before_the_first_message_starts_the_conversation(
    chat: Chat,
) -> None:
    chat.slash("/system Be brief.")
    chat.say("hi", "hello")
    cid = chat.session.conversation.id
    assert cid is not None
    assert conversation_system(chat.home, cid) == "Be brief."
    assert chat.sent() == [("system", "Be brief."), ("user", "hi")]


# -- display and parameters --------------------------------------------------------


def test_reasoning_display_takes_only_the_known_modes(chat: Chat) -> None:
    assert chat.slash("/reasoning show").lines == ["reasoning: show"]
    assert chat.slash("/reasoning HIDE").lines == ["reasoning: hide"]
    with pytest.raises(UsageError) as caught:
        chat.slash("/reasoning loud")
    assert caught.value.message == "reasoning display is one of show | collapse | hide"
    assert chat.session.reasoning == "hide"


def test_effort_is_sent_as_reasoning_effort_and_can_be_unset(chat: Chat) -> None:
    assert chat.slash("/effort").lines == ["effort: provider default"]
    assert chat.slash("/effort High").lines == ["effort: high"]
    assert chat.session.sampling.effort == "high"
    chat.say("hi", "hello")
    assert chat.body()["reasoning_effort"] == "high"
    with pytest.raises(UsageError) as caught:
        chat.slash("/effort extreme")
    assert caught.value.message == ("effort expects low | medium | high, got 'extreme'")
    assert chat.session.sampling.effort == "high"
    chat.slash("/effort off")
    chat.say("again", "hello")
    assert "reasoning_effort" not in chat.body()


@pytest.mark.parametrize(
    ("command", "shown", "field_name", "sent"),
    [
        ("/set temperature 0.6", "temperature = 0.6", "temperature", 0.6),
        ("/set top-p 0.95", "top_p = 0.95", "top_p", 0.95),
        ("/set top_k 40", "top_k = 40", "top_k", 40),
        ("/set max_tokens 512", "max_tokens = 512", "max_tokens", 512),
        ("/set seed 7", "seed = 7", "seed", 7),
        ("/set stop END", 'stop = ["END"]', "stop", ["END"]),
        ('/set stop ["a", "b c"]', 'stop = ["a", "b c"]', "stop", ["a", "b c"]),
        (
            "/set json_mode on",
            "json_mode = true",
            "response_format",
            {"type": "json_object"},
        ),
        (
            '/set provider {"sort": "price"}',
            'provider = {"sort": "price"}',
            "provider",
            {"sort": "price"},
        ),
        ("/set user alice", "user = alice", "user", "alice"),
        ("/set logprobs true", "logprobs = true", "logprobs", True),
    ],
)
def test_set_parameter_reaches_the_request_body(
    chat: Chat, command: str, shown: str, field_name: str, sent: object
) -> None:
    assert chat.slash(command).lines == [shown]
    chat.say("hi", "hello")
    assert chat.body()[field_name] == sent


def test_set_off_unsets_so_the_field_is_absent(chat: Chat) -> None:
    chat.slash("/set temperature 0.6")
    chat.slash("/set seed 7")
    chat.slash("/set user alice")
    assert chat.slash("/set temperature off").lines == [
        "temperature: unset (provider default)"
    ]
    chat.slash("/set user default")
    chat.slash("/set stop END")
    # like every parameter, as /help says; an empty list unsets them too
    assert chat.slash("/set stop off").lines == ["stop: unset (provider default)"]
    chat.slash("/set stop END")
    assert chat.slash("/set stop []").lines == ["stop = []"]
    chat.say("hi", "hello")
    body = chat.body()
    assert body["seed"] == 7
    assert "temperature" not in body
    assert "user" not in body
    assert "stop" not in body
    with pytest.raises(UsageError, match="nosuch is not set"):
        chat.slash("/set nosuch off")


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("/set temperature hot", "temperature expects a number, got 'hot'"),
        ("/set seed 1.5", "seed expects a whole number, got '1.5'"),
        ("/set json_mode maybe", "json_mode expects true or false, got 'maybe'"),
        ("/set stop [1, 2]", "stop expects a string or a JSON list of strings"),
        ("/set effort max", "effort expects low | medium | high, got 'max'"),
        ("/set temperature nan", "temperature expects a number, got 'nan'"),
        ("/set top_p inf", "top_p expects a number, got 'inf'"),
        ("/set bad$name 1", "not a parameter name: 'bad$name'"),
        ("/set", "usage: /set PARAM VALUE"),
        ("/set temperature", "usage: /set PARAM VALUE"),
    ],
)
def test_set_bad_value_names_the_expected_type_and_changes_nothing(
    chat: Chat, command: str, message: str
) -> None:
    before = chat.session.sampling
    with pytest.raises(UsageError) as caught:
        chat.slash(command)
    assert caught.value.message.startswith(message)
    assert chat.session.sampling == before


def test_a_body_field_given_as_nan_is_kept_as_text_so_requests_still_go(
    chat: Chat,
) -> None:
    chat.slash("/set penalty NaN")
    chat.say("hi", "hello")
    assert chat.body()["penalty"] == "NaN"


def test_params_lists_what_is_set(chat: Chat) -> None:
    assert chat.slash("/params").lines == [
        "no parameters set: the provider's defaults apply"
    ]
    chat.slash("/set temperature 0.6")
    chat.slash("/set stop END")
    chat.slash("/effort low")
    chat.slash('/set provider {"sort": "price"}')
    assert chat.slash("/params").lines == [
        "temperature = 0.6",
        'stop = ["END"]',
        "effort = low",
        'provider = {"sort": "price"}',
    ]


# -- retry and edit ----------------------------------------------------------------


def test_retry_resends_the_same_messages_and_keeps_only_the_new_answer(
    chat: Chat,
) -> None:
    chat.say("q1", "a1")
    chat.say("q2", "first try")
    result = chat.act("/retry", answer("second try"))
    assert result.retry and result.lines == []
    assert (
        chat.sent(2)
        == chat.sent(1)
        == [("user", "q1"), ("assistant", "a1"), ("user", "q2")]
    )
    assert rows(chat.home, "assistant") == [
        ("a1", "complete"),
        ("second try", "complete"),
    ]
    assert [c for c, _ in rows(chat.home, "user")] == ["q1", "q2"]
    assert chat.held() == chat.replayed()
    assert chat.session.last_answer() == "second try"


def test_retry_with_no_prompt_yet_is_a_usage_error(chat: Chat) -> None:
    with pytest.raises(UsageError, match="nothing to retry yet"):
        chat.act("/retry")
    assert chat.server.requests == []


def test_retry_after_a_failed_turn_asks_again(
    open_chat: Callable[..., Chat], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("R1CLI_MAX_RETRIES", "0")
    chat = open_chat()
    chat.server.queue(json_reply(500, {"error": {"message": "upstream down"}}))
    with pytest.raises(ProviderFailed):
        chat.session.send("q", Screen())
    assert chat.held() == []  # not context for the next message…
    assert rows(chat.home, "user") == [("q", "complete")]  # …but kept in history
    assert rows(chat.home, "assistant") == [("", "error")]
    chat.act("/retry", answer("finally"))
    assert chat.sent(1) == chat.sent(0) == [("user", "q")]
    assert rows(chat.home, "assistant") == [("finally", "complete")]
    assert rows(chat.home, "user") == [("q", "complete")]
    assert chat.held() == [("user", "q"), ("assistant", "finally")]


def test_retry_without_history_works_from_memory(
    open_chat: Callable[..., Chat],
) -> None:
    chat = open_chat(no_history=True)
    chat.say("q", "one")
    chat.act("/retry", answer("two"))
    assert chat.sent(1) == chat.sent(0) == [("user", "q")]
    assert chat.held() == [("user", "q"), ("assistant", "two")]


def test_edit_opens_the_last_prompt_and_replaces_the_last_exchange(
    chat: Chat,
) -> None:
    chat.say("q1", "a1")
    chat.say("q2 with a typo", "a2")
    chat.editor_returns.append("q2 fixed")
    result = chat.act("/edit", answer("a2 again"))
    assert chat.edited == ["q2 with a typo"]
    assert result.send == "q2 fixed"
    assert chat.sent() == [("user", "q1"), ("assistant", "a1"), ("user", "q2 fixed")]
    assert [c for c, _ in rows(chat.home, "user")] == ["q1", "q2 fixed"]
    assert [c for c, _ in rows(chat.home, "assistant")] == ["a1", "a2 again"]
    assert chat.held() == chat.replayed()


@pytest.mark.parametrize("editor_gives", [None, "", "  \n"])
def test_cancelled_edit_sends_nothing_and_keeps_history(
    chat: Chat, editor_gives: str | None
) -> None:
    chat.say("q", "a")
    held = chat.held()
    chat.editor_returns.append(editor_gives)
    result = chat.act("/edit")
    assert result.lines == ["edit cancelled: nothing sent"]
    assert result.send is None
    assert len(chat.server.requests) == 1
    assert rows(chat.home, "user") == [("q", "complete")]
    assert rows(chat.home, "assistant") == [("a", "complete")]
    assert chat.held() == held


# -- files, copy -------------------------------------------------------------------


def test_file_attaches_to_the_next_message_only(chat: Chat) -> None:
    (chat.cwd / "notes.txt").write_text("line one\nline two\n", encoding="utf-8")
    assert chat.slash("/file").lines == ["no files attached; /file PATH attaches one"]
    assert chat.slash("/file notes.txt").lines == [
        "attached notes.txt (18 characters) to your next message"
    ]
    assert chat.slash("/file").lines == [f"attached: {chat.cwd / 'notes.txt'}"]
    chat.say("summarise", "ok")
    assert chat.sent() == [
        ("user", "summarise\n\nnotes.txt:\n```\nline one\nline two\n```")
    ]
    assert chat.slash("/file").lines == ["no files attached; /file PATH attaches one"]
    chat.say("again", "ok")
    assert chat.sent()[-1] == ("user", "again")


def test_file_refuses_binary_and_missing_files(chat: Chat) -> None:
    (chat.cwd / "blob.bin").write_bytes(b"\x89PNG\x00\x01")
    with pytest.raises(UsageError, match="looks like a binary file"):
        chat.slash("/file blob.bin")
    with pytest.raises(UsageError, match="cannot read"):
        chat.slash("/file nowhere.txt")
    with pytest.raises(UsageError, match="cannot read"):
        chat.slash(f"/file {chat.cwd}")
    assert chat.session.attachments == []


def test_copy_needs_an_answer(chat: Chat) -> None:
    with pytest.raises(UsageError, match="no answer"):
        chat.slash("/copy")
    assert chat.copied == []


def test_copy_takes_the_answer_or_one_of_its_code_blocks(chat: Chat) -> None:
    chat.say("show code", TWO_BLOCKS)
    assert chat.slash("/copy").lines == [
        f"copied the last answer ({len(TWO_BLOCKS)} characters) via the test clipboard"
    ]
    assert chat.slash("/copy code").lines == [
        "copied code block 2 of 2 (16 characters) via the test clipboard"
    ]
    chat.slash("/copy code 1")
    assert chat.copied == [TWO_BLOCKS, "echo two\necho 2\n", "print(1)\n"]
    for bad in ("/copy code 3", "/copy code 0"):
        with pytest.raises(UsageError, match=r"has 2 code block\(s\)"):
            chat.slash(bad)
    for bad in ("/copy code x", "/copy everything"):
        with pytest.raises(UsageError, match="usage: /copy"):
            chat.slash(bad)
    assert len(chat.copied) == 3


def test_copy_code_of_an_answer_without_blocks(chat: Chat) -> None:
    chat.say("hi", "just prose")
    with pytest.raises(UsageError, match="no code block"):
        chat.slash("/copy code")


def test_copy_of_an_interrupted_answer_leaves_the_marker_out(chat: Chat) -> None:
    chat.server.queue(answer("partial ", "answer"))
    with pytest.raises(KeyboardInterrupt):
        chat.session.send("q", Screen(ctrl_c_after=1))
    chat.slash("/copy")
    assert chat.copied == ["partial "]


# -- history, load, export ---------------------------------------------------------


def test_history_lists_conversations_and_marks_the_current_one(chat: Chat) -> None:
    assert chat.slash("/history").lines == ["no conversations yet"]
    chat.say("first topic", "a")
    first = chat.session.conversation.id
    chat.slash("/new")
    chat.say("second topic", "b")
    second = chat.session.conversation.id
    lines = chat.slash("/history").lines
    assert len(lines) == 3
    assert lines[0].startswith(f"* {second}") and lines[0].endswith("second topic")
    assert lines[1].startswith(f"  {first}") and "2 msgs" in lines[1]
    assert lines[2].startswith("/load ID")
    assert len(chat.slash("/history 1").lines) == 2
    with pytest.raises(UsageError, match=r"usage: /history \[N\]"):
        chat.slash("/history many")


def test_history_and_load_need_history(open_chat: Callable[..., Chat]) -> None:
    chat = open_chat(no_history=True)
    with pytest.raises(UsageError, match="history is off"):
        chat.slash("/history")
    with pytest.raises(UsageError, match="history is off"):
        chat.slash("/load abc")


def test_load_switches_by_prefix_with_its_messages_and_usage(chat: Chat) -> None:
    chat.say(
        "old question",
        "old answer",
        usage={"prompt_tokens": 11, "completion_tokens": 4, "cost": 0.002},
    )
    old = chat.session.conversation.id
    assert old is not None
    chat.slash("/new")
    chat.say("new question", "new answer")
    new = chat.session.conversation.id
    assert new is not None
    # Ids made in the same millisecond share a prefix: the shortest unique one.
    prefix = next(old[:n] for n in range(1, 13) if not new.startswith(old[:n]))
    result = chat.slash(f"/load {prefix}")
    assert result.lines == [f"loaded conversation {old} (2 messages)"]
    assert result.recap
    assert chat.session.conversation.id == old
    assert chat.held() == [("user", "old question"), ("assistant", "old answer")]
    usage = chat.session.usage
    assert (usage.answers, usage.prompt_tokens, usage.completion_tokens) == (1, 11, 4)
    assert usage.cost == pytest.approx(0.002)
    chat.say("follow-up", "more")
    assert chat.sent()[:2] == [("user", "old question"), ("assistant", "old answer")]
    with pytest.raises(UsageError, match="no conversation matches 'zzzz'"):
        chat.slash("/load zzzz")
    with pytest.raises(UsageError, match="usage: /load ID"):
        chat.slash("/load")
    assert chat.session.conversation.id == old


def test_load_counts_answers_as_the_live_session_did(
    open_chat: Callable[..., Chat], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("R1CLI_MAX_RETRIES", "0")
    chat = open_chat()
    chat.server.queue(json_reply(500, {"error": {"message": "upstream down"}}))
    with pytest.raises(ProviderFailed):
        chat.session.send("q1", Screen())
    chat.say("q2", "a2", usage={"prompt_tokens": 9, "completion_tokens": 3})
    live = chat.slash("/usage").lines[0]
    assert live.startswith("1 answers · 9 in · 3 out")
    cid = chat.session.conversation.id
    assert cid is not None
    chat.slash(f"/load {cid}")
    assert chat.slash("/usage").lines[0] == live


def test_export_writes_a_private_markdown_file_in_the_cwd(chat: Chat) -> None:
    with pytest.raises(UsageError, match="nothing to export yet"):
        chat.slash("/export")
    chat.say("Why is the sky blue?", "Rayleigh scattering.", reasoning=("Light…",))
    cid = chat.session.conversation.id
    assert cid is not None
    result = chat.slash("/export")
    path = chat.cwd / f"r1-{cid[:8]}.md"
    assert result.lines == [f"exported to {path}"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Why is the sky blue?\n")
    assert "## user\n\nWhy is the sky blue?" in text
    assert f"## assistant · {MODEL}" in text
    assert "Rayleigh scattering." in text
    assert "<details><summary>Reasoning</summary>\n\nLight…" in text
    # A second export never overwrites the first.
    assert chat.slash("/export").lines == [
        f"exported to {chat.cwd / f'r1-{cid[:8]}-2.md'}"
    ]
    assert path.read_text(encoding="utf-8") == text


def test_export_to_a_given_path(chat: Chat, tmp_path: Path) -> None:
    chat.say("q", "a")
    chat.slash("/export out/conv.md")
    assert "## assistant" in (chat.cwd / "out" / "conv.md").read_text("utf-8")
    target = tmp_path / "elsewhere.md"
    assert chat.slash(f"/export {target}").lines == [f"exported to {target}"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_export_without_history_uses_the_conversation_in_memory(
    open_chat: Callable[..., Chat], r1_home: Path
) -> None:
    chat = open_chat(no_history=True, system="Be brief.")
    chat.say("Hello there", "General Kenobi")
    result = chat.slash("/export")
    path = chat.cwd / "r1-unsaved.md"
    assert result.lines == [f"exported to {path}"]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Hello there\n")
    assert "## System\n\nBe brief." in text
    assert "## user\n\nHello there" in text
    assert f"## assistant · {MODEL}\n\nGeneral Kenobi" in text
    assert not (r1_home / "data" / "history.sqlite3").exists()


def test_export_reports_an_unwritable_path(chat: Chat) -> None:
    chat.say("q", "a")
    (chat.cwd / "afile").write_text("x")
    with pytest.raises(UsageError, match="cannot write"):
        chat.slash("/export afile/sub.md")


# -- usage, clear, exit ------------------------------------------------------------


def test_usage_sums_the_reported_usage_of_every_answer(chat: Chat) -> None:
    assert chat.slash("/usage").lines == [
        "0 answers · 0 in · 0 out (0 reasoning) · cost not reported",
        "context: about 0 of 163,840 tokens (0%)",
    ]
    chat.say(
        "q1",
        "a1",
        usage={
            "prompt_tokens": 1000,
            "completion_tokens": 200,
            "completion_tokens_details": {"reasoning_tokens": 150},
            "cost": 0.0012,
        },
    )
    chat.say(
        "q2",
        "a2",
        usage={"prompt_tokens": 1300, "completion_tokens": 100, "cost": 0.0008},
    )
    assert chat.slash("/usage").lines == [
        "2 answers · 2,300 in · 300 out (150 reasoning) · $0.0020",
        "context: about 1,400 of 163,840 tokens (1%)",
    ]


def test_usage_formats_a_tiny_cost_as_the_footer_does(chat: Chat) -> None:
    # The footer prints <$0.0001 for a cost this small; /usage once printed $0.0000.
    chat.say(
        "q", "a", usage={"prompt_tokens": 9, "completion_tokens": 15, "cost": 3.67e-5}
    )
    assert chat.slash("/usage").lines[0] == (
        "1 answers · 9 in · 15 out (0 reasoning) · <$0.0001"
    )


def test_usage_context_window_unknown_for_other_models(chat: Chat) -> None:
    chat.slash("/model vendor/mystery")
    chat.say("abcdefgh", "ijklmnop")
    assert chat.slash("/usage").lines[1] == (
        "context: about 4 tokens (window size unknown)"
    )


def test_clear_and_exit_and_its_aliases(chat: Chat) -> None:
    assert chat.slash("/clear") == SlashResult(clear=True)
    for line in ("/exit", "/quit", "/q", "/QUIT"):
        assert chat.slash(line) == SlashResult(exit=True)


# -- cut-off answers ---------------------------------------------------------------


def test_ctrl_c_keeps_the_partial_answer_marked_and_sends_it_next(
    chat: Chat,
) -> None:
    chat.server.queue(answer("Hel", "lo ", "world"))
    screen = Screen(ctrl_c_after=1)
    with pytest.raises(KeyboardInterrupt):
        chat.session.send("greet", screen)
    assert screen.statuses == ["streaming", "interrupted"]
    assert chat.held() == [("user", "greet"), ("assistant", "Hel" + INTERRUPTED_MARKER)]
    assert rows(chat.home, "assistant") == [("Hel", "interrupted")]
    assert chat.held() == chat.replayed()
    chat.say("go on", "lo world")
    assert chat.sent() == [
        ("user", "greet"),
        ("assistant", "Hel" + INTERRUPTED_MARKER),
        ("user", "go on"),
    ]


def test_a_stream_that_ends_without_a_finish_is_kept_marked(chat: Chat) -> None:
    chat.server.queue(sse_reply(chat_stream(["half an ans"], finish=None, done=False)))
    with pytest.raises(NetworkError, match="without a finish"):
        chat.session.send("q", Screen())
    assert chat.held() == [
        ("user", "q"),
        ("assistant", "half an ans" + INTERRUPTED_MARKER),
    ]
    assert rows(chat.home, "assistant") == [("half an ans", "error")]
    assert chat.held() == chat.replayed()
    chat.say("and?", "done")
    assert chat.sent()[1] == ("assistant", "half an ans" + INTERRUPTED_MARKER)


@pytest.mark.parametrize("no_history", [True, False], ids=["memory", "history"])
def test_a_failed_prompt_is_not_sent_again_with_the_next_one(
    open_chat: Callable[..., Chat], monkeypatch: pytest.MonkeyPatch, no_history: bool
) -> None:
    monkeypatch.setenv("R1CLI_MAX_RETRIES", "0")
    chat = open_chat(no_history=no_history)
    chat.say("hello", "hi")
    chat.server.queue(json_reply(500, {"error": {"message": "upstream down"}}))
    with pytest.raises(ProviderFailed):
        chat.session.send("first", Screen())
    chat.say("second", "ok")
    assert chat.sent() == [("user", "hello"), ("assistant", "hi"), ("user", "second")]


def test_retry_without_history_resends_the_failed_prompt(
    open_chat: Callable[..., Chat], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("R1CLI_MAX_RETRIES", "0")
    chat = open_chat(no_history=True)
    chat.say("hello", "hi")
    chat.server.queue(json_reply(500, {"error": {"message": "upstream down"}}))
    with pytest.raises(ProviderFailed):
        chat.session.send("first", Screen())
    chat.act("/retry", answer("done"))
    assert chat.sent() == [("user", "hello"), ("assistant", "hi"), ("user", "first")]
    assert chat.held()[-2:] == [("user", "first"), ("assistant", "done")]


def test_the_plain_renderer_works_as_the_turn_sink(chat: Chat) -> None:
    out, err = BytesIO(), StringIO()
    chat.say("hi", "Hello", " there", sink=PlainRenderer(out=out, err=err))
    assert out.getvalue() == b"Hello there\n"
    assert err.getvalue() == ""


# -- completion of arguments -------------------------------------------------------


def test_argument_candidates(chat: Chat) -> None:
    def candidates(name: str) -> list[tuple[str, str]]:
        command = slash.find(name)
        assert command is not None
        return slash.argument_candidates(chat.session, command)

    chat.slash("/model vendor/used-before")
    chat.say("What is 2+2?", "4")
    chat.slash(f"/model {MODEL}")
    models = [value for value, _ in candidates("model")]
    assert models[0] == MODEL
    assert {"deepseek-reasoner", "vendor/used-before"} <= set(models)
    assert len(models) == len(set(models))

    providers = [value for value, _ in candidates("provider")]
    assert {"openrouter", "deepseek", "ollama", "openai"} <= set(providers)

    cid = chat.session.conversation.id
    assert candidates("load") == [(cid, "What is 2+2?")]
    assert candidates("reasoning") == [("show", ""), ("collapse", ""), ("hide", "")]
    assert candidates("effort") == [("low", ""), ("medium", ""), ("high", "")]
    assert candidates("file") == []
    assert "temperature" in [value for value, _ in candidates("set")]


def test_argument_candidates_survive_a_broken_history(chat: Chat) -> None:
    chat.say("q", "a")
    chat.session.store.close()
    command = slash.find("load")
    assert command is not None
    assert slash.argument_candidates(chat.session, command) == []
    model = slash.find("model")
    assert model is not None
    assert (MODEL, "") in slash.argument_candidates(chat.session, model)


def test_every_command_is_covered_here() -> None:
    # Here or in a sibling test_slash_*.py module.
    here = Path(__file__)
    source = "".join(
        p.read_text(encoding="utf-8") for p in here.parent.glob(f"{here.stem}*.py")
    )
    for command in slash.COMMANDS:
        assert f'"/{command.name}' in source, command.name


def test_role_sets_the_system_prompt_of_the_next_message(chat: Chat) -> None:
    # More on /role in tests/integration/test_role_slash.py.
    assert chat.slash("/role code").lines[0].startswith("role: code")
    chat.say("sort a list", "ok")
    role, content = chat.sent()[0]
    assert role == "system" and "code only" in content
