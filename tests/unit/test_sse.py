"""Tests for the incremental SSE decoder (docs/wire-formats.md §1.1 and §9)."""

from __future__ import annotations

import json
import time
from itertools import chain, pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from r1cli.wire.sse import MAX_LINE_CHARS, SSEDecoder, SSEEvent, SSEOverflow

FAST = settings(max_examples=200, deadline=None)


def chunk(content: str, finish: str | None = None) -> str:
    """An OpenAI-style chunk as the JSON text a server would send."""
    choice = {"index": 0, "delta": {"content": content}, "finish_reason": finish}
    return json.dumps({"choices": [choice]}, ensure_ascii=False)


def msg(*lines: str, event: str = "message") -> SSEEvent:
    return SSEEvent(event, "\n".join(lines), lines)


def decode(writes: list[bytes]) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for write in writes:
        events += decoder.feed(write)
    return events + decoder.close()


def contents(events: list[SSEEvent]) -> str:
    """The joined answer text, parsing each data line as the providers do."""
    text = []
    for event in events:
        try:
            payloads = [json.loads(event.data)]
        except ValueError:  # several payloads without blank lines between them
            payloads = [json.loads(line) for line in event.lines if line != "[DONE]"]
        for payload in payloads:
            if payload != "[DONE]" and isinstance(payload, dict):
                text.append(payload["choices"][0]["delta"]["content"])
    return "".join(text)


# Fixtures: successive socket writes, and the events they must produce.
T01 = [
    b": OPENROUTER PROCESSING\n\n",
    b'data: {"choices":[{"index":0,"delta":{"content":"","reasoning":"Okay"}}]}\n\n',
    b": OPENROUTER PROCESSING\n\n",
    b'data: {"choices":[{"index":0,"delta":{"content":"Hello!"}}]}\n\n',
    b"data: [DONE]\n\n",
]
T01_EVENTS = [
    msg('{"choices":[{"index":0,"delta":{"content":"","reasoning":"Okay"}}]}'),
    msg('{"choices":[{"index":0,"delta":{"content":"Hello!"}}]}'),
    msg("[DONE]"),
]
T06 = [
    b": OPENROUTER PROCESSING\r\n\r\n",
    b'data: {"choices":[{"index":0,"delta":{"content":"crlf "},"finish_reason":null}]}'
    b"\r\n\r\n",
    b'data: {"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}]}'
    b"\r\n\r\n",
    b"data: [DONE]\r\n\r\n",
]
T07 = [
    b": keep-alive\r\r",
    f"data: {chunk('cr ')}\r\r".encode(),
    f"data: {chunk('only', 'stop')}\r\r".encode(),
    b"data: [DONE]\r\r",
]
T08 = [
    b"da",
    b'ta: {"choices":[{"index":0,"delta":{"content":"Hel',
    b'lo"},"finish_reason":null}]}\r',
    b"\n\r",
    b'\ndata: {"choices":[{"index":0,"delta":{"content":" world"},'
    b'"finish_reason":"stop"}]}\n',
    b"\ndata: [DO",
    b"NE]\n\n",
]
T09 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"b"},"finish_reason":null}]}\n\n'
    b'data: {"choices":[{"index":0,"delta":{"content":"c"},"finish_reason":null}]}\n\n',
    b'data: {"choices":[{"index":0,',
    b'"delta":{"content":"d"},',
    b'"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
]
T10 = [
    b'data: {"choices":[{"index":0,\n',
    b'data: "delta":{"content":"multi-line"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]
T11 = [
    b'id: 1\nretry: 3000\nevent: message\ndata:{"choices":[{"index":0,"delta":'
    b'{"content":"x"},"finish_reason":null}]}\n\n',
    b'data:  {"choices":[{"index":0,"delta":{"content":"y"},"finish_reason":"stop"}]}'
    b"\n\n",
    b"data:[DONE]\n\n",
]
T12 = [
    f"data: {chunk('Silent')}\n".encode(),
    f"data: {chunk(' snow', 'stop')}\n".encode(),
    b"data: [DONE]\n",
]
T13 = [
    b"\xef\xbb\xbf" + f"data: {chunk('bom', 'stop')}\n\n".encode(),
    b"data: [DONE]\n\n",
]
T14 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"Caf\xc3',
    b"\xa9 \xe5\xa5",
    b"\xbd\xf0\x9f",
    b'\x98\x8a"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]
T15 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"bad \xff byte"},'
    b'"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]
T16 = [
    b'data: {"choices":[{"index":0,"delta":{"content":"na\xc3\xafve \xe2\x80\x94 '
    b'\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},"finish_reason":"stop"}]}\n\n',
    b"data: [DONE]\n\n",
]
T22 = [f"data: {chunk('tail', 'stop')}\n\n".encode(), b"data: [DONE]"]
LLAMA_ERROR = (
    '{"code":400,"message":"request (5827 tokens) exceeds the available context '
    'size (4096 tokens), try increasing it","type":"exceed_context_size_error"}'
)
T25 = [f"error: {LLAMA_ERROR}\n\n".encode(), b"data: [DONE]\n\n"]

# (writes, expected answer text) for every fixture whose data lines are all JSON.
ANSWERS = {
    "T06": (T06, "crlf ok"),
    "T07": (T07, "cr only"),
    "T08": (T08, "Hello world"),
    "T09": (T09, "abcd"),
    "T10": (T10, "multi-line"),
    "T11": (T11, "xy"),
    "T12": (T12, "Silent snow"),
    "T13": (T13, "bom"),
    "T14": (T14, "Café 好😊"),
    "T15": (T15, "bad \ufffd byte"),
    "T16": (T16, "naïve — привет"),
    "T22": (T22, "tail"),
}
ALL = {"T01": T01, "T25": T25} | {name: w for name, (w, _) in ANSWERS.items()}


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_fixture_answer(name: str) -> None:
    writes, answer = ANSWERS[name]
    events = decode(writes)
    assert contents(events) == answer
    assert events[-1].lines[-1] == "[DONE]"


def test_t01_comments_skipped_and_events_in_order() -> None:
    assert decode(T01) == T01_EVENTS


def test_t06_done_has_no_stray_cr() -> None:
    assert decode(T06)[-1] == msg("[DONE]")


def test_t07_bare_cr_dispatches_before_close() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(T07[0]) == []
    assert decoder.feed(T07[1]) == [msg(chunk("cr "))]
    assert decoder.feed(T07[2]) == [msg(chunk("only", "stop"))]
    assert decoder.feed(T07[3]) == [msg("[DONE]")]
    assert decoder.close() == []


def test_t08_exactly_three_events() -> None:
    events = decode(T08)
    assert [e.data for e in events][-1] == "[DONE]"
    assert len(events) == 3


def test_t09_four_deltas_then_done() -> None:
    events = decode(T09)
    assert len(events) == 5
    assert [contents([e]) for e in events[:4]] == ["a", "b", "c", "d"]


def test_t10_data_lines_join_with_newline() -> None:
    first = decode(T10)[0]
    assert first.lines == (
        '{"choices":[{"index":0,',
        '"delta":{"content":"multi-line"},"finish_reason":"stop"}]}',
    )
    assert first.data == "\n".join(first.lines)


def test_t11_one_space_dropped_and_id_retry_ignored() -> None:
    events = decode(T11)
    assert [e.event for e in events] == ["message"] * 3
    assert events[0].data.startswith('{"choices"')
    assert events[1].data.startswith(' {"choices"')  # "data:  x" keeps one space
    assert events[2].data == "[DONE]"


def test_t12_no_blank_lines_flushes_at_close_with_each_line() -> None:
    decoder = SSEDecoder()
    for write in T12:
        assert decoder.feed(write) == []
    (event,) = decoder.close()
    assert event.lines == (chunk("Silent"), chunk(" snow", "stop"), "[DONE]")


def test_t13_bom_split_across_feeds_is_stripped() -> None:
    writes = [b"\xef", b"\xbb", b"\xbfdata: x\n\n"]
    assert decode(writes) == [msg("x")]


def test_only_the_first_bom_is_stripped() -> None:
    # The second BOM is part of the field name, so the line is an unknown field.
    assert decode([b"\xef\xbb\xbf\xef\xbb\xbfdata: x\n\ndata: y\n\n"]) == [msg("y")]


def test_bom_after_start_is_kept_in_data() -> None:
    assert decode([b"data: a\n\n", b"data: \xef\xbb\xbfb\n\n"]) == [
        msg("a"),
        msg("\ufeffb"),
    ]


def test_t14_split_multibyte_never_mangled() -> None:
    events = decode(T14)
    assert "\ufffd" not in events[0].data


def test_incomplete_utf8_at_eof_becomes_replacement() -> None:
    assert decode([b"data: a\xc3"]) == [msg("a\ufffd")]


def test_t22_unterminated_last_event_flushed_by_close() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(T22[0]) == [msg(chunk("tail", "stop"))]
    assert decoder.feed(T22[1]) == []
    assert decoder.close() == [msg("[DONE]")]


def test_t25_llama_error_field_is_an_error_event() -> None:
    assert decode(T25) == [msg(LLAMA_ERROR, event="error"), msg("[DONE]")]


def test_error_field_after_pending_data_keeps_order() -> None:
    events = decode([b"data: a\nerror: boom\ndata: b\n\n"])
    assert events == [msg("a"), msg("boom", event="error"), msg("b")]


def test_error_field_dispatches_during_feed() -> None:
    assert SSEDecoder().feed(b"error: boom\n") == [msg("boom", event="error")]


def test_t24_event_name_honoured_then_reset() -> None:
    events = decode([b"event: error\ndata: {}\n\ndata: x\n\n"])
    assert events == [msg("{}", event="error"), msg("x")]


def test_event_name_reset_by_blank_line_without_data() -> None:
    assert decode([b"event: ping\n\ndata: x\n\n"]) == [msg("x")]


def test_events_without_data_are_not_dispatched() -> None:
    assert decode([b"event: ping\nid: 3\n\n: comment\n\n\n\n"]) == []


def test_data_field_without_colon_is_empty_data() -> None:
    assert decode([b"data\n\n"]) == [msg("")]


def test_unknown_fields_ignored() -> None:
    assert decode([b"foo: bar\nretry: 10\ndata: x\nbaz\n\n"]) == [msg("x")]


def test_crlf_split_between_feeds_is_one_terminator() -> None:
    # A spurious blank line from the split would dispatch "a" and "b" apart.
    assert decode([b"data: a\r", b"\ndata: b\n\n"]) == [msg("a", "b")]


def test_cr_then_cr_is_a_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\r") == [msg("a")]


def test_cr_state_survives_a_feed_that_decodes_to_nothing() -> None:
    assert decode([b"data: a\r", b"", b"\ndata: b\n\n"]) == [msg("a", "b")]


def test_overflow_on_growing_line() -> None:
    decoder = SSEDecoder(max_line_chars=10)
    decoder.feed(b"data: 1234")
    with pytest.raises(SSEOverflow):
        decoder.feed(b"5")


def test_overflow_does_not_depend_on_splits() -> None:
    with pytest.raises(SSEOverflow):
        SSEDecoder(max_line_chars=10).feed(b"data: 12345\n\n")
    assert SSEDecoder(max_line_chars=10).feed(b"data: 1234\n\n") == [msg("1234")]


def test_default_cap_is_16_mib_and_a_value_error() -> None:
    assert MAX_LINE_CHARS == 16 * 1024 * 1024
    assert issubclass(SSEOverflow, ValueError)
    decoder = SSEDecoder()
    piece = b"x" * (1024 * 1024)
    decoder.feed(b"data: ")
    with pytest.raises(SSEOverflow):  # the 17th MiB must raise
        for _ in range(17):
            decoder.feed(piece)


def test_long_line_in_many_feeds_is_linear() -> None:
    # Re-joining the partial line per feed would copy ~20 GB here.
    decoder = SSEDecoder()
    piece = b"y" * 100
    started = time.perf_counter()
    decoder.feed(b"data: ")
    for _ in range(20_000):
        assert decoder.feed(piece) == []
    (event,) = decoder.feed(b"\n\n")
    assert len(event.data) == 2_000_000
    assert time.perf_counter() - started < 2.0


def test_close_twice_and_feed_after_close() -> None:
    decoder = SSEDecoder()
    assert decoder.close() == []
    assert decoder.close() == []
    with pytest.raises(ValueError):
        decoder.feed(b"data: x\n\n")


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_byte_split_gives_the_same_events(name: str) -> None:
    body = b"".join(ALL[name])
    expected = decode(list(ALL[name]))
    assert expected  # every fixture produces events
    for i in range(len(body) + 1):
        assert decode([body[:i], body[i:]]) == expected, i


@pytest.mark.parametrize("name", sorted(ALL))
def test_single_byte_feeds_give_the_same_events(name: str) -> None:
    body = b"".join(ALL[name])
    assert decode([body[i : i + 1] for i in range(len(body))]) == decode([body])


def split_at(body: bytes, cuts: list[int]) -> list[bytes]:
    points = [0, *sorted(c % (len(body) + 1) for c in cuts), len(body)]
    return [body[a:b] for a, b in pairwise(points)]


@FAST
@given(name=st.sampled_from(sorted(ALL)), cuts=st.lists(st.integers(0, 10_000)))
def test_random_multi_splits_give_the_same_events(name: str, cuts: list[int]) -> None:
    body = b"".join(ALL[name])
    assert decode(split_at(body, cuts)) == decode([body])


SSE_PIECES = [
    b"data",
    b"event",
    b"error",
    b"id",
    b":",
    b" ",
    b"x",
    b"\r",
    b"\n",
    b"\r\n",
    b"\xc3\xa9",
    b"\xf0\x9f\x98\x8a",
    b"\xef\xbb\xbf",
    b"\xff",
]


@FAST
@given(
    body=st.lists(st.sampled_from(SSE_PIECES), max_size=60).map(b"".join),
    cuts=st.lists(st.integers(0, 10_000), max_size=8),
)
def test_any_stream_is_split_invariant(body: bytes, cuts: list[int]) -> None:
    assert decode(split_at(body, cuts)) == decode([body])


# -- the LF fast path against the general line-by-line state machine -----------------


class LineByLine(SSEDecoder):
    """The decoder with its LF fast path turned off: every line goes one at a time
    through the general state machine, the reference the fast path must match."""

    def _feed_lf(self, text: str) -> list[SSEEvent]:
        return self._feed_lines(text)


Outcomes = list[list[SSEEvent] | str]


def outcomes(
    decoder_class: type[SSEDecoder], writes: list[bytes], max_line: int | None = None
) -> Outcomes:
    """What each feed and the close returned, or "overflow" where it raised."""
    decoder = decoder_class(max_line_chars=max_line or MAX_LINE_CHARS)
    results: Outcomes = []
    try:
        for write in writes:
            results.append(decoder.feed(write))
        results.append(decoder.close())
    except SSEOverflow:
        results.append("overflow")
    return results


# Field values never hold a line terminator (the wire cannot carry one in a line);
# they do hold colons, spaces, JSON punctuation, non-ASCII and a BOM.
VALUE = st.text(alphabet=st.sampled_from(list('ab {}":[]é好😊\ufeff')), max_size=10)
FIELD = st.one_of(
    VALUE.map(lambda v: "data: " + v),
    VALUE.map(lambda v: "data:" + v),
    VALUE.map(lambda v: "data:  " + v),
    st.just("data"),
    VALUE.map(lambda v: "event: " + v),
    VALUE.map(lambda v: "id: " + v),
    st.integers(0, 9999).map(lambda n: f"retry: {n}"),
    VALUE.map(lambda v: ":" + v),  # a comment (keep-alive)
    VALUE.map(lambda v: "error: " + v),
    VALUE.map(lambda v: "x-field: " + v),
)
ANY_EOL = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def framed_streams(draw: st.DrawFn) -> bytes:
    """An event stream mixing every framing: mostly `data: …` events, as servers
    send, with comments, multi-line data, named events, id/retry/error fields,
    LF/CRLF/CR (or LF only), extra blank lines, a leading BOM and an unterminated
    tail."""
    eol = st.just("\n") if draw(st.booleans()) else ANY_EOL
    common = st.tuples(VALUE.map(lambda v: "data: " + v), eol).map(lambda x: [x])
    event = st.one_of(common, common, st.lists(st.tuples(FIELD, eol), max_size=4))
    text = "\ufeff" if draw(st.booleans()) else ""
    for lines in draw(st.lists(event, max_size=8)):
        text += "".join(field + end for field, end in lines)
        text += "".join(draw(st.lists(eol, min_size=1, max_size=3)))
    text += draw(st.one_of(st.just(""), FIELD, FIELD.map(lambda f: f + "\n")))
    return text.encode()


@FAST
@given(
    body=framed_streams(),
    cuts=st.lists(st.integers(0, 10_000), max_size=8),
    max_line=st.one_of(st.none(), st.integers(1, 24)),
)
def test_fast_path_matches_line_by_line(
    body: bytes, cuts: list[int], max_line: int | None
) -> None:
    writes = split_at(body, cuts)
    fast = outcomes(SSEDecoder, writes, max_line)
    assert fast == outcomes(LineByLine, writes, max_line)
    if max_line is None:  # and neither depends on how the bytes were split
        whole = outcomes(LineByLine, [body])
        assert list(chain.from_iterable(fast)) == list(chain.from_iterable(whole))


@FAST
@given(
    body=st.lists(st.sampled_from(SSE_PIECES), max_size=60).map(b"".join),
    cuts=st.lists(st.integers(0, 10_000), max_size=8),
    max_line=st.one_of(st.none(), st.integers(1, 12)),
)
def test_fast_path_matches_line_by_line_on_any_bytes(
    body: bytes, cuts: list[int], max_line: int | None
) -> None:
    writes = split_at(body, cuts)
    assert outcomes(SSEDecoder, writes, max_line) == outcomes(
        LineByLine, writes, max_line
    )


@pytest.mark.parametrize("name", sorted(ALL))
def test_fast_path_matches_line_by_line_on_fixtures(name: str) -> None:
    writes = list(ALL[name])
    assert outcomes(SSEDecoder, writes) == outcomes(LineByLine, writes)
    body = b"".join(writes)
    for i in range(len(body) + 1):
        writes = [body[:i], body[i:]]
        assert outcomes(SSEDecoder, writes) == outcomes(LineByLine, writes), i


def test_plain_data_events_skip_the_line_machine() -> None:
    # Guards the tests above against comparing the general path with itself.
    class Counting(SSEDecoder):
        taken = 0

        def _take_line(self, line: str, events: list[SSEEvent]) -> None:
            self.taken += 1
            super()._take_line(line, events)

    decoder = Counting()
    body = b'data: {"a":1}\n\ndata:[DONE]\n\ndata: x'
    assert decoder.feed(body) == [msg('{"a":1}'), msg("[DONE]")]
    assert decoder.taken == 0
    assert decoder.close() == [msg("x")]
